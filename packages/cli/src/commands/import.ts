/**
 * `bluezone import denominators FILE.csv` and `bluezone import installs FILE.csv`: the
 * statistics imports (docs/statistics.md, "Imports"). All or nothing per file; a bad file ends
 * with exit code 2 and one line naming the bad lines. Installs show a progress bar on a terminal.
 *
 * @module
 */
import { basename } from 'node:path';
import {
  ImportRejected,
  type ImportSummary,
  importDenominators,
  importInstalls,
  loadAdminUnits,
} from '@bluezone/server';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { progressBar } from '../progress.js';
import { configFrom } from './server.js';
import { withStorage } from './stats.js';

function describe(summary: ImportSummary, file: string): string {
  if (summary.kind === 'denominators')
    return `Imported ${summary.rows} denominator rows from ${file} (import ${summary.importId}).\n`;
  return `Imported ${summary.rows} installs from ${file} (${summary.phoneRegistered} with a verified number, ${summary.withActivity} with a check-in; import ${summary.importId}); the statistics counters include them.\n`;
}

/** Registers `bluezone import …`. */
export function registerImportCommands(program: Command, io: CliIo): void {
  const imports = program
    .command('import')
    .description('Import statistics data from CSV files (all or nothing per file)');
  const kinds = [
    {
      name: 'denominators',
      run: importDenominators,
      description:
        'Smartphone counts: effective_date,province_code,district_code,carrier,smartphones (district and carrier may be empty)',
    },
    {
      name: 'installs',
      run: importInstalls,
      description:
        'Installs from another system: install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at',
    },
  ] as const;
  for (const kind of kinds) {
    imports
      .command(kind.name)
      .description(kind.description)
      .argument('<file>', 'CSV file (UTF-8, header line first)')
      .option('--json', 'print the import summary as JSON')
      .option(
        '--db <path>',
        'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
      )
      .action(async (file: string, options: { json?: boolean; db?: string }) => {
        const config = configFrom(io, options);
        const data = await io.readFile(file);
        const bar = progressBar(io, `import ${kind.name}`);
        try {
          const summary = await withStorage(config, (storage) =>
            kind.run({ storage, adminUnits: loadAdminUnits(), now: () => io.now().getTime() }, data, {
              actor: 'cli',
              fileName: basename(file),
              progress: bar.update,
            }),
          );
          bar.stop();
          io.stdout(options.json ? `${JSON.stringify(summary)}\n` : describe(summary, file));
        } catch (error) {
          bar.stop();
          if (error instanceof ImportRejected) throw new UsageError(`${file}: ${error.message}`);
          throw error;
        }
      });
  }
}
