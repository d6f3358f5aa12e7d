/**
 * Retention of contact lists (design brief §2, "automatic deletion"): once a case has been closed
 * for `BLUEZONE_CONTACT_RETENTION_DAYS` (default 30), the personal data of its contacts — the
 * phone link, exposure days, risk and report ID — is deleted (the anonymous row stays for the
 * tracing statistics and the recursive-case links), and so are its legacy matches. Open cases
 * keep theirs. For `RETENTION_TASKS` in jobs/retention.ts.
 *
 * @module
 */
import type { AppContext } from '../../context.js';
import type { RetentionTask } from '../../jobs/retention.js';
import { purgeLegacyMatchesOfClosedCases } from '../legacy-import/legacy-import.service.js';
import { purgeContactsOfClosedCases } from './contacts.repository.js';

/** Cases closed before this time at `now` have lost their contact data. */
export function contactRetentionCutoff(ctx: Pick<AppContext, 'config'>, now: number): number {
  return now - ctx.config.contactRetentionDays * 86_400_000;
}

/** The purges of contact lists and legacy matches. */
export const CONTACT_RETENTION_TASKS: readonly RetentionTask[] = [
  {
    name: 'contacts',
    purge: (ctx, now) => purgeContactsOfClosedCases(ctx.storage.db, contactRetentionCutoff(ctx, now), now),
  },
  {
    name: 'legacy_matches',
    purge: (ctx, now) => purgeLegacyMatchesOfClosedCases(ctx.storage.db, contactRetentionCutoff(ctx, now)),
  },
];
