/**
 * @bluezone/crypto-node: the protocol's crypto port on Node's OpenSSL bindings.
 *
 * Use it wherever Node runs (server, CLI, simulator, benchmarks): AES and SHA-256 go through
 * OpenSSL with hardware AES, several times faster than the pure TypeScript default.
 *
 * The one exception is the optional batched HKDF, `hkdfSha256Batch`: it is the protocol's
 * portable TypeScript implementation, because one `hkdfSync` call costs ~8 µs of binding
 * overhead (a KeyObject per call) while the TypeScript version with precomputed HMAC
 * midstates derives a 16-byte EN key in ~1.5 µs (measured for the matching benchmark, see
 * docs/matching.md).
 *
 * @module
 */
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import {
  type CryptoPrimitives,
  ProtocolError,
  portableHkdfSha256Batch,
  type RandomSource,
} from '@bluezone/protocol';

const ZERO_SALT = new Uint8Array(32);

const view = (buffer: Buffer | ArrayBuffer): Uint8Array =>
  buffer instanceof ArrayBuffer
    ? new Uint8Array(buffer)
    : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);

/** {@link CryptoPrimitives} implemented with `node:crypto`. */
export const nodeCrypto: CryptoPrimitives = Object.freeze({
  name: 'node',
  sha256: (data: Uint8Array) => view(createHash('sha256').update(data).digest()),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => view(createHmac('sha256', key).update(data).digest()),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number) =>
    view(hkdfSync('sha256', ikm, salt ?? ZERO_SALT, info, length)),
  aes128EcbEncrypt: (key: Uint8Array, blocks: Uint8Array) => {
    if (blocks.length % 16 !== 0) {
      throw new ProtocolError(
        'invalid_length',
        `AES-128-ECB needs whole 16-byte blocks, got ${blocks.length} bytes`,
      );
    }
    // ECB encrypts every whole block in update(); final() would only add padding (~0.4 µs of
    // binding calls per key, measurable in matching, where this runs once per published key).
    return view(createCipheriv('aes-128-ecb', key, null).update(blocks));
  },
  aes128Ctr: (key: Uint8Array, iv: Uint8Array, data: Uint8Array) => {
    const cipher = createCipheriv('aes-128-ctr', key, iv);
    const out = cipher.update(data);
    cipher.final();
    return view(out);
  },
  hkdfSha256Batch: portableHkdfSha256Batch,
});

/** A {@link RandomSource} backed by the operating system's CSPRNG. */
export const nodeRandom: RandomSource = (length: number) => view(randomBytes(length));
