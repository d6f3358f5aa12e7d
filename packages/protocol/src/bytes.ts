/**
 * Byte helpers shared by the codecs: hex, ASCII, concatenation, comparison, little-endian ints.
 * Hand-written because they are a few lines each and must not pull in Node's `Buffer`.
 *
 * @module
 */
import { ProtocolError } from './errors.js';

const HEX_DIGITS = '0123456789abcdef';
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTE[bytes[i]!];
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/**
 * Parses hex (either case, no prefix, no separators) into bytes.
 *
 * @param what names the value in error messages, e.g. `"--tek"`.
 * @param expectedLength when given, the exact number of bytes required.
 * @throws {ProtocolError} `invalid_hex` for a non-hex character or odd length,
 *   `invalid_length` for a wrong byte count.
 */
export function fromHex(hex: string, what = 'value', expectedLength?: number): Uint8Array {
  if (hex.length % 2 !== 0) {
    throw new ProtocolError(
      'invalid_hex',
      `${what} must be hex with an even number of digits, got ${hex.length}`,
    );
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i));
    const lo = hexValue(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      const at = hi < 0 ? 2 * i : 2 * i + 1;
      throw new ProtocolError(
        'invalid_hex',
        `${what} must be hex (0-9, a-f), found ${JSON.stringify(hex[at])} at position ${at + 1}`,
      );
    }
    out[i] = (hi << 4) | lo;
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new ProtocolError(
      'invalid_length',
      `${what} must be ${expectedLength} bytes (${2 * expectedLength} hex digits), got ${out.length} bytes`,
    );
  }
  return out;
}

/** ASCII bytes of `text` (every character must be below U+0080). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new ProtocolError('invalid_argument', `not ASCII: ${JSON.stringify(text)}`);
    out[i] = c;
  }
  return out;
}

/** Concatenates byte arrays into a new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** True when both arrays hold the same bytes. Not constant-time: do not use for secrets. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes `value` (0 ≤ value < 2³²) little-endian at `offset`. */
export function writeUint32LE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = (value >>> 24) & 0xff;
}

/** Reads an unsigned 32-bit little-endian integer at `offset`. */
export function readUint32LE(source: Uint8Array, offset: number): number {
  return (
    (source[offset]! |
      (source[offset + 1]! << 8) |
      (source[offset + 2]! << 16) |
      (source[offset + 3]! << 24)) >>>
    0
  );
}
