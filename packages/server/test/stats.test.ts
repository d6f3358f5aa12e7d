/**
 * Statistics on both engines: the fixture's figures (stats-fixture.ts, computed by hand), "as of"
 * cut-offs, rebuild = incremental counters, imports all or nothing with line-numbered errors, the
 * counters kept by the device API, and the admin API's scope and uploads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportRejected, importDenominators, importInstalls } from '../src/features/stats/imports.js';
import { dayOfDate } from '../src/features/stats/periods.js';
import { rebuildCounters } from '../src/features/stats/rebuild.js';
import {
  nationalStats,
  provinceStats,
  type StatsDeps,
  seriesStats,
  tracingStats,
} from '../src/features/stats/stats.service.js';
import type { NationalTable, ProvinceRow } from '../src/features/stats/table.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import { type ContactsTestApp, createContactsTestApp, verifiedPhone } from './contacts-helpers.js';
import { createTestStorage, ENGINES, engineAvailable } from './harness.js';
import { newDevice } from './phones-helpers.js';
import { AS_OF_MS, DENOMINATORS_CSV, installsCsv } from './stats-fixture.js';
import { asUser, userSession } from './users-helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const adminUnits = loadAdminUnits();
const NOW = Date.UTC(2020, 9, 1); // after every time in the fixture

const row = (table: NationalTable, code: string): ProvinceRow => {
  const found = table.provinces.find((p) => p.code === code);
  if (!found) throw new Error(`no province ${code}`);
  return found;
};

async function counterRows(storage: Storage) {
  const counters = await storage.db
    .selectFrom('stats_counters')
    .selectAll()
    .where((eb) => eb.or([eb('installs', '!=', 0), eb('phone_registered', '!=', 0)]))
    .orderBy('grain')
    .orderBy('period')
    .orderBy('province_code')
    .orderBy('district_code')
    .orderBy('carrier')
    .orderBy('platform')
    .execute();
  const activity = await storage.db
    .selectFrom('stats_activity')
    .selectAll()
    .orderBy('grain')
    .orderBy('day')
    .orderBy('gap')
    .orderBy('province_code')
    .orderBy('district_code')
    .orderBy('carrier')
    .orderBy('platform')
    .execute();
  const num = <T extends Record<string, unknown>>(r: T) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v : Number(v)]));
  return { counters: counters.map(num), activity: activity.map(num) };
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`statistics of the fixture on ${engine}`, () => {
    let storage: Storage;
    let destroy: () => Promise<void>;
    let deps: StatsDeps;
    const query = { asOf: AS_OF_MS, activeDays: 7, k: 10 };
    beforeAll(async () => {
      ({ storage, destroy } = await createTestStorage(engine));
      deps = { db: storage.db, adminUnits };
      const importDeps = { storage, adminUnits, now: () => NOW };
      expect(await importDenominators(importDeps, DENOMINATORS_CSV, { actor: 'cli' })).toMatchObject({
        kind: 'denominators',
        rows: 10,
      });
      expect(
        await importInstalls(importDeps, installsCsv(), { actor: 'cli', fileName: 'installs.csv' }),
      ).toMatchObject({
        kind: 'installs',
        rows: 79,
        phoneRegistered: 72,
        withActivity: 54, // 40 + 9 + 5 rows with last_active_at
      });
    });
    afterAll(() => destroy());

    it('computes the national table as counted by hand', async () => {
      const t = await nationalStats(deps, query);
      expect(t.asOf).toBe('2020-09-13T08:00:00+07:00');
      expect(t.provinces).toHaveLength(63);
      const pick = (p: ProvinceRow) => [
        p.code,
        p.installs,
        p.phoneRegistered,
        p.active,
        p.smartphones,
        p.rank,
      ];
      // Ranked first, ties share rank 2, the next is 4; provinces without a denominator follow by code.
      expect(t.provinces.slice(0, 5).map(pick)).toEqual([
        ['48', 40, 36, 40, 133, 1],
        ['31', 5, 5, 5, 20, 2],
        ['79', 10, 10, 7, 40, 2],
        ['01', 20, 20, 0, 270_626, 4],
        ['02', 0, 0, 0, null, null],
      ]);
      expect(row(t, '48').rate).toBeCloseTo(36 / 133, 12);
      expect(row(t, '79').rate).toBe(0.25);
      expect(row(t, '01').rate).toBe(20 / 270_626);
      expect(row(t, '22')).toMatchObject({
        installs: 3,
        phoneRegistered: 0,
        active: 0,
        smartphones: null,
        rate: null,
        rank: null,
      });
      expect(t.total).toEqual({
        installs: 78,
        phoneRegistered: 71,
        active: 52,
        smartphones: 270_819,
        rate: 71 / 270_819,
      });
      expect(t.carriers.map((c) => [c.carrier, c.name, c.phoneRegistered, c.smartphones, c.rate])).toEqual([
        ['viettel', 'Viettel', 25, 100, 0.25],
        ['vinaphone', 'VinaPhone', 15, 40, 0.375],
        ['mobifone', 'MobiFone', 20, null, null],
        ['vietnamobile', 'Vietnamobile', 0, null, null],
        ['gmobile', 'Gmobile', 0, null, null],
        ['itelecom', 'Itelecom (iTel)', 0, null, null],
        ['reddi', 'Reddi', 0, null, null],
        ['other', 'Khác', 11, null, null],
      ]);
      expect(t.provinces.every((p) => p.suppressed.length === 0 && p.change === null)).toBe(true);
    });

    it('cuts off at the exact as-of instant, hour by hour and day by day', async () => {
      const at = async (iso: number) => row(await nationalStats(deps, { ...query, asOf: iso }), '22');
      // 07:00: the midnight install and the 12/9 one; 08:00 adds the one created exactly then.
      expect((await at(AS_OF_MS - HOUR)).installs).toBe(2);
      expect((await at(AS_OF_MS)).installs).toBe(3);
      // 09:00: the one created 1 ms after 08:00, and the number verified then.
      expect(await at(AS_OF_MS + HOUR)).toMatchObject({ installs: 4, phoneRegistered: 1 });
      // 13/9 00:00 (= 24:00 of 12/9) counts the install created exactly at midnight.
      expect((await at(AS_OF_MS - 8 * HOUR)).installs).toBe(2);
      expect((await at(AS_OF_MS - 9 * HOUR)).installs).toBe(1);
      // Denominators: 100 until 12/9, 133 from 13/9 (the as-of date), 200 from 14/9.
      expect(row(await nationalStats(deps, { ...query, asOf: AS_OF_MS - DAY }), '48').smartphones).toBe(100);
      expect(row(await nationalStats(deps, { ...query, asOf: AS_OF_MS + 16 * HOUR }), '48').smartphones).toBe(
        133,
      );
      expect(row(await nationalStats(deps, { ...query, asOf: AS_OF_MS + 17 * HOUR }), '48').smartphones).toBe(
        200,
      );
    });

    it('counts active installs over the whole days of the window', async () => {
      const hcm = async (asOf: number, activeDays = 7) =>
        row(await nationalStats(deps, { ...query, asOf, activeDays }), '79').active;
      expect(await hcm(AS_OF_MS)).toBe(7); // 6/9 … 12/9
      expect(await hcm(AS_OF_MS + 16 * HOUR)).toBe(7); // 7/9 … 13/9: the 13/9 07:00 one in, 6/9 out
      expect(await hcm(AS_OF_MS - DAY)).toBe(2); // 5/9 … 11/9: 6/9 00:00 and 5/9 23:59
      expect(await hcm(AS_OF_MS, 1)).toBe(6); // 12/9 only
      expect(await hcm(AS_OF_MS, 8)).toBe(8); // 5/9 … 12/9
    });

    it('gives the change since the previous period', async () => {
      const t = await nationalStats(deps, { ...query, previousAsOf: AS_OF_MS - DAY });
      // Đà Nẵng: 36/100 = 0.36 a day earlier (smartphones 100), rank 1 both times.
      expect(row(t, '48').change).toEqual({
        since: '2020-09-12T08:00:00+07:00',
        installs: 0,
        phoneRegistered: 0,
        rate: 36 / 133 - 0.36,
        rank: 0,
      });
      // Quảng Ninh: 1 install on 12/9 08:00, 3 now.
      expect(row(t, '22').change).toMatchObject({ installs: 2, rate: null, rank: null });
    });

    it('suppresses counts from 1 to k − 1 in public output and ranks only the rates shown', async () => {
      const t = await nationalStats(deps, { ...query, public: true });
      expect(t).toMatchObject({ public: true, suppressBelow: 10 });
      // Hải Phòng: 5, 5, 5 withheld, so its rate and rank too; Hà Nội moves up to 3.
      expect(row(t, '31')).toMatchObject({
        installs: null,
        phoneRegistered: null,
        active: null,
        rate: null,
        rank: null,
        suppressed: ['installs', 'phoneRegistered', 'active'],
      });
      expect(row(t, '79')).toMatchObject({
        installs: 10,
        phoneRegistered: 10,
        active: null,
        rank: 2,
        suppressed: ['active'],
      });
      expect(row(t, '01')).toMatchObject({ active: 0, rank: 3, suppressed: [] });
      expect(row(t, '22')).toMatchObject({ installs: null, phoneRegistered: 0, suppressed: ['installs'] });
      // The total is not suppressed (far above k).
      expect(t.total.installs).toBe(78);
    });

    it('gives a province with its districts', async () => {
      const p = await provinceStats(deps, '79', query);
      expect(p?.province).toMatchObject({ code: '79', installs: 10, rank: 2 });
      expect(p?.districts[0]).toMatchObject({
        code: '760',
        name: 'Quận 1',
        installs: 10,
        phoneRegistered: 10,
        active: 7,
        smartphones: 25,
        rate: 0.4,
        rank: 1,
      });
      expect(p?.districts).toHaveLength(24);
      const hp = await provinceStats(deps, '31', query);
      expect(hp?.unknownDistrict).toEqual({ installs: 5, phoneRegistered: 5, active: 5 });
      expect(await provinceStats(deps, '99', query)).toBeUndefined();
    });

    it('gives a daily series, each day as of its 24:00', async () => {
      const s = await seriesStats(deps, { from: '2020-09-11', to: '2020-09-13', activeDays: 7, k: 10 });
      expect(s.points.map((p) => [p.date, p.installs, p.phoneRegistered, p.active])).toEqual([
        ['2020-09-11', 75, 71, 47],
        ['2020-09-12', 77, 71, 52],
        ['2020-09-13', 79, 72, 52],
      ]);
      // Smartphones of the provinces with a denominator: 100 → 133 on 13/9.
      expect(s.points.map((p) => p.smartphones)).toEqual([270_786, 270_786, 270_819]);
      const dn = await seriesStats(deps, {
        from: '2020-09-12',
        to: '2020-09-14',
        provinceCode: '48',
        activeDays: 7,
        k: 10,
      });
      expect(dn.points.map((p) => [p.smartphones, p.rate])).toEqual([
        [100, 0.36],
        [133, 36 / 133],
        [200, 0.18],
      ]);
    });

    it('rebuilds exactly the counters the imports wrote', async () => {
      const before = await counterRows(storage);
      const table = await nationalStats(deps, query);
      const summary = await rebuildCounters(storage);
      expect(summary).toMatchObject({ installs: 79, phoneRegistered: 72, checkIns: 54 });
      expect(await counterRows(storage)).toEqual(before);
      expect(await nationalStats(deps, query)).toEqual(table);
    });

    it('rejects a file with a bad line anywhere, importing nothing, with line numbers', async () => {
      const before = await counterRows(storage);
      const imports = await storage.db.selectFrom('stats_imports').selectAll().execute();
      const header =
        'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at';
      const good = Array.from({ length: 1200 }, (_, i) => `bulk-${i},2020-09-02T10:00:00Z,ios,01,,,,`);
      const importDeps = { storage, adminUnits, now: () => NOW };
      // A bad last line (line 1202) after 1,200 good ones: written batches are rolled back.
      const bad = [header, ...good, 'bulk-x,2020-09-02T10:00:00Z,ios,99,,,,'].join('\n');
      const error = await importInstalls(importDeps, bad, { actor: 'cli' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportRejected);
      expect((error as ImportRejected).errors).toEqual([
        {
          line: 1202,
          message: 'province_code 99 is not one of the 63 GSO province codes (01-96, units as of 2020-11-01)',
        },
      ]);
      expect(await counterRows(storage)).toEqual(before);
      expect(
        await storage.db.selectFrom('imported_installs').select('id').where('id', 'like', 'bulk-%').execute(),
      ).toEqual([]);
      expect(await storage.db.selectFrom('stats_imports').selectAll().execute()).toEqual(imports);

      const many = [
        header,
        'a-1,2020-09-02T10:00:00Z,nokia,01,,,,',
        'a-2,yesterday,ios,01,760,,,',
        'dn-1,2020-09-02T10:00:00Z,ios,48,,,,',
        'a-3,2020-09-02T10:00:00Z,ios,01,,,viettel,',
        'a-4,2020-09-02T10:00:00Z,ios,01,,2020-09-01T10:00:00Z,,2020-09-02',
        'a-4,2020-09-02T10:00:00Z,ios,01,,,,',
        'a-5,2020-09-02T10:00:00Z,ios,01',
        '',
      ].join('\r\n');
      const rejected = (await importInstalls(importDeps, many, { actor: 'cli' }).catch(
        (e: unknown) => e,
      )) as ImportRejected;
      expect(rejected.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
      expect(rejected.message).toContain('line 2: platform "nokia" must be android, ios or web');
      expect(rejected.message).toContain('line 3: created_at "yesterday" is not an ISO time');
      expect(rejected.message).toContain('district_code 760 (Quận 1) is in province 79, not 01');
      expect(rejected.message).toContain('line 4: install_id dn-1 was imported before');
      expect(rejected.message).toContain('line 5: carrier is given but phone_verified_at is empty');
      expect(rejected.message).toContain(
        'line 6: phone_verified_at is before created_at; last_active_at is before created_at',
      );
      expect(rejected.message).toContain('line 7: install_id a-4 repeats line 6');
      expect(rejected.message).toContain('line 8: 4 fields, expected 8');
      expect(rejected.message).toMatch(/^7 invalid lines, nothing imported: /);

      const header2 = (await importInstalls(importDeps, 'id,created\n1,2', { actor: 'cli' }).catch(
        (e: unknown) => e,
      )) as ImportRejected;
      expect(header2.errors).toEqual([
        { line: 1, message: expect.stringMatching(/^the header must be install_id,created_at,/) },
      ]);
      const quoted = (await importInstalls(importDeps, `${header}\n"q-1,2020-09-02T10:00:00Z,ios,01,,,,\n`, {
        actor: 'cli',
      }).catch((e: unknown) => e)) as ImportRejected;
      expect(quoted).toBeInstanceOf(ImportRejected);
      expect(quoted.message).toContain('malformed CSV');

      const denominators = [
        'effective_date,province_code,district_code,carrier,smartphones',
        '2020-02-30,01,,,5',
        '2020-09-01,01,,sfone,5',
        '2020-09-01,01,,,-5',
        '2020-09-01,01,,,5',
        '2020-09-01,01,,,6',
        '"2020-09-01",79,"760",,"7"',
      ].join('\n');
      const d = (await importDenominators(importDeps, denominators, { actor: 'cli' }).catch(
        (e: unknown) => e,
      )) as ImportRejected;
      expect(d.errors.map((e) => [e.line, e.message])).toEqual([
        [2, 'effective_date "2020-02-30" is not a date YYYY-MM-DD'],
        [3, expect.stringContaining('carrier "sfone" is not one of viettel, vinaphone, mobifone')],
        [4, 'smartphones "-5" is not a whole number from 0 to 1000000000'],
        [6, 'repeats line 5 (same effective_date, province, district and carrier)'],
      ]);
      expect(await counterRows(storage)).toEqual(before);
    });
  });

  describe.runIf(engineAvailable(engine))(`counters kept by the device API on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine, { BLUEZONE_LOG_LEVEL: 'silent' });
    });
    afterAll(() => t.close());

    it('counts installs, numbers once, and check-ins in their transactions, as a rebuild does', async () => {
      // 2020-08-08 09:00 UTC = 16:00 in Vietnam. Three installs in 79 (newDevice), two with the same number.
      const start = t.clock.now();
      const a = await verifiedPhone(t, '0912000001');
      await verifiedPhone(t, '0912000001'); // re-install on the same number: counted once
      const c = await newDevice(t.app);
      const beat = (token: string) =>
        t.app.inject({ method: 'POST', url: '/v1/heartbeat', headers: { authorization: `Bearer ${token}` } });
      expect((await beat(a.token)).statusCode).toBe(200);
      expect((await beat(a.token)).statusCode).toBe(200); // same day: one check-in
      t.clock.advance(DAY);
      await beat(a.token);
      await beat(c.token);
      t.clock.advance(10 * DAY);
      await beat(a.token);
      const deps = { db: t.storage.db, adminUnits };
      const asOf = Math.ceil((t.clock.now() + 7 * HOUR) / DAY) * DAY - 7 * HOUR; // 24:00 today, Vietnam time
      const table = await nationalStats(deps, { asOf, activeDays: 7, k: 10 });
      expect(row(table, '79')).toMatchObject({ installs: 3, phoneRegistered: 1, active: 1 });
      expect(table.carriers.find((x) => x.carrier === 'vinaphone')?.phoneRegistered).toBe(1);
      // Eleven days ago (24:00 of the second day) both a and c were active.
      const earlier = await nationalStats(deps, { asOf: asOf - 10 * DAY, activeDays: 7, k: 10 });
      expect(row(earlier, '79')).toMatchObject({ installs: 3, phoneRegistered: 1, active: 2 });
      const before = await counterRows(t.storage);
      await rebuildCounters(t.storage);
      expect(await counterRows(t.storage)).toEqual(before);
      // The first check-in of a (day 1) has no previous one; the third came 10 days after the second.
      const gaps = await t.storage.db
        .selectFrom('stats_activity')
        .select(['day', 'gap', 'installs'])
        .where('grain', '=', 'province')
        .orderBy('day')
        .orderBy('gap')
        .execute();
      const day0 = Math.floor((start + 7 * HOUR) / DAY);
      expect(gaps.map((g) => [Number(g.day) - day0, Number(g.gap), Number(g.installs)])).toEqual([
        [0, 91, 1],
        [1, 1, 1],
        [1, 91, 1],
        [11, 10, 1],
      ]);
    });

    it('serves the statistics to every role, a province’s districts only in its scope', async () => {
      const national = await userSession(t, 'national_admin', null);
      const hcm = await userSession(t, 'viewer', '79');
      const asOf = '2020-09-13';
      expect((await asUser(t, hcm, 'GET', `/admin/v1/stats/national?asOf=${asOf}`)).statusCode).toBe(200);
      expect((await asUser(t, hcm, 'GET', `/admin/v1/stats/provinces/79?asOf=${asOf}`)).statusCode).toBe(200);
      const other = await asUser(t, hcm, 'GET', `/admin/v1/stats/provinces/01?asOf=${asOf}`);
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual({
        error: { code: 'not_found', message: 'no statistics for province 01 in your scope' },
      });
      expect(
        (await asUser(t, hcm, 'GET', '/admin/v1/stats/series?from=2020-08-01&to=2020-08-31&provinceCode=01'))
          .statusCode,
      ).toBe(404);
      expect((await asUser(t, national, 'GET', `/admin/v1/stats/provinces/01?asOf=${asOf}`)).statusCode).toBe(
        200,
      );
      const unauth = await t.app.inject({ method: 'GET', url: '/admin/v1/stats/national' });
      expect(unauth.statusCode).toBe(401);
      const badAsOf = await asUser(
        t,
        national,
        'GET',
        '/admin/v1/stats/national?asOf=2020-09-13T08:30%2B07:00',
      );
      expect(badAsOf.statusCode).toBe(400);
      expect(badAsOf.json().error.message).toContain('is not on a whole hour');
      await importDenominators(
        { storage: t.storage, adminUnits, now: t.clock.now },
        'effective_date,province_code,district_code,carrier,smartphones\n2020-08-01,96,,,1000\n',
        {
          actor: 'cli',
        },
      );
      const ranking = (await asUser(t, national, 'GET', `/admin/v1/stats/ranking?asOf=${asOf}&n=1`)).json();
      expect(ranking.top).toHaveLength(1);
      expect(ranking.top[0].rank).toBe(1);
      // Cà Mau has no install: rate 0, the lowest.
      expect(ranking.bottom).toEqual([expect.objectContaining({ code: '96', installs: 0, rate: 0 })]);
      const progress = await asUser(t, national, 'GET', `/admin/v1/stats/progress?asOf=${asOf}`);
      expect(progress.json()).toMatchObject({ target: 0.5, total: { code: null, name: 'Toàn quốc' } });
      expect(progress.json().provinces).toHaveLength(63);
    });

    it('imports CSV uploads for national admins only, 400 with line numbers otherwise', async () => {
      const national = await userSession(t, 'national_admin', null);
      const provincial = await userSession(t, 'province_admin', '79');
      const upload = (who: typeof national, url: string, body: string) =>
        t.app.inject({
          method: 'POST',
          url,
          headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'text/csv' },
          payload: body,
        });
      const csv = 'effective_date,province_code,district_code,carrier,smartphones\n2020-08-01,79,,,4\n';
      expect((await upload(provincial, '/admin/v1/stats/denominators', csv)).statusCode).toBe(403);
      const ok = await upload(national, '/admin/v1/stats/denominators', csv);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ kind: 'denominators', rows: 1 });
      const bad = await upload(
        national,
        '/admin/v1/stats/installs',
        `${installsCsv().split('\n')[0]}\nx,2020-08-01T00:00:00Z,android,79,,,,\ny,2020-08-01T00:00:00Z,android,99,,,,\n`,
      );
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('import_invalid');
      expect(bad.json().error.message).toMatch(/^1 invalid line, nothing imported: line 3: province_code 99/);
      const national79 = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/stats/national?asOf=2020-09-01',
        headers: { 'x-api-key': t.keys.admin },
      });
      const hcm = national79.json().provinces.find((p: { code: string }) => p.code === '79');
      expect(hcm).toMatchObject({ smartphones: 4, rate: hcm.phoneRegistered / 4 });
      const json = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/stats/installs',
        headers: { 'x-api-key': t.keys.admin, 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(json.statusCode).toBe(400);
    });

    it('reports the tracing yield per province over a period', async () => {
      const deps = { db: t.storage.db, adminUnits };
      const empty = await tracingStats(deps, dayOfDate('2020-01-01') * DAY, dayOfDate('2020-01-02') * DAY);
      expect(empty.total).toEqual({ cases: 0, f1: 0, f2: 0, f1PerCase: null, f2PerCase: null });
    });
  });
}
