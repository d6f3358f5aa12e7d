/**
 * The crypto port: the few primitives the protocol needs, owned here and implemented by adapters.
 *
 * The protocol never imports a platform crypto module. {@link nobleCrypto} (audited pure
 * TypeScript, @noble/hashes and @noble/ciphers) is the default and runs unchanged in Node,
 * browsers and React Native; `@bluezone/crypto-node` implements the same port on OpenSSL for
 * servers, the CLI and benchmarks. Every primitive is synchronous so that hot loops (matching)
 * need no promise per key.
 *
 * @module
 */
import { ctr, ecb } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Synchronous crypto primitives. Implementations must not keep references to their inputs. */
export interface CryptoPrimitives {
  /** Adapter name, for diagnostics and benchmark reports. */
  readonly name: string;
  /** SHA-256 digest (32 bytes). */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (32 bytes). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869); an absent salt means the RFC's default (32 zero bytes). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array;
  /** AES-128 in ECB mode over whole 16-byte blocks, without padding: one call for many blocks. */
  aes128EcbEncrypt(key: Uint8Array, blocks: Uint8Array): Uint8Array;
  /** AES-128 in CTR mode with a 16-byte initial counter block (encrypts and decrypts). */
  aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** A source of cryptographically secure random bytes, passed in by the caller. */
export type RandomSource = (length: number) => Uint8Array;

/** The pure TypeScript implementation of {@link CryptoPrimitives}. */
export const nobleCrypto: CryptoPrimitives = Object.freeze({
  name: 'noble',
  sha256: (data: Uint8Array) => sha256(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number) =>
    hkdf(sha256, ikm, salt, info, length),
  aes128EcbEncrypt: (key: Uint8Array, blocks: Uint8Array) =>
    ecb(key, { disablePadding: true }).encrypt(blocks),
  aes128Ctr: (key: Uint8Array, iv: Uint8Array, data: Uint8Array) => ctr(key, iv).encrypt(data),
});
