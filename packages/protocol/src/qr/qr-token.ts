/**
 * Personal QR tokens (docs/declarations.md §4): a short-lived ES256 JWT that a phone shows as a
 * QR code and a checkpoint verifies, online (`POST /v1/qr/verify`) or offline with the server's
 * published keys (`GET /v1/qr/keys`, a JWKS). It carries the holder's declaration **status**,
 * never personal data: status, declaration kind, the day of the declaration, until when the
 * declaration counts, and a random `jti`.
 *
 * Header `{alg: "ES256", kid, typ: "bluezone-qr+jwt"}`; claims `iss` (health authority), `aud`
 * {@link QR_AUDIENCE}, `iat`, `exp`, `jti`, `st` (status), `dk` (kind), `dd` (declared on,
 * YYYY-MM-DD, Vietnam), `du` (declaration valid until, Unix s).
 *
 * Offline verification proves the server issued the token and that it has not expired; it cannot
 * know that the holder's status changed since, or that the token is a copy: that needs the online
 * check, which is why tokens live minutes ({@link DEFAULT_QR_LIFETIME_SECONDS}).
 *
 * Pure: `jose` on WebCrypto; time is an argument (Unix seconds).
 *
 * @module
 */
import { decodeJwt, decodeProtectedHeader, errors, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { err, ok, ProtocolError, type ProtocolErrorCode, type Result } from '../errors.js';

/** The `aud` of every QR token. */
export const QR_AUDIENCE = 'bluezone-checkpoint';
/** The `typ` header of a QR token. */
export const QR_TOKEN_TYPE = 'bluezone-qr+jwt';
/** The only algorithm. */
export const QR_ALGORITHM = 'ES256';
/** Default lifetime of a token, seconds (5 minutes). */
export const DEFAULT_QR_LIFETIME_SECONDS = 300;
/** Default clock skew tolerated by the verifier, seconds. */
export const DEFAULT_QR_CLOCK_SKEW_SECONDS = 60;

/** A declaration status a QR token can show. */
export const QR_STATUSES = ['declared', 'monitoring', 'cleared'] as const;
/** A declaration status a QR token can show. */
export type QrStatus = (typeof QR_STATUSES)[number];
/** Kinds of declaration. */
export const DECLARATION_KINDS = ['domestic', 'entry'] as const;
/** A kind of declaration. */
export type DeclarationKind = (typeof DECLARATION_KINDS)[number];

/** What a QR token says. */
export interface QrTokenContent {
  /** The health authority ID (`iss`). */
  readonly issuer: string;
  readonly status: QrStatus;
  readonly kind: DeclarationKind;
  /** Day of the declaration, YYYY-MM-DD. */
  readonly declaredOn: string;
  /** Until when the declaration counts, Unix s. */
  readonly declarationValidUntil: number;
  /** Random token ID (at least 16 characters). */
  readonly jti: string;
}

/** A verified token. */
export interface VerifiedQrToken extends QrTokenContent {
  readonly kid: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** A public JWK of the server's QR keys (`GET /v1/qr/keys`). */
export interface QrPublicJwk {
  readonly kty: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
}

/** Options of {@link verifyQrToken}. */
export interface QrVerifyOptions {
  /** The published keys: `{keys: [...]}` as `GET /v1/qr/keys` answers. */
  readonly jwks: { readonly keys: readonly QrPublicJwk[] };
  /** The health authority to accept (`iss`). */
  readonly issuer: string;
  /** Current time, Unix seconds. */
  readonly now: number;
  /** Tolerated clock skew, seconds (default {@link DEFAULT_QR_CLOCK_SKEW_SECONDS}). */
  readonly clockSkewSeconds?: number;
}

const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

function fail(code: ProtocolErrorCode, message: string): { ok: false; error: ProtocolError } {
  return err(new ProtocolError(code, message));
}

/**
 * Signs a QR token with an ECDSA P-256 private key (WebCrypto `CryptoKey` or key object jose
 * accepts), valid `lifetimeSeconds` from `now` (Unix s).
 *
 * @throws {ProtocolError} `invalid_argument` for an empty issuer or kid, an unknown status or
 *   kind, a bad day, time or lifetime, a short jti, or a key that cannot sign ES256.
 */
export async function signQrToken(
  content: QrTokenContent,
  signingKey: { readonly kid: string; readonly privateKey: CryptoKey | Uint8Array | object },
  options: { readonly now: number; readonly lifetimeSeconds?: number },
): Promise<string> {
  const lifetime = options.lifetimeSeconds ?? DEFAULT_QR_LIFETIME_SECONDS;
  const problems = [
    content.issuer === '' && 'issuer must not be empty',
    signingKey.kid === '' && 'kid must not be empty',
    !(QR_STATUSES as readonly string[]).includes(content.status) &&
      `status must be one of ${QR_STATUSES.join(', ')}`,
    !(DECLARATION_KINDS as readonly string[]).includes(content.kind) &&
      `kind must be one of ${DECLARATION_KINDS.join(', ')}`,
    !DAY.test(content.declaredOn) && 'declaredOn must be YYYY-MM-DD',
    !Number.isSafeInteger(content.declarationValidUntil) && 'declarationValidUntil must be Unix seconds',
    (typeof content.jti !== 'string' || content.jti.length < 16) &&
      'jti must be at least 16 random characters',
    (!Number.isSafeInteger(options.now) || options.now < 0) && 'now must be Unix seconds',
    (!Number.isSafeInteger(lifetime) || lifetime < 1) && 'lifetimeSeconds must be a positive integer',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new ProtocolError('invalid_argument', `QR token: ${problems.join('; ')}`);
  try {
    return await new SignJWT({
      st: content.status,
      dk: content.kind,
      dd: content.declaredOn,
      du: content.declarationValidUntil,
    })
      .setProtectedHeader({ alg: QR_ALGORITHM, kid: signingKey.kid, typ: QR_TOKEN_TYPE })
      .setIssuer(content.issuer)
      .setAudience(QR_AUDIENCE)
      .setJti(content.jti)
      .setIssuedAt(options.now)
      .setExpirationTime(options.now + lifetime)
      .sign(signingKey.privateKey as CryptoKey);
  } catch (cause) {
    throw new ProtocolError(
      'invalid_argument',
      `signing key ${JSON.stringify(signingKey.kid)} cannot sign ES256: it must be an ECDSA P-256 private key`,
      { cause },
    );
  }
}

/**
 * Verifies a QR token offline against the published keys. In order: a compact JWS with JSON
 * header and claims; `typ` {@link QR_TOKEN_TYPE}; `alg` ES256; `kid` names a published key; the
 * signature verifies; `iss` and `aud` match; `exp` and `iat` hold at `now` within the skew; the
 * status claims are well formed.
 *
 * Returns a failed result, never throws, for a bad token: `qr_malformed`, `qr_unknown_key`,
 * `qr_invalid_signature`, `qr_wrong_issuer`, `qr_expired`, `qr_not_yet_valid`.
 */
export async function verifyQrToken(
  token: string,
  options: QrVerifyOptions,
): Promise<Result<VerifiedQrToken>> {
  const skew = options.clockSkewSeconds ?? DEFAULT_QR_CLOCK_SKEW_SECONDS;
  let kid: unknown;
  try {
    if (typeof token !== 'string' || token.length > 4096 || token.split('.').length !== 3)
      throw new TypeError('not three parts');
    const header = decodeProtectedHeader(token);
    decodeJwt(token);
    if (header.typ !== QR_TOKEN_TYPE || header.alg !== QR_ALGORITHM) throw new TypeError('not a QR token');
    kid = header.kid;
  } catch {
    return fail(
      'qr_malformed',
      'this is not a Bluezone QR code (an ES256 JWT of type bluezone-qr+jwt); scan the code shown by the Bluezone app',
    );
  }
  const jwk = options.jwks.keys.find((k) => k.kid === kid);
  if (typeof kid !== 'string' || jwk === undefined) {
    return fail(
      'qr_unknown_key',
      `the QR code is signed with key ${JSON.stringify(kid)}, which is not among the published keys: refresh the keys from GET /v1/qr/keys, or the code is forged`,
    );
  }
  let claims: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    const key = await importJWK({ ...jwk, alg: QR_ALGORITHM } as JWK, QR_ALGORITHM);
    ({ payload: claims } = await jwtVerify(token, key, {
      algorithms: [QR_ALGORITHM],
      typ: QR_TOKEN_TYPE,
      audience: QR_AUDIENCE,
      currentDate: new Date(options.now * 1000),
      clockTolerance: skew,
      requiredClaims: ['iss', 'iat', 'exp', 'jti'],
    }));
  } catch (cause) {
    if (cause instanceof errors.JWTExpired)
      return fail('qr_expired', 'the QR code has expired: ask the holder to open it again in the app');
    if (cause instanceof errors.JWSSignatureVerificationFailed)
      return fail('qr_invalid_signature', 'the QR code signature does not verify: it was altered or forged');
    if (cause instanceof errors.JWTClaimValidationFailed && cause.claim === 'iat')
      return fail('qr_not_yet_valid', 'the QR code is issued in the future: check the clock of this device');
    return fail('qr_malformed', 'the QR code is not a valid Bluezone QR token');
  }
  if (claims.iss !== options.issuer) {
    return fail(
      'qr_wrong_issuer',
      `the QR code was issued by ${JSON.stringify(claims.iss)}, not by ${JSON.stringify(options.issuer)}`,
    );
  }
  const issuedAt = claims.iat!;
  if (issuedAt > options.now + skew)
    return fail('qr_not_yet_valid', 'the QR code is issued in the future: check the clock of this device');
  const { st, dk, dd, du } = claims as Record<string, unknown>;
  if (
    !(QR_STATUSES as readonly unknown[]).includes(st) ||
    !(DECLARATION_KINDS as readonly unknown[]).includes(dk) ||
    typeof dd !== 'string' ||
    !DAY.test(dd) ||
    !Number.isSafeInteger(du) ||
    typeof claims.jti !== 'string'
  ) {
    return fail('qr_malformed', 'the QR code is signed but its status claims are not well formed');
  }
  return ok({
    issuer: options.issuer,
    kid,
    status: st as QrStatus,
    kind: dk as DeclarationKind,
    declaredOn: dd,
    declarationValidUntil: du as number,
    jti: claims.jti,
    issuedAt,
    expiresAt: claims.exp!,
  });
}
