/**
 * The register of issued reports: `reports` (number unique per series and year), `report_files`
 * (the exact bytes of each format with their SHA-256) and `report_drafts`. See docs/reports.md.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

export function reports(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text')
        .addColumn('report_date', 'text', (c) => c.notNull())
        .addColumn('as_of', int64(dialect), (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('figures', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        // Two concurrent issues that drew the same number: the second fails and draws again.
        .addUniqueConstraint('reports_number_unique', ['series', 'year', 'seq'])
        .execute();
      await db.schema.createIndex('reports_created').on('reports').columns(['created_at', 'id']).execute();
      await db.schema
        .createIndex('reports_province_created')
        .on('reports')
        .columns(['province_code', 'created_at'])
        .execute();
      await db.schema
        .createTable('report_files')
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('bytes', bytes(dialect), (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('report_files_pk', ['report_id', 'format'])
        .execute();
      await db.schema
        .createTable('report_drafts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('province_code', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('updated_at', int64(dialect), (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('report_drafts').execute();
      await db.schema.dropTable('report_files').execute();
      await db.schema.dropTable('reports').execute();
    },
  };
}
