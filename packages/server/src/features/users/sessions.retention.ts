/**
 * Retention of login sessions: deletes the rows of sessions past their absolute expiry or idle
 * longer than `BLUEZONE_SESSION_IDLE_MINUTES` (they can no longer be used; a request with one
 * deletes it too, but an abandoned browser never sends one).
 *
 * @module
 */
import type { RetentionTask } from '../../jobs/retention.js';

/** Deletes expired and idle sessions. */
export const sessionRetentionTask: RetentionTask = {
  name: 'userSessions',
  async purge(ctx, now) {
    const idleBefore = now - ctx.config.sessionIdleMinutes * 60_000;
    const result = await ctx.storage.db
      .deleteFrom('user_sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleBefore)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};
