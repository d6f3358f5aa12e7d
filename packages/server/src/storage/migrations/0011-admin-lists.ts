/**
 * Indexes of the portal's lists: the province-wide contact list (`GET /admin/v1/contacts`,
 * newest report first across cases) and the inbox list (`GET /admin/v1/inbox`, newest first,
 * by province). No table or column changes.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';

/** Migration `0011-admin-lists`. */
export function adminLists(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('contacts_reported')
        .on('contacts')
        .columns(['reported_at', 'id'])
        .execute();
      await db.schema
        .createIndex('contacts_workflow_status')
        .on('contacts')
        .columns(['workflow_status', 'reported_at'])
        .execute();
      await db.schema
        .createIndex('inbox_messages_province_created')
        .on('inbox_messages')
        .columns(['province_code', 'created_at', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const index of [
        'inbox_messages_province_created',
        'contacts_workflow_status',
        'contacts_reported',
      ])
        await db.schema.dropIndex(index).execute();
    },
  };
}
