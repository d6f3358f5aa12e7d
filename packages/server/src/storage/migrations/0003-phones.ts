/**
 * Phone registration: verified numbers (encrypted, keyed hash for de-duplication), one-time code
 * challenges, rate-limit counters; an index on `installs.phone_id` for counting and clean-up.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function phones(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('phones')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('phone_hash', bytes(dialect), (c) => c.notNull().unique())
        .addColumn('phone_enc', bytes(dialect), (c) => c.notNull())
        .addColumn('carrier', 'text')
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('verified_at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('installs_phone').on('installs').column('phone_id').execute();
      await db.schema
        .createTable('otp_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('install_id', 'text', (c) => c.notNull().references('installs.id').onDelete('cascade'))
        .addColumn('phone_hash', bytes(dialect), (c) => c.notNull())
        .addColumn('code_hash', bytes(dialect), (c) => c.notNull())
        .addColumn('sent_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('otp_challenges_install_phone', ['install_id', 'phone_hash'])
        .execute();
      await db.schema
        .createIndex('otp_challenges_expires')
        .on('otp_challenges')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('rate_limits')
        .addColumn('bucket', bytes(dialect), (c) => c.notNull())
        .addColumn('window_start', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_limits_pk', ['bucket', 'window_start'])
        .execute();
      await db.schema.createIndex('rate_limits_expires').on('rate_limits').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['rate_limits', 'otp_challenges', 'phones']) {
        await db.schema.dropTable(table).execute();
      }
      await db.schema.dropIndex('installs_phone').execute();
    },
  };
}
