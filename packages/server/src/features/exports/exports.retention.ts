/**
 * Retention of key files: a file is deleted (and leaves `index.txt`) once every key it holds has
 * been deleted by the retention of published keys; each file records that time when it is made.
 * Batch rows go with their last file, except the newest, where the next batch starts.
 *
 * @module
 */
import type { RetentionTask } from '../../jobs/retention.js';
import { purgeExpiredFiles } from './exports.repository.js';

/** The retention task of key files, for `RETENTION_TASKS` in jobs/retention.ts. */
export const exportFileRetentionTask: RetentionTask = {
  name: 'export-files',
  purge: (ctx, now) => purgeExpiredFiles(ctx.storage.db, now),
};
