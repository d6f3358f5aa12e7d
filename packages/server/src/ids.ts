/**
 * Random identifiers and secrets, and their hashes.
 *
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random, unguessable ID (128 bits, base32 lower-case, 26 characters) with an optional prefix. */
export function newId(prefix = ''): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(16);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return prefix + out;
}

/** A bearer secret: 256 random bits, base64url (43 characters). */
export function newBearerSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a bearer secret, as stored. */
export function hashSecret(secret: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());
}

/** HMAC-SHA256 of `value` under `key` (keyed hashes of phone numbers and codes). */
export function keyedHash(key: Uint8Array, value: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(value, 'utf8').digest());
}

/** Constant-time equality of two byte strings. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
