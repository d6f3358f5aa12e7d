/**
 * Password hashing for portal users: argon2id (hash-wasm, pure WebAssembly) with the OWASP
 * minimum parameters — 19 MiB of memory, 2 passes, 1 lane — a 16-byte random salt and a 32-byte
 * hash, stored as a PHC string. Verification recomputes the hash with the stored parameters and
 * compares in constant time. Also the password rules and generated passwords.
 *
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2id } from 'hash-wasm';

/** argon2id parameters (OWASP Password Storage Cheat Sheet, first recommended setting). */
export const ARGON2_PARAMS = { memoryKiB: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

/** Shortest and longest accepted password. */
export const PASSWORD_LIMITS = { minLength: 12, maxLength: 256 } as const;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

async function derive(
  password: string,
  salt: Uint8Array,
  params: { memoryKiB: number; iterations: number; parallelism: number; hashLength: number },
): Promise<Uint8Array> {
  return argon2id({
    password,
    salt,
    memorySize: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: params.hashLength,
    outputType: 'binary',
  });
}

/** The argon2id PHC string of `password` with a fresh salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = new Uint8Array(randomBytes(16));
  const hash = await derive(password, salt, ARGON2_PARAMS);
  const p = ARGON2_PARAMS;
  return `$argon2id$v=19$m=${p.memoryKiB},t=${p.iterations},p=${p.parallelism}$${b64(salt)}$${b64(hash)}`;
}

const PHC =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

/** Bounds on stored parameters, so that a tampered row cannot make a login take minutes. */
const MAX_MEMORY_KIB = 262_144;

/**
 * Whether `password` matches the PHC string `stored`, compared in constant time. A malformed
 * string never matches (and costs the same work as a real check).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  const memoryKiB = Number(m?.[1] ?? 0);
  const iterations = Number(m?.[2] ?? 0);
  const parallelism = Number(m?.[3] ?? 0);
  const wellFormed =
    m !== null &&
    memoryKiB >= 8 * parallelism &&
    memoryKiB <= MAX_MEMORY_KIB &&
    iterations >= 1 &&
    parallelism >= 1;
  if (!m || !wellFormed) {
    await derive(password, new Uint8Array(16), ARGON2_PARAMS);
    return false;
  }
  const salt = new Uint8Array(Buffer.from(m[4]!, 'base64'));
  const expected = new Uint8Array(Buffer.from(m[5]!, 'base64'));
  const actual = await derive(password, salt, {
    memoryKiB,
    iterations,
    parallelism,
    hashLength: expected.length,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A PHC string no password matches, verified against for unknown usernames (same timing). */
export const DUMMY_PASSWORD_HASH = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryKiB},t=${ARGON2_PARAMS.iterations},p=${ARGON2_PARAMS.parallelism}$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(43)}`;

/** Why `password` is not acceptable for `username`, or undefined when it is. */
export function passwordProblem(password: string, username: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_LIMITS.minLength)
    return `the password must have at least ${PASSWORD_LIMITS.minLength} characters, it has ${length}; a passphrase of four words is easy to remember`;
  if (length > PASSWORD_LIMITS.maxLength)
    return `the password must have at most ${PASSWORD_LIMITS.maxLength} characters, it has ${length}`;
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase()))
    return 'the password must not contain the username';
  return undefined;
}

/** A random password of 20 characters (about 119 bits) without look-alike characters. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  for (const byte of bytes) {
    if (byte >= 224) continue; // 224 = 4 × 56: keeps the choice uniform
    out += alphabet[byte % alphabet.length];
    if (out.length === 20) return out;
  }
  return out.length === 20 ? out : generatePassword();
}
