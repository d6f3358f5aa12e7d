/**
 * What the SDK takes from its platform, injected so that it runs unchanged in React Native,
 * browsers and Node, and so that tests are deterministic: the clock and timers
 * ({@link DeviceClock}), cryptographically secure randomness (`RandomSource` of the protocol) and
 * the network (`fetch`, {@link FetchFunction}). Defaults use only what all three platforms have
 * as globals (`Date.now`, `setTimeout`, `crypto.getRandomValues`, `fetch`); nothing here imports
 * a platform module.
 *
 * @module
 */
import { type RandomSource, verificationBase64Encode } from '@bluezone/protocol';
import { DeviceError } from './errors.js';

/** A scheduled callback that can be cancelled. */
export interface DeviceTimer {
  cancel(): void;
}

/** Time and timers. All times are Unix milliseconds. */
export interface DeviceClock {
  /** The current time, Unix ms. */
  now(): number;
  /** Resolves after `ms` (used for back-off between retries). */
  sleep(ms: number): Promise<void>;
  /** Calls `callback` once after `ms` (used for request timeouts and the chaff schedule). */
  setTimer(callback: () => void, ms: number): DeviceTimer;
}

/** The platform clock: `Date.now` and `setTimeout`. */
export const systemClock: DeviceClock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
  setTimer: (callback: () => void, ms: number): DeviceTimer => {
    const handle = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
});

/** The `fetch` the SDK calls: the platform's, or a test double. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A {@link RandomSource} on the platform's `crypto.getRandomValues` (browsers, Node ≥ 19, React
 * Native with `react-native-get-random-values`).
 *
 * @throws {DeviceError} `random_unavailable` when the platform has none.
 */
export function platformRandom(): RandomSource {
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } })
    .crypto;
  const getRandomValues = webCrypto?.getRandomValues;
  if (typeof getRandomValues !== 'function') {
    throw new DeviceError(
      'random_unavailable',
      'globalThis.crypto.getRandomValues is missing: pass `random` or install a polyfill (react-native-get-random-values)',
    );
  }
  return (length: number) => {
    const bytes = new Uint8Array(length);
    // getRandomValues fills at most 65,536 bytes a call.
    for (let offset = 0; offset < length; offset += 65_536) {
      getRandomValues.call(webCrypto, bytes.subarray(offset, Math.min(length, offset + 65_536)));
    }
    return bytes;
  };
}

/** A uniform number in [0, 1) from 32 random bits of `random`. */
export function randomUnit(random: RandomSource): number {
  const b = random(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 0x1_0000_0000;
}

/** A uniform integer in [min, max] (inclusive) from `random`. */
export function randomInt(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(randomUnit(random) * (max - min + 1));
}

/**
 * Random base64 padding of `minBytes`–`maxBytes` random bytes, for request bodies: real requests
 * and chaff then vary in size the same way, so their sizes tell an observer nothing.
 */
export function randomPadding(random: RandomSource, minBytes = 16, maxBytes = 1024): string {
  return verificationBase64Encode(random(randomInt(random, minBytes, maxBytes)));
}
