/**
 * Verification code formats: what the health authority gives a case to authorize one upload.
 *
 * - **Short code**: 8 digits, 7 random and a Damm check digit last, valid 1 hour, for dictation
 *   by phone. Damm rather than Luhn: Damm's check digit catches every single-digit error and
 *   every adjacent transposition (Luhn misses 09↔90), needs no weights, and is one table lookup
 *   per digit. A typo is therefore answered "mistyped" before any database lookup and never
 *   counts toward the lock-out; only well-formed codes that are not found count.
 * - **Long code**: 16 characters from a 30-symbol alphabet without look-alikes (no 0/O, 1/I/L,
 *   U), about 78.5 random bits, valid 24 hours, for SMS links. Entry is case-insensitive;
 *   spaces and dashes are ignored in both kinds.
 *
 * Codes are stored only as keyed hashes (HMAC-SHA256 under the code-hash key) and never logged.
 *
 * @module
 */
import { randomInt } from 'node:crypto';

/** Digits of a short code, check digit included. */
export const SHORT_CODE_LENGTH = 8;
/** Random digits of a short code (the rest is the check digit). */
export const SHORT_CODE_RANDOM_DIGITS = SHORT_CODE_LENGTH - 1;
/** Characters of a long code. */
export const LONG_CODE_LENGTH = 16;
/** Symbols of long codes: digits and capitals without 0, 1, I, L, O, U (read-aloud and font safe). */
export const LONG_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
/** How long a short code is valid: 1 hour. */
export const SHORT_CODE_LIFETIME_MS = 3_600_000;
/** How long a long code is valid: 24 hours. */
export const LONG_CODE_LIFETIME_MS = 24 * 3_600_000;

/** What kind of code a string is. */
export type CodeKind = 'short' | 'long';

// Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004): row = interim digit,
// column = next digit.
const DAMM_TABLE: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

function dammInterim(digits: string): number {
  let interim = 0;
  for (const ch of digits) {
    const d = ch.charCodeAt(0) - 48;
    if (d < 0 || d > 9) throw new RangeError(`Damm check digits are defined for digits only, got "${ch}"`);
    interim = DAMM_TABLE[interim]![d]!;
  }
  return interim;
}

/** The Damm check digit of a string of decimal digits. */
export function dammCheckDigit(digits: string): number {
  return dammInterim(digits);
}

/** True when `code` (decimal digits, check digit last) has a correct Damm check digit. */
export function dammValid(code: string): boolean {
  return /^[0-9]+$/.test(code) && dammInterim(code) === 0;
}

/** A random integer in [0, max): the source of code randomness (tests may substitute one). */
export type RandomIntSource = (max: number) => number;

const secureRandomInt: RandomIntSource = (max) => randomInt(max);

/** A fresh short code: {@link SHORT_CODE_RANDOM_DIGITS} random digits and a Damm check digit. */
export function generateShortCode(random: RandomIntSource = secureRandomInt): string {
  let digits = '';
  for (let i = 0; i < SHORT_CODE_RANDOM_DIGITS; i++) digits += String(random(10));
  return `${digits}${dammCheckDigit(digits)}`;
}

/** A fresh long code: {@link LONG_CODE_LENGTH} symbols of {@link LONG_CODE_ALPHABET}. */
export function generateLongCode(random: RandomIntSource = secureRandomInt): string {
  let code = '';
  for (let i = 0; i < LONG_CODE_LENGTH; i++) code += LONG_CODE_ALPHABET[random(LONG_CODE_ALPHABET.length)];
  return code;
}

/** A code as entered, classified: a well-formed code of a kind, or why it cannot be one. */
export type ParsedCode =
  | { readonly ok: true; readonly kind: CodeKind; readonly code: string }
  | { readonly ok: false; readonly reason: 'typo' | 'malformed'; readonly message: string };

const SHORT_CODE_PATTERN = new RegExp(`^[0-9]{${SHORT_CODE_LENGTH}}$`);
const LONG_CODE_PATTERN = new RegExp(`^[${LONG_CODE_ALPHABET}]{${LONG_CODE_LENGTH}}$`);

/**
 * Normalizes and classifies an entered code: spaces and dashes are dropped, letters upper-cased.
 * 8 digits with a correct check digit are a short code; 8 digits with a wrong one are a `typo`;
 * 16 symbols of the long alphabet are a long code; anything else is `malformed`. Neither failure
 * needs a database lookup. Messages never repeat the code.
 */
export function parseVerificationCode(raw: string): ParsedCode {
  const code = raw.replace(/[\s-]/g, '').toUpperCase();
  if (SHORT_CODE_PATTERN.test(code)) {
    if (!dammValid(code)) {
      return {
        ok: false,
        reason: 'typo',
        message:
          'the code was mistyped (its check digit does not match): enter the digits again exactly as given',
      };
    }
    return { ok: true, kind: 'short', code };
  }
  // Long codes may, rarely, consist of digits only (2-9 are in the alphabet).
  if (LONG_CODE_PATTERN.test(code)) return { ok: true, kind: 'long', code };
  if (/^[0-9]+$/.test(code)) {
    return {
      ok: false,
      reason: 'malformed',
      message: `a short code has ${SHORT_CODE_LENGTH} digits, this one has ${code.length}: check it with the health authority`,
    };
  }
  return {
    ok: false,
    reason: 'malformed',
    message: `this is not a verification code: send the ${SHORT_CODE_LENGTH}-digit code or the ${LONG_CODE_LENGTH}-character code from the SMS`,
  };
}
