/**
 * The verify lock-out: wrong verification codes are counted, and too many lock the sender out.
 *
 * Only a well-formed code that is looked up and not found counts (`code_not_found`): a typo
 * caught by the check digit or a string that is no code at all tests nothing and is not
 * counted, nor is a found code that is expired, used or of the wrong test type. Two limits over
 * a sliding hour:
 *
 * - **per client**: {@link VERIFY_LOCKOUT}.perClient wrong codes per API key and client network
 *   (the IPv4 address, or the /64 prefix of an IPv6 address, since one subscriber holds a whole
 *   /64). Beyond it, every verify request of that client is answered 429 until the oldest
 *   counted failure leaves the window.
 * - **short codes, globally**: {@link VERIFY_LOCKOUT}.shortCodesGlobal wrong short codes per
 *   hour from all clients together. Short codes have 10⁷ values, so a botnet spread over many
 *   addresses could otherwise guess live ones; past the limit, short codes are refused (429)
 *   for everyone until the hour has room again, which bounds the expected number of guessed
 *   codes to limit × live short codes / 10⁷ per hour. Long codes (~78 bits) are not affected, so
 *   authorities can keep sending SMS links during an attack.
 *
 * There is no per-case counter: a wrong code carries no case (codes are random and stored only
 * as keyed hashes), so it cannot be attributed to one.
 *
 * Buckets are keyed hashes of `verify/<api key id>/<network>`: no address is stored.
 *
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { keyedHash } from '../../ids.js';
import {
  type FailureScope,
  insertVerificationFailure,
  pruneVerificationFailures,
  verificationFailureTimes,
} from '../cases/cases.repository.js';
import type { CodeKind } from '../cases/codes.js';

/** The lock-out limits. */
export const VERIFY_LOCKOUT = {
  /** Sliding window, ms. */
  windowMs: 3_600_000,
  /** Wrong codes per API key and client network in the window. */
  perClient: 10,
  /** Wrong short codes from all clients together in the window. */
  shortCodesGlobal: 200,
} as const;

function expandIPv6(address: string): string[] | undefined {
  const plain = address.split('%')[0]!.toLowerCase();
  let text = plain;
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const octets = v4[1]!.split('.').map(Number);
    const hi = ((octets[0]! << 8) | octets[1]!).toString(16);
    const lo = ((octets[2]! << 8) | octets[3]!).toString(16);
    text = `${text.slice(0, -v4[1]!.length)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  return [...head, ...Array.from({ length: missing }, () => '0'), ...tail].map((g) => g.padStart(4, '0'));
}

/**
 * The network a client address is counted under: the IPv4 address itself (also when written
 * IPv4-mapped, `::ffff:a.b.c.d`), or the /64 prefix of an IPv6 address.
 */
export function clientNetwork(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip);
    if (groups) {
      if (groups.slice(0, 5).every((g) => g === '0000') && groups[5] === 'ffff') {
        const hi = Number.parseInt(groups[6]!, 16);
        const lo = Number.parseInt(groups[7]!, 16);
        return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
      }
      return `${groups.slice(0, 4).join(':')}::/64`;
    }
  }
  return ip;
}

/** The lock-out bucket of an API key and client address (a keyed hash; no address stored). */
export function clientBucket(ctx: AppContext, apiKeyId: string, ip: string): Uint8Array {
  return keyedHash(ctx.secrets.bucketHashKey, `verify/${apiKeyId}/${clientNetwork(ip)}`);
}

async function assertUnder(
  ctx: AppContext,
  scope: FailureScope,
  limit: number,
  now: number,
  message: (minutes: number) => string,
): Promise<void> {
  const times = await verificationFailureTimes(ctx.storage.db, scope, now - VERIFY_LOCKOUT.windowMs + 1);
  if (times.length < limit) return;
  // Once the failure at this index leaves the window, fewer than `limit` remain.
  const freeAt = times[times.length - limit]! + VERIFY_LOCKOUT.windowMs;
  const seconds = Math.max(1, Math.ceil((freeAt - now) / 1000));
  throw new ApiError('code_attempts_exceeded', message(Math.ceil(seconds / 60)), {
    'retry-after': String(seconds),
  });
}

/** Throws `code_attempts_exceeded` (429, Retry-After) when the client is locked out. */
export async function assertClientNotLockedOut(
  ctx: AppContext,
  bucket: Uint8Array,
  now: number,
): Promise<void> {
  await assertUnder(
    ctx,
    { bucket },
    VERIFY_LOCKOUT.perClient,
    now,
    (minutes) =>
      `too many wrong codes from this device or network (${VERIFY_LOCKOUT.perClient} per hour): try again in ${minutes} min, and check the code with the health authority`,
  );
}

/** Throws `code_attempts_exceeded` (429, Retry-After) while short codes are locked globally. */
export async function assertShortCodesNotLockedOut(ctx: AppContext, now: number): Promise<void> {
  await assertUnder(
    ctx,
    { kind: 'short' },
    VERIFY_LOCKOUT.shortCodesGlobal,
    now,
    (minutes) =>
      `short codes are paused after too many wrong codes overall: try again in ${minutes} min, or use the code from the SMS link`,
  );
}

/** Counts a wrong (well-formed, not found) code and prunes failures that left the window. */
export async function recordWrongCode(
  ctx: AppContext,
  bucket: Uint8Array,
  kind: CodeKind,
  now: number,
): Promise<void> {
  await ctx.storage.transaction(async (trx) => {
    await insertVerificationFailure(trx, { bucket, kind, at: now });
    await pruneVerificationFailures(trx, now - VERIFY_LOCKOUT.windowMs);
  });
}
