import { readFileSync } from 'node:fs';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type CryptoPrimitives,
  decodeMetadata,
  decryptAssociatedMetadata,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  encryptAssociatedMetadata,
  enIntervalNumber,
  fromHex,
  nobleCrypto,
  rollingProximityIdentifier,
  rollingProximityIdentifiers,
  rollingStartIntervalNumber,
  rpiPaddedData,
  TEK_ROLLING_PERIOD,
  toHex,
} from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';

interface Vectors {
  key_generation_unix_seconds: number;
  en_interval_number_of_generated_key: number;
  tek_rolling_period: number;
  tek_hex: string;
  rpik_hex: string;
  aemk_hex: string;
  ble_metadata_hex: string;
  advertised: {
    index: number;
    en_interval_number: number;
    padded_data_hex: string;
    rpi_hex: string;
    aem_hex: string;
  }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/en_crypto_test_vectors.json', import.meta.url), 'utf8'),
) as Vectors;

const adapters: CryptoPrimitives[] = [nobleCrypto, nodeCrypto];

describe('official Exposure Notification v1.2 vectors', () => {
  it('has all 144 advertised pairs', () => {
    expect(vectors.advertised).toHaveLength(144);
    expect(vectors.tek_rolling_period).toBe(TEK_ROLLING_PERIOD);
  });

  it('computes the key interval from the generation time', () => {
    const interval = enIntervalNumber(vectors.key_generation_unix_seconds);
    expect(interval).toBe(vectors.en_interval_number_of_generated_key);
    expect(rollingStartIntervalNumber(interval)).toBe(interval);
  });

  it('builds the padded data of every interval', () => {
    const first = vectors.advertised[0]!.en_interval_number;
    const all = rpiPaddedData(first, 144);
    vectors.advertised.forEach((v, i) => {
      expect(toHex(all.subarray(i * 16, i * 16 + 16))).toBe(v.padded_data_hex);
      expect(toHex(rpiPaddedData(v.en_interval_number))).toBe(v.padded_data_hex);
    });
  });

  it('decodes the metadata (version 1.0, TX power 8 dBm)', () => {
    expect(decodeMetadata(fromHex(vectors.ble_metadata_hex))).toEqual({
      versionMajor: 1,
      versionMinor: 0,
      txPowerDbm: 8,
    });
  });

  for (const crypto of adapters) {
    describe(`with the ${crypto.name} crypto adapter`, () => {
      const tek = fromHex(vectors.tek_hex);
      const rpik = deriveRollingProximityIdentifierKey(tek, crypto);
      const aemk = deriveAssociatedEncryptedMetadataKey(tek, crypto);
      const metadata = fromHex(vectors.ble_metadata_hex);

      it('derives RPIK and AEMK', () => {
        expect(toHex(rpik)).toBe(vectors.rpik_hex);
        expect(toHex(aemk)).toBe(vectors.aemk_hex);
      });

      it('derives all 144 RPIs one at a time', () => {
        for (const v of vectors.advertised) {
          expect(
            toHex(rollingProximityIdentifier(rpik, v.en_interval_number, crypto)),
            `interval ${v.index}`,
          ).toBe(v.rpi_hex);
        }
      });

      it('derives all 144 RPIs in one call', () => {
        const all = rollingProximityIdentifiers(rpik, vectors.advertised[0]!.en_interval_number, 144, crypto);
        expect(all).toHaveLength(144 * 16);
        vectors.advertised.forEach((v, i) => {
          expect(toHex(all.subarray(i * 16, i * 16 + 16)), `interval ${v.index}`).toBe(v.rpi_hex);
        });
      });

      it('encrypts and decrypts all 144 AEMs', () => {
        for (const v of vectors.advertised) {
          const rpi = fromHex(v.rpi_hex);
          const aem = encryptAssociatedMetadata(aemk, rpi, metadata, crypto);
          expect(toHex(aem), `interval ${v.index}`).toBe(v.aem_hex);
          expect(toHex(decryptAssociatedMetadata(aemk, rpi, aem, crypto))).toBe(vectors.ble_metadata_hex);
        }
      });
    });
  }
});
