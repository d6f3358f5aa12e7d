import { createHmac } from 'node:crypto';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  calculateVerificationHmac,
  generateVerificationHmacKey,
  nobleCrypto,
  ProtocolError,
  type VerificationExposureKey,
  verificationBase64Decode,
  verificationBase64Encode,
  verificationConstantTimeEqual,
  verificationHmacMatches,
  verificationKeysCleartext,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

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

const b64 = (text: string) => Uint8Array.from(Buffer.from(text, 'base64'));
const nodeHmac = (key: Uint8Array, text: string) =>
  Uint8Array.from(createHmac('sha256', key).update(text, 'utf8').digest());

const keyArb: fc.Arbitrary<VerificationExposureKey> = fc.record({
  keyData: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  rollingStartIntervalNumber: fc.integer({ min: 0, max: 0xffff_ffff }),
  rollingPeriod: fc.integer({ min: 1, max: 144 }),
  transmissionRiskLevel: fc.integer({ min: 0, max: 8 }),
});
const keysArb = fc.array(keyArb, { minLength: 1, maxLength: 14 });
const hmacKeyArb = fc.uint8Array({ minLength: 16, maxLength: 64 });

describe('strict standard base64', () => {
  it('encodes and decodes the RFC 4648 §10 vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) {
      const bytes = new TextEncoder().encode(text);
      expect(verificationBase64Encode(bytes)).toBe(encoded);
      expect(verificationBase64Decode(encoded)).toEqual(bytes);
    }
    expect(verificationBase64Encode(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('+/+/');
  });

  it('round-trips any bytes and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const encoded = verificationBase64Encode(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
        expect(verificationBase64Decode(encoded)).toEqual(bytes);
      }),
    );
  });

  it('accepts exactly the canonical encodings (one string per byte sequence)', () => {
    const chars = [...'ABYZabyz0189+/=-_ \n'];
    const anyString = fc.string({ unit: fc.constantFrom(...chars), maxLength: 12 });
    const mutated = fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.nat(), fc.constantFrom(...chars))
      .map(([bytes, at, c]) => {
        const s = Buffer.from(bytes).toString('base64');
        const i = at % s.length;
        return s.slice(0, i) + c + s.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(anyString, mutated), (text) => {
        const canonical = Buffer.from(text, 'base64').toString('base64') === text;
        let decoded: Uint8Array | undefined;
        try {
          decoded = verificationBase64Decode(text);
        } catch (error) {
          expect((error as ProtocolError).code).toBe('invalid_base64');
        }
        expect(decoded !== undefined).toBe(canonical);
        if (decoded) expect(verificationBase64Encode(decoded)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects non-canonical, unpadded, URL-alphabet and spaced input with invalid_base64', () => {
    for (const bad of [
      'Zg',
      'Zg=',
      'Zh==',
      'Zm9=',
      'Zm-v',
      'Zm_v',
      'Zm9v\n',
      ' Zm9v',
      '====',
      'Z===',
      'Zg==Zg==',
      'Zm9vé',
    ]) {
      expectCode(() => verificationBase64Decode(bad, 'hmackey'), 'invalid_base64');
    }
    expect(() => verificationBase64Decode('Zm-v', 'hmackey')).toThrow(/hmackey .*position 3/);
  });

  it('checks an expected length with invalid_length', () => {
    expect(verificationBase64Decode('AAAAAAAAAAAAAAAAAAAAAA==', 'key', 16)).toHaveLength(16);
    expectCode(() => verificationBase64Decode('Zm9v', 'key', 16), 'invalid_length');
  });
});

describe('canonical cleartext and HMAC (known answers)', () => {
  // Key data chosen so that the base64 strings start with '+', '/', '0', 'A', 'B' and 'a':
  // byte order (Go's strings.Compare) sorts them in exactly that order, whereas a
  // locale-aware comparison would not ('/' before '+', 'a' before 'B').
  const repeat = (pattern: number[], last: number) =>
    Uint8Array.from([...pattern, ...pattern, ...pattern, ...pattern, ...pattern, last]);
  const keys: VerificationExposureKey[] = [
    { keyData: repeat([0x69, 0xa6, 0x9a], 0x69), rollingStartIntervalNumber: 2650032, rollingPeriod: 144 },
    {
      keyData: repeat([0x04, 0x10, 0x41], 0x04),
      rollingStartIntervalNumber: 2650176,
      rollingPeriod: 144,
      transmissionRiskLevel: 4,
    },
    {
      keyData: new Uint8Array(16),
      rollingStartIntervalNumber: 2650320,
      rollingPeriod: 90,
      transmissionRiskLevel: 0,
    },
    {
      keyData: repeat([0xd3, 0x4d, 0x34], 0xd3),
      rollingStartIntervalNumber: 144,
      rollingPeriod: 1,
      transmissionRiskLevel: 8,
    },
    { keyData: new Uint8Array(16).fill(0xff), rollingStartIntervalNumber: 0, rollingPeriod: 144 },
    {
      keyData: repeat([0xfb, 0xef, 0xbe], 0xfb),
      rollingStartIntervalNumber: 4294967295,
      rollingPeriod: 144,
      transmissionRiskLevel: 2,
    },
  ];
  // 16 bytes = five 3-byte groups (20 characters) + one byte (2 characters and '==').
  const expected = [
    `${'+'.repeat(21)}w==.4294967295.144.2`,
    `${'/'.repeat(21)}w==.0.144.0`,
    `${'0'.repeat(21)}w==.144.1.8`,
    `${'A'.repeat(22)}==.2650320.90.0`,
    `${'B'.repeat(21)}A==.2650176.144.4`,
    `${'a'.repeat(21)}Q==.2650032.144.0`,
  ].join(',');

  it('builds the cleartext: base64 key, start, period, risk; sorted by key in byte order', () => {
    expect(verificationKeysCleartext(keys)).toBe(expected);
  });

  it('computes HMAC-SHA256 of the cleartext, as node:crypto does', () => {
    const hmacKey = Uint8Array.from({ length: 32 }, (_, i) => i);
    const mac = calculateVerificationHmac(keys, hmacKey);
    expect(mac).toEqual(nodeHmac(hmacKey, expected));
    expect(calculateVerificationHmac(keys, hmacKey, nodeCrypto)).toEqual(mac);
  });

  it("matches Google's published vectors (standard and legacy forms)", () => {
    const secret = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const google = (risks: [number, number]): VerificationExposureKey[] => [
      {
        keyData: b64('z2Cx9hdz2SlxZ8GEgqTYpA=='),
        rollingStartIntervalNumber: 1,
        rollingPeriod: 144,
        transmissionRiskLevel: risks[0],
      },
      {
        keyData: b64('dPCphLzfG4uzXneNimkPRQ=='),
        rollingStartIntervalNumber: 144,
        rollingPeriod: 144,
        transmissionRiskLevel: risks[1],
      },
    ];
    const enc = (mac: Uint8Array) => verificationBase64Encode(mac);
    expect(enc(calculateVerificationHmac(google([3, 5]), secret))).toBe(
      '2u1nHt5WWurJytFLF3xitNzM99oNrad2y4YGOL53AeY=',
    );
    expect(enc(calculateVerificationHmac(google([0, 0]), secret))).toBe(
      'mFNI9zhTA17n4ndd1Vu5tsn4XQX0gPrIKyjeh/9noUE=',
    );
    expect(enc(calculateVerificationHmac(google([0, 0]), secret, nobleCrypto, 'legacy'))).toBe(
      'J9S7xVebH/66dm14wGsIcAnSUR3PHD4NtDQEOGZbDUo=',
    );
    expect(verificationKeysCleartext(google([0, 0]), 'legacy')).toBe(
      'dPCphLzfG4uzXneNimkPRQ==.144.144,z2Cx9hdz2SlxZ8GEgqTYpA==.1.144',
    );
  });

  it('counts an absent transmission risk as 0', () => {
    const k = { keyData: new Uint8Array(16), rollingStartIntervalNumber: 144, rollingPeriod: 144 };
    expect(verificationKeysCleartext([k])).toBe('AAAAAAAAAAAAAAAAAAAAAA==.144.144.0');
    expect(verificationKeysCleartext([k], 'legacy')).toBe('AAAAAAAAAAAAAAAAAAAAAA==.144.144');
  });
});

describe('HMAC properties', () => {
  it('does not depend on key order, even with repeated key data', () => {
    const withTwins = keysArb.chain((keys) =>
      fc.constantFrom(keys, [
        ...keys,
        {
          ...keys[0]!,
          rollingStartIntervalNumber:
            keys[0]!.rollingStartIntervalNumber === 0 ? 1 : keys[0]!.rollingStartIntervalNumber - 1,
        },
      ]),
    );
    fc.assert(
      fc.property(
        withTwins,
        hmacKeyArb,
        fc.array(fc.double({ noNaN: true }), { minLength: 16, maxLength: 16 }),
        (keys, hk, ranks) => {
          const shuffled = keys
            .map((k, i) => ({ k, r: ranks[i % ranks.length]! + i / 1000 }))
            .sort((a, b) => a.r - b.r)
            .map((x) => x.k);
          expect(calculateVerificationHmac(shuffled, hk)).toEqual(calculateVerificationHmac(keys, hk));
          expect(verificationKeysCleartext([...keys].reverse())).toBe(verificationKeysCleartext(keys));
        },
      ),
    );
  });

  it('changes when any field of any key changes', () => {
    const field = fc.constantFrom(
      'keyData',
      'rollingStartIntervalNumber',
      'rollingPeriod',
      'transmissionRiskLevel',
    );
    fc.assert(
      fc.property(
        keysArb,
        hmacKeyArb,
        fc.nat(),
        field,
        fc.integer({ min: 1, max: 1000 }),
        (keys, hk, at, f, delta) => {
          const i = at % keys.length;
          const k = keys[i]!;
          let changed: VerificationExposureKey;
          if (f === 'keyData') {
            const data = Uint8Array.from(k.keyData);
            data[delta % 16]! ^= 1 << (delta % 8);
            changed = { ...k, keyData: data };
          } else if (f === 'rollingStartIntervalNumber') {
            const v = k.rollingStartIntervalNumber;
            changed = { ...k, rollingStartIntervalNumber: v + delta <= 0xffff_ffff ? v + delta : v - delta };
          } else if (f === 'rollingPeriod') {
            changed = { ...k, rollingPeriod: ((k.rollingPeriod - 1 + (delta % 143) + 1) % 144) + 1 };
          } else {
            changed = { ...k, transmissionRiskLevel: ((k.transmissionRiskLevel ?? 0) + (delta % 8) + 1) % 9 };
          }
          const other = keys.map((x, j) => (j === i ? changed : x));
          expect(calculateVerificationHmac(other, hk)).not.toEqual(calculateVerificationHmac(keys, hk));
        },
      ),
    );
  });

  it('changes when a key is added or removed', () => {
    fc.assert(
      fc.property(keysArb, keyArb, hmacKeyArb, fc.nat(), (keys, extra, hk, at) => {
        const mac = calculateVerificationHmac(keys, hk);
        expect(calculateVerificationHmac([...keys, extra], hk)).not.toEqual(mac);
        if (keys.length > 1) {
          const fewer = keys.filter((_, j) => j !== at % keys.length);
          expect(calculateVerificationHmac(fewer, hk)).not.toEqual(mac);
        }
      }),
    );
  });

  it('changes when the hmackey changes', () => {
    fc.assert(
      fc.property(keysArb, hmacKeyArb, fc.nat(), (keys, hk, bit) => {
        const other = Uint8Array.from(hk);
        other[(bit >> 3) % other.length]! ^= 1 << (bit & 7);
        expect(calculateVerificationHmac(keys, other)).not.toEqual(calculateVerificationHmac(keys, hk));
        // (Appending zero bytes to a key shorter than the SHA-256 block does not change an
        // HMAC: keys are zero-padded to 64 bytes. Harmless here, the hmackey is the phone's.)
      }),
    );
  });

  it('is the same on the noble and Node adapters', () => {
    fc.assert(
      fc.property(keysArb, hmacKeyArb, (keys, hk) => {
        expect(calculateVerificationHmac(keys, hk, nodeCrypto)).toEqual(calculateVerificationHmac(keys, hk));
      }),
      { numRuns: 50 },
    );
  });
});

describe('verificationHmacMatches', () => {
  it('accepts the standard form, and the legacy form only when every risk is 0', () => {
    fc.assert(
      fc.property(keysArb, hmacKeyArb, (keys, hk) => {
        expect(verificationHmacMatches(keys, hk, calculateVerificationHmac(keys, hk))).toBe(true);
        const zeroed = keys.map((k) => ({ ...k, transmissionRiskLevel: 0 }));
        const legacy = calculateVerificationHmac(zeroed, hk, nobleCrypto, 'legacy');
        expect(verificationHmacMatches(zeroed, hk, legacy)).toBe(true);
        const anyRisk = keys.some((k) => (k.transmissionRiskLevel ?? 0) !== 0);
        expect(verificationHmacMatches(keys, hk, legacy)).toBe(!anyRisk);
      }),
    );
  });

  it('rejects other MACs, truncated MACs and other keys', () => {
    fc.assert(
      fc.property(keysArb, hmacKeyArb, keyArb, (keys, hk, extra) => {
        const mac = calculateVerificationHmac(keys, hk);
        expect(verificationHmacMatches(keys, hk, mac.subarray(0, 31))).toBe(false);
        expect(verificationHmacMatches(keys, hk, new Uint8Array(32))).toBe(false);
        expect(verificationHmacMatches([...keys, extra], hk, mac)).toBe(false);
      }),
    );
  });

  it('compares in constant time on equal lengths', () => {
    expect(verificationConstantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(verificationConstantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(verificationConstantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1))).toBe(false);
    expect(verificationConstantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('input validation', () => {
  const good = { keyData: new Uint8Array(16), rollingStartIntervalNumber: 144, rollingPeriod: 144 };
  const hk = new Uint8Array(16);

  it('rejects an empty key list and out-of-range fields with invalid_argument', () => {
    expectCode(() => verificationKeysCleartext([]), 'invalid_argument');
    for (const bad of [
      { ...good, rollingStartIntervalNumber: -1 },
      { ...good, rollingStartIntervalNumber: 1.5 },
      { ...good, rollingStartIntervalNumber: 2 ** 32 },
      { ...good, rollingPeriod: 0 },
      { ...good, rollingPeriod: 145 },
      { ...good, transmissionRiskLevel: 9 },
      { ...good, transmissionRiskLevel: -1 },
    ]) {
      expectCode(() => calculateVerificationHmac([good, bad], hk), 'invalid_argument');
    }
    expect(() => verificationKeysCleartext([good, { ...good, rollingPeriod: 0 }])).toThrow(
      /key 2 of 2: rollingPeriod/,
    );
  });

  it('rejects the legacy form with a non-zero risk', () => {
    expectCode(
      () => verificationKeysCleartext([{ ...good, transmissionRiskLevel: 1 }], 'legacy'),
      'invalid_argument',
    );
  });

  it('rejects key data and hmackeys of the wrong length with invalid_length', () => {
    expectCode(
      () => calculateVerificationHmac([{ ...good, keyData: new Uint8Array(15) }], hk),
      'invalid_length',
    );
    expectCode(() => calculateVerificationHmac([good], new Uint8Array(15)), 'invalid_length');
  });
});

describe('generateVerificationHmacKey', () => {
  it('takes 32 bytes (or the length asked) from the random source', () => {
    let asked = 0;
    const random = (n: number) => {
      asked = n;
      return new Uint8Array(n).fill(7);
    };
    expect(generateVerificationHmacKey(random)).toEqual(new Uint8Array(32).fill(7));
    expect(asked).toBe(32);
    expect(generateVerificationHmacKey(random, 16)).toHaveLength(16);
  });

  it('rejects short lengths and a broken random source', () => {
    expectCode(() => generateVerificationHmacKey((n) => new Uint8Array(n), 8), 'invalid_argument');
    expectCode(() => generateVerificationHmacKey(() => new Uint8Array(3)), 'invalid_argument');
  });
});
