/**
 * The crypto port: the few primitives the protocol needs, owned here and implemented by adapters.
 *
 * The protocol never imports a platform crypto module. {@link nobleCrypto} (audited pure
 * TypeScript, @noble/hashes and @noble/ciphers) is the default and runs unchanged in Node,
 * browsers and React Native; `@bluezone/crypto-node` implements the same port on OpenSSL for
 * servers, the CLI and benchmarks. Every primitive is synchronous so that hot loops (matching)
 * need no promise per key.
 *
 * One optional batched method, {@link CryptoPrimitives.hkdfSha256Batch}, lets the matcher derive
 * the RPIKs of many published keys in one call: per-call overheads (OpenSSL's `hkdfSync` costs
 * ~8 µs a key in Node, the HKDF arithmetic ~1.5 µs) would dominate matching otherwise. Call it
 * through {@link deriveHkdfSha256Batch}, which falls back to one `hkdfSha256` per key for
 * adapters without it. {@link portableHkdfSha256Batch} is the pure TypeScript implementation
 * both shipped adapters use.
 *
 * @module
 */
import { ctr, ecb } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ProtocolError } from './errors.js';

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
  /**
   * Optional batched HKDF-SHA256: `ikms` holds `ikms.length / ikmLength` input keys of
   * `ikmLength` bytes each, end to end, all derived with the same salt and info; the
   * `length`-byte outputs are returned end to end in a new array. The result must equal calling
   * {@link CryptoPrimitives.hkdfSha256} on each input key in turn. Callers go through
   * {@link deriveHkdfSha256Batch}, which validates the arguments and falls back when it is absent.
   */
  hkdfSha256Batch?(
    ikms: Uint8Array,
    ikmLength: number,
    salt: Uint8Array | undefined,
    info: Uint8Array,
    length: number,
  ): Uint8Array;
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
  hkdfSha256Batch: (
    ikms: Uint8Array,
    ikmLength: number,
    salt: Uint8Array | undefined,
    info: Uint8Array,
    length: number,
  ) => portableHkdfSha256Batch(ikms, ikmLength, salt, info, length),
});

/**
 * Derives HKDF-SHA256 for many input keys through `crypto`: its
 * {@link CryptoPrimitives.hkdfSha256Batch} when it has one, else one
 * {@link CryptoPrimitives.hkdfSha256} call per key.
 *
 * @param ikms `count × ikmLength` bytes: the input keys end to end.
 * @returns `count × length` bytes: the outputs end to end, in input order.
 * @throws {ProtocolError} `invalid_argument` when `ikmLength` is not a positive integer dividing
 *   `ikms.length`, or `length` is not an integer from 1 to 8160 (255 × 32).
 */
export function deriveHkdfSha256Batch(
  crypto: CryptoPrimitives,
  ikms: Uint8Array,
  ikmLength: number,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  assertBatchArguments(ikms, ikmLength, length);
  const count = ikms.length / ikmLength;
  if (crypto.hkdfSha256Batch) {
    const out = crypto.hkdfSha256Batch(ikms, ikmLength, salt, info, length);
    if (out.length !== count * length) {
      throw new ProtocolError(
        'invalid_argument',
        `the ${crypto.name} adapter's hkdfSha256Batch returned ${out.length} bytes, expected ${count * length}`,
      );
    }
    return out;
  }
  const out = new Uint8Array(count * length);
  for (let k = 0; k < count; k++) {
    const ikm = ikms.subarray(k * ikmLength, (k + 1) * ikmLength);
    out.set(crypto.hkdfSha256(ikm, salt, info, length), k * length);
  }
  return out;
}

function assertBatchArguments(ikms: Uint8Array, ikmLength: number, length: number): void {
  if (!Number.isSafeInteger(ikmLength) || ikmLength < 1 || ikms.length % ikmLength !== 0) {
    throw new ProtocolError(
      'invalid_argument',
      `ikmLength must be a positive integer dividing the ${ikms.length} input bytes, got ${ikmLength}`,
    );
  }
  if (!Number.isSafeInteger(length) || length < 1 || length > 255 * SHA256_BYTES) {
    throw new ProtocolError(
      'invalid_argument',
      `HKDF-SHA256 output length must be an integer from 1 to ${255 * SHA256_BYTES}, got ${length}`,
    );
  }
}

// Batched HKDF-SHA256 in portable TypeScript.
//
// HKDF is HMAC-SHA256 twice (extract, then expand), and HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)).
// The salt's two padded key blocks are the same for every input key of a batch, so the SHA-256
// states after them ("midstates") are computed once per batch. A 16-byte key with a short info
// (the EN case) then costs 6 calls of the compression function and no allocation: ~1.5 µs in
// V8, against ~8 µs for one `hkdfSync` call through Node's OpenSSL binding and ~6.5 µs for
// noble's `hkdf`. Property tests check it against both.

const SHA256_BYTES = 32;
const SHA256_BLOCK = 64;
const IPAD = 0x36363636;
const OPAD = 0x5c5c5c5c;

// biome-ignore format: the 64 round constants of FIPS 180-4 §4.2.2, eight a line
const SHA256_K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// biome-ignore format: the initial hash value of FIPS 180-4 §5.3.3
const SHA256_IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** The block and message schedule. The functions below are synchronous and never re-entered. */
const W = new Int32Array(16);

/** Loads the 64-byte block at `offset` of `bytes` into W[0..15] as big-endian words. */
function loadBlock(bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + 4 * i;
    W[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
  }
}

/** Loads a 64-byte HMAC key block: 8 state words (a 32-byte key) ⊕ `pad`, then 32 pad bytes. */
function loadKeyBlock(key: Int32Array, keyOffset: number, pad: number): void {
  for (let i = 0; i < 8; i++) W[i] = key[keyOffset + i]! ^ pad;
  for (let i = 8; i < 16; i++) W[i] = pad;
}

/**
 * The SHA-256 compression function on the block in W[0..15], from the state `from[f…f+8]` into
 * `to[t…t+8]` (may be the same). The message schedule is computed in place in W's 16 words, so
 * W no longer holds the block afterwards.
 */
function compress(from: Int32Array, f: number, to: Int32Array, t: number): void {
  let a = from[f]!;
  let b = from[f + 1]!;
  let c = from[f + 2]!;
  let d = from[f + 3]!;
  let e = from[f + 4]!;
  let g = from[f + 5]!;
  let h = from[f + 6]!;
  let k = from[f + 7]!;
  for (let i = 0; i < 64; i++) {
    let w: number;
    if (i < 16) {
      w = W[i]!;
    } else {
      const w15 = W[(i - 15) & 15]!;
      const w2 = W[(i - 2) & 15]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      w = (s1 + W[(i - 7) & 15]! + s0 + W[i & 15]!) | 0;
      W[i & 15] = w;
    }
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + s1 + (h ^ (e & (g ^ h))) + SHA256_K[i]! + w) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) | (c & (a | b)))) | 0;
    k = h;
    h = g;
    g = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  to[t] = (from[f]! + a) | 0;
  to[t + 1] = (from[f + 1]! + b) | 0;
  to[t + 2] = (from[f + 2]! + c) | 0;
  to[t + 3] = (from[f + 3]! + d) | 0;
  to[t + 4] = (from[f + 4]! + e) | 0;
  to[t + 5] = (from[f + 5]! + g) | 0;
  to[t + 6] = (from[f + 6]! + h) | 0;
  to[t + 7] = (from[f + 7]! + k) | 0;
}

/**
 * Hashes `message[0, length)` on from the state `mid[m…m+8]`, which has absorbed `absorbed`
 * bytes (whole blocks), and writes the digest words to `out[o…o+8]`. Pads in place: `message`
 * must have 72 spare bytes after `length`.
 */
function finishHash(
  mid: Int32Array,
  m: number,
  absorbed: number,
  message: Uint8Array,
  length: number,
  out: Int32Array,
  o: number,
): void {
  const total = Math.ceil((length + 9) / SHA256_BLOCK) * SHA256_BLOCK;
  message[length] = 0x80;
  message.fill(0, length + 1, total - 8);
  const bits = (absorbed + length) * 8;
  writeWordBE(message, total - 8, Math.floor(bits / 0x1_0000_0000));
  writeWordBE(message, total - 4, bits >>> 0);
  loadBlock(message, 0);
  compress(mid, m, out, o);
  for (let offset = SHA256_BLOCK; offset < total; offset += SHA256_BLOCK) {
    loadBlock(message, offset);
    compress(out, o, out, o);
  }
}

function writeWordBE(target: Uint8Array, offset: number, word: number): void {
  target[offset] = word >>> 24;
  target[offset + 1] = (word >>> 16) & 0xff;
  target[offset + 2] = (word >>> 8) & 0xff;
  target[offset + 3] = word & 0xff;
}

/** Writes the 8 words `words[w…w+8]` big-endian: 32 bytes at `target[offset]`. */
function writeDigest(words: Int32Array, w: number, target: Uint8Array, offset: number, count = 32): void {
  for (let i = 0; i < count; i++) target[offset + i] = (words[w + (i >> 2)]! >>> (24 - 8 * (i & 3))) & 0xff;
}

/**
 * HKDF-SHA256 (RFC 5869) of many input keys with one salt and info, in portable TypeScript: the
 * implementation of {@link CryptoPrimitives.hkdfSha256Batch} in both shipped adapters. Prefer
 * {@link deriveHkdfSha256Batch}, which honours the adapter's choice.
 *
 * @throws {ProtocolError} `invalid_argument` as {@link deriveHkdfSha256Batch}.
 */
export function portableHkdfSha256Batch(
  ikms: Uint8Array,
  ikmLength: number,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  assertBatchArguments(ikms, ikmLength, length);
  const count = ikms.length / ikmLength;
  const out = new Uint8Array(count * length);
  // states: 0 inner digest, 8 PRK, 16 T(n), 24/32 PRK key midstates; 40/48 salt key midstates.
  const st = new Int32Array(56);
  const saltBytes = salt ?? new Uint8Array(SHA256_BYTES);
  const message = new Uint8Array(Math.max(ikmLength, saltBytes.length, SHA256_BYTES + info.length + 1) + 72);
  // The salt is the HMAC key of the extract step: hashed first when longer than a block.
  const keyBlock = new Uint8Array(SHA256_BLOCK);
  if (saltBytes.length > SHA256_BLOCK) {
    message.set(saltBytes);
    finishHash(SHA256_IV, 0, 0, message, saltBytes.length, st, 0);
    writeDigest(st, 0, keyBlock, 0);
  } else {
    keyBlock.set(saltBytes);
  }
  for (const [pad, at] of [
    [IPAD, 40],
    [OPAD, 48],
  ] as const) {
    loadBlock(keyBlock, 0);
    for (let i = 0; i < 16; i++) W[i] = W[i]! ^ pad;
    compress(SHA256_IV, 0, st, at);
  }
  if (ikmLength <= MAX_ONE_BLOCK && info.length + 1 <= MAX_ONE_BLOCK && length <= SHA256_BYTES) {
    oneBlockHkdf(ikms, ikmLength, count, info, length, st, out);
    return out;
  }
  const blocks = Math.ceil(length / SHA256_BYTES);
  for (let k = 0; k < count; k++) {
    // Extract: PRK = HMAC(salt, IKM).
    message.set(ikms.subarray(k * ikmLength, (k + 1) * ikmLength));
    finishHash(st, 40, SHA256_BLOCK, message, ikmLength, st, 0);
    writeDigest(st, 0, message, 0);
    finishHash(st, 48, SHA256_BLOCK, message, SHA256_BYTES, st, 8);
    // Expand: T(n) = HMAC(PRK, T(n-1) ‖ info ‖ n).
    loadKeyBlock(st, 8, IPAD);
    compress(SHA256_IV, 0, st, 24);
    loadKeyBlock(st, 8, OPAD);
    compress(SHA256_IV, 0, st, 32);
    for (let n = 1; n <= blocks; n++) {
      let used = 0;
      if (n > 1) {
        writeDigest(st, 16, message, 0);
        used = SHA256_BYTES;
      }
      message.set(info, used);
      message[used + info.length] = n;
      finishHash(st, 24, SHA256_BLOCK, message, used + info.length + 1, st, 0);
      writeDigest(st, 0, message, 0);
      finishHash(st, 32, SHA256_BLOCK, message, SHA256_BYTES, st, 16);
      const offset = (n - 1) * SHA256_BYTES;
      writeDigest(st, 16, out, k * length + offset, Math.min(SHA256_BYTES, length - offset));
    }
  }
  return out;
}

/** Longest message that fits one padded block after a 64-byte key block: 64 − 1 − 8 bytes. */
const MAX_ONE_BLOCK = 55;

/** Loads a 32-byte digest (8 words) into W as a whole padded message block after one key block. */
function loadDigestBlock(words: Int32Array, w: number): void {
  for (let i = 0; i < 8; i++) W[i] = words[w + i]!;
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = (SHA256_BLOCK + SHA256_BYTES) * 8;
}

/** Loads `bytes[offset, offset + length)` (≤ 55 bytes) into W as one padded block after a key block. */
function loadShortBlock(bytes: Uint8Array, offset: number, length: number): void {
  W.fill(0, 0, 16);
  for (let j = 0; j < length; j++) W[j >> 2] = W[j >> 2]! | (bytes[offset + j]! << (24 - 8 * (j & 3)));
  W[length >> 2] = W[length >> 2]! | (0x80 << (24 - 8 * (length & 3)));
  W[15] = (SHA256_BLOCK + length) * 8;
}

/**
 * The common case of {@link portableHkdfSha256Batch} (EN: 16-byte keys, a 7-byte info, 16 bytes
 * out): every hashed message fits one block, so the key's bytes go straight into the message
 * schedule and each key costs exactly 6 compressions. `st[40…56]` holds the salt midstates.
 */
function oneBlockHkdf(
  ikms: Uint8Array,
  ikmLength: number,
  count: number,
  info: Uint8Array,
  length: number,
  st: Int32Array,
  out: Uint8Array,
): void {
  const infoBytes = new Uint8Array(info.length + 1);
  infoBytes.set(info);
  infoBytes[info.length] = 1;
  loadShortBlock(infoBytes, 0, infoBytes.length);
  const infoBlock = W.slice(0, 16);
  for (let k = 0; k < count; k++) {
    loadShortBlock(ikms, k * ikmLength, ikmLength);
    compress(st, 40, st, 0);
    loadDigestBlock(st, 0);
    compress(st, 48, st, 8);
    loadKeyBlock(st, 8, IPAD);
    compress(SHA256_IV, 0, st, 24);
    loadKeyBlock(st, 8, OPAD);
    compress(SHA256_IV, 0, st, 32);
    W.set(infoBlock);
    compress(st, 24, st, 0);
    loadDigestBlock(st, 0);
    compress(st, 32, st, 16);
    writeDigest(st, 16, out, k * length, length);
  }
}
