/**
 * Webhooks of status changes to partners (docs/declarations.md §6). When a person's declaration
 * status changes (a new declaration, a health officer's decision), one delivery is queued — in
 * the transaction of the change — for every partner the person consented to that has a webhook
 * URL; the webhook job posts them, signed, and retries failures with exponential back-off.
 *
 * Body: `{id, type: "declaration.status_changed", consentId, status, kind, declaredOn,
 * validUntil, changedAt}` — no personal data: the partner knows the person by the consent it
 * was given. Headers: `Bluezone-Delivery: <id>`, `Bluezone-Signature: t=<unix s>,v1=<hex>`
 * where v1 = HMAC-SHA256(secret, `<t>.<body>`) under the partner's webhook secret (UTF-8).
 *
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.js';
import { decryptTextAtRest } from '../../encryption.js';
import { newId } from '../../ids.js';
import type { Job, JobResult } from '../../jobs/scheduler.js';
import type { Database } from '../../storage/database.js';
import type { DeclarationsTable } from '../../storage/declarations.table.js';

/** Delivery policy (fixed; docs/declarations.md §6). */
export const WEBHOOK_POLICY = {
  /** Attempts before a delivery is given up. */
  maxAttempts: 8,
  /** Delay before the second attempt; doubles each time. */
  baseDelayMs: 30_000,
  /** Longest delay between two attempts. */
  maxDelayMs: 6 * 3_600_000,
  /** A receiver must answer within this. */
  timeoutMs: 10_000,
  /** Deliveries per job run. */
  batch: 100,
} as const;

/** Encryption purpose of webhook secrets. */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secret';
/** Header names. */
export const SIGNATURE_HEADER = 'bluezone-signature';
export const DELIVERY_HEADER = 'bluezone-delivery';

/** A new webhook secret (shown once). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header value of `body` at Unix second `t`. */
export function webhookSignature(secret: string, t: number, body: string): string {
  const v1 = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Scopes that let a partner learn of status changes. */
const STATUS_SCOPES = ['status:read', 'declarations:read'];

/**
 * Queues a `declaration.status_changed` delivery of `row`'s status for every live consent of the
 * person with phone `phoneId` whose partner has a webhook, with an audit entry each. Run it in the
 * transaction that changed the status.
 */
export async function enqueueStatusChange(
  trx: Kysely<Database>,
  ctx: Pick<AppContext, 'now'>,
  phoneId: string,
  row: Pick<DeclarationsTable, 'status' | 'kind' | 'declared_on' | 'valid_until'>,
  now: number = ctx.now(),
): Promise<number> {
  const consents = await trx
    .selectFrom('consents')
    .innerJoin('partners', 'partners.id', 'consents.partner_id')
    .select(['consents.id', 'consents.partner_id', 'consents.scopes'])
    .where('consents.phone_id', '=', phoneId)
    .where('consents.revoked_at', 'is', null)
    .where('consents.expires_at', '>', now)
    .where('partners.webhook_url', 'is not', null)
    .where('partners.disabled_at', 'is', null)
    .execute();
  let queued = 0;
  for (const consent of consents) {
    const scopes = JSON.parse(consent.scopes) as string[];
    if (!scopes.some((s) => STATUS_SCOPES.includes(s))) continue;
    const id = newId('whd_');
    const body = JSON.stringify({
      id,
      type: 'declaration.status_changed',
      consentId: consent.id,
      status: row.status,
      kind: row.kind,
      declaredOn: row.declared_on,
      validUntil: new Date(Number(row.valid_until)).toISOString(),
      changedAt: new Date(now).toISOString(),
    });
    await trx
      .insertInto('webhook_deliveries')
      .values({
        id,
        partner_id: consent.partner_id,
        consent_id: consent.id,
        body,
        attempts: 0,
        next_attempt_at: now,
        delivered_at: null,
        failed_at: null,
        last_error: null,
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: 'system',
        action: 'partner.webhook.enqueue',
        subject: `consent:${consent.id}`,
        details: JSON.stringify({ partnerId: consent.partner_id, deliveryId: id, status: row.status }),
      })
      .execute();
    queued++;
  }
  return queued;
}

/** Delay after the `attempts`-th failed attempt. */
export function retryDelayMs(attempts: number): number {
  return Math.min(WEBHOOK_POLICY.maxDelayMs, WEBHOOK_POLICY.baseDelayMs * 2 ** (attempts - 1));
}

type Fetch = typeof globalThis.fetch;

async function post(
  fetchFn: Fetch,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<string | undefined> {
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_POLICY.timeoutMs),
    });
    // Drain the body without keeping it: receivers' answers may carry anything.
    await response.arrayBuffer().catch(() => undefined);
    return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network error';
  }
}

/** Sends the due deliveries once; returns the counts. */
export async function deliverDueWebhooks(
  ctx: AppContext,
  fetchFn: Fetch = globalThis.fetch,
): Promise<JobResult> {
  const now = ctx.now();
  const due = await ctx.storage.db
    .selectFrom('webhook_deliveries')
    .innerJoin('partners', 'partners.id', 'webhook_deliveries.partner_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.partner_id',
      'webhook_deliveries.consent_id',
      'webhook_deliveries.body',
      'webhook_deliveries.attempts',
      'partners.webhook_url',
      'partners.webhook_secret_enc',
      'partners.disabled_at',
    ])
    .where('webhook_deliveries.delivered_at', 'is', null)
    .where('webhook_deliveries.failed_at', 'is', null)
    .where('webhook_deliveries.next_attempt_at', '<=', now)
    .orderBy('webhook_deliveries.next_attempt_at')
    .orderBy('webhook_deliveries.id')
    .limit(WEBHOOK_POLICY.batch)
    .execute();
  const counts = { delivered: 0, retrying: 0, failed: 0 };
  for (const d of due) {
    const attempts = Number(d.attempts) + 1;
    let error: string | undefined;
    if (d.webhook_url === null || d.webhook_secret_enc === null || d.disabled_at !== null) {
      error = 'partner has no webhook';
    } else {
      const secret = decryptTextAtRest(
        ctx.secrets.dataEncryptionKey,
        WEBHOOK_SECRET_PURPOSE,
        new Uint8Array(d.webhook_secret_enc),
      );
      error = await post(
        fetchFn,
        d.webhook_url,
        {
          'content-type': 'application/json',
          [DELIVERY_HEADER]: d.id,
          [SIGNATURE_HEADER]: webhookSignature(secret, Math.floor(ctx.now() / 1000), d.body),
        },
        d.body,
      );
    }
    const at = ctx.now();
    const givenUp =
      error !== undefined && (attempts >= WEBHOOK_POLICY.maxAttempts || error === 'partner has no webhook');
    await ctx.storage.transaction(async (trx) => {
      await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts,
          last_error: error ?? null,
          ...(error === undefined
            ? { delivered_at: at }
            : givenUp
              ? { failed_at: at }
              : { next_attempt_at: at + retryDelayMs(attempts) }),
        })
        .where('id', '=', d.id)
        .execute();
      if (error === undefined || givenUp) {
        await trx
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at,
            actor: 'system',
            action: error === undefined ? 'partner.webhook.delivered' : 'partner.webhook.failed',
            subject: `consent:${d.consent_id}`,
            details: JSON.stringify({
              partnerId: d.partner_id,
              deliveryId: d.id,
              attempts,
              ...(error ? { error } : {}),
            }),
          })
          .execute();
      }
    });
    if (error === undefined) counts.delivered++;
    else if (givenUp) counts.failed++;
    else counts.retrying++;
  }
  return counts;
}

/** The webhook delivery job (every `intervalMs`, default 15 s). */
export function webhookDeliveryJob(options: { intervalMs?: number; fetch?: Fetch } = {}): Job {
  return {
    name: 'partner-webhooks',
    intervalMs: options.intervalMs ?? 15_000,
    run: (ctx) => deliverDueWebhooks(ctx, options.fetch),
  };
}
