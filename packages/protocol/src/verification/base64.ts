/**
 * Strict standard base64 (RFC 4648 §4, alphabet `A–Z a–z 0–9 + /`, `=` padding), the encoding the
 * verification protocol uses for key data, the `hmackey` and the `tekmac` claim.
 *
 * Hand-written because none of the alternatives fits: Node's `Buffer` is banned from the pure
 * core, `Uint8Array.fromBase64` is missing from Node 20 and older browsers, `@noble/hashes`
 * has no base64, and `@bufbuild/protobuf`'s decoder is deliberately lenient (it skips
 * whitespace, accepts the URL alphabet, missing and inner padding), so different strings would
 * decode to the same secret. This decoder accepts exactly the strings the encoder produces:
 * one string per byte sequence.
 *
 * @module
 */
import { ProtocolError } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();
const PAD = 61; // '='

/** Standard base64 of `bytes`, with `=` padding and no line breaks. */
export function verificationBase64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
}

function sextet(text: string, at: number, what: string): number {
  const code = text.charCodeAt(at);
  const value = code < 128 ? DECODE[code]! : -1;
  if (value < 0) {
    throw new ProtocolError(
      'invalid_base64',
      `${what} must be standard base64 (A-Z, a-z, 0-9, +, / and = padding), found ${JSON.stringify(text[at])} at position ${at + 1}`,
    );
  }
  return value;
}

/**
 * Decodes strict standard base64: length a multiple of 4, `=` only as the last one or two
 * characters, unused bits of the last character zero; no whitespace, no URL alphabet.
 *
 * @param what names the value in error messages, e.g. `"hmackey"`.
 * @param expectedLength when given, the exact number of bytes required.
 * @throws {ProtocolError} `invalid_base64` for anything but canonical standard base64,
 *   `invalid_length` for a wrong byte count.
 */
export function verificationBase64Decode(text: string, what = 'value', expectedLength?: number): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new ProtocolError(
      'invalid_base64',
      `${what} must be padded standard base64 whose length is a multiple of 4, got ${text.length} characters`,
    );
  }
  let padding = 0;
  if (text.length > 0 && text.charCodeAt(text.length - 1) === PAD) {
    padding = text.charCodeAt(text.length - 2) === PAD ? 2 : 1;
  }
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const full = padding === 0 ? text.length : text.length - 4;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const n =
      (sextet(text, i, what) << 18) |
      (sextet(text, i + 1, what) << 12) |
      (sextet(text, i + 2, what) << 6) |
      sextet(text, i + 3, what);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (padding > 0) {
    const i = full;
    const a = sextet(text, i, what);
    const b = sextet(text, i + 1, what);
    if (padding === 2) {
      if ((b & 15) !== 0) {
        throw new ProtocolError(
          'invalid_base64',
          `${what} is not canonical base64: the character at position ${i + 2} has non-zero unused bits`,
        );
      }
      out[o++] = (a << 2) | (b >> 4);
    } else {
      const c = sextet(text, i + 2, what);
      if ((c & 3) !== 0) {
        throw new ProtocolError(
          'invalid_base64',
          `${what} is not canonical base64: the character at position ${i + 3} has non-zero unused bits`,
        );
      }
      out[o++] = (a << 2) | (b >> 4);
      out[o++] = ((b & 15) << 4) | (c >> 2);
    }
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new ProtocolError(
      'invalid_length',
      `${what} must be ${expectedLength} bytes (${4 * Math.ceil(expectedLength / 3)} base64 characters), got ${out.length} bytes`,
    );
  }
  return out;
}
