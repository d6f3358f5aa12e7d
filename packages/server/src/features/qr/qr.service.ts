/**
 * Personal QR codes (docs/declarations.md §4). `POST /v1/qr` signs a short-lived token of the
 * holder's current declaration status (ES256, signing-key purpose `qr`, `signQrToken` of
 * @bluezone/protocol) and remembers its `jti` (hashed); `POST /v1/qr/verify` checks a token
 * online; `GET /v1/qr/keys` publishes the public keys (JWKS) for offline checkpoints.
 *
 * Online semantics (a token may be shown many times while it lives):
 * - `qr_invalid`: not a token, altered, forged, signed by an unknown key, or not issued here;
 * - `qr_expired`: past its lifetime (`BLUEZONE_QR_TOKEN_MINUTES`);
 * - `qr_revoked`: the holder's declaration status changed (new declaration, officer's decision,
 *   revocation, end of validity) since the token was made;
 * - `qr_replayed`: the holder has since opened a newer code, so this one is a copy or screenshot.
 *
 * @module
 */
import { createPublicKey } from 'node:crypto';
import { QR_STATUSES, type QrStatus, signQrToken, verifyQrToken } from '@bluezone/protocol';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { hashSecret, newId } from '../../ids.js';
import { clientNetwork, consume } from '../../rate-limit.js';
import { findDeclaration, latestDeclaration } from '../declarations/declarations.repository.js';
import { requireCurrentDeclaration, verifiedPhoneOf } from '../declarations/declarations.service.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { activeSigningKey, publishedSigningKeys } from '../signing-keys/signing-keys.js';

/** Limits of the QR endpoints. */
export const QR_LIMITS = {
  /** Codes per install per hour. */
  issuePerInstallPerHour: 120,
  /** Online verifications per client network per minute. */
  verifyPerClientPerMinute: 300,
} as const;

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const iso = (ms: number) => new Date(ms).toISOString();

/** A public JWK of the JWKS. */
export interface QrJwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

/** The published QR keys as a JWKS (creating the first key on first use). */
export async function qrJwks(ctx: AppContext): Promise<{ keys: QrJwk[] }> {
  let keys = await publishedSigningKeys(ctx, 'qr');
  if (keys.length === 0) {
    await activeSigningKey(ctx, 'qr');
    keys = await publishedSigningKeys(ctx, 'qr');
  }
  return {
    keys: keys.map((k) => {
      const jwk = createPublicKey({ key: Buffer.from(k.publicKeySpki), format: 'der', type: 'spki' }).export({
        format: 'jwk',
      });
      return { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y!, kid: k.id, alg: 'ES256', use: 'sig' };
    }),
  };
}

/** What `POST /v1/qr` answers. */
export interface IssuedQr {
  readonly token: string;
  readonly expiresAt: string;
  readonly status: QrStatus;
  readonly kind: string;
  readonly declaredOn: string;
  readonly validUntil: string;
}

/** Signs a QR token of `install`'s person's current declaration. Throws `declaration_required`. */
export async function issueQr(ctx: AppContext, install: InstallRow): Promise<IssuedQr> {
  const phoneId = await verifiedPhoneOf(ctx, install);
  const now = ctx.now();
  const declaration = await requireCurrentDeclaration(ctx, phoneId, now);
  const status = declaration.status as QrStatus;
  if (!QR_STATUSES.includes(status)) throw new Error(`declaration status ${status} cannot be shown`);
  await consume(
    ctx,
    `qr:install:${install.id}`,
    QR_LIMITS.issuePerInstallPerHour,
    3_600_000,
    'QR codes opened by this app',
  );
  const key = await activeSigningKey(ctx, 'qr');
  const privateKey = await globalThis.crypto.subtle.importKey(
    'pkcs8',
    Uint8Array.from(key.privateKeyPkcs8),
    P256,
    false,
    ['sign'],
  );
  const jti = newId('qr_');
  const lifetimeSeconds = ctx.config.qrTokenMinutes * 60;
  const issuedAt = Math.floor(now / 1000);
  const token = await signQrToken(
    {
      issuer: ctx.config.healthAuthorityId,
      status,
      kind: declaration.kind as 'domestic' | 'entry',
      declaredOn: declaration.declared_on,
      declarationValidUntil: Math.floor(declaration.valid_until / 1000),
      jti,
    },
    { kid: key.id, privateKey },
    { now: issuedAt, lifetimeSeconds },
  );
  const expiresAt = (issuedAt + lifetimeSeconds) * 1000;
  await ctx.storage.transaction(async (trx) => {
    // "Newer" must be well defined for the replay check: creation times strictly increase per person.
    const last = await trx
      .selectFrom('qr_tokens')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('phone_id', '=', phoneId)
      .executeTakeFirst();
    const lastAt = last?.at === null || last?.at === undefined ? undefined : Number(last.at);
    await trx
      .insertInto('qr_tokens')
      .values({
        jti_hash: hashSecret(jti),
        declaration_id: declaration.id,
        phone_id: phoneId,
        status,
        created_at: lastAt !== undefined && lastAt >= now ? lastAt + 1 : now,
        expires_at: expiresAt,
      })
      .execute();
  });
  return {
    token,
    expiresAt: iso(expiresAt),
    status,
    kind: declaration.kind,
    declaredOn: declaration.declared_on,
    validUntil: iso(declaration.valid_until),
  };
}

/** What a successful online verification answers. */
export interface VerifiedQr {
  readonly valid: true;
  readonly status: string;
  readonly kind: string;
  readonly declaredOn: string;
  readonly validUntil: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/** Verifies `token` online for a checkpoint at client address `ip` (see the module comment). */
export async function verifyQrOnline(ctx: AppContext, token: string, ip: string): Promise<VerifiedQr> {
  await consume(
    ctx,
    `qr-verify:client:${clientNetwork(ip)}`,
    QR_LIMITS.verifyPerClientPerMinute,
    60_000,
    'QR verifications from this network',
  );
  const now = ctx.now();
  const result = await verifyQrToken(token, {
    jwks: await qrJwks(ctx),
    issuer: ctx.config.healthAuthorityId,
    now: Math.floor(now / 1000),
  });
  if (!result.ok) {
    if (result.error.code === 'qr_expired') throw new ApiError('qr_expired', result.error.message);
    throw new ApiError('qr_invalid', result.error.message);
  }
  const claims = result.value;
  const row = await ctx.storage.db
    .selectFrom('qr_tokens')
    .selectAll()
    .where('jti_hash', '=', hashSecret(claims.jti))
    .executeTakeFirst();
  if (!row) throw new ApiError('qr_invalid', 'this QR code was not issued by this server; it is forged');
  const declaration = await findDeclaration(ctx.storage.db, row.declaration_id);
  const latest =
    declaration === undefined ? undefined : await latestDeclaration(ctx.storage.db, row.phone_id);
  if (
    declaration === undefined ||
    latest?.id !== declaration.id ||
    declaration.status !== claims.status ||
    declaration.valid_until <= now
  ) {
    throw new ApiError(
      'qr_revoked',
      'the holder’s declaration status has changed since this code was made (or the declaration was revoked or ran out); ask them to open the code again',
    );
  }
  const newer = await ctx.storage.db
    .selectFrom('qr_tokens')
    .select('jti_hash')
    .where('phone_id', '=', row.phone_id)
    .where('created_at', '>', Number(row.created_at))
    .executeTakeFirst();
  if (newer) {
    throw new ApiError(
      'qr_replayed',
      'the holder has opened a newer QR code since this one was made: this is an old copy or a screenshot; ask them to show the code in the app',
    );
  }
  return {
    valid: true,
    status: claims.status,
    kind: claims.kind,
    declaredOn: claims.declaredOn,
    validUntil: iso(claims.declarationValidUntil * 1000),
    issuedAt: iso(claims.issuedAt * 1000),
    expiresAt: iso(claims.expiresAt * 1000),
  };
}

/** Deletes the QR tokens that expired before `before`; returns how many. */
export async function purgeQrTokens(ctx: AppContext, before: number): Promise<number> {
  const result = await ctx.storage.db
    .deleteFrom('qr_tokens')
    .where('expires_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
