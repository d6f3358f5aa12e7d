/**
 * Partner interop: `partners`, `consents`, `webhook_deliveries`; on `api_keys` the partner a
 * `partner` key belongs to and its scopes.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function partners(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('partners')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('webhook_url', 'text')
        .addColumn('webhook_secret_enc', bytes(dialect))
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('disabled_at', int64(dialect))
        .execute();
      // SQLite adds one column per ALTER TABLE.
      await db.schema
        .alterTable('api_keys')
        .addColumn('partner_id', 'text', (c) => c.references('partners.id'))
        .execute();
      await db.schema.alterTable('api_keys').addColumn('scopes', 'text').execute();
      await db.schema
        .createTable('consents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id'))
        .addColumn('phone_id', 'text', (c) => c.notNull())
        .addColumn('install_id', 'text', (c) => c.references('installs.id').onDelete('set null'))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .addColumn('revoked_at', int64(dialect))
        .execute();
      await db.schema
        .createIndex('consents_phone_partner')
        .on('consents')
        .columns(['phone_id', 'partner_id'])
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id'))
        .addColumn('consent_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', int64(dialect), (c) => c.notNull())
        .addColumn('delivered_at', int64(dialect))
        .addColumn('failed_at', int64(dialect))
        .addColumn('last_error', 'text')
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['delivered_at', 'failed_at', 'next_attempt_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('webhook_deliveries').execute();
      await db.schema.dropTable('consents').execute();
      await db.schema.alterTable('api_keys').dropColumn('scopes').execute();
      await db.schema.alterTable('api_keys').dropColumn('partner_id').execute();
      await db.schema.dropTable('partners').execute();
    },
  };
}
