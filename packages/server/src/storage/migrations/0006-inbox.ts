/**
 * Inbox messages.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { int64 } from './column-types.js';

export function inbox(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inbox_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title_vi', 'text', (c) => c.notNull())
        .addColumn('body_vi', 'text', (c) => c.notNull())
        .addColumn('title_en', 'text', (c) => c.notNull())
        .addColumn('body_en', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('province_code', 'text')
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('expires_at', int64(dialect))
        .execute();
      await db.schema
        .createIndex('inbox_messages_created')
        .on('inbox_messages')
        .column('created_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('inbox_messages').execute();
    },
  };
}
