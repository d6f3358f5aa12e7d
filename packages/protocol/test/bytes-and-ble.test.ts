import {
  BLUEZONE_SERVICE_UUID,
  decodeAdvertisement,
  decodeServiceData,
  encodeAdvertisement,
  encodeServiceData,
  fromHex,
  ProtocolError,
  readUint32LE,
  toHex,
  writeUint32LE,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const payload = fc.record({
  rpi: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  aem: fc.uint8Array({ minLength: 4, maxLength: 4 }),
});

describe('hex codec', () => {
  it('round-trips any bytes, in either case (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(fromHex(toHex(bytes).toUpperCase())).toEqual(bytes);
      }),
    );
  });

  it('rejects odd lengths, non-hex characters and wrong byte counts with clear errors', () => {
    expect(() => fromHex('abc', '--tek')).toThrow(/--tek must be hex with an even number of digits/);
    expect(() => fromHex('zz', '--tek')).toThrow(/found "z" at position 1/);
    expect(() => fromHex('0g', '--tek')).toThrow(/found "g" at position 2/);
    expect(() => fromHex('00', '--tek', 16)).toThrow(/--tek must be 16 bytes \(32 hex digits\), got 1 bytes/);
    expect(() => fromHex('0x00')).toThrow(ProtocolError);
  });

  it('reads back what it writes as little-endian 32-bit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (n) => {
        const b = new Uint8Array(4);
        writeUint32LE(b, 0, n);
        expect(readUint32LE(b, 0)).toBe(n);
      }),
    );
  });
});

describe('BLE advertisement codec', () => {
  it('lays out the 31-byte payload with UUID 0x4E56', () => {
    const adv = encodeAdvertisement({ rpi: new Uint8Array(16).fill(0xaa), aem: Uint8Array.of(1, 2, 3, 4) });
    expect(adv).toHaveLength(31);
    expect(toHex(adv)).toBe(`02011a0303564e1716564e${'aa'.repeat(16)}01020304`);
    expect(BLUEZONE_SERVICE_UUID).toBe(0x4e56);
  });

  it('round-trips the payload and the service data (property)', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const adv = decodeAdvertisement(encodeAdvertisement(p));
        expect(adv).toEqual({ ok: true, value: p });
        expect(decodeServiceData(encodeServiceData(p), BLUEZONE_SERVICE_UUID)).toEqual({
          ok: true,
          value: p,
        });
      }),
    );
  });

  it('finds the service data among other AD structures, without flags (property)', () => {
    fc.assert(
      fc.property(payload, fc.uint8Array({ minLength: 1, maxLength: 8 }), (p, other) => {
        const manufacturer = Uint8Array.of(other.length + 1, 0xff, ...other);
        const serviceData = encodeAdvertisement(p).subarray(7);
        const result = decodeAdvertisement(Uint8Array.of(...manufacturer, ...serviceData, 0, 0, 0));
        expect(result).toEqual({ ok: true, value: p });
      }),
    );
  });

  it('rejects every truncation of a valid advertisement with a typed error (property)', () => {
    fc.assert(
      fc.property(payload, fc.integer({ min: 0, max: 30 }), (p, cut) => {
        const result = decodeAdvertisement(encodeAdvertisement(p).subarray(0, cut));
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error).toBeInstanceOf(ProtocolError);
          expect(['advertisement_malformed', 'advertisement_missing_service_data']).toContain(
            result.error.code,
          );
        }
      }),
    );
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const result = decodeAdvertisement(bytes);
        if (!result.ok) expect(result.error).toBeInstanceOf(ProtocolError);
        else expect(result.value.rpi).toHaveLength(16);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects another service UUID', () => {
    const adv = encodeAdvertisement({ rpi: new Uint8Array(16), aem: new Uint8Array(4) });
    adv[9] = 0x6f; // Exposure Notification's 0xFD6F
    adv[10] = 0xfd;
    const result = decodeAdvertisement(adv);
    expect(result.ok || result.error.code).toBe('advertisement_wrong_service_uuid');
    expect(result.ok || result.error.message).toMatch(/UUID 0xFD6F, expected 0x4E56/);
    const sd = decodeServiceData(new Uint8Array(20), 0xfd6f);
    expect(sd.ok || sd.error.code).toBe('advertisement_wrong_service_uuid');
  });

  it('rejects service data of the wrong length', () => {
    for (const length of [0, 16, 19, 21, 24]) {
      const result = decodeServiceData(new Uint8Array(length));
      expect(result.ok || result.error.code).toBe('advertisement_wrong_length');
    }
    const adv = Uint8Array.of(0x16, 0x16, 0x56, 0x4e, ...new Uint8Array(19));
    const result = decodeAdvertisement(adv);
    expect(result.ok || result.error.message).toMatch(/must be 20 bytes \(RPI 16 \+ AEM 4\), got 19/);
  });

  it('rejects a declared length that runs past the end, and oversize input', () => {
    const r1 = decodeAdvertisement(Uint8Array.of(0x05, 0x16, 0x56));
    expect(r1.ok || r1.error.code).toBe('advertisement_malformed');
    const r2 = decodeAdvertisement(Uint8Array.of(0x02, 0x16, 0x56));
    expect(r2.ok || r2.error.code).toBe('advertisement_malformed');
    const r3 = decodeAdvertisement(new Uint8Array(100));
    expect(r3.ok || r3.error.code).toBe('advertisement_malformed');
    const r4 = decodeAdvertisement(Uint8Array.of(0x02, 0x01, 0x1a));
    expect(r4.ok || r4.error.code).toBe('advertisement_missing_service_data');
  });

  it('refuses to encode a payload of the wrong size', () => {
    expect(() => encodeAdvertisement({ rpi: new Uint8Array(15), aem: new Uint8Array(4) })).toThrow(
      /RPI must be 16 bytes/,
    );
    expect(() => encodeServiceData({ rpi: new Uint8Array(16), aem: new Uint8Array(5) })).toThrow(
      /AEM must be 4 bytes/,
    );
  });
});
