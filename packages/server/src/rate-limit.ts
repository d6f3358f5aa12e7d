/**
 * Rate limits: fixed-window counters in the database (table `rate_limits`), so that every server
 * instance counts against the same numbers. A bucket is named by what it limits (e.g.
 * `otp:phone:+84912345678`); only its keyed hash (bucket-hash key) is stored, so neither phone
 * numbers nor client addresses are. Each {@link consume} is one atomic
 * `insert … on conflict do update … returning` on both engines. A counter counts attempts,
 * whether the request then succeeds or not, and is committed on its own.
 *
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';
import type { AppContext } from './context.js';
import { ApiError } from './errors.js';
import { keyedHash } from './ids.js';
import type { Database } from './storage/database.js';

/** What the rate limiter needs of the app context. */
export type RateLimitContext = Pick<AppContext, 'storage' | 'secrets' | 'now'>;

/** A bucket's state after a successful {@link consume}. */
export interface RateLimitState {
  /** Requests counted in the current window, this one included. */
  readonly count: number;
  /** Requests left in the window. */
  readonly remaining: number;
  /** End of the window, Unix ms. */
  readonly resetAt: number;
}

/** The stored key of `bucket` for windows of `windowMs` (the same name may have several). */
export function bucketKey(ctx: Pick<AppContext, 'secrets'>, bucket: string, windowMs: number): Uint8Array {
  return keyedHash(ctx.secrets.bucketHashKey, `${bucket}\u0000${windowMs}`);
}

/**
 * Atomically adds one to the counter of (`bucket`, `windowStart`), creating it at 1, and returns
 * the new count. Concurrent calls each see a different count.
 */
export async function incrementCounter(
  db: Kysely<Database>,
  bucket: Uint8Array,
  windowStart: number,
  expiresAt: number,
): Promise<number> {
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket, window_start: windowStart, expires_at: expiresAt, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['bucket', 'window_start'])
        .doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', 1) })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

function describeWait(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min`;
}

/**
 * Counts one request against `bucket` (at most `limit` per fixed window of `windowMs`, windows
 * aligned to the Unix epoch). Over the limit, throws `rate_limited` (429) with a `Retry-After`
 * header (seconds to the window's end); `what` names the limit in the message, e.g. "codes
 * requested for this phone number".
 */
export async function consume(
  ctx: RateLimitContext,
  bucket: string,
  limit: number,
  windowMs: number,
  what = 'requests',
): Promise<RateLimitState> {
  const now = ctx.now();
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const resetAt = windowStart + windowMs;
  const count = await incrementCounter(
    ctx.storage.db,
    bucketKey(ctx, bucket, windowMs),
    windowStart,
    resetAt,
  );
  if (count > limit)
    throw rateLimited(`too many ${what} (at most ${limit} per ${describeWindow(windowMs)})`, resetAt - now);
  return { count, remaining: limit - count, resetAt };
}

function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  return `${ms / 1000} s`;
}

/** A `rate_limited` error whose `Retry-After` is `waitMs` rounded up to whole seconds (at least 1). */
export function rateLimited(reason: string, waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError('rate_limited', `${reason}; try again in ${describeWait(seconds)}`, {
    'Retry-After': String(seconds),
  });
}

/** Deletes the counters of windows that ended at or before `before`; returns how many. */
export async function purgeRateLimits(ctx: Pick<AppContext, 'storage'>, before: number): Promise<number> {
  const result = await ctx.storage.db
    .deleteFrom('rate_limits')
    .where('expires_at', '<=', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The network a client address is limited as: an IPv4 address itself (also when IPv4-mapped),
 * an IPv6 address's /64 (one subscriber usually holds a whole /64 and can rotate within it).
 */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip.split('%')[0]!).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lower-case hex without leading zeros. */
function expandIPv6(ip: string): string[] {
  const groups = (part: string): string[] => {
    if (part === '') return [];
    const out = part.split(':');
    const last = out[out.length - 1]!;
    if (last.includes('.')) {
      const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
      out.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    }
    return out;
  };
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}
