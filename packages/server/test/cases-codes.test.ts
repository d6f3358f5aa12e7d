/**
 * Verification code formats (Damm check digit, generation, parsing), the lock-out's client
 * networks, the accept hierarchy and the case date rules: pure functions, no database.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCaseDates } from '../src/features/cases/cases.service.js';
import {
  dammCheckDigit,
  dammValid,
  generateLongCode,
  generateShortCode,
  LONG_CODE_ALPHABET,
  LONG_CODE_LENGTH,
  parseVerificationCode,
  SHORT_CODE_LENGTH,
} from '../src/features/cases/codes.js';
import { clientNetwork } from '../src/features/verification-api/lock-out.js';
import { acceptedTestTypes } from '../src/features/verification-api/verification-api.routes.js';

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));
const withCheck = (payload: string) => `${payload}${dammCheckDigit(payload)}`;

describe('Damm check digit', () => {
  it('matches the published example (572 → 4) and validates its own output', () => {
    expect(dammCheckDigit('572')).toBe(4);
    expect(dammValid('5724')).toBe(true);
    expect(dammValid('5723')).toBe(false);
    expect(dammValid('')).toBe(false);
    expect(dammValid('57a4')).toBe(false);
  });

  it('detects every single-digit substitution (property)', () => {
    fc.assert(
      fc.property(digits(1, 12), fc.nat(), fc.integer({ min: 1, max: 9 }), (payload, at, delta) => {
        const code = withCheck(payload);
        const i = at % code.length;
        const changed = `${code.slice(0, i)}${(Number(code[i]) + delta) % 10}${code.slice(i + 1)}`;
        expect(dammValid(code)).toBe(true);
        expect(dammValid(changed)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('detects every adjacent transposition of different digits (property)', () => {
    fc.assert(
      fc.property(digits(1, 12), fc.nat(), (payload, at) => {
        const code = withCheck(payload);
        const i = at % (code.length - 1);
        fc.pre(code[i] !== code[i + 1]);
        const swapped = `${code.slice(0, i)}${code[i + 1]}${code[i]}${code.slice(i + 2)}`;
        expect(dammValid(swapped)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('detects every single error and adjacent transposition in all two-digit payloads (exhaustive)', () => {
    for (let n = 0; n < 100; n++) {
      const code = withCheck(String(n).padStart(2, '0'));
      for (let i = 0; i < code.length; i++) {
        for (let d = 0; d < 10; d++) {
          if (String(d) === code[i]) continue;
          expect(dammValid(`${code.slice(0, i)}${d}${code.slice(i + 1)}`)).toBe(false);
        }
        if (i + 1 < code.length && code[i] !== code[i + 1]) {
          expect(dammValid(`${code.slice(0, i)}${code[i + 1]}${code[i]}${code.slice(i + 2)}`)).toBe(false);
        }
      }
    }
  });
});

describe('code generation and parsing', () => {
  it('generates 8-digit short codes with a valid check digit and 16-symbol long codes', () => {
    for (let i = 0; i < 200; i++) {
      const short = generateShortCode();
      expect(short).toMatch(/^[0-9]{8}$/);
      expect(dammValid(short)).toBe(true);
      const long = generateLongCode();
      expect(long).toHaveLength(LONG_CODE_LENGTH);
      expect([...long].every((c) => LONG_CODE_ALPHABET.includes(c))).toBe(true);
    }
    expect(LONG_CODE_ALPHABET).not.toMatch(/[01ILOU]/);
    expect(new Set(LONG_CODE_ALPHABET).size).toBe(LONG_CODE_ALPHABET.length);
  });

  it('uses the random source it is given', () => {
    const zeros = () => 0;
    expect(generateShortCode(zeros)).toBe('00000000');
    expect(generateLongCode(zeros)).toBe('2'.repeat(16));
  });

  it('parses generated codes back, ignoring spaces, dashes and letter case (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, lower) => {
        let s = seed;
        const random = (max: number) => {
          s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
          return s % max;
        };
        const short = generateShortCode(random);
        const long = generateLongCode(random);
        expect(parseVerificationCode(`${short.slice(0, 4)} ${short.slice(4)}`)).toEqual({
          ok: true,
          kind: 'short',
          code: short,
        });
        const typed = `${long.slice(0, 8)}-${long.slice(8)}`;
        expect(parseVerificationCode(lower ? typed.toLowerCase() : typed)).toEqual({
          ok: true,
          kind: 'long',
          code: long,
        });
      }),
    );
  });

  it('calls a wrong check digit a typo and anything else malformed, never echoing the code', () => {
    const code = generateShortCode();
    const typo = `${code.slice(0, 7)}${(Number(code[7]) + 1) % 10}`;
    const parsed = parseVerificationCode(typo);
    expect(parsed).toMatchObject({ ok: false, reason: 'typo' });
    if (!parsed.ok) expect(parsed.message).not.toContain(typo);
    for (const bad of [
      '',
      '1234567',
      '123456789',
      'ABCDEFGHJKMNPQR',
      'ABCDEFGHJKMNPQRS1',
      'ABCDEFGHJKMNPQRO',
    ]) {
      expect(parseVerificationCode(bad)).toMatchObject({ ok: false, reason: 'malformed' });
    }
    expect(SHORT_CODE_LENGTH).toBe(8);
  });

  it('reads 16 digits from 2-9 as a long code (the long alphabet includes them)', () => {
    expect(parseVerificationCode('2222-3333-4444-5555')).toEqual({
      ok: true,
      kind: 'long',
      code: '2222333344445555',
    });
    expect(parseVerificationCode('2222333344445550')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('lock-out client networks', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:0db8:0001:0002::/64'],
    ['2001:db8:1:2::9', '2001:0db8:0001:0002::/64'],
    ['2001:DB8:1:2:ffff::1', '2001:0db8:0001:0002::/64'],
    ['fe80::1%eth0', 'fe80:0000:0000:0000::/64'],
    ['::1', '0000:0000:0000:0000::/64'],
    ['64:ff9b::198.51.100.1', '0064:ff9b:0000:0000::/64'],
  ])('counts %s under %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });
});

describe('accept', () => {
  it("follows Google's hierarchy and accepts everything when absent or empty", () => {
    expect([...acceptedTestTypes(['confirmed'])].sort()).toEqual(['confirmed']);
    expect([...acceptedTestTypes(['likely'])].sort()).toEqual(['confirmed', 'likely']);
    expect([...acceptedTestTypes(['negative'])].sort()).toEqual(['confirmed', 'likely', 'negative']);
    expect([...acceptedTestTypes(['user-report'])]).toEqual(['user-report']);
    for (const all of [undefined, null, []]) {
      expect([...acceptedTestTypes(all)].sort()).toEqual(['confirmed', 'likely', 'negative', 'user-report']);
    }
  });

  it('rejects unknown types with invalid_test_type, including object-prototype names', () => {
    for (const bad of ['positive', 'CONFIRMED', '', 'constructor', '__proto__', 'toString']) {
      expect(() => acceptedTestTypes(['confirmed', bad])).toThrow(
        expect.objectContaining({ code: 'invalid_test_type' }),
      );
    }
  });
});

describe('case dates', () => {
  const now = Date.UTC(2020, 7, 8, 20, 0); // 2020-08-09 03:00 in Vietnam
  it.each([
    [{ testDate: '2020-08-09' }, undefined],
    [{ testDate: '2020-08-09', symptomDate: '2020-08-09' }, undefined],
    [{ testDate: '2020-08-09', symptomDate: '2020-07-12' }, undefined],
    [{ testDate: '2020-08-09', symptomDate: null }, undefined],
    [{ testDate: '2020-08-10' }, 'testDate 2020-08-10 is in the future (today is 2020-08-09 in Vietnam)'],
    [{ testDate: '2020-02-30' }, 'testDate 2020-02-30 is not a calendar date'],
    [{ testDate: '2019-12-31' }, 'testDate 2019-12-31 is before 2020-01-01'],
    [
      { testDate: '2020-08-01', symptomDate: '2020-08-02' },
      'symptomDate 2020-08-02 is after testDate 2020-08-01',
    ],
    [{ testDate: '2020-08-09', symptomDate: '2020-07-11' }, 'more than 28 days before testDate'],
    [{ testDate: '2020-08-09', symptomDate: '2020-13-01' }, 'symptomDate 2020-13-01 is not a calendar date'],
    [{ testDate: '2020-08-09', symptomDate: '2020-08-10' }, 'symptomDate 2020-08-10 is in the future'],
  ])('%j → %s', (dates, problem) => {
    const result = checkCaseDates(dates, now);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
});
