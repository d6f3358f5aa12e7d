/**
 * Normalisation, validation and carrier of Vietnamese mobile numbers: examples and properties,
 * against the shipped reference data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  loadCarrierData,
  type PhoneParseResult,
  phoneNumbering,
  UNKNOWN_CARRIER_NAME,
  vnPhoneNumbers,
} from '../src/features/phones/phone-number.js';

const data = loadCarrierData();
const numbers = vnPhoneNumbers();
const mobile = new RegExp(data.number_format.mobile_regex_2020);
const prefixCarrier = new Map(data.prefixes.map((p) => [p.prefix, p.carrier]));

/** Every 3-digit national prefix of the 2020 mobile plan. */
const mobilePrefixes = Array.from({ length: 100 }, (_, i) => `0${String(i).padStart(2, '0')}`).filter((p) =>
  mobile.test(`${p}0000000`),
);

const sevenDigits = fc.stringMatching(/^\d{7}$/);
/** A valid 10-digit national mobile number. */
const nationalNumber = fc.tuple(fc.constantFrom(...mobilePrefixes), sevenDigits).map(([p, rest]) => p + rest);
/** The same digits with separators people type between them. */
const withSeparators = (s: string) =>
  fc
    .array(fc.constantFrom('', '', ' ', '.', '-', '\u00a0'), { minLength: s.length, maxLength: s.length })
    .map((seps) => [...s].map((ch, i) => (i === 0 ? ch : seps[i]! + ch)).join(''));

const ok = (result: PhoneParseResult) => {
  if (!result.ok) throw new Error(`expected a valid number, got: ${result.reason}`);
  return result.phone;
};

describe('phone numbers: examples', () => {
  it.each([
    ['0912345678', '+84912345678', 'vinaphone'],
    ['0912 345 678', '+84912345678', 'vinaphone'],
    ['0912.345.678', '+84912345678', 'vinaphone'],
    ['0912-345-678', '+84912345678', 'vinaphone'],
    ['+84 912 345 678', '+84912345678', 'vinaphone'],
    ['(+84) 912-345-678', '+84912345678', 'vinaphone'],
    ['84912345678', '+84912345678', 'vinaphone'],
    ['0084 912 345 678', '+84912345678', 'vinaphone'],
    ['912345678', '+84912345678', 'vinaphone'],
    [' 0912345678\t', '+84912345678', 'vinaphone'],
    ['0987654321', '+84987654321', 'viettel'],
    ['0862345678', '+84862345678', 'viettel'],
    ['0321234567', '+84321234567', 'viettel'],
    ['0702345678', '+84702345678', 'mobifone'],
    ['0898765432', '+84898765432', 'mobifone'],
    ['0932345678', '+84932345678', 'mobifone'],
    ['0812345678', '+84812345678', 'vinaphone'],
    ['0882345678', '+84882345678', 'vinaphone'],
    ['0922345678', '+84922345678', 'vietnamobile'],
    ['0522345678', '+84522345678', 'vietnamobile'],
    ['0562345678', '+84562345678', 'vietnamobile'],
    ['0592345678', '+84592345678', 'gmobile'],
    ['0993456789', '+84993456789', 'gmobile'],
    ['0998123456', '+84998123456', 'itelecom'],
    ['0999123456', '+84999123456', 'itelecom'],
    ['0871234567', '+84871234567', 'itelecom'],
    // Old 11-digit numbers, converted in 2018 (Quyết định 798/QĐ-BTTTT).
    ['01662345678', '+84362345678', 'viettel'],
    ['0166 234 5678', '+84362345678', 'viettel'],
    ['+84 1662345678', '+84362345678', 'viettel'],
    ['841662345678', '+84362345678', 'viettel'],
    ['01202345678', '+84702345678', 'mobifone'],
    ['01212345678', '+84792345678', 'mobifone'],
    ['01232345678', '+84832345678', 'vinaphone'],
    ['01862345678', '+84562345678', 'vietnamobile'],
    ['01992345678', '+84592345678', 'gmobile'],
  ])('%j is %s (%s)', (input, e164, carrier) => {
    const phone = ok(numbers.parse(input));
    expect(phone.e164).toBe(e164);
    expect(phone.national).toBe(`0${e164.slice(3)}`);
    expect(phone.carrier).toBe(carrier);
  });

  it.each([
    ['', 'phoneNumber is empty'],
    [' - . ', 'phoneNumber is empty'],
    ['abc', 'may contain only digits'],
    ['0912345678x', 'may contain only digits'],
    ['++84912345678', 'may contain only digits'],
    ['09123+45678', 'may contain only digits'],
    ['+1 202 555 0123', 'only Vietnamese mobile numbers (country code +84)'],
    ['0044 20 7946 0958', 'only Vietnamese mobile numbers (country code +84)'],
    ['+84', 'phoneNumber has 1 digits'],
    ['+840912345678', 'phoneNumber has 11 digits'],
    ['091234567', 'phoneNumber has 9 digits'],
    ['09123456789', 'phoneNumber has 11 digits'],
    ['1234', 'phoneNumber has 4 digits'],
    ['8491234567', 'phoneNumber has 10 digits'],
    ['0951234567', '095 is not a Vietnamese mobile network prefix'],
    ['0552345678', '055 is not a Vietnamese mobile network prefix'],
    ['0112345678', '011 is not a Vietnamese mobile network prefix'],
    ['01312345678', '0131 is not an old network code converted in 2018'],
    ['02437654321', 'landline'],
    ['0243765432', 'landline'],
  ])('rejects %j: %s', (input, reason) => {
    const result = numbers.parse(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('names carriers, and "Khác" when unknown', () => {
    expect(numbers.carrierName('viettel')).toBe('Viettel');
    expect(numbers.carrierName('vinaphone')).toBe('VinaPhone');
    expect(numbers.carrierName('itelecom')).toBe('Itelecom (iTel)');
    expect(numbers.carrierName(null)).toBe(UNKNOWN_CARRIER_NAME);
    expect(numbers.carrierName('no-such-carrier')).toBe('Khác');
    expect(numbers.carriers).toEqual(
      expect.arrayContaining(['viettel', 'vinaphone', 'mobifone', 'vietnamobile']),
    );
  });

  it('knows the carrier of every prefix of the 2020 mobile plan', () => {
    expect(mobilePrefixes).toHaveLength(35); // 8 × 03x, 4 × 05x, 5 × 07x, 9 × 08x, 9 × 09x
    for (const prefix of mobilePrefixes) expect(numbers.carrierOf(`${prefix}1234567`), prefix).not.toBeNull();
  });

  it('answers null for a prefix the data does not know', () => {
    const partial = phoneNumbering({ ...data, prefixes: data.prefixes.filter((p) => p.prefix !== '091') });
    expect(ok(partial.parse('0912345678')).carrier).toBeNull();
    expect(partial.carrierName(partial.carrierOf('0912345678'))).toBe('Khác');
  });
});

describe('phone numbers: properties', () => {
  it('reads every form of a valid number as the same E.164 number', () => {
    fc.assert(
      fc.property(nationalNumber, fc.nat(4), (national, form) => {
        const rest = national.slice(1);
        const input = [national, `+84${rest}`, `84${rest}`, `0084${rest}`, rest][form]!;
        const phone = ok(numbers.parse(input));
        expect(phone).toEqual({ e164: `+84${rest}`, national, carrier: numbers.carrierOf(national) });
      }),
    );
  });

  it('ignores spaces, dots and dashes between the digits', () => {
    fc.assert(
      fc.property(
        nationalNumber.chain((n) => fc.tuple(fc.constant(n), withSeparators(n))),
        ([national, typed]) => {
          expect(ok(numbers.parse(typed)).national).toBe(national);
        },
      ),
    );
  });

  it('is idempotent: the E.164 and national forms parse to themselves', () => {
    fc.assert(
      fc.property(nationalNumber, (national) => {
        const phone = ok(numbers.parse(national));
        expect(ok(numbers.parse(phone.e164))).toEqual(phone);
        expect(ok(numbers.parse(phone.national))).toEqual(phone);
      }),
    );
  });

  it('assigns the carrier by longest prefix (four digits before three)', () => {
    fc.assert(
      fc.property(nationalNumber, (national) => {
        const four = national.slice(0, 4);
        const expected =
          four === '0998' || four === '0999' ? 'itelecom' : (prefixCarrier.get(national.slice(0, 3)) ?? null);
        expect(numbers.carrierOf(national)).toBe(expected);
      }),
    );
  });

  it('converts every old 11-digit number: new network code, same last 7 digits, same carrier', () => {
    const mapping = data.conversion_2018.mapping as readonly {
      old_prefix: string;
      new_prefix: string;
      carrier: string;
    }[];
    fc.assert(
      fc.property(fc.constantFrom(...mapping), sevenDigits, (m, rest) => {
        const phone = ok(numbers.parse(m.old_prefix + rest));
        expect(phone.national).toBe(m.new_prefix + rest);
        expect(phone.carrier).toBe(m.carrier);
      }),
    );
  });

  it('never throws, and whatever it accepts is a valid mobile number in canonical form', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.stringMatching(/^[+0-9 .()-]{0,16}$/),
          fc.stringMatching(/^(\+?84|0)\d{8,11}$/),
        ),
        (input) => {
          const result = numbers.parse(input);
          if (!result.ok) {
            expect(result.reason.length).toBeGreaterThan(10);
            return;
          }
          expect(result.phone.e164).toMatch(/^\+84\d{9}$/);
          expect(result.phone.national).toBe(`0${result.phone.e164.slice(3)}`);
          expect(result.phone.national).toMatch(mobile);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
