import { nodeCrypto } from '@bluezone/crypto-node';
import {
  bytesEqual,
  dayNumberOfInterval,
  decodeMetadata,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  encodeMetadata,
  encryptAssociatedMetadata,
  enIntervalNumber,
  generateTemporaryExposureKey,
  intervalStartSeconds,
  isIntervalInRollingPeriod,
  nobleCrypto,
  ProtocolError,
  rollingProximityIdentifier,
  rollingProximityIdentifiers,
  rollingStartIntervalNumber,
  rpiPaddedData,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const interval = fc.integer({ min: 0, max: 0xffff_ffff - 200 });

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    return;
  }
  throw new Error(`expected a ProtocolError ${code}`);
}

describe('ENIntervalNumber math', () => {
  it('maps times to 10-minute intervals and days', () => {
    expect(enIntervalNumber(0)).toBe(0);
    expect(enIntervalNumber(599.9)).toBe(0);
    expect(enIntervalNumber(600)).toBe(1);
    expect(intervalStartSeconds(2642976)).toBe(1585785600);
    expect(rollingStartIntervalNumber(2642976 + 143)).toBe(2642976);
    expect(rollingStartIntervalNumber(2642976 + 144)).toBe(2642976 + 144);
    expect(dayNumberOfInterval(2642976)).toBe(1585785600 / 86400);
    expect(isIntervalInRollingPeriod(10, 10, 1)).toBe(true);
    expect(isIntervalInRollingPeriod(11, 10, 1)).toBe(false);
    expect(isIntervalInRollingPeriod(9, 10, 144)).toBe(false);
  });

  it('rejects negative, fractional and out-of-range input', () => {
    expectCode(() => enIntervalNumber(-1), 'invalid_argument');
    expectCode(() => enIntervalNumber(Number.NaN), 'invalid_argument');
    expectCode(() => enIntervalNumber(2 ** 32 * 600), 'invalid_argument');
    expectCode(() => intervalStartSeconds(1.5), 'invalid_argument');
    expectCode(() => rollingStartIntervalNumber(-3), 'invalid_argument');
    expectCode(() => rpiPaddedData(0xffff_ffff, 2), 'invalid_argument');
    expectCode(() => rpiPaddedData(0, 0), 'invalid_argument');
  });

  it('keeps every interval inside the day that starts at its rolling start (property)', () => {
    fc.assert(
      fc.property(interval, (i) => {
        const start = rollingStartIntervalNumber(i);
        expect(start % 144).toBe(0);
        expect(isIntervalInRollingPeriod(i, start, 144)).toBe(true);
        expect(enIntervalNumber(intervalStartSeconds(i))).toBe(i);
      }),
    );
  });
});

describe('Temporary Exposure Keys', () => {
  it('takes its bytes from the injected random source and aligns to the day', () => {
    const tek = generateTemporaryExposureKey((n) => new Uint8Array(n).fill(7), 2642976 + 50);
    expect(tek.keyData).toEqual(new Uint8Array(16).fill(7));
    expect(tek.rollingStartIntervalNumber).toBe(2642976);
    expect(tek.rollingPeriod).toBe(144);
  });

  it('rejects a random source that returns the wrong length', () => {
    expectCode(() => generateTemporaryExposureKey((n) => new Uint8Array(n - 1), 0), 'invalid_argument');
  });

  it('rejects keys of the wrong length', () => {
    expectCode(() => deriveRollingProximityIdentifierKey(new Uint8Array(15)), 'invalid_length');
    expectCode(() => deriveAssociatedEncryptedMetadataKey(new Uint8Array(17)), 'invalid_length');
    expectCode(() => rollingProximityIdentifier(new Uint8Array(8), 0), 'invalid_length');
    expectCode(
      () => encryptAssociatedMetadata(new Uint8Array(16), new Uint8Array(15), new Uint8Array(4)),
      'invalid_length',
    );
    expectCode(
      () => encryptAssociatedMetadata(new Uint8Array(16), new Uint8Array(16), new Uint8Array(3)),
      'invalid_length',
    );
  });

  it('gives the same RPIs and AEMs with both crypto adapters (property)', () => {
    fc.assert(
      fc.property(
        key16,
        fc.integer({ min: 0, max: 0xffff_ffff - 144 }),
        fc.integer({ min: 1, max: 144 }),
        (tek, start, count) => {
          const a = deriveRollingProximityIdentifierKey(tek, nobleCrypto);
          const b = deriveRollingProximityIdentifierKey(tek, nodeCrypto);
          expect(a).toEqual(b);
          expect(rollingProximityIdentifiers(a, start, count, nobleCrypto)).toEqual(
            rollingProximityIdentifiers(b, start, count, nodeCrypto),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never repeats an RPI within a day, and different keys give different RPIs (property)', () => {
    fc.assert(
      fc.property(key16, key16, interval, (k1, k2, i) => {
        fc.pre(!bytesEqual(k1, k2));
        const r1 = rollingProximityIdentifiers(
          deriveRollingProximityIdentifierKey(k1, nodeCrypto),
          i,
          144,
          nodeCrypto,
        );
        const r2 = rollingProximityIdentifiers(
          deriveRollingProximityIdentifierKey(k2, nodeCrypto),
          i,
          144,
          nodeCrypto,
        );
        const seen = new Set<string>();
        for (let j = 0; j < 144; j++) {
          seen.add(Buffer.from(r1.subarray(j * 16, j * 16 + 16)).toString('hex'));
          seen.add(Buffer.from(r2.subarray(j * 16, j * 16 + 16)).toString('hex'));
        }
        expect(seen.size).toBe(288);
      }),
      { numRuns: 50 },
    );
  });
});

describe('metadata codec', () => {
  it('round-trips every valid metadata (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -127, max: 127 }),
        (versionMajor, versionMinor, txPowerDbm) => {
          const m = { versionMajor, versionMinor, txPowerDbm };
          const bytes = encodeMetadata(m);
          expect(bytes).toHaveLength(4);
          expect(bytes[2]).toBe(0);
          expect(bytes[3]).toBe(0);
          expect(decodeMetadata(bytes)).toEqual(m);
        },
      ),
    );
  });

  it('encodes version 1.0 with −8 dBm as 40 f8 00 00', () => {
    expect(Array.from(encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm: -8 }))).toEqual([
      0x40, 0xf8, 0, 0,
    ]);
  });

  it('rejects out-of-range fields and wrong lengths', () => {
    expectCode(() => encodeMetadata({ versionMajor: 4, versionMinor: 0, txPowerDbm: 0 }), 'invalid_argument');
    expectCode(
      () => encodeMetadata({ versionMajor: 1, versionMinor: -1, txPowerDbm: 0 }),
      'invalid_argument',
    );
    expectCode(
      () => encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm: 128 }),
      'invalid_argument',
    );
    expectCode(
      () => encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm: 1.5 }),
      'invalid_argument',
    );
    expectCode(() => decodeMetadata(new Uint8Array(5)), 'invalid_length');
  });

  it('recovers the metadata from an AEM with the right key only (property)', () => {
    fc.assert(
      fc.property(
        key16,
        key16,
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: -127, max: 127 }),
        (tek, other, rpi, tx) => {
          fc.pre(!bytesEqual(tek, other));
          const metadata = encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm: tx });
          const aem = encryptAssociatedMetadata(
            deriveAssociatedEncryptedMetadataKey(tek, nodeCrypto),
            rpi,
            metadata,
            nodeCrypto,
          );
          expect(
            encryptAssociatedMetadata(
              deriveAssociatedEncryptedMetadataKey(tek, nodeCrypto),
              rpi,
              aem,
              nodeCrypto,
            ),
          ).toEqual(metadata);
          const wrong = encryptAssociatedMetadata(
            deriveAssociatedEncryptedMetadataKey(other, nodeCrypto),
            rpi,
            aem,
            nodeCrypto,
          );
          expect(bytesEqual(wrong, metadata)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});
