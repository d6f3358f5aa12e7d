/**
 * Exposure Notification key schedule, Cryptography Specification v1.2:
 *
 * - Temporary Exposure Key (TEK): 16 random bytes per UTC day, with its rollingStartIntervalNumber.
 * - Rolling Proximity Identifier Key: RPIK = HKDF-SHA256(TEK, salt = none, info = "EN-RPIK", 16).
 * - Rolling Proximity Identifier: RPI_j = AES-128(RPIK, "EN-RPI" ‖ 0x000000000000 ‖ LE32(ENIN_j)).
 * - Associated Encrypted Metadata Key: AEMK = HKDF-SHA256(TEK, none, "EN-AEMK", 16).
 * - Associated Encrypted Metadata: AEM = AES-128-CTR(AEMK, IV = RPI, metadata).
 *
 * Randomness and crypto are passed in ({@link RandomSource}, {@link CryptoPrimitives}).
 *
 * @module
 */
import { ascii, writeUint32LE } from '../bytes.js';
import { type CryptoPrimitives, nobleCrypto, type RandomSource } from '../crypto.js';
import { ProtocolError } from '../errors.js';
import { MAX_INTERVAL_NUMBER, rollingStartIntervalNumber, TEK_ROLLING_PERIOD } from './interval.js';
import { METADATA_LENGTH } from './metadata.js';

/** Length of a TEK, RPIK, AEMK and RPI in bytes. */
export const KEY_LENGTH = 16;
/** Length of a Rolling Proximity Identifier in bytes. */
export const RPI_LENGTH = 16;

/** HKDF info of the RPIK: ASCII "EN-RPIK". */
export const EN_RPIK_INFO: Uint8Array = ascii('EN-RPIK');
/** HKDF info of the AEMK: ASCII "EN-AEMK". */
export const EN_AEMK_INFO: Uint8Array = ascii('EN-AEMK');
/** First 6 bytes of every RPI padded data block: ASCII "EN-RPI". */
export const EN_RPI_PREFIX: Uint8Array = ascii('EN-RPI');

/** A Temporary Exposure Key with its validity window. */
export interface TemporaryExposureKey {
  /** The 16 key bytes. */
  readonly keyData: Uint8Array;
  /** First ENIntervalNumber of validity (a multiple of 144 for keys this package makes). */
  readonly rollingStartIntervalNumber: number;
  /** Number of intervals the key is valid for, 1–144. */
  readonly rollingPeriod: number;
}

function assertKey(key: Uint8Array, what: string): void {
  if (key.length !== KEY_LENGTH) {
    throw new ProtocolError('invalid_length', `${what} must be ${KEY_LENGTH} bytes, got ${key.length}`);
  }
}

/**
 * Generates the TEK for the UTC day that contains `interval`.
 *
 * @param random a cryptographically secure source (e.g. `crypto.getRandomValues` wrapped by the caller).
 */
export function generateTemporaryExposureKey(random: RandomSource, interval: number): TemporaryExposureKey {
  const keyData = random(KEY_LENGTH);
  if (!(keyData instanceof Uint8Array) || keyData.length !== KEY_LENGTH) {
    throw new ProtocolError('invalid_argument', `the random source must return ${KEY_LENGTH} bytes`);
  }
  return {
    keyData: Uint8Array.from(keyData),
    rollingStartIntervalNumber: rollingStartIntervalNumber(interval),
    rollingPeriod: TEK_ROLLING_PERIOD,
  };
}

/** RPIK = HKDF-SHA256(TEK, no salt, "EN-RPIK", 16). */
export function deriveRollingProximityIdentifierKey(
  tek: Uint8Array,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array {
  assertKey(tek, 'TEK');
  return crypto.hkdfSha256(tek, undefined, EN_RPIK_INFO, KEY_LENGTH);
}

/** AEMK = HKDF-SHA256(TEK, no salt, "EN-AEMK", 16). */
export function deriveAssociatedEncryptedMetadataKey(
  tek: Uint8Array,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array {
  assertKey(tek, 'TEK');
  return crypto.hkdfSha256(tek, undefined, EN_AEMK_INFO, KEY_LENGTH);
}

/**
 * Writes the RPI padded data of `count` consecutive intervals from `firstInterval` into one
 * buffer of `count` 16-byte blocks: "EN-RPI" ‖ 0⁶ ‖ LE32(ENIN).
 */
export function rpiPaddedData(firstInterval: number, count = 1): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new ProtocolError('invalid_argument', `count must be a positive integer, got ${count}`);
  }
  if (
    !Number.isSafeInteger(firstInterval) ||
    firstInterval < 0 ||
    firstInterval + count - 1 > MAX_INTERVAL_NUMBER
  ) {
    throw new ProtocolError(
      'invalid_argument',
      `intervals must lie between 0 and ${MAX_INTERVAL_NUMBER}, got ${firstInterval}…${firstInterval + count - 1}`,
    );
  }
  const blocks = new Uint8Array(count * RPI_LENGTH);
  for (let i = 0; i < count; i++) {
    blocks.set(EN_RPI_PREFIX, i * RPI_LENGTH);
    writeUint32LE(blocks, i * RPI_LENGTH + 12, firstInterval + i);
  }
  return blocks;
}

/** RPI for one interval. */
export function rollingProximityIdentifier(
  rpik: Uint8Array,
  interval: number,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array {
  assertKey(rpik, 'RPIK');
  return crypto.aes128EcbEncrypt(rpik, rpiPaddedData(interval));
}

/**
 * RPIs of `count` consecutive intervals from `firstInterval`, concatenated (16 bytes each),
 * computed with a single AES call.
 */
export function rollingProximityIdentifiers(
  rpik: Uint8Array,
  firstInterval: number,
  count: number,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array {
  assertKey(rpik, 'RPIK');
  return crypto.aes128EcbEncrypt(rpik, rpiPaddedData(firstInterval, count));
}

/** AEM = AES-128-CTR(AEMK, IV = RPI, metadata). The same call decrypts. */
export function encryptAssociatedMetadata(
  aemk: Uint8Array,
  rpi: Uint8Array,
  metadata: Uint8Array,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array {
  assertKey(aemk, 'AEMK');
  if (rpi.length !== RPI_LENGTH) {
    throw new ProtocolError('invalid_length', `RPI must be ${RPI_LENGTH} bytes, got ${rpi.length}`);
  }
  if (metadata.length !== METADATA_LENGTH) {
    throw new ProtocolError(
      'invalid_length',
      `metadata must be ${METADATA_LENGTH} bytes, got ${metadata.length}`,
    );
  }
  return crypto.aes128Ctr(aemk, rpi, metadata);
}

/** Decrypts an AEM back to its metadata bytes (CTR mode is its own inverse). */
export const decryptAssociatedMetadata: (
  aemk: Uint8Array,
  rpi: Uint8Array,
  aem: Uint8Array,
  crypto?: CryptoPrimitives,
) => Uint8Array = encryptAssociatedMetadata;
