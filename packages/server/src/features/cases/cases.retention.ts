/**
 * Retention of upload-authorization data: dead verification codes and expired tokens are deleted
 * a week after they stopped working (until then a user who retries an old code is told it expired
 * or was used, not that it never existed), and wrong-code records once they leave the lock-out
 * window. Case rows are kept: they hold no personal data, only the upload status.
 *
 * @module
 */
import type { RetentionTask } from '../../jobs/retention.js';
import { VERIFY_LOCKOUT } from '../verification-api/lock-out.js';
import { pruneVerificationFailures, purgeDeadCodesAndTokens } from './cases.repository.js';

/** How long codes and tokens are kept after they stopped working: 7 days. */
export const DEAD_CODE_RETENTION_MS = 7 * 86_400_000;

/** The retention task of this feature, for `RETENTION_TASKS` in jobs/retention.ts. */
export const verificationRetentionTask: RetentionTask = {
  name: 'verification-codes',
  purge: async (ctx, now) =>
    (await purgeDeadCodesAndTokens(ctx.storage.db, now - DEAD_CODE_RETENTION_MS)) +
    (await pruneVerificationFailures(ctx.storage.db, now - VERIFY_LOCKOUT.windowMs)),
};
