/**
 * Retention of health declarations (docs/declarations.md §3), for `RETENTION_TASKS` in
 * jobs/retention.ts: a declaration, its daily reports and its QR tokens are deleted
 * `BLUEZONE_DECLARATION_RETENTION_DAYS` after it was made or, for people under monitoring, after
 * the monitoring ended (whichever is later); expired QR tokens a day after they expired;
 * consents and webhook deliveries the same number of days after they ended.
 *
 * @module
 */
import type { AppContext } from '../../context.js';
import type { RetentionTask } from '../../jobs/retention.js';
import { purgeQrTokens } from '../qr/qr.service.js';
import { purgeDeclarations } from './declarations.repository.js';

const DAY_MS = 86_400_000;

/** Declarations made (and monitoring ended) before this time at `now` are deleted. */
export function declarationRetentionCutoff(ctx: Pick<AppContext, 'config'>, now: number): number {
  return now - ctx.config.declarationRetentionDays * DAY_MS;
}

/** The purges of declarations, QR tokens, consents and webhook deliveries. */
export const DECLARATION_RETENTION_TASKS: readonly RetentionTask[] = [
  {
    name: 'declarations',
    purge: (ctx, now) =>
      ctx.storage.transaction((trx) => purgeDeclarations(trx, declarationRetentionCutoff(ctx, now))),
  },
  {
    name: 'qr_tokens',
    purge: (ctx, now) => purgeQrTokens(ctx, now - DAY_MS),
  },
  {
    name: 'partner_consents',
    purge: async (ctx, now) => {
      const cutoff = declarationRetentionCutoff(ctx, now);
      return ctx.storage.transaction(async (trx) => {
        await trx.deleteFrom('webhook_deliveries').where('created_at', '<', cutoff).execute();
        const ended = await trx
          .deleteFrom('consents')
          .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
          .executeTakeFirst();
        return Number(ended.numDeletedRows);
      });
    },
  },
];
