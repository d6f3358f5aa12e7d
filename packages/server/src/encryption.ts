/**
 * Encryption of personal data at rest: AES-256-GCM with a random 96-bit nonce per value.
 * Stored layout: version (1 byte, 1) ‖ nonce (12) ‖ ciphertext ‖ tag (16). The associated data
 * binds a ciphertext to its purpose (e.g. "phone"), so a value cannot be moved to another column.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;

/** Encrypts `plaintext` for `purpose` under a 32-byte key. */
export function encryptAtRest(key: Uint8Array, purpose: string, plaintext: Uint8Array | string): Uint8Array {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([
    cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
    cipher.final(),
  ]);
  return new Uint8Array(Buffer.concat([Buffer.of(VERSION), nonce, body, cipher.getAuthTag()]));
}

/** Decrypts a value made by {@link encryptAtRest}; throws if it was altered or belongs to another purpose. */
export function decryptAtRest(key: Uint8Array, purpose: string, stored: Uint8Array): Uint8Array {
  if (stored.length < 1 + NONCE + TAG || stored[0] !== VERSION)
    throw new Error('not an encrypted value of version 1');
  const nonce = stored.subarray(1, 1 + NONCE);
  const tag = stored.subarray(stored.length - TAG);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(tag);
  return new Uint8Array(
    Buffer.concat([decipher.update(stored.subarray(1 + NONCE, stored.length - TAG)), decipher.final()]),
  );
}

/** Decrypts to UTF-8 text. */
export function decryptTextAtRest(key: Uint8Array, purpose: string, stored: Uint8Array): string {
  return Buffer.from(decryptAtRest(key, purpose, stored)).toString('utf8');
}
