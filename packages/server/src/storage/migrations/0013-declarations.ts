/**
 * Health declarations: `declarations` (personal fields encrypted), `daily_reports` of people
 * under monitoring, `qr_tokens` (the personal QR codes issued, for online verification).
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function declarations(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('declarations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('install_id', 'text', (c) => c.references('installs.id').onDelete('set null'))
        .addColumn('phone_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text')
        .addColumn('personal_enc', bytes(dialect), (c) => c.notNull())
        .addColumn('declared_on', 'text', (c) => c.notNull())
        .addColumn('monitoring_until', int64(dialect))
        .addColumn('valid_until', int64(dialect), (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('status_changed_at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('declarations_phone')
        .on('declarations')
        .columns(['phone_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('declarations_list')
        .on('declarations')
        .columns(['province_code', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('declarations_created')
        .on('declarations')
        .columns(['created_at', 'id'])
        .execute();
      await db.schema
        .createTable('daily_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('declaration_id', 'text', (c) =>
          c.notNull().references('declarations.id').onDelete('cascade'),
        )
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('report_enc', bytes(dialect), (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addUniqueConstraint('daily_reports_declaration_day', ['declaration_id', 'day'])
        .execute();
      await db.schema
        .createTable('qr_tokens')
        .addColumn('jti_hash', bytes(dialect), (c) => c.primaryKey())
        .addColumn('declaration_id', 'text', (c) => c.notNull())
        .addColumn('phone_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('qr_tokens_phone')
        .on('qr_tokens')
        .columns(['phone_id', 'created_at'])
        .execute();
      await db.schema.createIndex('qr_tokens_expires').on('qr_tokens').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['qr_tokens', 'daily_reports', 'declarations']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
