/**
 * Confirmed cases, verification codes, verification tokens, and the wrong-code counter of the
 * verify lock-out.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function cases(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('province_code', 'text', (c) => c.notNull())
        .addColumn('district_code', 'text')
        .addColumn('admin_units_as_of', 'text', (c) => c.notNull())
        .addColumn('test_type', 'text', (c) => c.notNull())
        .addColumn('symptom_date', 'text')
        .addColumn('test_date', 'text', (c) => c.notNull())
        .addColumn('health_authority', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('codes_issued_at', int64(dialect), (c) => c.notNull())
        .addColumn('short_code_expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('long_code_expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('codes_claimed_at', int64(dialect))
        .addColumn('token_exchanged_at', int64(dialect))
        .addColumn('certificate_issued_at', int64(dialect))
        .addColumn('keys_published', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('cases_created').on('cases').columns(['created_at', 'id']).execute();
      await db.schema
        .createIndex('cases_province_created')
        .on('cases')
        .columns(['province_code', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('verification_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('code_hash', bytes(dialect), (c) => c.notNull().unique())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('claimed_at', int64(dialect))
        .addColumn('invalidated_at', int64(dialect))
        .execute();
      await db.schema
        .createIndex('verification_codes_case')
        .on('verification_codes')
        .column('case_id')
        .execute();
      await db.schema
        .createIndex('verification_codes_expires')
        .on('verification_codes')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('verification_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
        .addColumn('token_hash', bytes(dialect), (c) => c.notNull().unique())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('exchanged_at', int64(dialect))
        .addColumn('certificate_hash', bytes(dialect), (c) => c.unique())
        .execute();
      await db.schema
        .createIndex('verification_tokens_case')
        .on('verification_tokens')
        .column('case_id')
        .execute();
      await db.schema
        .createIndex('verification_tokens_expires')
        .on('verification_tokens')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('verification_failures')
        .addColumn('bucket', bytes(dialect), (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('verification_failures_bucket')
        .on('verification_failures')
        .columns(['bucket', 'at'])
        .execute();
      await db.schema
        .createIndex('verification_failures_kind')
        .on('verification_failures')
        .columns(['kind', 'at'])
        .execute();
      await db.schema
        .createIndex('verification_failures_at')
        .on('verification_failures')
        .column('at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['verification_failures', 'verification_tokens', 'verification_codes', 'cases']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
