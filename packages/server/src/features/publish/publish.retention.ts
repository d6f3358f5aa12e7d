/**
 * Retention of published keys: a key is deleted once its rolling start is older than
 * `BLUEZONE_KEY_RETENTION_DAYS` (default 14) — by then no phone can have a sighting to match it
 * against — whether or not it was ever exported.
 *
 * @module
 */
import type { RetentionTask } from '../../jobs/retention.js';
import { purgeExposuresBefore } from './exposures.repository.js';

/** The first rolling start kept at `now` with `retentionDays` of retention. */
export function exposureRetentionCutoff(now: number, retentionDays: number): number {
  return Math.floor((now - retentionDays * 86_400_000) / 600_000);
}

/** The retention task of published keys, for `RETENTION_TASKS` in jobs/retention.ts. */
export const exposureRetentionTask: RetentionTask = {
  name: 'exposures',
  purge: (ctx, now) =>
    purgeExposuresBefore(ctx.storage.db, exposureRetentionCutoff(now, ctx.config.keyRetentionDays)),
};
