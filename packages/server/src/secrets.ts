/**
 * Secrets derived from one master key: phone-number encryption, keyed hashes for
 * de-duplication and codes. With no `BLUEZONE_SECRET_KEY`, the master key is generated on first
 * start into `<data dir>/secret.key` (mode 0600) and reused afterwards.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCrypto } from '@bluezone/crypto-node';
import type { Config } from './config.js';
import { ConfigError } from './config.js';

/** Keys for one purpose each, never the master key itself. */
export interface Secrets {
  /** AES-256-GCM key for personal data at rest (phone numbers). */
  readonly dataEncryptionKey: Uint8Array;
  /** HMAC key for de-duplicating phone numbers without storing them in clear. */
  readonly phoneHashKey: Uint8Array;
  /** HMAC key for verification codes and OTPs (a leaked table does not reveal codes). */
  readonly codeHashKey: Uint8Array;
  /** HMAC key for per-IP and per-phone rate-limit buckets. */
  readonly bucketHashKey: Uint8Array;
}

const encoder = new TextEncoder();

/** Derives the purpose keys from a 32-byte master key (HKDF-SHA256, one info string each). */
export function deriveSecrets(master: Uint8Array): Secrets {
  const derive = (purpose: string) =>
    nodeCrypto.hkdfSha256(master, undefined, encoder.encode(`bluezone/${purpose}/v1`), 32);
  return Object.freeze({
    dataEncryptionKey: derive('data-encryption'),
    phoneHashKey: derive('phone-hash'),
    codeHashKey: derive('code-hash'),
    bucketHashKey: derive('bucket-hash'),
  });
}

/** The master key from config, or from (or newly into) the data directory. */
export function loadMasterKey(config: Config): Uint8Array {
  if (config.secretKey) return config.secretKey;
  const path = join(config.dataDir, 'secret.key');
  if (existsSync(path)) {
    const raw = readFileSync(path, 'utf8').trim();
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32)
      throw new ConfigError(`${path} does not hold a 32-byte base64 key; restore it from backup`);
    return new Uint8Array(key);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return new Uint8Array(key);
}
