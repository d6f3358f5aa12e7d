/**
 * The phone's own keys and what it broadcasts.
 *
 * - **One Temporary Exposure Key per UTC day**, made on first need (the first advertisement of
 *   the day, or an upload) from the injected random source and stored at once; a day's key is
 *   never derived from another's. Two callers racing at midnight get the same key
 *   (`insertKeyIfAbsent`). Keys are kept 14 days after their day ends (retention).
 * - **The advertisement of each 10-minute interval**: RPI = AES-128(RPIK, "EN-RPI" ‖ 0⁶ ‖
 *   LE32(ENIN)), AEM = AES-128-CTR(AEMK, RPI, metadata) with the calibrated TX power in metadata
 *   byte 1, as the 20-byte service data (RPI ‖ AEM) and the 31-byte advertising payload under
 *   service UUID 0x4E56. The radio layer asks {@link KeyStore.currentAdvertisement} when it
 *   (re)starts advertising and at every interval boundary (`validUntil`), rotating its random
 *   Bluetooth address at the same moment.
 *
 * The RPIK and AEMK of the current day and the current interval's advertisement are cached in
 * memory; nothing else about keys is kept outside the store.
 *
 * @module
 */
import {
  type CryptoPrimitives,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  EN_INTERVAL_SECONDS,
  encodeAdvertisement,
  encodeMetadata,
  encodeServiceData,
  encryptAssociatedMetadata,
  enIntervalNumber,
  generateTemporaryExposureKey,
  type RandomSource,
  rollingProximityIdentifier,
  rollingStartIntervalNumber,
  TEK_ROLLING_PERIOD,
} from '@bluezone/protocol';
import { DeviceError } from './errors.js';
import type { DeviceStore, StoredKey } from './store.js';

/** What to broadcast during one 10-minute interval. */
export interface CurrentAdvertisement {
  /** The ENIntervalNumber it is for. */
  readonly interval: number;
  /** Start of the interval, Unix ms. */
  readonly validFrom: number;
  /** End of the interval, Unix ms: ask again then (and rotate the Bluetooth address). */
  readonly validUntil: number;
  /** Rolling Proximity Identifier, 16 bytes. */
  readonly rpi: Uint8Array;
  /** Associated Encrypted Metadata, 4 bytes. */
  readonly aem: Uint8Array;
  /** RPI ‖ AEM, 20 bytes: the service data value for UUID 0x4E56 (what BLE libraries take). */
  readonly serviceData: Uint8Array;
  /** The whole 31-byte advertising payload (flags, UUID list, service data). */
  readonly advertisement: Uint8Array;
  /** The TX power written into the metadata, dBm. */
  readonly txPowerDbm: number;
}

/** Dependencies of {@link KeyStore}. */
export interface KeyStoreDeps {
  readonly store: DeviceStore;
  readonly random: RandomSource;
  readonly crypto: CryptoPrimitives;
  /** Calibrated TX power of this phone, dBm (−127 … 127). */
  readonly txPowerDbm: number;
}

/** The phone's keys (see the module comment). */
export class KeyStore {
  readonly #deps: KeyStoreDeps;
  readonly #metadata: Uint8Array;
  /** In-flight creations, by rolling start: concurrent callers share one. */
  readonly #pending = new Map<number, Promise<StoredKey>>();
  #derived: { start: number; rpik: Uint8Array; aemk: Uint8Array } | undefined;
  #advertisement: CurrentAdvertisement | undefined;

  constructor(deps: KeyStoreDeps) {
    this.#deps = deps;
    try {
      this.#metadata = encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm: deps.txPowerDbm });
    } catch (error) {
      throw new DeviceError('invalid_argument', `txPowerDbm: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The key of the UTC day containing `interval`, made and stored if the day has none yet. */
  async keyForInterval(interval: number, nowMs: number): Promise<StoredKey> {
    const start = rollingStartIntervalNumber(interval);
    const stored = await this.#deps.store.getKey(start);
    if (stored) return stored;
    let pending = this.#pending.get(start);
    if (!pending) {
      const tek = generateTemporaryExposureKey(this.#deps.random, interval);
      pending = this.#deps.store
        .insertKeyIfAbsent({
          rollingStartIntervalNumber: tek.rollingStartIntervalNumber,
          rollingPeriod: TEK_ROLLING_PERIOD,
          keyData: tek.keyData,
          createdAt: nowMs,
        })
        .finally(() => this.#pending.delete(start));
      this.#pending.set(start, pending);
    }
    return pending;
  }

  /**
   * The advertisement for the interval containing `nowMs`.
   *
   * @throws {DeviceError} `invalid_argument` for a time that is not a finite Unix ms ≥ 0.
   */
  async currentAdvertisement(nowMs: number): Promise<CurrentAdvertisement> {
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || nowMs < 0) {
      throw new DeviceError('invalid_argument', `time must be Unix ms ≥ 0, got ${String(nowMs)}`);
    }
    const interval = enIntervalNumber(nowMs / 1000);
    const cached = this.#advertisement;
    if (cached && cached.interval === interval) return copyAdvertisement(cached);
    const key = await this.keyForInterval(interval, nowMs);
    const { crypto } = this.#deps;
    let derived = this.#derived;
    if (!derived || derived.start !== key.rollingStartIntervalNumber) {
      derived = {
        start: key.rollingStartIntervalNumber,
        rpik: deriveRollingProximityIdentifierKey(key.keyData, crypto),
        aemk: deriveAssociatedEncryptedMetadataKey(key.keyData, crypto),
      };
      this.#derived = derived;
    }
    const rpi = rollingProximityIdentifier(derived.rpik, interval, crypto);
    const aem = encryptAssociatedMetadata(derived.aemk, rpi, this.#metadata, crypto);
    const validFrom = interval * EN_INTERVAL_SECONDS * 1000;
    const advertisement: CurrentAdvertisement = {
      interval,
      validFrom,
      validUntil: validFrom + EN_INTERVAL_SECONDS * 1000,
      rpi,
      aem,
      serviceData: encodeServiceData({ rpi, aem }),
      advertisement: encodeAdvertisement({ rpi, aem }),
      txPowerDbm: this.#deps.txPowerDbm,
    };
    this.#advertisement = advertisement;
    return copyAdvertisement(advertisement);
  }

  /** Forgets the cached derived keys (after retention deleted keys, or on close). */
  clearCache(): void {
    this.#derived = undefined;
    this.#advertisement = undefined;
  }
}

function copyAdvertisement(a: CurrentAdvertisement): CurrentAdvertisement {
  return {
    ...a,
    rpi: Uint8Array.from(a.rpi),
    aem: Uint8Array.from(a.aem),
    serviceData: Uint8Array.from(a.serviceData),
    advertisement: Uint8Array.from(a.advertisement),
  };
}
