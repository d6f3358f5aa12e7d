/**
 * Exposure Notification time: ENIntervalNumber and rolling periods (Cryptography Specification
 * v1.2, "ENIntervalNumber" and "TEKRollingPeriod").
 *
 * An interval is 10 minutes: ENIntervalNumber(t) = ⌊t / 600⌋ for t in Unix seconds. A key is
 * valid for a rolling period of 144 intervals (one UTC day) from its rollingStartIntervalNumber,
 * which is always a multiple of 144. All functions take time as an argument; none reads a clock.
 *
 * @module
 */
import { ProtocolError } from '../errors.js';

/** Seconds in one ENIntervalNumber. */
export const EN_INTERVAL_SECONDS = 600;
/** Intervals a Temporary Exposure Key is valid for (TEKRollingPeriod): one UTC day. */
export const TEK_ROLLING_PERIOD = 144;
/** Largest ENIntervalNumber: it is encoded as an unsigned 32-bit integer. */
export const MAX_INTERVAL_NUMBER = 0xffff_ffff;

function assertInterval(interval: number, what: string): void {
  if (!Number.isSafeInteger(interval) || interval < 0 || interval > MAX_INTERVAL_NUMBER) {
    throw new ProtocolError(
      'invalid_argument',
      `${what} must be an integer from 0 to ${MAX_INTERVAL_NUMBER}, got ${interval}`,
    );
  }
}

/** ENIntervalNumber of a moment given in Unix seconds (fractions allowed). */
export function enIntervalNumber(unixSeconds: number): number {
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) {
    throw new ProtocolError(
      'invalid_argument',
      `time must be a non-negative number of Unix seconds, got ${unixSeconds}`,
    );
  }
  const interval = Math.floor(unixSeconds / EN_INTERVAL_SECONDS);
  assertInterval(interval, 'ENIntervalNumber');
  return interval;
}

/** Unix seconds at which `interval` starts. */
export function intervalStartSeconds(interval: number): number {
  assertInterval(interval, 'interval');
  return interval * EN_INTERVAL_SECONDS;
}

/** The rollingStartIntervalNumber of the UTC day containing `interval` (a multiple of 144). */
export function rollingStartIntervalNumber(interval: number): number {
  assertInterval(interval, 'interval');
  return interval - (interval % TEK_ROLLING_PERIOD);
}

/** True when `interval` lies in the key validity window `[rollingStart, rollingStart + rollingPeriod)`. */
export function isIntervalInRollingPeriod(
  interval: number,
  rollingStart: number,
  rollingPeriod: number,
): boolean {
  return interval >= rollingStart && interval < rollingStart + rollingPeriod;
}

/** Whole UTC days since the Unix epoch of the day containing `interval`. */
export function dayNumberOfInterval(interval: number): number {
  assertInterval(interval, 'interval');
  return Math.floor(interval / TEK_ROLLING_PERIOD);
}
