/**
 * `bluezone keys …`: Exposure Notification key schedule from the command line.
 *
 * @module
 */
import { nodeCrypto, nodeRandom } from '@bluezone/crypto-node';
import {
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  encryptAssociatedMetadata,
  enIntervalNumber,
  generateTemporaryExposureKey,
  MAX_INTERVAL_NUMBER,
  rollingProximityIdentifiers,
  rollingStartIntervalNumber,
  TEK_ROLLING_PERIOD,
  toHex,
} from '@bluezone/protocol';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { hexOption, intOption } from '../options.js';

interface RpiOptions {
  tek: string;
  interval: string;
  count?: string;
  metadata?: string;
  json?: boolean;
}

/** Parses an ISO 8601 time option. */
export function timeOption(value: string, name: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${name} must be an ISO 8601 time such as 2020-08-08T09:30:00Z, got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('Exposure Notification keys, RPIs and AEMs');

  keys
    .command('rpi')
    .description(
      'Rolling Proximity Identifiers of a TEK for K intervals from N; without --count, the 144 intervals of the day that contains N',
    )
    .requiredOption('--tek <hex>', 'Temporary Exposure Key, 32 hex digits')
    .requiredOption('--interval <n>', 'first ENIntervalNumber (Unix seconds / 600)')
    .option('--count <k>', 'number of intervals, 1-1440')
    .option('--metadata <hex>', 'Bluetooth metadata (8 hex digits, e.g. 40080000) to also compute each AEM')
    .option('--json', 'print [{"interval":N,"rpi":"hex","aem":"hex"}]')
    .action((options: RpiOptions) => {
      const tek = hexOption(options.tek, '--tek', 16);
      const interval = intOption(options.interval, '--interval', 0, MAX_INTERVAL_NUMBER)!;
      const count = intOption(options.count, '--count', 1, 1440);
      const metadata =
        options.metadata === undefined ? undefined : hexOption(options.metadata, '--metadata', 4);
      const first = count === undefined ? rollingStartIntervalNumber(interval) : interval;
      const n = count ?? TEK_ROLLING_PERIOD;
      if (first + n - 1 > MAX_INTERVAL_NUMBER) {
        throw new UsageError(
          `--interval ${interval} with --count ${n} runs past the last interval ${MAX_INTERVAL_NUMBER}`,
        );
      }
      const rpik = deriveRollingProximityIdentifierKey(tek, nodeCrypto);
      const aemk = metadata && deriveAssociatedEncryptedMetadataKey(tek, nodeCrypto);
      const rpis = rollingProximityIdentifiers(rpik, first, n, nodeCrypto);
      const rows = Array.from({ length: n }, (_, i) => {
        const rpi = rpis.subarray(i * 16, i * 16 + 16);
        const row: { interval: number; rpi: string; aem?: string } = { interval: first + i, rpi: toHex(rpi) };
        if (aemk && metadata) row.aem = toHex(encryptAssociatedMetadata(aemk, rpi, metadata, nodeCrypto));
        return row;
      });
      if (options.json) {
        io.stdout(`${JSON.stringify(rows)}\n`);
        return;
      }
      io.stdout(`# interval\trpi${metadata ? '\taem' : ''}\n`);
      for (const row of rows) io.stdout(`${row.interval}\t${row.rpi}${row.aem ? `\t${row.aem}` : ''}\n`);
    });

  keys
    .command('new')
    .description('Generate a Temporary Exposure Key for the UTC day of --time (default: now)')
    .option('--time <iso>', "a moment in the key's day, ISO 8601")
    .option('--json', 'print {"tek":"hex","rollingStartIntervalNumber":N,"rollingPeriod":144}')
    .action((options: { time?: string; json?: boolean }) => {
      const time = options.time === undefined ? io.now() : timeOption(options.time, '--time');
      const tek = generateTemporaryExposureKey(nodeRandom, enIntervalNumber(time.getTime() / 1000));
      const out = {
        tek: toHex(tek.keyData),
        rollingStartIntervalNumber: tek.rollingStartIntervalNumber,
        rollingPeriod: tek.rollingPeriod,
      };
      if (options.json) io.stdout(`${JSON.stringify(out)}\n`);
      else
        io.stdout(
          `tek ${out.tek}\nrolling start interval ${out.rollingStartIntervalNumber} (${new Date(out.rollingStartIntervalNumber * 600_000).toISOString()})\nrolling period ${out.rollingPeriod}\n`,
        );
    });
}
