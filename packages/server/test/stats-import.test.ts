/**
 * The installs import's in-memory counter aggregation (import-counters.ts) against the rebuild,
 * on both engines: a file spread over areas, hours and days (times with and without offsets, on
 * whole hours and midnights, before 1970), a cell with more than 4,096 installs, and a second file
 * that upserts into the rows the first wrote, and a file large enough to be counted by the
 * counting worker. The counter rows must equal those recomputed from the raw records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportCounts } from '../src/features/stats/import-counters.js';
import { countInstallLines, countInWorker } from '../src/features/stats/import-counting.js';
import { importInstalls, parseImportInstant } from '../src/features/stats/imports.js';
import { dayNumber } from '../src/features/stats/periods.js';
import { rebuildCounters } from '../src/features/stats/rebuild.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestStorage, ENGINES, engineAvailable } from './harness.js';

const adminUnits = loadAdminUnits();
const NOW = Date.UTC(2021, 0, 1);
const HEADER =
  'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at';
/** Files from this size are counted on the worker in these tests (in production from 40 MB). */
const WORKER_FROM = 2_000_000;
const CARRIERS = ['viettel', 'vinaphone', 'mobifone', 'vietnamobile', ''];

/** A deterministic file of `n` rows with IDs prefixed `prefix`. */
function spreadFile(prefix: string, n: number, seed: number): string {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const districts = [...adminUnits.districts].slice(0, 60);
  const provinces = [...adminUnits.provinces.keys()].slice(0, 10);
  const iso = (ms: number, style: number) => {
    const text = new Date(ms).toISOString();
    if (style === 0) return text;
    if (style === 1) return new Date(ms + 7 * 3_600_000).toISOString().replace('Z', '+07:00');
    return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19); // Vietnam time, no offset
  };
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const district = next() < 0.8 ? districts[Math.floor(next() * districts.length)] : undefined;
    const province = district ? district[1].provinceCode : provinces[Math.floor(next() * provinces.length)]!;
    const wholeHour = next() < 0.2;
    const base = Date.UTC(2020, 8, 1) + Math.floor(next() * 20) * 86_400_000;
    const created = wholeHour
      ? base + Math.floor(next() * 24) * 3_600_000 - 7 * 3_600_000 // a whole hour, midnights included
      : base + Math.floor(next() * 86_400_000);
    const phone = next() < 0.6 ? created + Math.floor(next() * 5_000_000) : null;
    const carrier = phone === null ? '' : CARRIERS[Math.floor(next() * CARRIERS.length)]!;
    const active = next() < 0.4 ? created + Math.floor(next() * 10 * 86_400_000) : null;
    const style = Math.floor(next() * 3);
    lines.push(
      [
        `${prefix}-${i}`,
        iso(created, style),
        next() < 0.5 ? 'android' : next() < 0.8 ? 'ios' : 'web',
        province,
        district ? district[0] : '',
        phone === null ? '' : iso(phone, style),
        carrier,
        active === null ? '' : iso(active, style),
      ].join(','),
    );
  }
  // Before 1970: outside the packed keys, counted the general way.
  lines.push(`${prefix}-old,1969-12-31T10:30:00Z,ios,01,,1969-12-31T11:00:00Z,viettel,1969-12-31T12:00:00Z`);
  lines.push(`${prefix}-old2,1960-05-01,web,79,,,,`);
  // A bare date: 00:00 Vietnam time, the previous day's last hour bucket.
  lines.push(`${prefix}-midnight,2020-09-05,android,79,,2020-09-05,,2020-09-05`);
  return `${lines.join('\n')}\n`;
}

/** More than 4,096 installs in one counter cell (one hour, one district). */
function crowdedFile(prefix: string, n: number): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++)
    lines.push(
      `${prefix}-${i},2020-09-03T10:15:00+07:00,android,01,001,2020-09-03T10:20:00+07:00,viettel,2020-09-04T08:00:00+07:00`,
    );
  return `${lines.join('\n')}\n`;
}

async function counterRows(storage: Storage) {
  const counters = await storage.db
    .selectFrom('stats_counters')
    .selectAll()
    .where((eb) => eb.or([eb('installs', '!=', 0), eb('phone_registered', '!=', 0)]))
    .execute();
  const activity = await storage.db.selectFrom('stats_activity').selectAll().execute();
  const key = (r: Record<string, unknown>) =>
    Object.values(r)
      .map((v) => String(Number.isNaN(Number(v)) ? v : Number(v)))
      .join('|');
  return {
    counters: counters.map(key).sort(),
    activity: activity.map(key).sort(),
  };
}

describe('parseImportInstant', () => {
  it('parses the usual forms exactly and rejects dates off the calendar', () => {
    const cases: [string, number | undefined][] = [
      ['2020-09-01T10:00:00Z', Date.UTC(2020, 8, 1, 10)],
      ['2020-09-01T10:00:00.123Z', Date.UTC(2020, 8, 1, 10, 0, 0, 123)],
      ['2020-09-01T10:00:00+07:00', Date.UTC(2020, 8, 1, 3)],
      ['2020-09-01T10:00:00-05:30', Date.UTC(2020, 8, 1, 15, 30)],
      ['2020-09-01T10:00:00', Date.UTC(2020, 8, 1, 3)],
      ['2020-09-01', Date.UTC(2020, 7, 31, 17)],
      ['2020-02-29T23:59:59Z', Date.UTC(2020, 1, 29, 23, 59, 59)],
      ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
      ['2021-02-29T00:00:00Z', undefined],
      ['1900-02-29T00:00:00Z', undefined],
      ['2020-04-31T00:00:00Z', undefined],
      ['2020-13-01T00:00:00Z', undefined],
      ['2020-09-01T10:00:60Z', undefined],
      ['2020-09-01T10:00:00+0700', Date.UTC(2020, 8, 1, 3)],
      ['2020-09-01T10:00:00+07', undefined],
      ['2020-09-01X10:00:00Z', undefined],
    ];
    for (const [text, expected] of cases) expect([text, parseImportInstant(text)]).toEqual([text, expected]);
  });
});

describe('the counting worker', () => {
  it('sums exactly what the importing thread would (bytes or text), and can be stopped', async () => {
    const text = spreadFile('k', 3000, 13);
    const inThread = (await countInstallLines(text)).counts().deltas().rows();
    for (const input of [text, new TextEncoder().encode(text)]) {
      const job = countInWorker(input);
      const sums = await job.result();
      expect(sums).toBeInstanceOf(ImportCounts);
      expect((sums as ImportCounts).deltas().rows()).toEqual(inThread);
      await job.cancel();
    }
    expect(inThread.counters.length).toBeGreaterThan(1000);
    const stopped = countInWorker(text);
    await stopped.cancel();
    await expect(stopped.result()).rejects.toThrow(/counting worker stopped/);
  }, 60_000);
});

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`installs import counters on ${engine}`, () => {
    let storage: Storage;
    let destroy: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, destroy } = await createTestStorage(engine));
    });
    afterAll(() => destroy());

    it('writes exactly the counter rows a rebuild recomputes', async () => {
      const deps = { storage, adminUnits, now: () => NOW };
      const provinceTotal = async () =>
        Number(
          (
            await storage.db
              .selectFrom('stats_counters')
              .select((eb) => eb.fn.sum<number>('installs').as('n'))
              .where('grain', '=', 'province')
              .executeTakeFirstOrThrow()
          ).n ?? 0,
        );
      const before = await provinceTotal();
      const first = await importInstalls(deps, spreadFile('a', 3000, 7), { actor: 'cli' });
      expect(first.rows).toBe(3003);
      const crowded = await importInstalls(deps, crowdedFile('c', 4500), { actor: 'cli' });
      expect(crowded).toMatchObject({ rows: 4500, phoneRegistered: 4500, withActivity: 4500 });
      // A second spread file lands partly in rows the first wrote (the upserts add to them).
      await importInstalls(deps, spreadFile('b', 1500, 11), { actor: 'cli' });
      const imported = await counterRows(storage);
      // 10:15 and 10:20 Vietnam time: the hour bucket (10:00, 11:00] of the day, columns i11 and p11.
      const cell = await storage.db
        .selectFrom('stats_counters')
        .select(['installs', 'phone_registered', 'i11', 'p11'])
        .where('grain', '=', 'district')
        .where('province_code', '=', '01')
        .where('district_code', '=', '001')
        .where('period', '=', dayNumber(Date.parse('2020-09-03T10:15:00+07:00')))
        .executeTakeFirstOrThrow();
      expect(Number(cell.i11)).toBeGreaterThanOrEqual(4500);
      expect(Number(cell.p11)).toBeGreaterThanOrEqual(4500);
      expect(Number(cell.installs)).toBeGreaterThanOrEqual(Number(cell.i11));
      expect((await provinceTotal()) - before).toBe(3003 + 4500 + 1503);
      const summary = await rebuildCounters(storage);
      expect(summary.installs).toBe(await provinceTotal());
      const rebuilt = await counterRows(storage);
      expect(rebuilt.counters.length).toBe(imported.counters.length);
      expect(rebuilt).toEqual(imported);
    });

    it('counts a large file on the counting worker, exactly as a rebuild does', async () => {
      const deps = { storage, adminUnits, now: () => NOW, countingWorkerFrom: WORKER_FROM };
      const file = spreadFile('w', 28_000, 5);
      expect(file.length).toBeGreaterThanOrEqual(WORKER_FROM);
      const before = await storage.db
        .selectFrom('stats_counters')
        .select((eb) => eb.fn.sum<number>('installs').as('n'))
        .where('grain', '=', 'province')
        .executeTakeFirstOrThrow();
      const summary = await importInstalls(deps, file, { actor: 'cli' });
      expect(summary.rows).toBe(28_003);
      const after = await storage.db
        .selectFrom('stats_counters')
        .select((eb) => eb.fn.sum<number>('installs').as('n'))
        .where('grain', '=', 'province')
        .executeTakeFirstOrThrow();
      expect(Number(after.n) - Number(before.n)).toBe(28_003);
      const imported = await counterRows(storage);
      await rebuildCounters(storage);
      expect(await counterRows(storage)).toEqual(imported);
    }, 60_000);

    it('rejects a large file with a repeated ID, writing nothing, though the worker was counting', async () => {
      const deps = { storage, adminUnits, now: () => NOW, countingWorkerFrom: WORKER_FROM };
      const before = await counterRows(storage);
      const file = `${spreadFile('x', 30_000, 9)}x-17,2020-09-02T10:00:00Z,ios,01,,,,\n`;
      expect(file.length).toBeGreaterThanOrEqual(WORKER_FROM);
      const error = (await importInstalls(deps, file, { actor: 'cli' }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(
        /^1 invalid line, nothing imported: line 30005: install_id x-17 repeats line 19/,
      );
      expect(await counterRows(storage)).toEqual(before);
      const rows = await storage.db
        .selectFrom('imported_installs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('id', 'like', 'x-%')
        .executeTakeFirstOrThrow();
      expect(Number(rows.n)).toBe(0);
    }, 60_000);
  });
}
