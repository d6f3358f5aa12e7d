/**
 * Contact lists and legacy imports: `contacts`, `legacy_matches`; on `cases` the closing time and
 * the links of a recursive case (parent case, source contact); on `exposures` the SHA-256 of each
 * key (backfilled here for keys already stored) and the case that published it (unknown, so null,
 * for keys stored before this migration).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

/** The part of the schema the backfill touches. */
interface BackfillSchema {
  exposures: { id: string; key_data: Uint8Array; key_hash: Uint8Array | null };
}

const BACKFILL_PAGE = 1000;

/** Fills `exposures.key_hash` for every key stored before this migration, a page at a time. */
async function backfillKeyHashes(db: Kysely<BackfillSchema>): Promise<void> {
  let after = '';
  for (;;) {
    const page = await db
      .selectFrom('exposures')
      .select(['id', 'key_data'])
      .where('id', '>', after)
      .where('key_hash', 'is', null)
      .orderBy('id')
      .limit(BACKFILL_PAGE)
      .execute();
    for (const row of page) {
      const hash = new Uint8Array(createHash('sha256').update(row.key_data).digest());
      await db.updateTable('exposures').set({ key_hash: hash }).where('id', '=', row.id).execute();
    }
    const last = page[page.length - 1];
    if (!last || page.length < BACKFILL_PAGE) return;
    after = last.id;
  }
}

/** Creates `contacts` and `legacy_matches` and adds the columns of contact tracing to `cases` and `exposures`. */
export function contacts(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // SQLite adds one column per ALTER TABLE.
      await db.schema.alterTable('exposures').addColumn('key_hash', bytes(dialect)).execute();
      await db.schema
        .alterTable('exposures')
        .addColumn('case_id', 'text', (c) => c.references('cases.id').onDelete('set null'))
        .execute();
      await backfillKeyHashes(db as Kysely<BackfillSchema>);
      await db.schema.createIndex('exposures_key_hash').on('exposures').column('key_hash').execute();

      await db.schema
        .createTable('contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('phone_id', 'text', (c) => c.references('phones.id').onDelete('set null'))
        .addColumn('exposure_days', 'text')
        .addColumn('max_risk_level', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('matched_keys', 'integer', (c) => c.notNull())
        .addColumn('report_count', 'integer', (c) => c.notNull())
        .addColumn('reported_at', int64(dialect), (c) => c.notNull())
        .addColumn('updated_at', int64(dialect), (c) => c.notNull())
        .addColumn('last_report_id', 'text')
        .addColumn('purged_at', int64(dialect))
        // One row per case and number; rows whose number was deleted (null) do not collide.
        .addUniqueConstraint('contacts_case_phone', ['case_id', 'phone_id'])
        .execute();
      await db.schema
        .createIndex('contacts_case_reported')
        .on('contacts')
        .columns(['case_id', 'reported_at', 'id'])
        .execute();
      await db.schema.createIndex('contacts_phone').on('contacts').column('phone_id').execute();

      for (const [column, type] of [
        ['closed_at', int64(dialect)],
        ['parent_case_id', 'text'],
        ['source_contact_id', 'text'],
      ] as const) {
        await db.schema
          .alterTable('cases')
          .addColumn(column, type, (c) =>
            column === 'parent_case_id'
              ? c.references('cases.id')
              : column === 'source_contact_id'
                ? c.references('contacts.id')
                : c,
          )
          .execute();
      }
      await db.schema.createIndex('cases_closed').on('cases').column('closed_at').execute();
      await db.schema.createIndex('cases_parent').on('cases').column('parent_case_id').execute();
      await db.schema
        .createIndex('cases_source_contact')
        .on('cases')
        .column('source_contact_id')
        .unique()
        .execute();

      await db.schema
        .createTable('legacy_matches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
        .addColumn('import_id', 'text', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('seen_at', int64(dialect), (c) => c.notNull())
        .addColumn('slot', 'integer', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        // A log imported twice records each sighting once.
        .addUniqueConstraint('legacy_matches_sighting', ['case_id', 'line', 'contact_id', 'seen_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('legacy_matches').execute();
      for (const index of ['cases_source_contact', 'cases_parent', 'cases_closed', 'exposures_key_hash']) {
        await db.schema.dropIndex(index).execute();
      }
      for (const column of ['source_contact_id', 'parent_case_id', 'closed_at']) {
        await db.schema.alterTable('cases').dropColumn(column).execute();
      }
      await db.schema.dropTable('contacts').execute();
      for (const column of ['case_id', 'key_hash']) {
        await db.schema.alterTable('exposures').dropColumn(column).execute();
      }
    },
  };
}
