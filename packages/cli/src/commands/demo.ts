/**
 * `bluezone demo`: a guided tour of the protocol core on this machine, run by `npm start` until
 * the server exists. Every value printed is computed, nothing is canned.
 *
 * @module
 */
import { nodeCrypto, nodeRandom } from '@bluezone/crypto-node';
import {
  decodeAdvertisement,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  encodeAdvertisement,
  encodeMetadata,
  encryptAssociatedMetadata,
  enIntervalNumber,
  generateTemporaryExposureKey,
  legacyDailyKey,
  legacyIdsForDay,
  matchLegacyTrace,
  parseLegacyF0Record,
  parseLegacyTrace,
  rollingProximityIdentifier,
  toHex,
} from '@bluezone/protocol';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description("A short tour of the protocol: today's key, an advertisement, a legacy log match")
    .action(() => {
      const now = io.now();
      const interval = enIntervalNumber(now.getTime() / 1000);
      const tek = generateTemporaryExposureKey(nodeRandom, interval);
      const rpik = deriveRollingProximityIdentifierKey(tek.keyData, nodeCrypto);
      const aemk = deriveAssociatedEncryptedMetadataKey(tek.keyData, nodeCrypto);
      const rpi = rollingProximityIdentifier(rpik, interval, nodeCrypto);
      const metadata = encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm: -8 });
      const aem = encryptAssociatedMetadata(aemk, rpi, metadata, nodeCrypto);
      const advertisement = encodeAdvertisement({ rpi, aem });
      const decoded = decodeAdvertisement(advertisement);

      const out: string[] = [
        'Bluezone protocol demo',
        '',
        `1. Today's Temporary Exposure Key (fresh random, never derived from an older key)`,
        `   TEK ${toHex(tek.keyData)}, valid from interval ${tek.rollingStartIntervalNumber} for ${tek.rollingPeriod} intervals`,
        `2. The identifier broadcast now (interval ${interval}, ${now.toISOString()})`,
        `   RPI ${toHex(rpi)}  AEM ${toHex(aem)} (metadata v1.0, TX -8 dBm)`,
        `   advertisement (31 bytes, service UUID 0x4E56): ${toHex(advertisement)}`,
        `   decoded back: ${decoded.ok ? 'ok' : decoded.error.message}`,
      ];

      // A legacy Bluezone log with one sighting of a confirmed case and one of a stranger.
      const dayStart = Math.floor(now.getTime() / 86_400_000) * 86_400;
      const caseDailyKey = legacyDailyKey(nodeRandom(32), 0, nodeCrypto);
      const caseIds = legacyIdsForDay(caseDailyKey, 96, nodeCrypto);
      const ownId = toHex(nodeRandom(12)).toUpperCase();
      const slot = 37;
      const trace = [
        `${ownId}\t${toHex(caseIds[slot]!).toUpperCase()}\t-63\t${(dayStart + slot * 900 + 120) * 1000}`,
        `${ownId}\t${toHex(nodeRandom(12)).toUpperCase()}\t-80\t${dayStart + 900 * 50}`,
        'not a valid line',
      ].join('\n');
      const record = parseLegacyF0Record({
        data: [
          { daily_key: toHex(caseDailyKey), time_start: dayStart, max: 96, time_end: dayStart + 86_400 },
        ],
      });
      const parsed = parseLegacyTrace(trace);
      const matches = record.ok ? matchLegacyTrace(record.value, parsed.rows, { crypto: nodeCrypto }) : [];
      out.push(
        '3. Importing an old Bluezone contact log (data_trace.txt) and matching a legacy F0 record',
        `   ${parsed.rows.length} sightings read, ${parsed.malformed.length} malformed line reported (line ${parsed.malformed[0]?.line})`,
        `   ${matches.length} match: line ${matches[0]?.line}, slot ${matches[0]?.slot} (${new Date(matches[0]?.timestamp ?? 0).toISOString()})`,
        '',
        'Next: `npx bluezone --help` for every command.',
        '',
      );
      io.stdout(out.join('\n'));
    });
}
