import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type CryptoPrimitives,
  deriveHkdfSha256Batch,
  nobleCrypto,
  ProtocolError,
  portableHkdfSha256Batch,
  toHex,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The reference: one hkdfSha256 call per input key. */
function oneByOne(
  crypto: CryptoPrimitives,
  ikms: Uint8Array,
  ikmLength: number,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): string[] {
  const out: string[] = [];
  for (let k = 0; k < ikms.length / ikmLength; k++) {
    out.push(toHex(crypto.hkdfSha256(ikms.subarray(k * ikmLength, (k + 1) * ikmLength), salt, info, length)));
  }
  return out;
}

function split(bytes: Uint8Array, length: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < bytes.length / length; k++)
    out.push(toHex(bytes.subarray(k * length, (k + 1) * length)));
  return out;
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
}

const batchCase = fc
  .record({
    ikmLength: fc.integer({ min: 1, max: 140 }),
    count: fc.integer({ min: 0, max: 5 }),
    salt: fc.option(fc.uint8Array({ maxLength: 150 }), { nil: undefined }),
    info: fc.uint8Array({ maxLength: 90 }),
    length: fc.integer({ min: 1, max: 100 }),
    seed: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  })
  .map(({ ikmLength, count, seed, ...rest }) => {
    const ikms = new Uint8Array(ikmLength * count);
    for (let i = 0; i < ikms.length; i++) ikms[i] = (seed[i % seed.length]! * 31 + i * 7) & 0xff;
    return { ikms, ikmLength, ...rest };
  });

describe('batched HKDF-SHA256', () => {
  it('equals noble and OpenSSL key by key, for any lengths of key, salt, info and output', () => {
    fc.assert(
      fc.property(batchCase, ({ ikms, ikmLength, salt, info, length }) => {
        const batch = split(portableHkdfSha256Batch(ikms, ikmLength, salt, info, length), length);
        expect(batch).toEqual(oneByOne(nobleCrypto, ikms, ikmLength, salt, info, length));
        expect(batch).toEqual(oneByOne(nodeCrypto, ikms, ikmLength, salt, info, length));
      }),
      { numRuns: 300 },
    );
  });

  it('derives the EN RPIK and AEMK of the official test vector', () => {
    const tek = Uint8Array.from(Buffer.from('75c734c6dd1a782de7a965da5eb93125', 'hex'));
    const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'ascii'));
    expect(toHex(portableHkdfSha256Batch(tek, 16, undefined, ascii('EN-RPIK'), 16))).toBe(
      '185ad91db69ec7dd048960f1f3ba6175',
    );
    expect(toHex(portableHkdfSha256Batch(tek, 16, undefined, ascii('EN-AEMK'), 16))).toBe(
      'd57c46af7a1d83965b9bed8bd152936a',
    );
  });

  it('is offered by both shipped adapters, and the helper falls back for adapters without it', () => {
    expect(typeof nobleCrypto.hkdfSha256Batch).toBe('function');
    expect(typeof nodeCrypto.hkdfSha256Batch).toBe('function');
    let calls = 0;
    const plain: CryptoPrimitives = {
      name: 'plain',
      sha256: nobleCrypto.sha256,
      hmacSha256: nobleCrypto.hmacSha256,
      hkdfSha256: (...args) => {
        calls++;
        return nobleCrypto.hkdfSha256(...args);
      },
      aes128EcbEncrypt: nobleCrypto.aes128EcbEncrypt,
      aes128Ctr: nobleCrypto.aes128Ctr,
    };
    const ikms = Uint8Array.from({ length: 48 }, (_, i) => i);
    const info = Uint8Array.of(1, 2, 3);
    const expected = portableHkdfSha256Batch(ikms, 16, undefined, info, 16);
    expect(deriveHkdfSha256Batch(plain, ikms, 16, undefined, info, 16)).toEqual(expected);
    expect(calls).toBe(3);
    expect(deriveHkdfSha256Batch(nodeCrypto, ikms, 16, undefined, info, 16)).toEqual(expected);
  });

  it('rejects bad arguments and a short adapter answer', () => {
    const info = new Uint8Array(0);
    expectCode(
      () => portableHkdfSha256Batch(new Uint8Array(17), 16, undefined, info, 16),
      'invalid_argument',
    );
    expectCode(() => portableHkdfSha256Batch(new Uint8Array(16), 0, undefined, info, 16), 'invalid_argument');
    expectCode(() => portableHkdfSha256Batch(new Uint8Array(16), 16, undefined, info, 0), 'invalid_argument');
    expectCode(
      () => portableHkdfSha256Batch(new Uint8Array(16), 16, undefined, info, 8161),
      'invalid_argument',
    );
    expectCode(
      () => deriveHkdfSha256Batch(nodeCrypto, new Uint8Array(15), 16, undefined, info, 16),
      'invalid_argument',
    );
    const liar: CryptoPrimitives = { ...nobleCrypto, name: 'liar', hkdfSha256Batch: () => new Uint8Array(3) };
    expectCode(
      () => deriveHkdfSha256Batch(liar, new Uint8Array(32), 16, undefined, info, 16),
      'invalid_argument',
    );
  });

  it('returns an empty array for no keys', () => {
    expect(portableHkdfSha256Batch(new Uint8Array(0), 16, undefined, new Uint8Array(0), 16)).toHaveLength(0);
  });
});

describe('AES-128-ECB in the Node adapter (no final() call)', () => {
  it('equals noble for any key and number of whole blocks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n })),
        (key, blocks) => {
          expect(toHex(nodeCrypto.aes128EcbEncrypt(key, blocks))).toBe(
            toHex(nobleCrypto.aes128EcbEncrypt(key, blocks)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects input that is not whole blocks', () => {
    expectCode(() => nodeCrypto.aes128EcbEncrypt(new Uint8Array(16), new Uint8Array(17)), 'invalid_length');
    expectCode(() => nodeCrypto.aes128EcbEncrypt(new Uint8Array(16), new Uint8Array(8)), 'invalid_length');
  });
});
