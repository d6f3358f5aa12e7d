/**
 * The exposure-key HMAC of the verification protocol (Google's Exposure Notifications
 * verification server and key server, "HMAC Calculation"): it binds a verification certificate
 * to the exact keys a phone uploads without showing the keys to the verification server.
 *
 * Cleartext: one segment per key, `base64(keyData).rollingStartIntervalNumber.rollingPeriod.
 * transmissionRisk` (standard padded base64, decimal integers), segments sorted by their base64
 * key in byte order (Go's `strings.Compare`, which for ASCII is also JavaScript's `<`; never
 * `localeCompare`), joined with `,`. MAC = HMAC-SHA256(hmackey, ASCII(cleartext)), where the
 * hmackey is random bytes chosen by the phone and sent to the key server with the upload.
 *
 * The legacy form omits `.transmissionRisk`; like Google's key server, verification accepts it
 * when every key's transmission risk is 0 (or absent).
 *
 * @module
 */
import { ascii } from '../bytes.js';
import { type CryptoPrimitives, nobleCrypto, type RandomSource } from '../crypto.js';
import type { ExposureKey } from '../en/exposure-key.js';
import { MAX_INTERVAL_NUMBER, TEK_ROLLING_PERIOD } from '../en/interval.js';
import { KEY_LENGTH } from '../en/keys.js';
import { ProtocolError } from '../errors.js';
import { verificationBase64Encode } from './base64.js';

/** Length of the exposure-key HMAC (HMAC-SHA256) in bytes. */
export const VERIFICATION_HMAC_LENGTH = 32;
/** Shortest hmackey accepted, in bytes (Google's protocol asks for at least 128 random bits). */
export const VERIFICATION_HMAC_KEY_MIN_LENGTH = 16;
/** Length of the hmackeys {@link generateVerificationHmacKey} makes by default, in bytes. */
export const VERIFICATION_HMAC_KEY_LENGTH = 32;
/** Largest transmission risk level the canonical form accepts (EN's 0–8 scale). */
export const VERIFICATION_MAX_TRANSMISSION_RISK = 8;

/** The fields of a key that the HMAC covers; an absent transmission risk counts as 0. */
export type VerificationExposureKey = Pick<
  ExposureKey,
  'keyData' | 'rollingStartIntervalNumber' | 'rollingPeriod' | 'transmissionRiskLevel'
>;

/**
 * `standard`: segments end with `.transmissionRisk`; `legacy`: they do not (defined only when
 * every transmission risk is 0).
 */
export type VerificationCleartextForm = 'standard' | 'legacy';

function assertIntegerIn(value: number, min: number, max: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ProtocolError(
      'invalid_argument',
      `${what} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}

interface Segment {
  readonly key: string;
  readonly text: string;
}

function segments(keys: readonly VerificationExposureKey[], form: VerificationCleartextForm): Segment[] {
  if (keys.length === 0) {
    throw new ProtocolError(
      'invalid_argument',
      'the verification HMAC needs at least one key: upload one or more Temporary Exposure Keys',
    );
  }
  return keys.map((k, i) => {
    const what = `key ${i + 1} of ${keys.length}`;
    if (!(k.keyData instanceof Uint8Array) || k.keyData.length !== KEY_LENGTH) {
      throw new ProtocolError(
        'invalid_length',
        `${what}: keyData must be ${KEY_LENGTH} bytes, got ${k.keyData instanceof Uint8Array ? k.keyData.length : typeof k.keyData}`,
      );
    }
    assertIntegerIn(
      k.rollingStartIntervalNumber,
      0,
      MAX_INTERVAL_NUMBER,
      `${what}: rollingStartIntervalNumber`,
    );
    assertIntegerIn(k.rollingPeriod, 1, TEK_ROLLING_PERIOD, `${what}: rollingPeriod`);
    const risk = k.transmissionRiskLevel ?? 0;
    assertIntegerIn(risk, 0, VERIFICATION_MAX_TRANSMISSION_RISK, `${what}: transmissionRiskLevel`);
    if (form === 'legacy' && risk !== 0) {
      throw new ProtocolError(
        'invalid_argument',
        `${what}: the legacy cleartext omits transmission risk and is defined only when every key's risk is 0, got ${risk}; use the standard form`,
      );
    }
    const key = verificationBase64Encode(k.keyData);
    const text = `${key}.${k.rollingStartIntervalNumber}.${k.rollingPeriod}${form === 'standard' ? `.${risk}` : ''}`;
    return { key, text };
  });
}

// Byte order of ASCII strings (Go's strings.Compare). Ties between equal key data, which
// Google's unstable sort leaves unspecified, are broken by the whole segment so that the
// cleartext never depends on upload order.
function compareSegments(a: Segment, b: Segment): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.text !== b.text) return a.text < b.text ? -1 : 1;
  return 0;
}

/**
 * The canonical cleartext of a key list, e.g. `AAAA…AA==.2650032.144.0,BBBB…BA==.2650176.144.0`.
 * The input order does not matter.
 *
 * @throws {ProtocolError} `invalid_argument` for an empty list, a field out of range
 *   (rollingStartIntervalNumber 0…2³²−1, rollingPeriod 1…144, transmission risk 0…8) or the
 *   legacy form with a non-zero risk; `invalid_length` for key data that is not 16 bytes.
 */
export function verificationKeysCleartext(
  keys: readonly VerificationExposureKey[],
  form: VerificationCleartextForm = 'standard',
): string {
  return segments(keys, form)
    .sort(compareSegments)
    .map((s) => s.text)
    .join(',');
}

function assertHmacKey(hmacKey: Uint8Array): void {
  if (!(hmacKey instanceof Uint8Array) || hmacKey.length < VERIFICATION_HMAC_KEY_MIN_LENGTH) {
    throw new ProtocolError(
      'invalid_length',
      `the hmackey must be at least ${VERIFICATION_HMAC_KEY_MIN_LENGTH} random bytes, got ${hmacKey instanceof Uint8Array ? hmacKey.length : typeof hmacKey}`,
    );
  }
}

/**
 * HMAC-SHA256(hmacKey, cleartext of `keys`): the value a phone sends to the verification server
 * (base64, Google's `ekeyhmac`) and the certificate carries as `tekmac`. 32 bytes.
 *
 * @throws {ProtocolError} as {@link verificationKeysCleartext}; `invalid_length` for an hmackey
 *   shorter than {@link VERIFICATION_HMAC_KEY_MIN_LENGTH} bytes.
 */
export function calculateVerificationHmac(
  keys: readonly VerificationExposureKey[],
  hmacKey: Uint8Array,
  crypto: CryptoPrimitives = nobleCrypto,
  form: VerificationCleartextForm = 'standard',
): Uint8Array {
  assertHmacKey(hmacKey);
  return crypto.hmacSha256(hmacKey, ascii(verificationKeysCleartext(keys, form)));
}

/**
 * Equality of two byte arrays in time that depends only on their lengths, for MACs and other
 * secrets (lengths are public).
 */
export function verificationConstantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * True when `mac` is the HMAC of `keys` under `hmacKey` in the standard form, or in the legacy
 * form when every transmission risk is 0. Comparisons are constant-time and both forms are
 * always compared when both apply.
 *
 * @throws {ProtocolError} as {@link calculateVerificationHmac} for invalid keys or hmackey.
 */
export function verificationHmacMatches(
  keys: readonly VerificationExposureKey[],
  hmacKey: Uint8Array,
  mac: Uint8Array,
  crypto: CryptoPrimitives = nobleCrypto,
): boolean {
  let match = verificationConstantTimeEqual(calculateVerificationHmac(keys, hmacKey, crypto), mac);
  if (keys.every((k) => (k.transmissionRiskLevel ?? 0) === 0)) {
    const legacy = verificationConstantTimeEqual(
      calculateVerificationHmac(keys, hmacKey, crypto, 'legacy'),
      mac,
    );
    match = match || legacy;
  }
  return match;
}

/**
 * A fresh hmackey from a cryptographically secure source, to be kept by the phone until the
 * upload and sent with it (base64, the publish request's `hmackey`).
 *
 * @param length bytes, at least {@link VERIFICATION_HMAC_KEY_MIN_LENGTH}; default 32.
 */
export function generateVerificationHmacKey(
  random: RandomSource,
  length: number = VERIFICATION_HMAC_KEY_LENGTH,
): Uint8Array {
  assertIntegerIn(length, VERIFICATION_HMAC_KEY_MIN_LENGTH, 1024, 'hmackey length');
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new ProtocolError('invalid_argument', `the random source must return ${length} bytes`);
  }
  return Uint8Array.from(bytes);
}
