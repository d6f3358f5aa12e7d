/**
 * Helpers of the matching tests: published keys, their RPIs and AEMs (through OpenSSL), and logs
 * with planted sightings.
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  type ExposureKey,
  encodeMetadata,
  encryptAssociatedMetadata,
  type ReportType,
  rollingProximityIdentifiers,
  type SightingRecord,
} from '@bluezone/protocol';

/** 2020-08-26 00:00 UTC: day 18,500, interval 2,664,000. */
export const DAY0 = 18_500;
export const DAY_SECONDS = 86_400;
export const startOfDay = (day: number) => day * 144;

/** A published key. */
export function publishedKey(
  tek: Uint8Array,
  rollingStartIntervalNumber: number,
  rollingPeriod = 144,
  extra: { reportType?: ReportType; daysSinceOnsetOfSymptoms?: number } = {},
): ExposureKey {
  return { keyData: tek, rollingStartIntervalNumber, rollingPeriod, ...extra };
}

/** The RPI of `tek` for `interval` (any interval, inside the key's period or not). */
export function rpiOf(tek: Uint8Array, interval: number): Uint8Array {
  return rollingProximityIdentifiers(
    deriveRollingProximityIdentifierKey(tek, nodeCrypto),
    interval,
    1,
    nodeCrypto,
  );
}

/** The AEM a phone with `tek` broadcasts with `rpi` at `txPowerDbm`. */
export function aemOf(tek: Uint8Array, rpi: Uint8Array, txPowerDbm: number): Uint8Array {
  return encryptAssociatedMetadata(
    deriveAssociatedEncryptedMetadataKey(tek, nodeCrypto),
    rpi,
    encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm }),
    nodeCrypto,
  );
}

/** A sighting of `tek`'s RPI of `interval`, heard at `timeSeconds`. */
export function sightingOf(
  tek: Uint8Array,
  interval: number,
  timeSeconds: number,
  options: { txPowerDbm?: number; rssiDbm?: number; receiverModel?: string } = {},
): SightingRecord {
  const rpi = rpiOf(tek, interval);
  return {
    rpi,
    aem: aemOf(tek, rpi, options.txPowerDbm ?? -20),
    timeSeconds,
    rssiDbm: options.rssiDbm ?? -70,
    receiverModel: options.receiverModel ?? 'Pixel 4',
  };
}

/** Deterministic pseudo-random bytes (xorshift), for noise RPIs and keys. */
export function pseudoRandomBytes(seed: number, length: number): Uint8Array {
  let x = seed | 0 || 0x9e3779b9;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A sighting of an RPI nobody published. */
export function noiseSighting(seed: number, timeSeconds: number): SightingRecord {
  const bytes = pseudoRandomBytes(seed, 20);
  return { rpi: bytes.subarray(0, 16), aem: bytes.subarray(16, 20), timeSeconds, rssiDbm: -80 };
}
