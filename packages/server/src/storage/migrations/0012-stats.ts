/**
 * Installation statistics: the counters (installs and phone registrations per period and grain;
 * check-ins per day and gap), the smartphone denominators with effective dates, the import log,
 * and `installs.import_id` for installs imported from another system; drops `installs_province`,
 * which no query needs once the counters answer by area. See docs/statistics.md.
 *
 * @module
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../storage.js';
import { int64 } from './column-types.js';

export function stats(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
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
        .addPrimaryKeyConstraint('stats_counters_pk', [
          'grain',
          'res',
          'period',
          'province_code',
          'district_code',
          'carrier',
          'platform',
        ])
        // SQLite: rows stored in key order, so that a range of periods is read sequentially.
        .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
        .execute();
      await db.schema
        .createTable('stats_activity')
        .addColumn('grain', 'text', (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('gap', 'integer', (c) => c.notNull())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text', (c) => c.notNull())
        .addColumn('carrier', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('installs', int64(dialect), (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('stats_activity_pk', [
          'grain',
          'day',
          'gap',
          'province_code',
          'district_code',
          'carrier',
          'platform',
        ])
        .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
        .execute();
      await db.schema
        .createTable('stats_imports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('imported_at', int64(dialect), (c) => c.notNull())
        .addColumn('imported_by', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text')
        .execute();
      await db.schema
        .createTable('stats_denominators')
        .addColumn('effective_date', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text', (c) => c.notNull())
        .addColumn('carrier', 'text', (c) => c.notNull())
        .addColumn('smartphones', int64(dialect), (c) => c.notNull())
        .addColumn('import_id', 'text', (c) => c.notNull().references('stats_imports.id'))
        .addPrimaryKeyConstraint('stats_denominators_pk', [
          'province_code',
          'district_code',
          'carrier',
          'effective_date',
        ])
        .execute();
      await db.schema
        .alterTable('installs')
        .addColumn('import_id', 'text', (c) => c.references('stats_imports.id'))
        .execute();
      // Counts by area come from the counters; no query reads installs by area any more, and the
      // index cost the installs import a quarter of its time (docs/statistics.md, "Imports").
      await db.schema.dropIndex('installs_province').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema
        .createIndex('installs_province')
        .on('installs')
        .columns(['province_code', 'district_code'])
        .execute();
      await db.schema.alterTable('installs').dropColumn('import_id').execute();
      for (const table of ['stats_denominators', 'stats_imports', 'stats_activity', 'stats_counters']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
