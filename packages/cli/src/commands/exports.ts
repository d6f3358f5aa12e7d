/**
 * `bluezone exports run`: runs the server's export batcher once, now — every eligible key not yet
 * exported goes into signed key files, the current, incomplete export period included (the
 * server's job only exports periods that have ended). Same database options and configuration
 * as `bluezone serve` (`--db PATH` or `DATABASE_URL`, and the master key of
 * `BLUEZONE_SECRET_KEY` or the data directory, which encrypts the signing keys). Safe while a
 * server runs: the run takes the batcher's leader lock, and the database refuses to export a key
 * twice.
 *
 * @module
 */
import { describeStorage, migrateToLatest, openStorage, runExportsNow } from '@bluezone/server';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { configFrom } from './server.js';

/** Registers `bluezone exports run`. */
export function registerExportsCommands(program: Command, io: CliIo): void {
  const exports = program.command('exports').description("The server's key export files");
  exports
    .command('run')
    .description('Export every key not yet exported into signed key files now (the current period included)')
    .option(
      '--db <path>',
      'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
    )
    .option('--json', 'print {"batches":[{"start","end","paths","keys","paddingKeys","revisedKeys"}]}')
    .action(async (options: { db?: string; json?: boolean }) => {
      const config = configFrom(io, options);
      const storage = await openStorage(config);
      try {
        await migrateToLatest(storage);
        const outcome = await runExportsNow(config, storage, () => io.now().getTime());
        if (outcome.status === 'skipped') {
          throw new Error(
            'another instance is exporting right now (it holds the export-batches lock); run the command again in a minute',
          );
        }
        if (outcome.status === 'error') throw new Error(`the export failed: ${outcome.error}`);
        const batches = outcome.summary.batches.map((b) => ({
          start: new Date(b.startAt).toISOString(),
          end: new Date(b.endAt).toISOString(),
          paths: b.paths,
          keys: b.keys,
          paddingKeys: b.paddingKeys,
          revisedKeys: b.revisedKeys,
        }));
        if (options.json) {
          io.stdout(`${JSON.stringify({ batches })}\n`);
          return;
        }
        const keys = batches.reduce((n, b) => n + b.keys, 0);
        const revised = batches.reduce((n, b) => n + b.revisedKeys, 0);
        const files = batches.flatMap((b) => b.paths);
        io.stdout(
          `${describeStorage(config)}: ${batches.length === 0 ? 'nothing to export (the last batch ends now)' : `${batches.length} batch${batches.length === 1 ? '' : 'es'}, ${files.length} file${files.length === 1 ? '' : 's'}, ${keys} new key${keys === 1 ? '' : 's'}, ${revised} revised`}\n`,
        );
        for (const path of files) io.stdout(`  /v1/exports/${path}\n`);
      } finally {
        await storage.close();
      }
    });
}
