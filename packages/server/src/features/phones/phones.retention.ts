/**
 * Retention of phone registration: expired one-time-code challenges, ended rate-limit windows,
 * and numbers no install links to any more (after a day's grace). For the retention job's task
 * list (`jobs/retention.ts`).
 *
 * @module
 */
import type { RetentionTask } from '../../jobs/retention.js';
import { purgeRateLimits } from '../../rate-limit.js';
import { purgeExpiredChallenges, purgeUnlinkedPhones } from './phones.repository.js';

/** Grace period before an unlinked number is deleted, ms. */
const UNLINKED_GRACE_MS = 86_400_000;

/** The purges of this feature. */
export const PHONE_RETENTION_TASKS: readonly RetentionTask[] = [
  { name: 'otp_challenges', purge: (ctx, now) => purgeExpiredChallenges(ctx.storage.db, now) },
  { name: 'rate_limits', purge: (ctx, now) => purgeRateLimits(ctx, now) },
  {
    name: 'unlinked_phones',
    purge: (ctx, now) => purgeUnlinkedPhones(ctx.storage.db, now - UNLINKED_GRACE_MS),
  },
];
