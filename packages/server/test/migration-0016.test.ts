/**
 * Migration `0016-stats-day-rows` on a database with data, on both engines: the hour rows of the
 * counters fold into the hour columns of their day rows (bucket k of day d → column k − 24d), the
 * imported installs move from `installs` (with their check-in days) to `imported_installs`, and app
 * installs stay. Its `down` (reached by migrating back to 0015) restores the old layout.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../src/storage/migrate.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestStorage, ENGINES, engineAvailable } from './harness.js';

const DAY = 18_510; // 2020-09-06 (Vietnamese day number)

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`migration 0016 on ${engine}`, () => {
    let storage: Storage;
    let destroy: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, destroy } = await createTestStorage(engine));
    });
    afterAll(() => destroy());

    it('folds hour rows into day rows and moves imported installs to their table', async () => {
      const back = await migrateTo(storage, '0015-reports');
      expect(back.current).not.toContain('0016-stats-day-rows');
      const db = storage.db;
      await sql`insert into stats_imports (id, kind, rows, imported_at, imported_by, file_name)
        values ('imp_old', 'installs', 1, 0, 'cli', null)`.execute(db);
      const install = (id: string, importId: string | null, lastActive: number | null) =>
        sql`insert into installs (id, token_hash, platform, app_version, province_code, district_code,
            admin_units_as_of, locale, created_at, last_active_at, phone_id, phone_verified_at, carrier, import_id)
          values (${id}, ${Buffer.from(`token:${id}`)}, 'android', '1.0', '48', '490', '2020-11-01', 'vi',
            1599350400000, ${lastActive}, null, ${importId ? 1599350460000 : null}, ${importId ? 'viettel' : null}, ${importId})`.execute(
          db,
        );
      await install('imp:old-1', 'imp_old', 1599436800000);
      await install('app-1', null, 1599436800000);
      for (const id of ['imp:old-1', 'app-1'])
        await sql`insert into install_days (install_id, day) values (${id}, '2020-09-07')`.execute(db);
      const counter = (res: string, period: number, installs: number, phones: number, grain = 'province') =>
        sql`insert into stats_counters (grain, res, period, province_code, district_code, carrier, platform, installs, phone_registered)
          values (${grain}, ${res}, ${period}, '48', '', '', '', ${installs}, ${phones})`.execute(db);
      await counter('day', DAY, 5, 2);
      await counter('hour', 24 * DAY + 1, 1, 0); // (00:00, 01:00]
      await counter('hour', 24 * DAY + 11, 3, 2); // (10:00, 11:00]
      await counter('hour', 24 * DAY + 24, 1, 0); // (23:00, 24:00]: still this day's row
      await counter('day', DAY + 1, 4, 0);
      await counter('hour', 24 * (DAY + 1) + 9, 4, 0);
      await counter('day', -3, 1, 0); // before 1970
      await counter('hour', 24 * -3 + 5, 1, 0);

      const up = await migrateToLatest(storage);
      expect(up.applied).toEqual(['0016-stats-day-rows']);

      const rows = await db
        .selectFrom('stats_counters')
        .select(['period', 'installs', 'phone_registered', 'i01', 'i05', 'i09', 'i11', 'i24', 'p11'])
        .where('grain', '=', 'province')
        .orderBy('period')
        .execute();
      expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])))).toEqual([
        { period: -3, installs: 1, phone_registered: 0, i01: 0, i05: 1, i09: 0, i11: 0, i24: 0, p11: 0 },
        { period: DAY, installs: 5, phone_registered: 2, i01: 1, i05: 0, i09: 0, i11: 3, i24: 1, p11: 2 },
        { period: DAY + 1, installs: 4, phone_registered: 0, i01: 0, i05: 0, i09: 4, i11: 0, i24: 0, p11: 0 },
      ]);
      const imported = await db.selectFrom('imported_installs').selectAll().execute();
      expect(imported.map((r) => ({ ...r, created_at: Number(r.created_at) }))).toMatchObject([
        {
          id: 'old-1',
          import_id: 'imp_old',
          created_at: 1599350400000,
          platform: 'android',
          province_code: '48',
          district_code: '490',
          carrier: 'viettel',
        },
      ]);
      expect((await db.selectFrom('installs').select('id').execute()).map((r) => r.id)).toEqual(['app-1']);
      expect(
        (await db.selectFrom('install_days').select('install_id').execute()).map((r) => r.install_id),
      ).toEqual(['app-1']);
    });
  });
}
