/**
 * Verification certificates issued by this server, and what the key server needs to trust them.
 *
 * A certificate is signed (ES256, `signVerificationCertificate` of @bluezone/protocol) with the
 * active signing key of purpose `certificate`; `kid` is that key's ID, `iss` the configured
 * health authority ID, `aud` {@link CERTIFICATE_AUDIENCE}. The publish endpoint verifies it
 * offline against {@link certificateTrustedKeys} and credits the case with
 * {@link recordKeysPublished}.
 *
 * @module
 */
import {
  type CertificateReportType,
  type CertificateTrustedKey,
  EN_INTERVAL_SECONDS,
  signVerificationCertificate,
} from '@bluezone/protocol';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.js';
import { hashSecret } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import { addKeysPublished, type CaseRow, findCaseIdByCertificateHash } from '../cases/cases.repository.js';
import { calendarDateMs } from '../cases/cases.service.js';
import { activeSigningKey, publishedSigningKeys } from '../signing-keys/signing-keys.js';

/** The `aud` of every certificate: the key server (`/v1/publish`) accepts only this audience. */
export const CERTIFICATE_AUDIENCE = 'bluezone-keyserver';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * The symptom onset of a case as an ENIntervalNumber (UTC midnight of the date): the symptom
 * date, or — as Google's verification server does for cases without symptoms — the test date.
 */
export function caseOnsetInterval(row: Pick<CaseRow, 'symptom_date' | 'test_date'>): number {
  const date = row.symptom_date ?? row.test_date;
  const ms = calendarDateMs(date);
  if (ms === undefined) throw new Error(`case date ${date} is not a calendar date`);
  return Math.floor(ms / 1000 / EN_INTERVAL_SECONDS);
}

/** Signs the certificate for a case and an exposure-key HMAC (32 bytes), at `now` (Unix ms). */
export async function signCaseCertificate(
  ctx: AppContext,
  row: CaseRow,
  tekmac: Uint8Array,
  now: number,
): Promise<{ certificate: string; kid: string }> {
  const key = await activeSigningKey(ctx, 'certificate');
  const privateKey = await globalThis.crypto.subtle.importKey(
    'pkcs8',
    Uint8Array.from(key.privateKeyPkcs8),
    P256,
    false,
    ['sign'],
  );
  const certificate = await signVerificationCertificate(
    {
      issuer: ctx.config.healthAuthorityId,
      audience: CERTIFICATE_AUDIENCE,
      healthAuthority: row.health_authority,
      tekmac,
      reportType: row.test_type as CertificateReportType,
      symptomOnsetInterval: caseOnsetInterval(row),
      now: Math.floor(now / 1000),
    },
    { kid: key.id, privateKey },
  );
  return { certificate, kid: key.id };
}

/**
 * The keys the key server trusts: every published (not retired) `certificate` signing key, as a
 * WebCrypto ECDSA P-256 public key, for issuer `config.healthAuthorityId`, valid from its
 * activation. Pass them with {@link CERTIFICATE_AUDIENCE} to `verifyVerificationCertificate`.
 */
export async function certificateTrustedKeys(ctx: AppContext): Promise<CertificateTrustedKey[]> {
  const keys = await publishedSigningKeys(ctx, 'certificate');
  return Promise.all(
    keys.map(async (key) => ({
      issuer: ctx.config.healthAuthorityId,
      kid: key.id,
      publicKey: await globalThis.crypto.subtle.importKey(
        'spki',
        Uint8Array.from(key.publicKeySpki),
        P256,
        true,
        ['verify'],
      ),
      validFrom: Math.floor(key.activatedAt / 1000),
    })),
  );
}

/** SHA-256 of a certificate's text: how a token row remembers the certificate it produced. */
export function certificateHash(certificate: string): Uint8Array {
  return hashSecret(certificate);
}

/**
 * For the publish endpoint, after it stored the keys of an upload: adds `count` to the
 * `keysPublished` of the case the certificate was issued for. Returns the case ID, or undefined
 * when this server issued no such certificate. Run it in the publish transaction.
 */
export async function recordKeysPublished(
  db: Kysely<Database>,
  certificate: string,
  count: number,
): Promise<string | undefined> {
  return addKeysPublished(db, certificateHash(certificate), count);
}

/**
 * For the publish endpoint: the case the certificate was issued for, or undefined when this
 * server issued no such certificate (or its token was purged). Stored with each new key.
 */
export async function certificateCaseId(
  db: Kysely<Database>,
  certificate: string,
): Promise<string | undefined> {
  return findCaseIdByCertificateHash(db, certificateHash(certificate));
}
