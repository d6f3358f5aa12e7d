/**
 * Benchmark `stats` (SYSTEM.md §8): the national 63-province table over N installs (default
 * 25,000,000) from the pre-aggregated counters, against a raw GROUP BY over the imported installs
 * table measured in the same run on the same database.
 *
 * The database is a fresh SQLite file in a temporary directory, migrated, filled by the bulk
 * path of `bluezone import installs` (the bulk writer's prepared multi-row INSERT, in transactions of
 * 1,000,000 rows, counters written in the same transaction) with synthetic installs (stats-table-data.ts)
 * and denominators for every province and carrier. Ours is `nationalStats` as the admin API and
 * `bluezone stats national` run it (as of the end of the span, 7-day window: installs,
 * phone-registered, active, denominators, ranks, carriers). The baseline is one SQL statement
 * over the imported installs: count, phone-verified and active per province up to the same instant — less
 * than the table needs (no de-duplication by number, no carriers), so the ratio understates the
 * counters' advantage. Runs alternate; the figures are medians.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InstallBulkWriter,
  importDenominators,
  loadAdminUnits,
  migrateToLatest,
  nationalStats,
  openBulkSqlite,
  openSqlite,
} from '@bluezone/server';
import { median, nowMs, peakRssMb } from './stats.js';
import { LAUNCH_MS, SPAN_DAYS, SyntheticInstalls } from './stats-table-data.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './types.js';

const DEFAULT_INSTALLS = 25_000_000;
const QUICK_INSTALLS = 200_000;
const CHUNK = 1_000_000;
const GOAL_MS = 50;
const DAY = 86_400_000;

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const count = options.size ?? (options.quick ? QUICK_INSTALLS : DEFAULT_INSTALLS);
  const runs = options.quick ? 5 : 21;
  const rawRuns = options.quick ? 3 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-bench-stats-'));
  const storage = openSqlite(join(dir, 'bench.db'));
  const adminUnits = loadAdminUnits();
  try {
    await migrateToLatest(storage);
    const generator = new SyntheticInstalls(adminUnits);
    const bulk = await openBulkSqlite(storage);
    if (!bulk) throw new Error('the benchmark database is not a SQLite file');
    const fillStart = nowMs();
    for (let done = 0; done < count; ) {
      const n = Math.min(CHUNK, count - done);
      await bulk.storage.transaction(async (trx) => {
        const importId = `imp_bench_${done}`;
        await trx
          .insertInto('stats_imports')
          .values({
            id: importId,
            kind: 'installs',
            rows: n,
            imported_at: Date.now(),
            imported_by: 'bench',
            file_name: null,
          })
          .execute();
        const writer = new InstallBulkWriter(trx, 'sqlite', importId, bulk.raw);
        for (let i = 0; i < n; i++) {
          const pending = writer.add(generator.row(done + i));
          if (pending) await pending;
        }
        await writer.flush();
        await writer.writeCounters();
      });
      done += n;
      options.progress?.(done, count);
    }
    await bulk.close();
    const fillMs = nowMs() - fillStart;
    const denominators = ['effective_date,province_code,district_code,carrier,smartphones'];
    for (const code of adminUnits.provinces.keys()) {
      denominators.push(`2020-04-01,${code},,,${Math.round((count / 63) * 1.5)}`);
      denominators.push(`2020-04-01,${code},,viettel,${Math.round((count / 63) * 0.7)}`);
    }
    await importDenominators({ storage, adminUnits, now: Date.now }, denominators.join('\n'), {
      actor: 'bench',
    });

    const asOf = LAUNCH_MS + SPAN_DAYS * DAY; // 24:00 of the last day, Vietnam time
    const ours = () => nationalStats({ db: storage.db, adminUnits }, { asOf, activeDays: 7, k: 10 });
    const raw = () =>
      storage.db
        .selectFrom('imported_installs')
        .where('created_at', '<=', asOf)
        .select((eb) => [
          'province_code',
          eb.fn.countAll<number>().as('installs'),
          eb.fn.count<number>('phone_verified_at').as('phone'),
          eb.fn
            .sum<number>(
              eb
                .case()
                .when(eb.and([eb('last_active_at', '>', asOf - 7 * DAY), eb('last_active_at', '<=', asOf)]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('active'),
        ])
        .groupBy('province_code')
        .execute();
    const table = await ours();
    const rawRows = (await raw()).length;
    const oursMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = nowMs();
      await ours();
      oursMs.push(nowMs() - start);
      if (i < rawRuns) {
        const s = nowMs();
        await raw();
        rawMs.push(nowMs() - s);
      }
    }
    const counterRows = await storage.db
      .selectFrom('stats_counters')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const oursMedian = median(oursMs);
    const rawMedian = median(rawMs);
    const ratio = oursMedian / rawMedian;
    return {
      id: 'stats',
      title: 'National statistics table',
      workload: `${count.toLocaleString('en-US')} synthetic installs over ${SPAN_DAYS} days in a SQLite file; national table as of the last day (63 provinces, 7-day active window, carriers), ${runs} runs; raw GROUP BY ${rawRuns} runs, interleaved.`,
      figures: [
        { label: 'national table from the counters', value: oursMedian, unit: 'ms' },
        { label: 'bulk generation', value: count / (fillMs / 1000), unit: 'installs/s' },
      ],
      baseline: { label: 'raw GROUP BY over installs', value: rawMedian, unit: 'ms' },
      ratio,
      goal: `< ${GOAL_MS} ms`,
      met: oursMedian < GOAL_MS,
      notes: [
        `${Number(counterRows.n).toLocaleString('en-US')} counter rows; the table reads the province grain's day rows (the as-of day's first hour columns included) and the window's activity rows, never installs.`,
        `The raw query returned ${rawRows} provinces; total installs in the table ${table.total.installs.toLocaleString('en-US')}.`,
        `Peak resident memory ${peakRssMb().toFixed(0)} MB.`,
      ],
      json: {
        installs: count,
        tableMs: oursMedian,
        rawGroupByMs: rawMedian,
        ratio,
        generationPerSecond: count / (fillMs / 1000),
        counterRows: Number(counterRows.n),
      },
    };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const statsBenchmark: Benchmark = {
  id: 'stats',
  description: 'National 63-province table from the counters vs a raw GROUP BY over N installs (SQLite)',
  sizeOption: {
    name: 'installs',
    description: `installs to generate (default ${DEFAULT_INSTALLS.toLocaleString('en-US')})`,
    max: 100_000_000,
  },
  run,
};
