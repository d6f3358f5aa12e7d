/**
 * Published exposure keys, export batches and key files.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { bytes, int64 } from './column-types.js';

/** Creates `exposures`, `export_batches` and `export_files`. */
export function exposures(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('exposures')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_data', bytes(dialect), (c) => c.notNull().unique())
        .addColumn('rolling_start_interval_number', 'integer', (c) => c.notNull())
        .addColumn('rolling_period', 'integer', (c) => c.notNull())
        .addColumn('transmission_risk', 'integer', (c) => c.notNull())
        .addColumn('report_type', 'integer', (c) => c.notNull())
        .addColumn('days_since_onset', 'integer')
        .addColumn('health_authority', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('revised_report_type', 'integer')
        .addColumn('revised_at', int64(dialect))
        .addColumn('revised_days_since_onset', 'integer')
        .addColumn('revised_transmission_risk', 'integer')
        .addColumn('exported_batch_id', 'text')
        .addColumn('revised_exported_batch_id', 'text')
        .execute();
      await db.schema
        .createIndex('exposures_pending')
        .on('exposures')
        .columns(['region', 'exported_batch_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('exposures_revised')
        .on('exposures')
        .columns(['region', 'revised_exported_batch_id', 'revised_at'])
        .execute();
      await db.schema
        .createIndex('exposures_rolling_start')
        .on('exposures')
        .column('rolling_start_interval_number')
        .execute();

      await db.schema
        .createTable('export_batches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('start_at', int64(dialect), (c) => c.notNull())
        .addColumn('end_at', int64(dialect), (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('file_count', 'integer', (c) => c.notNull())
        .addColumn('key_count', 'integer', (c) => c.notNull())
        .addColumn('padding_key_count', 'integer', (c) => c.notNull())
        .addColumn('revised_key_count', 'integer', (c) => c.notNull())
        // Two batchers that computed the same window: the second insert fails, nothing is doubled.
        .addUniqueConstraint('export_batches_region_start', ['region', 'start_at'])
        .execute();
      await db.schema
        .createIndex('export_batches_region_end')
        .on('export_batches')
        .columns(['region', 'end_at'])
        .execute();

      await db.schema
        .createTable('export_files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('batch_id', 'text', (c) => c.notNull().references('export_batches.id').onDelete('cascade'))
        .addColumn('path', 'text', (c) => c.notNull().unique())
        .addColumn('batch_num', 'integer', (c) => c.notNull())
        .addColumn('batch_size', 'integer', (c) => c.notNull())
        .addColumn('key_count', 'integer', (c) => c.notNull())
        .addColumn('revised_key_count', 'integer', (c) => c.notNull())
        .addColumn('bytes', bytes(dialect), (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('created_at', int64(dialect), (c) => c.notNull())
        .addColumn('keys_expire_at', int64(dialect), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('export_files_batch').on('export_files').column('batch_id').execute();
      await db.schema
        .createIndex('export_files_expire')
        .on('export_files')
        .column('keys_expire_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['export_files', 'export_batches', 'exposures']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
