/**
 * ECDSA signature encodings: IEEE P1363 (`r ‖ s`, fixed width) ↔ DER (X9.62
 * `SEQUENCE { r INTEGER, s INTEGER }`).
 *
 * Hand-written because WebCrypto's ECDSA only speaks P1363 (it has no DER option), while
 * `export.sig` must carry DER, as the phone platforms and OpenSSL-based servers expect. The
 * decoder is strict DER (minimal lengths and integers, no trailing bytes), so one signature has
 * exactly one accepted encoding.
 *
 * @module
 */
import { err, ok, ProtocolError, type Result } from '../errors.js';

/** Bytes of `r` and of `s` for P-256. */
export const EXPORT_P256_SCALAR_LENGTH = 32;

const SEQUENCE = 0x30;
const INTEGER = 0x02;

/** DER INTEGER content of an unsigned big-endian number: leading zeros stripped, 0x00 added before a set top bit. */
function integerContent(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const body = unsigned.subarray(start);
  if ((body[0]! & 0x80) === 0) return body;
  const out = new Uint8Array(body.length + 1);
  out.set(body, 1);
  return out;
}

/**
 * Converts a P1363 signature (`r ‖ s`, two equal halves) to DER.
 *
 * @throws {ProtocolError} `invalid_length` when the input is empty or of odd length, or too long
 *   for DER short-form lengths (more than 2 × 60 bytes; P-256 uses 64).
 */
export function exportEcdsaSignatureToDer(p1363: Uint8Array): Uint8Array {
  if (p1363.length === 0 || p1363.length % 2 !== 0 || p1363.length > 120) {
    throw new ProtocolError(
      'invalid_length',
      `a P1363 ECDSA signature must be r ‖ s of equal lengths (64 bytes for P-256), got ${p1363.length} bytes`,
    );
  }
  const half = p1363.length / 2;
  const r = integerContent(p1363.subarray(0, half));
  const s = integerContent(p1363.subarray(half));
  const bodyLength = 2 + r.length + 2 + s.length;
  const out = new Uint8Array(2 + bodyLength);
  out[0] = SEQUENCE;
  out[1] = bodyLength;
  out[2] = INTEGER;
  out[3] = r.length;
  out.set(r, 4);
  out[4 + r.length] = INTEGER;
  out[5 + r.length] = s.length;
  out.set(s, 6 + r.length);
  return out;
}

/** Reads one strict-DER positive INTEGER at `offset`; returns its unsigned bytes and the next offset. */
function readInteger(
  der: Uint8Array,
  offset: number,
  scalarLength: number,
  name: string,
): { value: Uint8Array; next: number } | string {
  if (der[offset] !== INTEGER) return `${name} is not an INTEGER`;
  const length = der[offset + 1];
  if (length === undefined) return `${name} is truncated`;
  if (length & 0x80) return `${name} has a long-form length`;
  if (length === 0) return `${name} is empty`;
  const start = offset + 2;
  const end = start + length;
  if (end > der.length) return `${name} is truncated`;
  const first = der[start]!;
  if (first & 0x80) return `${name} is negative`;
  if (first === 0 && length > 1 && (der[start + 1]! & 0x80) === 0) return `${name} is not minimally encoded`;
  const value = der.subarray(first === 0 && length > 1 ? start + 1 : start, end);
  if (value.length > scalarLength) return `${name} is longer than ${scalarLength} bytes`;
  if (value.every((b) => b === 0)) return `${name} is zero`;
  const padded = new Uint8Array(scalarLength);
  padded.set(value, scalarLength - value.length);
  return { value: padded, next: end };
}

/**
 * Converts a DER ECDSA signature to P1363 (`r ‖ s`, each left-padded to `scalarLength`).
 *
 * Fails with `export_signature_invalid` for anything that is not exactly one strict-DER
 * `SEQUENCE` of two positive, non-zero, minimally encoded INTEGERs of at most `scalarLength` bytes.
 */
export function exportEcdsaSignatureFromDer(
  der: Uint8Array,
  scalarLength = EXPORT_P256_SCALAR_LENGTH,
): Result<Uint8Array> {
  const fail = (why: string) =>
    err(new ProtocolError('export_signature_invalid', `the signature is not a DER ECDSA signature: ${why}`));
  if (der.length < 8) return fail(`${der.length} bytes is too short`);
  if (der[0] !== SEQUENCE) return fail('it does not start with a SEQUENCE');
  if (der[1]! & 0x80) return fail('the SEQUENCE has a long-form length');
  if (der[1]! !== der.length - 2)
    return fail(`the SEQUENCE holds ${der[1]} bytes but ${der.length - 2} follow`);
  const r = readInteger(der, 2, scalarLength, 'r');
  if (typeof r === 'string') return fail(r);
  const s = readInteger(der, r.next, scalarLength, 's');
  if (typeof s === 'string') return fail(s);
  if (s.next !== der.length) return fail('bytes follow s');
  const out = new Uint8Array(2 * scalarLength);
  out.set(r.value, 0);
  out.set(s.value, scalarLength);
  return ok(out);
}
