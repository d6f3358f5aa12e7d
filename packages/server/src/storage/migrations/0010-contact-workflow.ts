/**
 * The contact workflow: status, assignment and confirmed-case link on `contacts`, and the
 * append-only, encrypted `contact_notes`.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

/** Migration `0010-contact-workflow`. */
export function contactWorkflow(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('contacts')
        .addColumn('workflow_status', 'text', (c) => c.notNull().defaultTo('new'))
        .execute();
      await db.schema.alterTable('contacts').addColumn('assigned_to', 'text').execute();
      await db.schema.alterTable('contacts').addColumn('workflow_updated_at', int64(dialect)).execute();
      await db.schema.alterTable('contacts').addColumn('confirmed_case_id', 'text').execute();
      await db.schema.createIndex('contacts_assigned_to').on('contacts').column('assigned_to').execute();
      await db.schema
        .createTable('contact_notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('text_enc', bytes(dialect), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('contact_notes_contact')
        .on('contact_notes')
        .columns(['contact_id', 'created_at'])
        .execute();
      await db.schema.createIndex('audit_log_at_id').on('audit_log').columns(['at', 'id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('audit_log_at_id').execute();
      await db.schema.dropTable('contact_notes').execute();
      await db.schema.dropIndex('contacts_assigned_to').execute();
      for (const column of ['confirmed_case_id', 'workflow_updated_at', 'assigned_to', 'workflow_status'])
        await db.schema.alterTable('contacts').dropColumn(column).execute();
    },
  };
}
