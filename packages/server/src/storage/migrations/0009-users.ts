/**
 * Users (roles, province scope, lock-out) and their login sessions.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function users(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text')
        .addColumn('district_codes', 'text')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', int64(dialect))
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('updated_at', int64(dialect), (c) => c.notNull())
        .addColumn('disabled_at', int64(dialect))
        .execute();
      await db.schema.createIndex('users_province').on('users').column('province_code').execute();
      await db.schema
        .createTable('user_sessions')
        .addColumn('id_hash', bytes(dialect), (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('last_seen_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('user_sessions').execute();
      await db.schema.dropTable('users').execute();
    },
  };
}
