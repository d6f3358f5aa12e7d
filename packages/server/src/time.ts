/**
 * Calendar days in Vietnam (UTC+7, no daylight saving): activity and statistics count the day
 * people live in, not the UTC day.
 *
 * @module
 */

/** Offset of Indochina Time from UTC, ms. */
export const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** The Vietnamese calendar day (YYYY-MM-DD) of a moment given in Unix ms. */
export function vietnamDay(unixMs: number): string {
  return new Date(unixMs + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}
