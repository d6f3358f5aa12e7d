/**
 * Vietnamese mobile numbers: normalisation of what people type (`0912 345 678`, `84912345678`,
 * `+84 91-234-5678`, an old 11-digit `0166…`), validation against the 2020 mobile numbering plan
 * and the carrier from the prefix (longest prefix wins). Pure functions over the reference data
 * in `packages/server/data/vn-carriers.json` (see its PROVENANCE.md).
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** The parts of `vn-carriers.json` this module reads. */
export interface CarrierData {
  readonly number_format: { readonly mobile_regex_2020: string };
  readonly carriers: readonly { readonly id: string; readonly name: string }[];
  readonly prefixes: readonly { readonly prefix: string; readonly carrier: string }[];
  readonly conversion_2018: {
    readonly mapping: readonly { readonly old_prefix: string; readonly new_prefix: string }[];
  };
}

/** A valid Vietnamese mobile number. */
export interface PhoneNumber {
  /** E.164, e.g. `+84912345678`: the canonical form that is hashed, encrypted and texted. */
  readonly e164: string;
  /** National form, 10 digits, e.g. `0912345678`. */
  readonly national: string;
  /** Carrier ID (`viettel`, `vinaphone`, …), or null when no prefix is known ("Khác"). */
  readonly carrier: string | null;
}

/** The outcome of {@link PhoneNumbering.parse}: the number, or why it is not one. */
export type PhoneParseResult =
  | { readonly ok: true; readonly phone: PhoneNumber }
  | { readonly ok: false; readonly reason: string };

/** Parsing and carrier lookup over one set of reference data. */
export interface PhoneNumbering {
  /** Normalises and validates `input`. Never throws. */
  parse(input: string): PhoneParseResult;
  /** The carrier of a 10-digit national number by longest prefix, or null. */
  carrierOf(national: string): string | null;
  /** Display name of a carrier ID; "Khác" (other) for null or an unknown ID. */
  carrierName(carrier: string | null): string;
  /** Every carrier ID, in the data's order. */
  readonly carriers: readonly string[];
}

/** Display name of an unknown carrier, as in the Ministry's statistics. */
export const UNKNOWN_CARRIER_NAME = 'Khác';

/**
 * Four-digit prefixes that override their three-digit block. The data's carrier notes: 0998 and
 * 0999 are Indochina Telecom (iTel) numbers inside Gmobile's 099 block ("treat 0998/0999 as
 * Itelecom"); its normalisation rule matches "4 digits for 099x".
 */
const FOUR_DIGIT_PREFIXES: Readonly<Record<string, string>> = { '0998': 'itelecom', '0999': 'itelecom' };

/** Characters people put between digits: whitespace (also non-breaking), dots, dashes, brackets. */
const SEPARATORS = /[\s.\-()]/g;

const TRY = 'send 10 digits starting with 0 (e.g. 0912345678) or +84 and 9 digits (+84912345678)';

/** Builds the parser over `data`. */
export function phoneNumbering(data: CarrierData): PhoneNumbering {
  const mobile = new RegExp(data.number_format.mobile_regex_2020);
  const byPrefix = new Map<string, string>(data.prefixes.map((p) => [p.prefix, p.carrier]));
  for (const [prefix, carrier] of Object.entries(FOUR_DIGIT_PREFIXES)) byPrefix.set(prefix, carrier);
  const converted = new Map(data.conversion_2018.mapping.map((m) => [m.old_prefix, m.new_prefix]));
  const names = new Map(data.carriers.map((c) => [c.id, c.name]));

  const carrierOf = (national: string): string | null =>
    byPrefix.get(national.slice(0, 4)) ?? byPrefix.get(national.slice(0, 3)) ?? null;

  const fail = (reason: string): PhoneParseResult => ({ ok: false, reason });

  const parse = (input: string): PhoneParseResult => {
    const s = input.replace(SEPARATORS, '');
    if (s === '') return fail(`phoneNumber is empty; ${TRY}`);
    if (!/^(\+|00)?\d+$/.test(s)) {
      return fail('phoneNumber may contain only digits, one leading +, spaces, dots, dashes and parentheses');
    }
    let national: string;
    if (s.startsWith('+') || s.startsWith('00')) {
      const international = s.startsWith('+') ? s.slice(1) : s.slice(2);
      if (!international.startsWith('84')) {
        return fail('only Vietnamese mobile numbers (country code +84) can be registered');
      }
      national = `0${international.slice(2)}`;
    } else if (s.startsWith('84') && (s.length === 11 || s.length === 12)) {
      national = `0${s.slice(2)}`; // 84 + 9 digits, or 84 + an old 10-digit 1XY… number
    } else if (s.startsWith('0')) {
      national = s;
    } else if (s.length === 9) {
      national = `0${s}`; // the leading 0 left out, as after a "+84" country picker
    } else {
      return fail(`phoneNumber has ${s.length} digits; ${TRY}`);
    }
    if (national.length === 11 && national.startsWith('01')) {
      const next = converted.get(national.slice(0, 4));
      if (!next) {
        return fail(
          `${national.slice(0, 4)} is not an old network code converted in 2018; ${TRY} (the current number)`,
        );
      }
      national = next + national.slice(4);
    }
    if (national.startsWith('02')) {
      return fail('this is a landline number (02…), which cannot receive the code; send a mobile number');
    }
    if (national.length !== 10) return fail(`phoneNumber has ${national.length} digits; ${TRY}`);
    if (!mobile.test(national)) {
      return fail(`${national.slice(0, 3)} is not a Vietnamese mobile network prefix; send a mobile number`);
    }
    return { ok: true, phone: { e164: `+84${national.slice(1)}`, national, carrier: carrierOf(national) } };
  };

  return {
    parse,
    carrierOf,
    carrierName: (carrier) => (carrier === null ? undefined : names.get(carrier)) ?? UNKNOWN_CARRIER_NAME,
    carriers: data.carriers.map((c) => c.id),
  };
}

/** Reads the shipped reference data. */
export function loadCarrierData(): CarrierData {
  return JSON.parse(
    readFileSync(new URL('../../../data/vn-carriers.json', import.meta.url), 'utf8'),
  ) as CarrierData;
}

let shipped: PhoneNumbering | undefined;

/** The parser over the shipped data (loaded on first use). */
export function vnPhoneNumbers(): PhoneNumbering {
  shipped ??= phoneNumbering(loadCarrierData());
  return shipped;
}
