/**
 * Consent tokens (docs/declarations.md §5): what a person's app gives a partner health app so
 * that the partner may read (or write) that person's declaration status. A compact JWS, HS256
 * under a key derived from the server's secrets — only this server issues and verifies them —
 * header `typ: "bluezone-consent+jwt"`, claims `iss` (health authority), `aud` (the partner's
 * ID), `jti` (the consent's ID, a row in `consents`), `scope` (space-separated), `iat`, `exp`.
 * It names no person: the server finds the person through the consent row, so a partner cannot
 * ask about anyone who has not given it a token, and a token says nothing to anyone else.
 *
 * @module
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { keyedHash } from '../../ids.js';

/** The `typ` header of consent tokens. */
export const CONSENT_TOKEN_TYPE = 'bluezone-consent+jwt';

/** Scopes of partner keys and consents. */
export const PARTNER_SCOPES = ['declarations:read', 'declarations:write', 'status:read'] as const;
/** A partner scope. */
export type PartnerScope = (typeof PARTNER_SCOPES)[number];

function signingKey(ctx: Pick<AppContext, 'secrets'>): Uint8Array {
  return keyedHash(ctx.secrets.codeHashKey, 'consent-token|v1');
}

/** Signs the consent token of consent `consentId` for `partnerId`. Times in Unix ms. */
export async function signConsentToken(
  ctx: Pick<AppContext, 'secrets' | 'config'>,
  consent: { id: string; partnerId: string; scopes: readonly string[]; createdAt: number; expiresAt: number },
): Promise<string> {
  return new SignJWT({ scope: consent.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: CONSENT_TOKEN_TYPE })
    .setIssuer(ctx.config.healthAuthorityId)
    .setAudience(consent.partnerId)
    .setJti(consent.id)
    .setIssuedAt(Math.floor(consent.createdAt / 1000))
    .setExpirationTime(Math.floor(consent.expiresAt / 1000))
    .sign(signingKey(ctx));
}

const invalid = (why: string) =>
  new ApiError(
    'consent_invalid',
    `${why}; ask the person to issue a consent for you in the Bluezone app and send it in X-Consent-Token`,
  );

/**
 * The consent ID of `token` if it is a consent token this server signed, for `partnerId`,
 * granting `scope`, not expired at `now` (ms). Throws `consent_invalid` or `consent_expired`;
 * the caller then checks the consent row (revocation).
 */
export async function verifyConsentToken(
  ctx: Pick<AppContext, 'secrets' | 'config'>,
  token: string | undefined,
  partnerId: string,
  scope: PartnerScope,
  now: number,
): Promise<string> {
  if (token === undefined || token === '') throw invalid('no consent token was sent');
  if (token.length > 2048 || token.split('.').length !== 3) throw invalid('the consent token is malformed');
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, signingKey(ctx), {
      algorithms: ['HS256'],
      typ: CONSENT_TOKEN_TYPE,
      issuer: ctx.config.healthAuthorityId,
      currentDate: new Date(now),
      clockTolerance: 0,
      requiredClaims: ['aud', 'jti', 'exp', 'iat'],
    }));
  } catch (cause) {
    if (cause instanceof errors.JWTExpired)
      throw new ApiError('consent_expired', 'the consent token has expired; ask the person for a new one');
    throw invalid('the consent token is malformed, altered or not issued by this server');
  }
  if (payload.aud !== partnerId) throw invalid('the consent token was issued for another partner');
  const scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(' ') : [];
  if (!scopes.includes(scope)) throw invalid(`the person did not grant the scope ${scope}`);
  return payload.jti!;
}
