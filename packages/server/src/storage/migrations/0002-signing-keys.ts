/**
 * Signing keys.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function signingKeys(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('private_key_enc', bytes(dialect), (c) => c.notNull())
        .addColumn('public_key_spki', bytes(dialect), (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('activated_at', int64(dialect), (c) => c.notNull())
        .addColumn('retired_at', int64(dialect))
        .execute();
      await db.schema
        .createIndex('signing_keys_purpose')
        .on('signing_keys')
        .columns(['purpose', 'activated_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('signing_keys').execute();
    },
  };
}
