/**
 * `bluezone legacy …`: IDs and contact logs of the original Bluezone app; `legacy import`
 * records a log's sightings of a case in the server's database.
 *
 * @module
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  LEGACY_DEFAULT_SLOTS,
  LEGACY_MAX_SLOTS,
  legacyDailyKey,
  legacyIdsForDay,
  matchLegacyTrace,
  parseLegacyF0Record,
  parseLegacyTrace,
  toHex,
} from '@bluezone/protocol';
import {
  ApiError,
  describeStorage,
  importLegacyTrace,
  LEGACY_IMPORT_LIMITS,
  type LegacyImportResult,
  migrateToLatest,
  openStorage,
} from '@bluezone/server';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type CliIo, readJson, readText } from '../io.js';
import { hexOption, intOption } from '../options.js';
import { configFrom } from './server.js';

interface IdsOptions {
  baseId?: string;
  day?: string;
  dailyKey?: string;
  slots?: string;
  json?: boolean;
}

interface MatchOptions {
  infoF: string;
  trace: string;
  tolerance?: string;
  json?: boolean;
}

interface ImportOptions {
  case: string;
  trace: string;
  infoF: string;
  tolerance?: string;
  db?: string;
  json?: boolean;
}

/** Runs the server's legacy import on the configured database; user errors become {@link UsageError}. */
async function importIntoDatabase(io: CliIo, options: ImportOptions): Promise<LegacyImportResult> {
  const tolerance =
    intOption(options.tolerance, '--tolerance', 0, LEGACY_IMPORT_LIMITS.maxTolerance) ??
    LEGACY_IMPORT_LIMITS.defaultTolerance;
  const infoF = await readJson(io, options.infoF);
  const trace = await readText(io, options.trace);
  const config = configFrom(io, options);
  const storage = await openStorage(config);
  try {
    await migrateToLatest(storage);
    return await importLegacyTrace(storage, {
      caseId: options.case,
      trace,
      infoF,
      tolerance,
      actor: 'cli',
      now: io.now().getTime(),
    });
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      const message = error.message.startsWith('infoF: ')
        ? `${options.infoF}: ${error.message.slice('infoF: '.length)}`
        : `${describeStorage(config)}: ${error.message}`;
      throw new UsageError(message);
    }
    throw error;
  } finally {
    await storage.close();
  }
}

export function registerLegacyCommands(program: Command, io: CliIo): void {
  const legacy = program
    .command('legacy')
    .description('IDs and contact logs of the original Bluezone app (2020-2021)');

  legacy
    .command('ids')
    .description('The rolling IDs of one day, from a base ID and a day number, or from a daily key')
    .option('--base-id <hex>', "the phone's base_id, 64 hex digits (with --day)")
    .option('--day <d>', "whole days since the base ID's creation day (0 = that day)")
    .option('--daily-key <hex>', "the day's daily key, 64 hex digits (instead of --base-id and --day)")
    .option('--slots <n>', `IDs per day (default ${LEGACY_DEFAULT_SLOTS}, i.e. 15 minutes)`)
    .option('--json', 'print [{"slot":i,"id":"HEX"}]')
    .action((options: IdsOptions) => {
      const slots = intOption(options.slots, '--slots', 1, LEGACY_MAX_SLOTS) ?? LEGACY_DEFAULT_SLOTS;
      let dailyKey: Uint8Array;
      if (options.dailyKey !== undefined) {
        if (options.baseId !== undefined || options.day !== undefined) {
          throw new UsageError('give either --daily-key, or --base-id with --day, not both');
        }
        dailyKey = hexOption(options.dailyKey, '--daily-key', 32);
      } else {
        if (options.baseId === undefined || options.day === undefined) {
          throw new UsageError('give --base-id with --day, or --daily-key');
        }
        const baseId = hexOption(options.baseId, '--base-id', 32);
        const day = intOption(options.day, '--day', 0, 36_600)!;
        dailyKey = legacyDailyKey(baseId, day, nodeCrypto);
      }
      const ids = legacyIdsForDay(dailyKey, slots, nodeCrypto).map((id, slot) => ({
        slot,
        id: toHex(id).toUpperCase(),
      }));
      if (options.json) {
        io.stdout(`${JSON.stringify(ids)}\n`);
        return;
      }
      io.stdout('# slot\tid\n');
      for (const { slot, id } of ids) io.stdout(`${slot}\t${id}\n`);
    });

  legacy
    .command('match')
    .description('Find the rows of a data_trace.txt log that saw a confirmed case (legacy F0 record)')
    .requiredOption(
      '--info-f <file>',
      'F0 record, JSON {"data":[{"daily_key","time_start","max","time_end"}]}',
    )
    .requiredOption('--trace <file>', 'contact log exported by the app (data_trace.txt)')
    .option('--tolerance <n>', 'slots of clock skew tolerated either side (default 1)')
    .option('--json', 'print {"matches":[…],"rows":n,"malformed":[…]}')
    .action(async (options: MatchOptions) => {
      const tolerance = intOption(options.tolerance, '--tolerance', 0, 96) ?? 1;
      const record = parseLegacyF0Record(await readJson(io, options.infoF));
      if (!record.ok) throw new UsageError(`${options.infoF}: ${record.error.message}`);
      const trace = parseLegacyTrace(await readText(io, options.trace));
      const matches = matchLegacyTrace(record.value, trace.rows, { tolerance, crypto: nodeCrypto });
      if (options.json) {
        io.stdout(`${JSON.stringify({ matches, rows: trace.rows.length, malformed: trace.malformed })}\n`);
        return;
      }
      io.stdout(
        `${matches.length} of ${trace.rows.length} sightings match the F0 record (tolerance ±${tolerance} slots)\n`,
      );
      for (const m of matches) {
        io.stdout(`line ${m.line}\t${m.contactId}\t${new Date(m.timestamp).toISOString()}\tslot ${m.slot}\n`);
      }
      for (const m of trace.malformed)
        io.stderr(`bluezone: ${options.trace}:${m.line}: skipped: ${m.reason}\n`);
    });

  legacy
    .command('import')
    .description(
      "Match a data_trace.txt log against a case's legacy F0 record and record the sightings for the case in the server's database",
    )
    .requiredOption('--case <id>', 'the caseId of the case the F0 record belongs to')
    .requiredOption('--trace <file>', 'contact log exported by the app (data_trace.txt)')
    .requiredOption(
      '--info-f <file>',
      'the case\'s F0 record, JSON {"data":[{"daily_key","time_start","max","time_end"}]}',
    )
    .option('--tolerance <n>', 'slots of clock skew tolerated either side (default 1)')
    .option(
      '--db <path>',
      'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
    )
    .option(
      '--json',
      'print {"caseId","importId","rows","matches":[…],"recorded","malformed":[…],"malformedLines"}',
    )
    .action(async (options: ImportOptions) => {
      const result = await importIntoDatabase(io, options);
      if (options.json) {
        io.stdout(`${JSON.stringify(result)}\n`);
        return;
      }
      io.stdout(
        `${result.matches.length} of ${result.rows} sightings match case ${result.caseId} (${result.recorded} new, recorded as import ${result.importId})\n`,
      );
      for (const m of result.matches) {
        io.stdout(`line ${m.line}\t${m.contactId}\t${new Date(m.timestamp).toISOString()}\tslot ${m.slot}\n`);
      }
      for (const m of result.malformed)
        io.stderr(`bluezone: ${options.trace}:${m.line}: skipped: ${m.reason}\n`);
      if (result.malformedLines > result.malformed.length) {
        io.stderr(
          `bluezone: ${options.trace}: ${result.malformedLines - result.malformed.length} more malformed lines skipped\n`,
        );
      }
    });
}
