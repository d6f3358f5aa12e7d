/**
 * Benchmark `import` (SYSTEM.md §8): installs loaded per second by `bluezone import installs`
 * (the same function: CSV records, validation of every line, bulk INSERTs and the statistics
 * counters — summed by the counting worker from 40 MB — in one transaction) into a fresh SQLite
 * file, N rows (default 1,000,000).
 * The baseline, measured in the same run into another fresh file, is the bulk writer alone on
 * the same rows already parsed and validated, without the counters: the floor of storing them.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ImportedInstall,
  InstallBulkWriter,
  importInstalls,
  loadAdminUnits,
  migrateToLatest,
  openBulkSqlite,
  openSqlite,
} from '@bluezone/server';
import { median, nowMs, peakRssMb } from './stats.js';
import { csvLine, SyntheticInstalls } from './stats-table-data.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './types.js';

const DEFAULT_ROWS = 1_000_000;
const QUICK_ROWS = 50_000;
const GOAL_ROWS_PER_S = 200_000;
const HEADER =
  'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at';

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const count = options.size ?? (options.quick ? QUICK_ROWS : DEFAULT_ROWS);
  const rounds = options.quick ? 1 : 3;
  const adminUnits = loadAdminUnits();
  const generator = new SyntheticInstalls(adminUnits);
  const rows: ImportedInstall[] = [];
  for (let i = 0; i < count; i++) rows.push(generator.row(i));
  const csv = new TextEncoder().encode(`${HEADER}\n${rows.map(csvLine).join('\n')}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-bench-import-'));
  const fresh = async (name: string) => {
    const storage = openSqlite(join(dir, `${name}.db`));
    await migrateToLatest(storage);
    return storage;
  };
  const oursRates: number[] = [];
  const bareRates: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const a = await fresh(`ours-${round}`);
      try {
        const start = nowMs();
        const summary = await importInstalls({ storage: a, adminUnits, now: Date.now }, csv, {
          actor: 'bench',
          progress: (done) => options.progress?.(round * count * 2 + done, rounds * count * 2),
        });
        if (summary.rows !== count) throw new Error(`imported ${summary.rows} of ${count} rows`);
        oursRates.push(count / ((nowMs() - start) / 1000));
      } finally {
        await a.close();
      }
      const b = await fresh(`bare-${round}`);
      try {
        const bulk = await openBulkSqlite(b);
        if (!bulk) throw new Error('the benchmark database is not a SQLite file');
        const start = nowMs();
        await bulk.storage.transaction(async (trx) => {
          await trx
            .insertInto('stats_imports')
            .values({
              id: 'imp_bare',
              kind: 'installs',
              rows: count,
              imported_at: 0,
              imported_by: 'bench',
              file_name: null,
            })
            .execute();
          const writer = new InstallBulkWriter(trx, 'sqlite', 'imp_bare', bulk.raw, false);
          for (const row of rows) {
            const pending = writer.add(row);
            if (pending) await pending;
          }
          await writer.flush();
        });
        bareRates.push(count / ((nowMs() - start) / 1000));
        await bulk.close();
        options.progress?.((round * 2 + 2) * count, rounds * count * 2);
      } finally {
        await b.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = median(oursRates);
  const bare = median(bareRates);
  return {
    id: 'import',
    title: 'Installs import',
    workload: `${count.toLocaleString('en-US')} synthetic installs as a ${(csv.length / 1e6).toFixed(0)} MB CSV into a fresh SQLite file (63 provinces, 60 % with a number, 35 % with a check-in), ${rounds} rounds, each into fresh files.`,
    figures: [{ label: 'bluezone import installs', value: ours, unit: 'rows/s' }],
    baseline: {
      label: 'bulk writer alone (rows parsed and validated, no counters)',
      value: bare,
      unit: 'rows/s',
    },
    ratio: ours / bare,
    goal: `≥ ${GOAL_ROWS_PER_S.toLocaleString('en-US')} rows/s into SQLite`,
    met: ours >= GOAL_ROWS_PER_S,
    notes: [
      'Ours includes reading the CSV (the exact no-quote fast path), validating every field and the counters (summed and staged by the counting worker thread, added by the importing one), in one transaction. The machine has 2 cores: the worker competes with anything else running.',
      `Peak resident memory ${peakRssMb().toFixed(0)} MB.`,
    ],
    json: { rows: count, rowsPerSecond: ours, bareRowsPerSecond: bare, ratio: ours / bare },
  };
}

export const importBenchmark: Benchmark = {
  id: 'import',
  description:
    'Installs imported per second by `bluezone import installs` into SQLite, vs the bulk writer alone',
  sizeOption: {
    name: 'rows',
    description: `rows to import (default ${DEFAULT_ROWS.toLocaleString('en-US')})`,
    max: 20_000_000,
  },
  run,
};
