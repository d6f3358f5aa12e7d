/**
 * Statistics storage for fast imports (docs/statistics.md, "Counters" and "Imports"):
 *
 * - `stats_counters` keeps **one row per grain, area and day**: the day's totals and, in the
 *   columns `i01`…`i24` and `p01`…`p24`, the installs and phone registrations of each hour bucket
 *   of the day (bucket `hh` holds ((hh − 1):00, hh:00] Vietnamese time). Until now each event
 *   bumped a day row and an hour row; an import spread over months wrote two rows per area and
 *   install. The existing rows are folded into the new table.
 * - Installs imported from another system move from `installs` (where they needed a fake token
 *   hash, three indexes and an `install_days` row) to `imported_installs`, clustered on the
 *   source's install ID, with the check-in in the row. `installs.import_id` stays (SQLite cannot
 *   drop a column with a foreign key) and is no longer written.
 *
 * @module
 */
import { type Kysely, type Migration, type RawBuilder, sql } from 'kysely';
import type { Dialect } from '../storage.js';
import { int64 } from './column-types.js';

/** `i01`…`i24` or `p01`…`p24`. */
export const hourColumns = (prefix: 'i' | 'p'): string[] =>
  Array.from({ length: 24 }, (_, h) => `${prefix}${String(h + 1).padStart(2, '0')}`);

/** Integer division rounding down (also for negative periods, as the counters' JavaScript does). */
const floorDiv = (x: RawBuilder<unknown>, d: number) =>
  sql`(case when ${x} >= 0 then ${x} / ${sql.lit(d)} else -((${sql.lit(d - 1)} - ${x}) / ${sql.lit(d)}) end)`;

const DIMS = ['province_code', 'district_code', 'carrier', 'platform'] as const;

async function createDayCounters(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  let table = db.schema
    .createTable('stats_counters')
    .addColumn('grain', 'text', (c) => c.notNull())
    .addColumn('period', 'integer', (c) => c.notNull())
    .addColumn('province_code', 'text', (c) => c.notNull())
    .addColumn('district_code', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('installs', int64(dialect), (c) => c.notNull().defaultTo(0))
    .addColumn('phone_registered', int64(dialect), (c) => c.notNull().defaultTo(0));
  for (const column of [...hourColumns('i'), ...hourColumns('p')])
    table = table.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  await table
    .addPrimaryKeyConstraint('stats_counters_day_pk', ['grain', 'period', ...DIMS])
    // SQLite: rows stored in key order, so that a range of days is one sequential read.
    .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
}

export function statsDayRows(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('imported_installs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // No foreign key: the import writes its stats_imports row first in the same transaction,
        // and the key check cost the import 15 % of its time (docs/statistics.md, "Imports").
        .addColumn('import_id', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text')
        .addColumn('phone_verified_at', int64(dialect))
        .addColumn('carrier', 'text')
        .addColumn('last_active_at', int64(dialect))
        .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
        .execute();
      await sql`insert into imported_installs
        select substr(id, 5), import_id, created_at, platform, province_code, district_code,
          phone_verified_at, carrier, last_active_at
        from installs where import_id is not null`.execute(db);
      await sql`delete from install_days where install_id in
        (select id from installs where import_id is not null)`.execute(db);
      await sql`delete from installs where import_id is not null`.execute(db);

      await sql`alter table stats_counters rename to stats_counters_0012`.execute(db);
      await createDayCounters(db, dialect);
      // Hour row k belongs to day ⌊(k − 1) / 24⌋, in the column of hour k − 24 × day (1…24).
      const day = sql`(case when res = 'day' then period else ${floorDiv(sql`(period - 1)`, 24)} end)`;
      const slot = (prefix: 'i' | 'p', column: string) =>
        hourColumns(prefix).map(
          (name, h) =>
            sql`sum(case when res = 'hour' and period - 24 * ${floorDiv(sql`(period - 1)`, 24)} = ${sql.lit(h + 1)} then ${sql.ref(column)} else 0 end) as ${sql.ref(name)}`,
        );
      await sql`insert into stats_counters
        select grain, ${day} as day, province_code, district_code, carrier, platform,
          sum(case when res = 'day' then installs else 0 end),
          sum(case when res = 'day' then phone_registered else 0 end),
          ${sql.join([...slot('i', 'installs'), ...slot('p', 'phone_registered')])}
        from stats_counters_0012
        group by grain, ${day}, province_code, district_code, carrier, platform`.execute(db);
      await db.schema.dropTable('stats_counters_0012').execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`alter table stats_counters rename to stats_counters_0016`.execute(db);
      await db.schema
        .createTable('stats_counters')
        .addColumn('grain', 'text', (c) => c.notNull())
        .addColumn('res', 'text', (c) => c.notNull())
        .addColumn('period', 'integer', (c) => c.notNull())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text', (c) => c.notNull())
        .addColumn('carrier', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('installs', int64(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('phone_registered', int64(dialect), (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('stats_counters_pk', ['grain', 'res', 'period', ...DIMS])
        .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
        .execute();
      await sql`insert into stats_counters
        select grain, 'day', period, province_code, district_code, carrier, platform, installs, phone_registered
        from stats_counters_0016`.execute(db);
      const installs = hourColumns('i');
      const phones = hourColumns('p');
      for (let h = 0; h < 24; h++) {
        await sql`insert into stats_counters
          select grain, 'hour', 24 * period + ${sql.lit(h + 1)}, province_code, district_code, carrier, platform,
            ${sql.ref(installs[h]!)}, ${sql.ref(phones[h]!)}
          from stats_counters_0016 where ${sql.ref(installs[h]!)} <> 0 or ${sql.ref(phones[h]!)} <> 0`.execute(
          db,
        );
      }
      await db.schema.dropTable('stats_counters_0016').execute();
      const tokenHash =
        dialect === 'postgres'
          ? sql`convert_to('import:imp:' || id, 'UTF8')`
          : sql`cast('import:imp:' || id as blob)`;
      await sql`insert into installs (id, token_hash, platform, app_version, province_code, district_code,
          admin_units_as_of, locale, created_at, last_active_at, phone_id, phone_verified_at, carrier, import_id)
        select 'imp:' || id, ${tokenHash}, platform, 'import', province_code, district_code,
          '2020-11-01', 'vi', created_at, last_active_at, null, phone_verified_at, carrier, import_id
        from imported_installs`.execute(db);
      await db.schema.dropTable('imported_installs').execute();
    },
  };
}
