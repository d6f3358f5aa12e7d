/**
 * Time arithmetic of the statistics counters, in Vietnamese time (UTC+7): day numbers, hour
 * buckets, the "as of" instant and the active window. Pure. See docs/statistics.md, "As of".
 *
 * @module
 */
import { VIETNAM_OFFSET_MS } from '../../time.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Largest active window, days (BLUEZONE_ACTIVE_DAYS and the `activeDays` query parameter). */
export const MAX_ACTIVE_DAYS = 90;
/** The gap of a first check-in, or of one 91 or more days after the previous one. */
export const GAP_NONE = MAX_ACTIVE_DAYS + 1;

/** The Vietnamese day number (days since 1970-01-01, UTC+7) of the instant `ms`. */
export function dayNumber(ms: number): number {
  return Math.floor((ms + VIETNAM_OFFSET_MS) / DAY_MS);
}

/** The day number of a `YYYY-MM-DD` date. */
export function dayOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** The `YYYY-MM-DD` date of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The hour bucket of an event at `ms`: bucket `k` holds the events of ((k − 1) h, k h] in
 * Vietnamese time since the epoch, so an event exactly on a whole hour falls in the bucket that
 * ends there and "as of" that hour counts it.
 */
export function hourBucket(ms: number): number {
  return Math.ceil((ms + VIETNAM_OFFSET_MS) / HOUR_MS);
}

/** The day row of an hour bucket: the day holding the bucket's start (so 00:00 events close the previous day). */
export function dayOfBucket(bucket: number): number {
  return Math.floor((bucket - 1) / 24);
}

/** The `bucket` and `day` periods an event at `ms` is counted in. */
export function eventPeriods(ms: number): { hour: number; day: number } {
  const hour = hourBucket(ms);
  return { hour, day: dayOfBucket(hour) };
}

/**
 * What the counters need to answer "as of" a whole-hour instant: the whole days to sum, the hour
 * buckets of the partial day, and the active window.
 */
export interface AsOfPeriods {
  /** The instant, Unix ms (a whole hour). */
  readonly ms: number;
  /** Hour number of the instant (Vietnamese time): buckets ≤ this are counted. */
  readonly hour: number;
  /** Day rows with period ≤ this are whole days before the instant. */
  readonly lastFullDay: number;
  /** Hour buckets in (firstPartialHour, hour] complete the partial day. */
  readonly firstPartialHour: number;
  /** The date of the instant's last counted moment, for denominators (`YYYY-MM-DD`). */
  readonly date: string;
}

/** The periods of "as of `ms`"; `ms` must be a whole hour (checked by {@link parseAsOf}). */
export function asOfPeriods(ms: number): AsOfPeriods {
  const hour = (ms + VIETNAM_OFFSET_MS) / HOUR_MS;
  if (!Number.isInteger(hour)) throw new RangeError(`as-of instant ${ms} is not a whole hour`);
  const firstPartialHour = Math.floor(hour / 24) * 24;
  return {
    ms,
    hour,
    lastFullDay: firstPartialHour / 24 - 1,
    firstPartialHour,
    date: dateOfDay(dayNumber(ms - 1)),
  };
}

/** The active window [first, last] (day numbers) of `activeDays` days for an as-of instant. */
export function activeWindow(asOf: AsOfPeriods, activeDays: number): { first: number; last: number } {
  return { first: asOf.lastFullDay - activeDays + 1, last: asOf.lastFullDay };
}

/** The outcome of {@link parseAsOf}. */
export type AsOfParse =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses an "as of" value: an ISO instant on a whole hour with an offset or Z
 * (`2020-09-13T08:00+07:00`, `2020-09-13T01:00:00Z`), a local Vietnamese time without offset
 * (`2020-09-13T08:00`), or a date (`2020-09-13` = the end of that Vietnamese day, 24:00).
 */
export function parseAsOf(value: string): AsOfParse {
  const text = value.trim();
  let ms: number;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    ms = Date.parse(`${text}T00:00:00Z`) - VIETNAM_OFFSET_MS + DAY_MS;
    if (Number.isNaN(ms) || dateOfDay(dayNumber(ms - 1)) !== text)
      return { ok: false, reason: `${JSON.stringify(value)} is not a calendar date` };
    return { ok: true, ms };
  }
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
    text,
  );
  if (!match)
    return {
      ok: false,
      reason: `${JSON.stringify(value)} is not an ISO date or time; use e.g. 2020-09-13T08:00+07:00 or 2020-09-13`,
    };
  const [, date, hh, mm, ss, frac, zone] = match;
  const iso = `${date}T${hh}:${mm}:${ss ?? '00'}.${(frac ?? '0').padEnd(3, '0')}${zone ?? '+07:00'}`;
  ms = Date.parse(iso);
  if (Number.isNaN(ms) || Number(hh) > 24)
    return { ok: false, reason: `${JSON.stringify(value)} is not a valid time` };
  if ((ms + VIETNAM_OFFSET_MS) % HOUR_MS !== 0)
    return {
      ok: false,
      reason: `${JSON.stringify(value)} is not on a whole hour; statistics are counted per hour (e.g. 08:00 Vietnam time)`,
    };
  return { ok: true, ms };
}
