import { generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  exportEcdsaSignatureFromDer,
  exportEcdsaSignatureToDer,
  ProtocolError,
  toHex,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const scalar = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((b) => b.some((x) => x !== 0))
  // Bias towards the edge cases: leading zero bytes and a set top bit.
  .chain((b) =>
    fc.constantFrom(
      b,
      Uint8Array.from(b, (x, i) => (i < 3 ? 0 : x || 1)),
      Uint8Array.from(b, (x, i) => (i === 0 ? x | 0x80 : x)),
      Uint8Array.from(b, (x, i) => (i === 0 ? 0 : i === 1 ? x | 0x80 : x)),
    ),
  );
const p1363 = fc.tuple(scalar, scalar).map(([r, s]) => {
  const out = new Uint8Array(64);
  out.set(r, 0);
  out.set(s, 32);
  return out;
});

function fromDer(der: Uint8Array): Uint8Array {
  const result = exportEcdsaSignatureFromDer(der);
  if (!result.ok) throw result.error;
  return result.value;
}

function rejection(der: Uint8Array): string {
  const result = exportEcdsaSignatureFromDer(der);
  if (result.ok) throw new Error(`accepted ${toHex(der)}`);
  expect(result.error).toBeInstanceOf(ProtocolError);
  expect(result.error.code).toBe('export_signature_invalid');
  return result.error.message;
}

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

describe('ECDSA signature encodings (P1363 r ‖ s ↔ DER)', () => {
  it('round-trips any r ‖ s through DER (property)', () => {
    fc.assert(
      fc.property(p1363, (sig) => {
        const der = exportEcdsaSignatureToDer(sig);
        expect(der[0]).toBe(0x30);
        expect(der[1]).toBe(der.length - 2);
        expect(der.length).toBeLessThanOrEqual(72);
        expect(fromDer(der)).toEqual(sig);
      }),
    );
  });

  it('writes minimal positive INTEGERs: strips leading zeros, adds 0x00 before a set top bit', () => {
    const sig = new Uint8Array(64);
    sig[31] = 0x01; // r = 1
    sig[32] = 0x80; // s = 0x80 00…00 (top bit set)
    const der = exportEcdsaSignatureToDer(sig);
    expect(toHex(der)).toBe(`3026020101022100${'80'}${'00'.repeat(31)}`);
  });

  it('agrees with OpenSSL both ways: node:crypto DER signatures convert to P1363 and back (property)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (message) => {
        const der = new Uint8Array(sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }));
        const raw = fromDer(der);
        expect(raw).toHaveLength(64);
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
        expect(exportEcdsaSignatureToDer(raw)).toEqual(der);

        const ieee = new Uint8Array(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
        const converted = exportEcdsaSignatureToDer(ieee);
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, converted)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects everything that is not strict DER, saying why', () => {
    const good = exportEcdsaSignatureToDer(Uint8Array.from({ length: 64 }, (_, i) => i + 1));
    expect(fromDer(good)).toHaveLength(64);
    expect(rejection(new Uint8Array(0))).toMatch(/too short/);
    expect(rejection(Uint8Array.of(0x31, ...good.subarray(1)))).toMatch(/does not start with a SEQUENCE/);
    expect(rejection(Uint8Array.of(...good, 0x00))).toMatch(/SEQUENCE holds \d+ bytes but \d+ follow/);
    expect(rejection(good.subarray(0, good.length - 1))).toMatch(/SEQUENCE holds/);
    // Long-form lengths are never minimal for contents this short.
    expect(rejection(hex('308106020101020101'))).toMatch(/SEQUENCE has a long-form length/);
    expect(rejection(hex('300702810101020101'))).toMatch(/r has a long-form length/);
    expect(rejection(hex('3006040101020101'))).toMatch(/r is not an INTEGER/);
    expect(rejection(hex('30060201ff020101'))).toMatch(/r is negative/);
    expect(rejection(hex('300702020001020101'))).toMatch(/r is not minimally encoded/);
    expect(rejection(hex('3006020100020101'))).toMatch(/r is zero/);
    expect(rejection(hex('3006020101020100'))).toMatch(/s is zero/);
    expect(rejection(hex('3006020101020000'))).toMatch(/s is empty/);
    expect(rejection(hex('300702010102030101'))).toMatch(/s is truncated/);
    expect(rejection(hex('30080201010201010000'))).toMatch(/bytes follow s/);
    expect(rejection(hex(`3026022101${'00'.repeat(32)}020101`))).toMatch(/r is longer than 32 bytes/);
  });

  it('refuses P1363 input of odd or excessive length', () => {
    expect(() => exportEcdsaSignatureToDer(new Uint8Array(63))).toThrow(/r ‖ s of equal lengths/);
    expect(() => exportEcdsaSignatureToDer(new Uint8Array(0))).toThrow(ProtocolError);
    expect(() => exportEcdsaSignatureToDer(new Uint8Array(122))).toThrow(ProtocolError);
  });
});
