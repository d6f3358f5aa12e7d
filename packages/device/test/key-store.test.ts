/**
 * The key store and the advertisement: the official Exposure Notification v1.2 vectors through
 * `currentAdvertisement` (a random source returning the vectors' TEK, TX power 8 dBm), one key per
 * UTC day made on first need and kept across instances, concurrent first use, the advertising
 * layout under 0x4E56, and a property check against the protocol functions for any time.
 */
import { readFileSync } from 'node:fs';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  BLUEZONE_SERVICE_UUID,
  decodeAdvertisement,
  decodeMetadata,
  decryptAssociatedMetadata,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  enIntervalNumber,
  fromHex,
  nobleCrypto,
  rollingProximityIdentifier,
  toHex,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBluezoneDevice, createMemoryDeviceStore, DeviceError } from '../src/index.js';
import { API_KEY, BASE_URL, DAY_MS, FakeServer, HOUR_MS, seededRandom } from './helpers.js';

interface Vectors {
  key_generation_unix_seconds: number;
  tek_hex: string;
  advertised: { en_interval_number: number; rpi_hex: string; aem_hex: string }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('../../protocol/test/fixtures/en_crypto_test_vectors.json', import.meta.url), 'utf8'),
) as Vectors;

const TRUSTED = [{ id: 'k', publicKey: 'AAAA' }];

function device(
  options: {
    random?: (n: number) => Uint8Array;
    store?: ReturnType<typeof createMemoryDeviceStore>;
    txPowerDbm?: number;
    crypto?: typeof nodeCrypto;
  } = {},
) {
  return createBluezoneDevice({
    baseUrl: BASE_URL,
    apiKey: API_KEY,
    trustedConfigKeys: TRUSTED,
    store: options.store ?? createMemoryDeviceStore(),
    fetch: new FakeServer().fetch,
    random: options.random ?? seededRandom(1),
    crypto: options.crypto ?? nodeCrypto,
    txPowerDbm: options.txPowerDbm ?? 8,
  });
}

describe('advertisements: official EN v1.2 vectors', () => {
  for (const crypto of [nodeCrypto, nobleCrypto]) {
    it(`broadcasts the vectors' 144 RPI/AEM pairs (${crypto.name})`, async () => {
      const tek = fromHex(vectors.tek_hex);
      const d = device({ random: () => Uint8Array.from(tek), crypto });
      for (const v of vectors.advertised) {
        const at = v.en_interval_number * 600_000 + 123_456;
        const ad = await d.currentAdvertisement(at);
        expect(ad.interval).toBe(v.en_interval_number);
        expect(toHex(ad.rpi)).toBe(v.rpi_hex);
        expect(toHex(ad.aem)).toBe(v.aem_hex);
        expect(toHex(ad.serviceData)).toBe(v.rpi_hex + v.aem_hex);
        expect(ad.validFrom).toBe(v.en_interval_number * 600_000);
        expect(ad.validUntil).toBe(ad.validFrom + 600_000);
      }
    });
  }

  it('lays out the 31-byte advertisement under service UUID 0x4E56', async () => {
    const tek = fromHex(vectors.tek_hex);
    const d = device({ random: () => Uint8Array.from(tek) });
    const first = vectors.advertised[0]!;
    const ad = await d.currentAdvertisement(first.en_interval_number * 600_000);
    expect(toHex(ad.advertisement)).toBe(
      `0201 1a03 0356 4e17 1656 4e${first.rpi_hex}${first.aem_hex}`.replace(/ /g, ''),
    );
    expect(ad.advertisement).toHaveLength(31);
    const decoded = decodeAdvertisement(ad.advertisement);
    expect(decoded.ok && toHex(decoded.value.rpi)).toBe(first.rpi_hex);
    expect(BLUEZONE_SERVICE_UUID).toBe(0x4e56);
    expect(ad.txPowerDbm).toBe(8);
  });
});

describe('key store', () => {
  it('makes one key per UTC day on first need, and the next day another', async () => {
    const store = createMemoryDeviceStore();
    const d = device({ store });
    const day = Date.UTC(2020, 7, 10);
    const morning = await d.currentAdvertisement(day + 1 * HOUR_MS);
    const evening = await d.currentAdvertisement(day + 23 * HOUR_MS);
    expect(toHex(morning.rpi)).not.toBe(toHex(evening.rpi));
    expect(await store.listKeys()).toHaveLength(1);
    await d.currentAdvertisement(day + DAY_MS);
    const keys = await store.listKeys();
    expect(keys.map((k) => k.rollingStartIntervalNumber)).toEqual([
      enIntervalNumber(day / 1000),
      enIntervalNumber((day + DAY_MS) / 1000),
    ]);
    expect(keys.every((k) => k.rollingPeriod === 144)).toBe(true);
    expect(toHex(keys[0]!.keyData)).not.toBe(toHex(keys[1]!.keyData));
    expect(keys[0]!.createdAt).toBe(day + HOUR_MS);
  });

  it('keeps the key across instances on the same store', async () => {
    const store = createMemoryDeviceStore();
    const at = Date.UTC(2020, 7, 10, 12);
    const before = await device({ store, random: seededRandom(1) }).currentAdvertisement(at);
    const after = await device({ store, random: seededRandom(99) }).currentAdvertisement(at);
    expect(toHex(after.serviceData)).toBe(toHex(before.serviceData));
  });

  it('makes a single key when many callers race at the start of a day', async () => {
    const store = createMemoryDeviceStore();
    const d = device({ store, random: seededRandom(5) });
    const at = Date.UTC(2020, 7, 11);
    const ads = await Promise.all(
      Array.from({ length: 10 }, (_, i) => d.currentAdvertisement(at + i * 1000)),
    );
    expect(new Set(ads.map((a) => toHex(a.rpi))).size).toBe(1);
    expect(await store.listKeys()).toHaveLength(1);
  });

  it('returns copies: changing one advertisement does not change the next', async () => {
    const d = device();
    const at = Date.UTC(2020, 7, 10, 5);
    const a = await d.currentAdvertisement(at);
    a.rpi.fill(0);
    a.serviceData.fill(0);
    const b = await d.currentAdvertisement(at);
    expect(b.rpi.some((x) => x !== 0)).toBe(true);
  });

  it('advertises RPI and AEM of the stored key for any time (property)', async () => {
    const store = createMemoryDeviceStore();
    const d = device({ store, random: seededRandom(3), txPowerDbm: -17 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), async (at) => {
        const ad = await d.currentAdvertisement(at);
        const interval = enIntervalNumber(at / 1000);
        const key = (await store.listKeys()).find(
          (k) => interval >= k.rollingStartIntervalNumber && interval < k.rollingStartIntervalNumber + 144,
        )!;
        const rpi = rollingProximityIdentifier(deriveRollingProximityIdentifierKey(key.keyData), interval);
        expect(toHex(ad.rpi)).toBe(toHex(rpi));
        const metadata = decryptAssociatedMetadata(
          deriveAssociatedEncryptedMetadataKey(key.keyData),
          rpi,
          ad.aem,
        );
        expect(decodeMetadata(metadata)).toEqual({ versionMajor: 1, versionMinor: 0, txPowerDbm: -17 });
      }),
      { numRuns: 50 },
    );
  });

  it('takes the TX power from the calibration table by default, and refuses an impossible one', async () => {
    const calibrated = createBluezoneDevice({
      baseUrl: BASE_URL,
      apiKey: API_KEY,
      trustedConfigKeys: TRUSTED,
      store: createMemoryDeviceStore(),
      fetch: new FakeServer().fetch,
      random: seededRandom(1),
      deviceModel: 'Pixel 4',
    });
    const ad = await calibrated.currentAdvertisement(Date.UTC(2020, 7, 10));
    expect(Number.isInteger(ad.txPowerDbm)).toBe(true);
    expect(() => device({ txPowerDbm: 200 })).toThrow(DeviceError);
    await expect(device().currentAdvertisement(Number.NaN)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
