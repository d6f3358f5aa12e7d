/**
 * Verification certificates: the upload authorization of the tracing flow (docs/verification.md).
 *
 * The verification server, having accepted a health authority's one-time code, issues a JWT
 * signed ES256 (ECDSA P-256, SHA-256) with a `kid` header naming its signing key. Besides `iss`,
 * `aud`, `iat` and `exp` it carries the claims of Google's `VerificationClaims` — `tekmac` (the
 * exposure-key HMAC, base64), `reportType` and optional `symptomOnsetInterval` — and our
 * `healthAuthority`. The key server verifies it offline against pre-shared public keys and
 * checks that the keys actually uploaded, with the uploaded hmackey, give the certificate's
 * `tekmac`.
 *
 * Signing and verification use `jose` on WebCrypto (Node, browsers, React Native polyfills), so
 * they are async. Time is an argument (`now`, Unix seconds); nothing here reads a clock.
 *
 * @module
 */
import {
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
  SignJWT,
} from 'jose';
import { type CryptoPrimitives, nobleCrypto } from '../crypto.js';
import { ReportType } from '../en/exposure-key.js';
import { MAX_INTERVAL_NUMBER } from '../en/interval.js';
import { err, ok, ProtocolError, type ProtocolErrorCode, type Result, unwrap } from '../errors.js';
import { verificationBase64Decode, verificationBase64Encode } from './base64.js';
import { VERIFICATION_HMAC_LENGTH, type VerificationExposureKey, verificationHmacMatches } from './hmac.js';

/** The only signature algorithm of certificates. */
export const CERTIFICATE_ALGORITHM = 'ES256';
/** Certificate lifetime when the issuer does not choose one: 15 minutes, as Google's server. */
export const DEFAULT_CERTIFICATE_LIFETIME_SECONDS = 15 * 60;
/** Clock difference tolerated between the verification server and the key server by default. */
export const DEFAULT_CERTIFICATE_CLOCK_SKEW_SECONDS = 60;

/**
 * The `reportType` claim values. `confirmed`, `likely`, `user-report` and `negative` are
 * Google's; `recursive` is ours. Bluezone publishes the keys of a consenting F1 contact to find
 * that contact's contacts (F2), and a phone that matches such a key must learn it met an F1, not
 * a case. Only the authority knows which it is, so the report type must come from the signed
 * certificate rather than from the phone; Google's protocol has no value for it because its
 * servers never implemented recursive publication (the export format reserves RECURSIVE = 4).
 * A Google key server would reject `recursive`.
 */
export const CERTIFICATE_REPORT_TYPES = [
  'confirmed',
  'likely',
  'user-report',
  'negative',
  'recursive',
] as const;
/** A `reportType` claim value. */
export type CertificateReportType = (typeof CERTIFICATE_REPORT_TYPES)[number];

function isCertificateReportType(value: unknown): value is CertificateReportType {
  return typeof value === 'string' && (CERTIFICATE_REPORT_TYPES as readonly string[]).includes(value);
}

/**
 * The report type the key server stores on keys uploaded with a certificate of this type:
 * confirmed → CONFIRMED_TEST, likely → CONFIRMED_CLINICAL_DIAGNOSIS, user-report → SELF_REPORT,
 * recursive → RECURSIVE. `negative` gives `undefined`: the upload is accepted but its keys must
 * not be published (Google's semantics).
 */
export function certificateReportTypeToReportType(reportType: CertificateReportType): ReportType | undefined {
  switch (reportType) {
    case 'confirmed':
      return ReportType.CONFIRMED_TEST;
    case 'likely':
      return ReportType.CONFIRMED_CLINICAL_DIAGNOSIS;
    case 'user-report':
      return ReportType.SELF_REPORT;
    case 'recursive':
      return ReportType.RECURSIVE;
    case 'negative':
      return undefined;
  }
}

/**
 * The claim value for keys of `reportType`, for the verification server.
 *
 * @throws {ProtocolError} `invalid_argument` for UNKNOWN and REVOKED, which no certificate
 *   authorizes.
 */
export function reportTypeToCertificateReportType(reportType: ReportType): CertificateReportType {
  switch (reportType) {
    case ReportType.CONFIRMED_TEST:
      return 'confirmed';
    case ReportType.CONFIRMED_CLINICAL_DIAGNOSIS:
      return 'likely';
    case ReportType.SELF_REPORT:
      return 'user-report';
    case ReportType.RECURSIVE:
      return 'recursive';
    default:
      throw new ProtocolError(
        'invalid_argument',
        `no certificate authorizes keys of report type ${reportType}: use CONFIRMED_TEST, CONFIRMED_CLINICAL_DIAGNOSIS, SELF_REPORT or RECURSIVE`,
      );
  }
}

/** A verification server's signing key. */
export interface CertificateSigningKey {
  /** Key id written to the `kid` header; the key server looks the public key up by it. */
  readonly kid: string;
  /** ECDSA P-256 private key (WebCrypto `CryptoKey` with usage `sign`, or a private JWK). */
  readonly privateKey: CryptoKey | JWK;
}

/** What a verification server certifies. */
export interface CertificateRequest {
  /** `iss`: the verification server, as the key server's trusted keys name it. */
  readonly issuer: string;
  /** `aud`: the key server the certificate is for. */
  readonly audience: string;
  /** `healthAuthority`: id of the authority whose code was redeemed (audit, statistics). */
  readonly healthAuthority: string;
  /** The exposure-key HMAC the phone sent: 32 bytes, or their standard base64. */
  readonly tekmac: Uint8Array | string;
  readonly reportType: CertificateReportType;
  /** ENIntervalNumber of the symptom onset (1 … 2³²−1); omit when unknown. */
  readonly symptomOnsetInterval?: number;
  /** Issue time, Unix seconds (fractions are truncated). */
  readonly now: number;
  /** Seconds until `exp`; default {@link DEFAULT_CERTIFICATE_LIFETIME_SECONDS}. */
  readonly lifetimeSeconds?: number;
}

function assertNonEmptyString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ProtocolError('invalid_argument', `${what} must be a non-empty string`);
  }
}

function assertUnixSeconds(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ProtocolError('invalid_argument', `${what} must be non-negative Unix seconds, got ${value}`);
  }
}

function assertSymptomOnset(value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_INTERVAL_NUMBER) {
    throw new ProtocolError(
      'invalid_argument',
      `symptomOnsetInterval must be an ENIntervalNumber from 1 to ${MAX_INTERVAL_NUMBER}, got ${value}; omit it when the onset is unknown`,
    );
  }
}

/**
 * Signs a verification certificate (compact JWS, header `{alg: "ES256", kid, typ: "JWT"}`).
 *
 * @throws {ProtocolError} `invalid_argument` for an empty issuer, audience, health authority or
 *   kid, an unknown report type, a bad onset interval, time or lifetime, or a key that cannot
 *   sign ES256; `invalid_base64` / `invalid_length` for a tekmac that is not 32 bytes.
 */
export async function signVerificationCertificate(
  request: CertificateRequest,
  signingKey: CertificateSigningKey,
): Promise<string> {
  assertNonEmptyString(request.issuer, 'issuer');
  assertNonEmptyString(request.audience, 'audience');
  assertNonEmptyString(request.healthAuthority, 'healthAuthority');
  assertNonEmptyString(signingKey.kid, 'kid');
  if (!isCertificateReportType(request.reportType)) {
    throw new ProtocolError(
      'invalid_argument',
      `reportType must be one of ${CERTIFICATE_REPORT_TYPES.join(', ')}, got ${JSON.stringify(request.reportType)}`,
    );
  }
  assertSymptomOnset(request.symptomOnsetInterval);
  assertUnixSeconds(request.now, 'now');
  const lifetime = request.lifetimeSeconds ?? DEFAULT_CERTIFICATE_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime < 1) {
    throw new ProtocolError(
      'invalid_argument',
      `lifetimeSeconds must be a positive integer, got ${lifetime}`,
    );
  }
  const tekmac =
    typeof request.tekmac === 'string'
      ? verificationBase64Decode(request.tekmac, 'tekmac', VERIFICATION_HMAC_LENGTH)
      : request.tekmac;
  if (!(tekmac instanceof Uint8Array) || tekmac.length !== VERIFICATION_HMAC_LENGTH) {
    throw new ProtocolError(
      'invalid_length',
      `tekmac must be the ${VERIFICATION_HMAC_LENGTH}-byte HMAC-SHA256 of the keys, got ${tekmac instanceof Uint8Array ? `${tekmac.length} bytes` : typeof tekmac}`,
    );
  }
  const issuedAt = Math.floor(request.now);
  const claims: JWTPayload = {
    tekmac: verificationBase64Encode(tekmac),
    reportType: request.reportType,
    healthAuthority: request.healthAuthority,
  };
  if (request.symptomOnsetInterval !== undefined)
    claims['symptomOnsetInterval'] = request.symptomOnsetInterval;
  try {
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: CERTIFICATE_ALGORITHM, kid: signingKey.kid, typ: 'JWT' })
      .setIssuer(request.issuer)
      .setAudience(request.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetime)
      .sign(signingKey.privateKey);
  } catch (cause) {
    throw new ProtocolError(
      'invalid_argument',
      `signing key ${JSON.stringify(signingKey.kid)} cannot sign ES256: it must be an ECDSA P-256 private key (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
}

/** A verification server public key the key server trusts. */
export interface CertificateTrustedKey {
  /** The `iss` this key signs for; a key never verifies another issuer's certificates. */
  readonly issuer: string;
  /** The `kid` header value that selects it. */
  readonly kid: string;
  /** ECDSA P-256 public key (WebCrypto `CryptoKey` with usage `verify`, or a public JWK). */
  readonly publicKey: CryptoKey | JWK;
  /** Unix seconds from which the key is accepted (key rotation); default: always. */
  readonly validFrom?: number;
  /** Unix seconds from which the key is no longer accepted (retired key); default: never. */
  readonly validUntil?: number;
}

/** The key server's verification settings. */
export interface CertificateVerifyOptions {
  /** Every public key accepted, by issuer and kid; (issuer, kid) pairs must be unique. */
  readonly trustedKeys: readonly CertificateTrustedKey[];
  /** This key server's audience; the certificate's `aud` must contain it. */
  readonly audience: string;
  /** Verification time, Unix seconds. */
  readonly now: number;
  /** Tolerance for `exp`, `nbf` and `iat`, seconds; default {@link DEFAULT_CERTIFICATE_CLOCK_SKEW_SECONDS}. */
  readonly clockSkewSeconds?: number;
  /** Primitives for the HMAC; default {@link nobleCrypto}. */
  readonly crypto?: CryptoPrimitives;
}

/** What the phone uploaded with the certificate. */
export interface CertificateUpload {
  /** The keys to publish, in any order. */
  readonly keys: readonly VerificationExposureKey[];
  /** The publish request's `hmackey`: standard base64 (as sent) or its bytes. */
  readonly hmacKey: string | Uint8Array;
}

/** The verified content of a certificate, for the key server to apply to the uploaded keys. */
export interface VerifiedCertificate {
  readonly issuer: string;
  readonly kid: string;
  readonly healthAuthority: string;
  readonly reportType: CertificateReportType;
  /** The report type to store on the keys; `undefined` for `negative`: do not publish them. */
  readonly keyReportType: ReportType | undefined;
  /**
   * Symptom onset ENIntervalNumber as signed (a claim of 0 counts as absent, as in Google's
   * protocol). The key server rounds it down to its UTC day, checks it is plausible, and derives
   * each key's days since onset.
   */
  readonly symptomOnsetInterval: number | undefined;
  /** `iat`, Unix seconds. */
  readonly issuedAt: number;
  /** `exp`, Unix seconds. */
  readonly expiresAt: number;
}

function checkOptions(options: CertificateVerifyOptions): number {
  assertNonEmptyString(options.audience, 'audience');
  assertUnixSeconds(options.now, 'now');
  const skew = options.clockSkewSeconds ?? DEFAULT_CERTIFICATE_CLOCK_SKEW_SECONDS;
  if (!Number.isFinite(skew) || skew < 0) {
    throw new ProtocolError(
      'invalid_argument',
      `clockSkewSeconds must be a non-negative number, got ${skew}`,
    );
  }
  const seen = new Set<string>();
  for (const k of options.trustedKeys) {
    assertNonEmptyString(k.issuer, 'trusted key issuer');
    assertNonEmptyString(k.kid, 'trusted key kid');
    const id = JSON.stringify([k.issuer, k.kid]);
    if (seen.has(id)) {
      throw new ProtocolError(
        'invalid_argument',
        `trusted keys list kid ${JSON.stringify(k.kid)} of issuer ${JSON.stringify(k.issuer)} twice; give each key its own kid`,
      );
    }
    seen.add(id);
  }
  return skew;
}

function fail(code: ProtocolErrorCode, message: string): { ok: false; error: ProtocolError } {
  return err(new ProtocolError(code, message));
}

const MALFORMED_HINT = 'send the certificate exactly as the verification server returned it';

/**
 * Verifies a certificate and binds it to an upload. In order: the token is a compact JWS with a
 * JSON header and claims; `alg` is ES256; `kid` and `iss` are present; `iss` names a trusted
 * issuer; `kid` is one of that issuer's keys, valid at `now`; the signature verifies; `aud`
 * contains the audience; `exp` and `nbf`/`iat` hold at `now` within the clock skew; the
 * private claims are well formed; the HMAC of the uploaded keys under the uploaded hmackey
 * equals `tekmac` (constant-time; legacy form accepted when every transmission risk is 0).
 *
 * Returns a failed result, never throws, for a bad token or upload: `certificate_malformed`,
 * `certificate_unsupported_algorithm`, `certificate_wrong_issuer`, `certificate_unknown_key`,
 * `certificate_invalid_signature`, `certificate_wrong_audience`, `certificate_expired`,
 * `certificate_not_yet_valid`, `certificate_hmac_mismatch`; `invalid_base64` / `invalid_length` /
 * `invalid_argument` for an upload whose hmackey or keys are invalid.
 *
 * @throws {ProtocolError} `invalid_argument` for bad options (empty audience, duplicate trusted
 *   key, negative skew) or a trusted key that cannot verify ES256: configuration errors.
 */
export async function verifyVerificationCertificate(
  token: string,
  upload: CertificateUpload,
  options: CertificateVerifyOptions,
): Promise<Result<VerifiedCertificate>> {
  const skew = checkOptions(options);
  const now = options.now;

  let header: ProtectedHeaderParameters;
  let payload: JWTPayload;
  try {
    if (typeof token !== 'string' || token.split('.').length !== 3) throw new TypeError('not three parts');
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    return fail(
      'certificate_malformed',
      `the certificate is not a JWT (three base64url parts, a JSON header and JSON claims, separated by dots): ${MALFORMED_HINT}`,
    );
  }
  const alg: unknown = header.alg;
  if (alg !== CERTIFICATE_ALGORITHM) {
    return fail(
      'certificate_unsupported_algorithm',
      `the certificate is signed with alg ${JSON.stringify(alg)}; only ${CERTIFICATE_ALGORITHM} (ECDSA P-256 with SHA-256) is accepted: have the verification server sign with its P-256 key`,
    );
  }
  const kid: unknown = header.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    return fail(
      'certificate_malformed',
      'the certificate has no kid header naming its signing key: the verification server must set kid',
    );
  }
  const issuer: unknown = payload.iss;
  if (typeof issuer !== 'string' || issuer.length === 0) {
    return fail('certificate_malformed', `the certificate has no iss claim: ${MALFORMED_HINT}`);
  }
  const issuerKeys = options.trustedKeys.filter((k) => k.issuer === issuer);
  if (issuerKeys.length === 0) {
    return fail(
      'certificate_wrong_issuer',
      `the certificate's issuer ${JSON.stringify(issuer)} is not trusted by this key server: add its public keys to the trusted keys, or redeem the code at a trusted verification server`,
    );
  }
  const trusted = issuerKeys.find((k) => k.kid === kid);
  if (trusted === undefined) {
    return fail(
      'certificate_unknown_key',
      `kid ${JSON.stringify(kid)} is not a key of issuer ${JSON.stringify(issuer)} (known: ${issuerKeys.map((k) => k.kid).join(', ')}): add the verification server's new public key to the key server before it signs with it`,
    );
  }
  if (
    (trusted.validFrom !== undefined && now < trusted.validFrom) ||
    (trusted.validUntil !== undefined && now >= trusted.validUntil)
  ) {
    return fail(
      'certificate_unknown_key',
      `key ${JSON.stringify(kid)} of issuer ${JSON.stringify(issuer)} is not valid at ${now} (valid from ${trusted.validFrom ?? 'always'} until ${trusted.validUntil ?? 'never'}): the verification server must sign with its current key`,
    );
  }

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, trusted.publicKey, {
      algorithms: [CERTIFICATE_ALGORITHM],
      issuer,
      audience: options.audience,
      currentDate: new Date(now * 1000),
      clockTolerance: skew,
      requiredClaims: ['iat', 'exp'],
    }));
  } catch (cause) {
    const failure = joseFailure(cause, options.audience);
    if (failure !== undefined) return failure;
    throw new ProtocolError(
      'invalid_argument',
      `trusted key ${JSON.stringify(kid)} of issuer ${JSON.stringify(issuer)} cannot verify ES256: it must be an ECDSA P-256 public key (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }

  const issuedAt = claims.iat!;
  const expiresAt = claims.exp!;
  if (issuedAt > now + skew) {
    return fail(
      'certificate_not_yet_valid',
      `the certificate was issued at ${issuedAt}, after the key server's time ${now} plus the allowed clock skew of ${skew} s: check the clocks of the verification and key servers`,
    );
  }
  if (expiresAt <= issuedAt) {
    return fail(
      'certificate_malformed',
      `the certificate expires (${expiresAt}) before it was issued (${issuedAt})`,
    );
  }
  const parsed = parsePrivateClaims(claims);
  if (!parsed.ok) return parsed;

  try {
    const hmacKey =
      typeof upload.hmacKey === 'string'
        ? verificationBase64Decode(upload.hmacKey, 'hmackey')
        : upload.hmacKey;
    if (!verificationHmacMatches(upload.keys, hmacKey, parsed.value.tekmac, options.crypto ?? nobleCrypto)) {
      return fail(
        'certificate_hmac_mismatch',
        `the ${upload.keys.length} uploaded keys and hmackey do not give the certificate's tekmac: upload exactly the keys (data, rolling start, rolling period, transmission risk) and the hmackey used when the certificate was requested`,
      );
    }
  } catch (error) {
    if (error instanceof ProtocolError) return err(error);
    throw error;
  }

  return ok({
    issuer,
    kid,
    healthAuthority: parsed.value.healthAuthority,
    reportType: parsed.value.reportType,
    keyReportType: certificateReportTypeToReportType(parsed.value.reportType),
    symptomOnsetInterval: parsed.value.symptomOnsetInterval,
    issuedAt,
    expiresAt,
  });
}

/** As {@link verifyVerificationCertificate}, throwing the failure as a {@link ProtocolError}. */
export async function verifyVerificationCertificateOrThrow(
  token: string,
  upload: CertificateUpload,
  options: CertificateVerifyOptions,
): Promise<VerifiedCertificate> {
  return unwrap(await verifyVerificationCertificate(token, upload, options));
}

function joseFailure(cause: unknown, audience: string): { ok: false; error: ProtocolError } | undefined {
  if (cause instanceof errors.JWSSignatureVerificationFailed) {
    return fail(
      'certificate_invalid_signature',
      'the certificate signature does not verify: it was altered or signed with another key; request a new certificate',
    );
  }
  if (cause instanceof errors.JWTExpired) {
    return fail(
      'certificate_expired',
      'the certificate has expired: redeem a new code for a new certificate',
    );
  }
  if (cause instanceof errors.JWTClaimValidationFailed) {
    if (cause.claim === 'aud') {
      return fail(
        'certificate_wrong_audience',
        `the certificate is not for this key server (audience ${JSON.stringify(audience)}): request it for this key server`,
      );
    }
    if (cause.claim === 'nbf' && cause.reason === 'check_failed') {
      return fail(
        'certificate_not_yet_valid',
        'the certificate is not valid yet (nbf is in the future beyond the allowed clock skew): check the clocks of the verification and key servers',
      );
    }
    if (cause.claim === 'iss') {
      return fail('certificate_wrong_issuer', 'the certificate issuer does not match its signing key');
    }
    return fail(
      'certificate_malformed',
      `the certificate's ${cause.claim} claim is invalid: ${cause.message}`,
    );
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) {
    return fail(
      'certificate_unsupported_algorithm',
      `only ${CERTIFICATE_ALGORITHM} certificates are accepted: have the verification server sign with its P-256 key`,
    );
  }
  if (cause instanceof errors.JOSEError) {
    return fail('certificate_malformed', `the certificate is not a valid JWS: ${cause.message}`);
  }
  return undefined;
}

interface PrivateClaims {
  readonly tekmac: Uint8Array;
  readonly reportType: CertificateReportType;
  readonly symptomOnsetInterval: number | undefined;
  readonly healthAuthority: string;
}

function parsePrivateClaims(claims: JWTPayload): Result<PrivateClaims> {
  const { tekmac, reportType, symptomOnsetInterval, healthAuthority } = claims;
  if (typeof tekmac !== 'string') {
    return fail('certificate_malformed', 'the certificate has no tekmac claim (base64 HMAC of the keys)');
  }
  let mac: Uint8Array;
  try {
    mac = verificationBase64Decode(tekmac, 'the tekmac claim', VERIFICATION_HMAC_LENGTH);
  } catch (error) {
    return fail('certificate_malformed', error instanceof Error ? error.message : String(error));
  }
  if (!isCertificateReportType(reportType)) {
    return fail(
      'certificate_malformed',
      `the reportType claim must be one of ${CERTIFICATE_REPORT_TYPES.join(', ')}, got ${JSON.stringify(reportType)}`,
    );
  }
  let onset: number | undefined;
  if (symptomOnsetInterval !== undefined && symptomOnsetInterval !== 0) {
    if (
      typeof symptomOnsetInterval !== 'number' ||
      !Number.isSafeInteger(symptomOnsetInterval) ||
      symptomOnsetInterval < 0 ||
      symptomOnsetInterval > MAX_INTERVAL_NUMBER
    ) {
      return fail(
        'certificate_malformed',
        `the symptomOnsetInterval claim must be an ENIntervalNumber (0 to ${MAX_INTERVAL_NUMBER}), got ${JSON.stringify(symptomOnsetInterval)}`,
      );
    }
    onset = symptomOnsetInterval;
  }
  if (typeof healthAuthority !== 'string' || healthAuthority.length === 0) {
    return fail(
      'certificate_malformed',
      'the certificate has no healthAuthority claim naming the issuing authority',
    );
  }
  return ok({ tekmac: mac, reportType, symptomOnsetInterval: onset, healthAuthority });
}
