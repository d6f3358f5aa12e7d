/**
 * Foundation tables: installs, install activity days, API keys, audit log.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function foundation(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('installs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', bytes(dialect), (c) => c.notNull().unique())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('app_version', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text')
        .addColumn('admin_units_as_of', 'text', (c) => c.notNull())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('last_active_at', int64(dialect))
        .addColumn('phone_id', 'text')
        .addColumn('phone_verified_at', int64(dialect))
        .addColumn('carrier', 'text')
        .execute();
      await db.schema
        .createIndex('installs_province')
        .on('installs')
        .columns(['province_code', 'district_code'])
        .execute();
      await db.schema
        .createTable('install_days')
        .addColumn('install_id', 'text', (c) => c.notNull().references('installs.id').onDelete('cascade'))
        .addColumn('day', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('install_days_pk', ['install_id', 'day'])
        .execute();
      await db.schema.createIndex('install_days_day').on('install_days').column('day').execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_hash', bytes(dialect), (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('revoked_at', int64(dialect))
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', int64(dialect), (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['audit_log', 'api_keys', 'install_days', 'installs']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
