/**
 * Every background job the server runs (when `BLUEZONE_JOBS` is true). Features add theirs here.
 *
 * @module
 */
import { exportBatchJob } from '../features/exports/exports.batcher.js';
import { webhookDeliveryJob } from '../features/partners/webhooks.js';
import { keyRotationJob } from './key-rotation.js';
import { retentionJob } from './retention.js';
import type { Job } from './scheduler.js';

/** The jobs of a server process. */
export function serverJobs(): Job[] {
  return [retentionJob(), keyRotationJob(), exportBatchJob(), webhookDeliveryJob()];
}
