/**
 * Job runs.
 *
 * @module
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import { int64 } from './column-types.js';

export function jobs(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_runs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('last_started_at', int64(dialect), (c) => c.notNull())
        .addColumn('last_finished_at', int64(dialect), (c) => c.notNull())
        .addColumn('last_status', 'text', (c) => c.notNull())
        .addColumn('last_detail', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('job_runs').execute();
    },
  };
}
