/**
 * The partner interop API (docs/declarations.md §5): partner health apps (NCOVI, VHD, …) with
 * API keys of role `partner` and scopes; consents a person's app issues to one partner; what a
 * partner may read or write with such a consent. Partners are rate-limited per partner
 * (`BLUEZONE_PARTNER_REQUESTS_PER_MINUTE`) and every call is audited.
 *
 * A partner learns nothing without a consent: every failure of the consent (none, malformed,
 * forged, for another partner or scope, expired, withdrawn) is one of three errors that depend
 * only on the token, never on whether the person exists or has declared.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import { type AdminPrincipal, actorOf } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { encryptAtRest } from '../../encryption.js';
import { ApiError } from '../../errors.js';
import { hashSecret, newId } from '../../ids.js';
import { consume } from '../../rate-limit.js';
import type { ConsentsTable } from '../../storage/partners.table.js';
import { createPartnerApiKey } from '../api-keys.js';
import { latestDeclaration } from '../declarations/declarations.repository.js';
import { verifiedPhoneOf } from '../declarations/declarations.service.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { type PartnerScope, signConsentToken, verifyConsentToken } from './consent-tokens.js';
import { newWebhookSecret, WEBHOOK_SECRET_PURPOSE } from './webhooks.js';

const DAY_MS = 86_400_000;
/** Longest consent, days. */
export const MAX_CONSENT_DAYS = 90;
/** Default consent, days. */
export const DEFAULT_CONSENT_DAYS = 30;

/** An authenticated partner key. */
export interface PartnerPrincipal {
  readonly keyId: string;
  readonly partnerId: string;
  readonly scopes: readonly string[];
}

/**
 * The partner key of `request` (X-API-Key, role `partner`), counted against the partner's rate
 * limit, if it has `scope`. 401 without a valid key, 403 (`forbidden`) for another role or a
 * missing scope, 429 over the limit.
 */
export async function authenticatePartner(
  ctx: AppContext,
  request: FastifyRequest,
  scope: PartnerScope,
): Promise<PartnerPrincipal> {
  const key = request.headers['x-api-key'];
  if (typeof key !== 'string' || key.length < 20 || key.length > 128)
    throw new ApiError('unauthorized', 'send the partner API key in the X-API-Key header');
  const row = await ctx.storage.db
    .selectFrom('api_keys')
    .leftJoin('partners', 'partners.id', 'api_keys.partner_id')
    .select([
      'api_keys.id',
      'api_keys.role',
      'api_keys.revoked_at',
      'api_keys.partner_id',
      'api_keys.scopes',
      'partners.disabled_at',
    ])
    .where('api_keys.key_hash', '=', hashSecret(key))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) throw new ApiError('unauthorized', 'unknown or revoked API key');
  if (row.role !== 'partner' || row.partner_id === null)
    throw new ApiError(
      'forbidden',
      'the partner API needs an API key of role partner, made with POST /admin/v1/partners',
    );
  if (row.disabled_at !== null) throw new ApiError('unauthorized', 'this partner is disabled');
  await consume(
    ctx,
    `partner:${row.partner_id}`,
    ctx.config.partnerRequestsPerMinute,
    60_000,
    'requests from this partner',
  );
  const scopes = row.scopes === null ? [] : (JSON.parse(row.scopes) as string[]);
  if (!scopes.includes(scope))
    throw new ApiError('forbidden', `this partner key does not have the scope ${scope}`);
  return { keyId: row.id, partnerId: row.partner_id, scopes };
}

/** The live consent behind `token` for `partner` and `scope`; `consent_*` errors otherwise. */
export async function requireConsent(
  ctx: AppContext,
  partner: PartnerPrincipal,
  token: string | undefined,
  scope: PartnerScope,
): Promise<ConsentsTable> {
  const now = ctx.now();
  const consentId = await verifyConsentToken(ctx, token, partner.partnerId, scope, now);
  const row = await ctx.storage.db
    .selectFrom('consents')
    .selectAll()
    .where('id', '=', consentId)
    .executeTakeFirst();
  if (!row || row.partner_id !== partner.partnerId)
    throw new ApiError(
      'consent_invalid',
      'the consent token is not one this server knows; ask the person for a new one',
    );
  if (row.revoked_at !== null)
    throw new ApiError(
      'consent_revoked',
      'the person withdrew this consent or issued a newer one; ask for a new one',
    );
  if (Number(row.expires_at) <= now)
    throw new ApiError('consent_expired', 'the consent token has expired; ask the person for a new one');
  return { ...row, created_at: Number(row.created_at), expires_at: Number(row.expires_at) };
}

/** What a partner sees of a person (with consent). */
export interface PartnerStatusView {
  readonly consentId: string;
  /** `declared`, `monitoring`, `cleared`, `revoked`, or `none` (no declaration that counts). */
  readonly status: string;
  readonly kind: string | null;
  readonly declaredOn: string | null;
  readonly validUntil: string | null;
  readonly monitoringUntil: string | null;
  readonly consentExpiresAt: string;
}

/** `GET /partner/v1/status`: the consenting person's declaration status, audited. */
export async function partnerStatus(
  ctx: AppContext,
  partner: PartnerPrincipal,
  token: string | undefined,
): Promise<PartnerStatusView> {
  const consent = await requireConsent(ctx, partner, token, 'status:read');
  const now = ctx.now();
  const latest = await latestDeclaration(ctx.storage.db, consent.phone_id);
  const counts = latest !== undefined && latest.valid_until > now ? latest : undefined;
  await ctx.storage.db
    .insertInto('audit_log')
    .values({
      id: newId('aud_'),
      at: now,
      actor: actorOf({ kind: 'apikey', id: partner.keyId }),
      action: 'partner.status.read',
      subject: `consent:${consent.id}`,
      details: JSON.stringify({ partnerId: partner.partnerId }),
    })
    .execute();
  return {
    consentId: consent.id,
    status: counts?.status ?? 'none',
    kind: counts?.kind ?? null,
    declaredOn: counts?.declared_on ?? null,
    validUntil: counts ? new Date(counts.valid_until).toISOString() : null,
    monitoringUntil:
      counts?.monitoring_until === null || counts === undefined
        ? null
        : new Date(counts.monitoring_until).toISOString(),
    consentExpiresAt: new Date(consent.expires_at).toISOString(),
  };
}

/** What `POST /v1/consents` answers. */
export interface IssuedConsent {
  readonly consentId: string;
  readonly consentToken: string;
  readonly partnerId: string;
  readonly partnerName: string;
  readonly scopes: string[];
  readonly expiresAt: string;
}

/**
 * `POST /v1/consents`: the person (verified phone) consents to `partnerId` for `scopes` for
 * `days`; the previous live consents of the person to that partner are revoked (replaced).
 * Audited (`consent.issue`).
 */
export async function issueConsent(
  ctx: AppContext,
  install: InstallRow,
  input: { partnerId: string; scopes: readonly PartnerScope[]; days?: number | undefined },
): Promise<IssuedConsent> {
  const phoneId = await verifiedPhoneOf(ctx, install);
  const partner = await ctx.storage.db
    .selectFrom('partners')
    .select(['id', 'name', 'scopes', 'disabled_at'])
    .where('id', '=', input.partnerId)
    .executeTakeFirst();
  if (!partner || partner.disabled_at !== null)
    throw new ApiError('invalid_request', `body.partnerId ${input.partnerId} is not a registered partner`);
  const allowed = JSON.parse(partner.scopes) as string[];
  const refused = input.scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0)
    throw new ApiError(
      'invalid_request',
      `partner ${partner.id} may not be given the scopes ${refused.join(', ')}`,
    );
  await consume(ctx, `consent:install:${install.id}`, 30, 3_600_000, 'consents issued by this app');
  const now = ctx.now();
  const days = input.days ?? DEFAULT_CONSENT_DAYS;
  const id = newId('cns_');
  const scopes = [...new Set(input.scopes)].sort();
  const expiresAt = now + days * DAY_MS;
  await ctx.storage.transaction(async (trx) => {
    await trx
      .updateTable('consents')
      .set({ revoked_at: now })
      .where('phone_id', '=', phoneId)
      .where('partner_id', '=', partner.id)
      .where('revoked_at', 'is', null)
      .execute();
    await trx
      .insertInto('consents')
      .values({
        id,
        partner_id: partner.id,
        phone_id: phoneId,
        install_id: install.id,
        scopes: JSON.stringify(scopes),
        created_at: now,
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: `install:${install.id}`,
        action: 'consent.issue',
        subject: `consent:${id}`,
        details: JSON.stringify({ partnerId: partner.id, scopes, days }),
      })
      .execute();
  });
  const consentToken = await signConsentToken(ctx, {
    id,
    partnerId: partner.id,
    scopes,
    createdAt: now,
    expiresAt,
  });
  return {
    consentId: id,
    consentToken,
    partnerId: partner.id,
    partnerName: partner.name,
    scopes,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

/** `DELETE /v1/consents/:id`: the person withdraws a consent (idempotent); 404 if not theirs. */
export async function revokeConsent(ctx: AppContext, install: InstallRow, consentId: string): Promise<void> {
  const phoneId = await verifiedPhoneOf(ctx, install);
  const now = ctx.now();
  await ctx.storage.transaction(async (trx) => {
    const row = await trx
      .selectFrom('consents')
      .select(['id', 'revoked_at', 'partner_id'])
      .where('id', '=', consentId)
      .where('phone_id', '=', phoneId)
      .executeTakeFirst();
    if (!row) throw new ApiError('not_found', `no consent ${consentId} of this phone number`);
    if (row.revoked_at !== null) return;
    await trx.updateTable('consents').set({ revoked_at: now }).where('id', '=', consentId).execute();
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: `install:${install.id}`,
        action: 'consent.revoke',
        subject: `consent:${consentId}`,
        details: JSON.stringify({ partnerId: row.partner_id }),
      })
      .execute();
  });
}

/** What `POST /admin/v1/partners` answers: the key and webhook secret, shown this once. */
export interface CreatedPartner {
  readonly partnerId: string;
  readonly name: string;
  readonly scopes: string[];
  readonly webhookUrl: string | null;
  readonly apiKey: string;
  readonly apiKeyId: string;
  readonly webhookSecret: string | null;
}

/** Registers a partner with its first API key (national admins only). Audited (`partner.create`). */
export async function createPartner(
  ctx: AppContext,
  principal: AdminPrincipal,
  input: { name: string; scopes: readonly PartnerScope[]; webhookUrl?: string | null | undefined },
): Promise<CreatedPartner> {
  if (principal.scope.provinceCode !== undefined)
    throw new ApiError('forbidden', 'only national administrators register partners');
  const webhookUrl = input.webhookUrl ?? null;
  if (webhookUrl !== null) {
    let url: URL | undefined;
    try {
      url = new URL(webhookUrl);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.username !== '' ||
      url.password !== ''
    )
      throw new ApiError('invalid_request', 'body.webhookUrl must be an http(s) URL without credentials');
  }
  const now = ctx.now();
  const id = newId('ptn_');
  const scopes = [...new Set(input.scopes)].sort();
  const webhookSecret = webhookUrl === null ? null : newWebhookSecret();
  const key = await ctx.storage.transaction(async (trx) => {
    await trx
      .insertInto('partners')
      .values({
        id,
        name: input.name,
        scopes: JSON.stringify(scopes),
        webhook_url: webhookUrl,
        webhook_secret_enc:
          webhookSecret === null
            ? null
            : encryptAtRest(ctx.secrets.dataEncryptionKey, WEBHOOK_SECRET_PURPOSE, webhookSecret),
        created_at: now,
        disabled_at: null,
      })
      .execute();
    const created = await createPartnerApiKey(trx, id, scopes, `partner ${input.name}`, now);
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: actorOf(principal),
        action: 'partner.create',
        subject: `partner:${id}`,
        details: JSON.stringify({ scopes, webhook: webhookUrl !== null, apiKeyId: created.id }),
      })
      .execute();
    return created;
  });
  return {
    partnerId: id,
    name: input.name,
    scopes,
    webhookUrl,
    apiKey: key.key,
    apiKeyId: key.id,
    webhookSecret,
  };
}

/** The partners, with their webhook delivery counts (no secrets). */
export async function listPartners(ctx: AppContext): Promise<
  {
    partnerId: string;
    name: string;
    scopes: string[];
    webhookUrl: string | null;
    createdAt: string;
    disabledAt: string | null;
    deliveries: { pending: number; delivered: number; failed: number };
  }[]
> {
  const partners = await ctx.storage.db
    .selectFrom('partners')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const counts = await ctx.storage.db
    .selectFrom('webhook_deliveries')
    .select((eb) => [
      'partner_id',
      eb.fn.countAll<number>().as('total'),
      eb.fn.count<number>('delivered_at').as('delivered'),
      eb.fn.count<number>('failed_at').as('failed'),
    ])
    .groupBy('partner_id')
    .execute();
  const byPartner = new Map(counts.map((c) => [c.partner_id, c]));
  return partners.map((p) => {
    const c = byPartner.get(p.id);
    const delivered = Number(c?.delivered ?? 0);
    const failed = Number(c?.failed ?? 0);
    return {
      partnerId: p.id,
      name: p.name,
      scopes: JSON.parse(p.scopes) as string[],
      webhookUrl: p.webhook_url,
      createdAt: new Date(Number(p.created_at)).toISOString(),
      disabledAt: p.disabled_at === null ? null : new Date(Number(p.disabled_at)).toISOString(),
      deliveries: { pending: Number(c?.total ?? 0) - delivered - failed, delivered, failed },
    };
  });
}
