/**
 * Chaff: decoy traffic, so that a network observer cannot tell from the timing, endpoints or
 * sizes of a phone's requests that its user uploaded keys (Google's Exposure Notifications
 * "chaff", which our server answers the same way: before parsing, authenticating or storing).
 *
 * - A **publish** round sends what a real upload sends — `POST /api/verify`, `/api/certificate`
 *   and `/v1/publish` — each with `X-Chaff: 1`, bodies of the real shape filled with random
 *   bytes (1–14 random "keys", a random code, HMAC, certificate and hmacKey) and random padding.
 * - A **heartbeat** round sends `POST /v1/heartbeat` with `X-Chaff: 1` and padding.
 *
 * Chaff never carries anything of the user's: no key, no code, nothing from the store but the
 * device token real heartbeats carry too. It is not retried, and its failures are only counted.
 * {@link scheduleChaff} sends rounds at random times — exponentially distributed gaps with mean
 * `meanIntervalMs`, clamped to [`minIntervalMs`, `maxIntervalMs`] — on the injected clock's
 * timers and random source, so that tests can drive it deterministically.
 *
 * @module
 */

import { verificationBase64Encode } from '@bluezone/protocol';
import type { DeviceContext } from './context.js';
import { randomInt, randomPadding, randomUnit } from './runtime.js';

/** The header that marks a request as chaff. */
export const CHAFF_HEADER = 'x-chaff';

/** A kind of chaff round. */
export type ChaffKind = 'publish' | 'heartbeat';

/** Options of {@link scheduleChaff}. */
export interface ChaffOptions {
  /** Mean gap between rounds, ms (default 8 hours). */
  readonly meanIntervalMs?: number;
  /** Shortest gap, ms (default 10 minutes). */
  readonly minIntervalMs?: number;
  /** Longest gap, ms (default 48 hours). */
  readonly maxIntervalMs?: number;
  /** Share of rounds that imitate an upload, 0–1 (default 0.5); the rest imitate a heartbeat. */
  readonly publishShare?: number;
}

/** A running chaff schedule. */
export interface ChaffSchedule {
  /** Stops it (a round under way finishes). */
  stop(): void;
  /** Resolves when no round is under way. */
  idle(): Promise<void>;
  /** When the next round is due, Unix ms; undefined once stopped. */
  readonly nextAt: number | undefined;
  /** Rounds sent, and rounds with a failed request. */
  readonly rounds: number;
  readonly failures: number;
}

const b64 = (ctx: DeviceContext, bytes: number) => verificationBase64Encode(ctx.random(bytes));
const b64url = (ctx: DeviceContext, bytes: number) =>
  b64(ctx, bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Sends one chaff round of `kind`. Resolves true when every request was answered with a 2xx.
 * Never throws.
 */
export async function sendChaff(ctx: DeviceContext, kind: ChaffKind): Promise<boolean> {
  const chaff = { [CHAFF_HEADER]: '1' };
  const post = async (path: string, json: unknown, headers: Record<string, string> = {}) => {
    try {
      await ctx.http.request({
        method: 'POST',
        path,
        expect: 'json',
        headers: { ...chaff, ...headers },
        json,
        retry: false,
      });
      return true;
    } catch {
      return false;
    }
  };
  if (kind === 'heartbeat') {
    const registration = await ctx.store.getSetting('registration').catch(() => undefined);
    const auth: Record<string, string> = registration
      ? { authorization: `Bearer ${registration.deviceToken}` }
      : {};
    return post('/v1/heartbeat', { padding: randomPadding(ctx.random) }, auth);
  }
  const apiKey = { 'x-api-key': ctx.apiKey };
  const verified = await post(
    '/api/verify',
    {
      code: String(randomInt(ctx.random, 10_000_000, 99_999_999)),
      accept: ['confirmed', 'likely'],
      padding: randomPadding(ctx.random),
    },
    apiKey,
  );
  const certified = await post(
    '/api/certificate',
    { token: b64url(ctx, 32), ekeyhmac: b64(ctx, 32), padding: randomPadding(ctx.random) },
    apiKey,
  );
  const keyCount = randomInt(ctx.random, 1, 14);
  // The real authority ID, so that the body is as long as a real upload's.
  const config = await ctx.store.getSetting('config').catch(() => undefined);
  const published = await post('/v1/publish', {
    temporaryExposureKeys: Array.from({ length: keyCount }, () => ({
      key: b64(ctx, 16),
      rollingStartNumber: randomInt(ctx.random, 2_600_000, 2_900_000) * 144,
      rollingPeriod: 144,
      transmissionRisk: 0,
    })),
    healthAuthorityID: config?.config.healthAuthorityId ?? 'bluezone',
    verificationPayload: [b64url(ctx, 36), b64url(ctx, 230), b64url(ctx, 64)].join('.'),
    hmacKey: b64(ctx, 32),
    padding: randomPadding(ctx.random),
  });
  return verified && certified && published;
}

/** Starts a chaff schedule (see the module comment). */
export function scheduleChaff(ctx: DeviceContext, options: ChaffOptions = {}): ChaffSchedule {
  const mean = options.meanIntervalMs ?? 8 * 3_600_000;
  const min = options.minIntervalMs ?? 10 * 60_000;
  const max = options.maxIntervalMs ?? 48 * 3_600_000;
  const publishShare = options.publishShare ?? 0.5;
  let stopped = false;
  let rounds = 0;
  let failures = 0;
  let nextAt: number | undefined;
  let timer: { cancel(): void } | undefined;
  let running: Promise<void> = Promise.resolve();

  const arm = () => {
    const gap = Math.min(max, Math.max(min, -Math.log(1 - randomUnit(ctx.random)) * mean));
    nextAt = ctx.clock.now() + gap;
    timer = ctx.clock.setTimer(fire, gap);
  };
  const fire = () => {
    if (stopped) return;
    const kind: ChaffKind = randomUnit(ctx.random) < publishShare ? 'publish' : 'heartbeat';
    running = sendChaff(ctx, kind).then((ok) => {
      rounds++;
      if (!ok) failures++;
      if (!stopped) arm();
    });
  };
  arm();
  return {
    stop() {
      stopped = true;
      timer?.cancel();
      nextAt = undefined;
    },
    idle: () => running,
    get nextAt() {
      return nextAt;
    },
    get rounds() {
      return rounds;
    },
    get failures() {
      return failures;
    },
  };
}
