/**
 * Exposure results as the app shows them, computed from the stored matches and the adopted
 * configuration.
 *
 * **Per day** (the UTC day of the exposure windows, as Exposure Notification scores them):
 *
 * - the **risk level** (1 low, 2 high) of all windows of F0 and F1 keys together
 *   (`scoreExposureWindows` with the configuration's risk parameters); days without a level are
 *   not listed;
 * - the **source level**: `F0` when the windows of confirmed-case keys alone give the day a risk
 *   level — the user is then **F1** — else `F1` (keys the authority published for a contact,
 *   report type RECURSIVE) — the user is **F2**. Keys of other report types (self reports) carry
 *   no level and are not counted.
 * - the **time of day** of the exposure at the granularity the signed configuration says
 *   (`exposureTimeGranularity`): `none` (nothing), `period` — morning (00:00–11:59), afternoon
 *   (12:00–17:59), evening (18:00–23:59) — or `hour`, in Vietnam's time (UTC+7, no daylight
 *   saving), from the times of the day's matched sightings. Each slot is listed once, in order,
 *   with its local date (a UTC day's sightings may fall on two local dates).
 *
 * @module
 */
import { type RiskConfig, type RiskLevel, type SourceLevel, scoreExposureWindows } from '@bluezone/protocol';
import type { ExposureTimeGranularity } from './config.js';
import type { StoredExposureMatch } from './store.js';

/** Vietnam's offset from UTC (Indochina Time, no daylight saving), ms. */
export const VIETNAM_OFFSET_MS = 7 * 3_600_000;

const DAY_MS = 86_400_000;

/** Part of the day, in Vietnam's time. */
export type DayPeriod = 'morning' | 'afternoon' | 'evening';

/** When an exposure happened, as precisely as the configuration allows. */
export type ExposureTimeSlot =
  | { readonly granularity: 'period'; readonly localDate: string; readonly period: DayPeriod }
  | { readonly granularity: 'hour'; readonly localDate: string; readonly hour: number };

/** One day with a risk. */
export interface ExposureDay {
  /** The UTC day of the exposure windows, `YYYY-MM-DD`. */
  readonly date: string;
  readonly dateMillisSinceEpoch: number;
  readonly riskLevel: RiskLevel;
  /** Level of the source: F0 (a confirmed case) or F1 (a contact published recursively). */
  readonly sourceLevel: SourceLevel;
  /** What that makes the user: F1 (met an F0) or F2 (met an F1). */
  readonly contactLevel: 'F1' | 'F2';
  /** The day's normalized time (weighted minutes × transmission risk value), two decimals. */
  readonly normalizedTime: number;
  /** When, at the configured granularity; empty for `none`. */
  readonly times: readonly ExposureTimeSlot[];
  /** Hashes of the keys with a window on this day. */
  readonly keyHashes: readonly string[];
}

/** Every day with a risk, oldest first, and the summary. */
export interface ExposureResults {
  readonly days: readonly ExposureDay[];
  /** Highest risk level of any day, 0 when none. */
  readonly maxRiskLevel: 0 | RiskLevel;
  /** The user's contact level: F1 if any day's source is F0, F2 if only F1 sources, else null. */
  readonly contactLevel: 'F1' | 'F2' | null;
  /** The configuration version the days were scored with, null without a configuration. */
  readonly configVersion: string | null;
}

/** No results (no configuration or no match). */
export const NO_EXPOSURE_RESULTS: ExposureResults = Object.freeze({
  days: Object.freeze([]),
  maxRiskLevel: 0,
  contactLevel: null,
  configVersion: null,
});

/** The part of the day of an hour 0–23 in local time. */
export function dayPeriodOfHour(hour: number): DayPeriod {
  if (hour < 12) return 'morning';
  if (hour < 18) return 'afternoon';
  return 'evening';
}

/** The time slots of `timesMs` at `granularity`, in Vietnam's time, each once, in order. */
export function exposureTimeSlots(
  timesMs: readonly number[],
  granularity: ExposureTimeGranularity,
): ExposureTimeSlot[] {
  if (granularity === 'none') return [];
  const seen = new Set<string>();
  const slots: ExposureTimeSlot[] = [];
  for (const t of [...timesMs].sort((a, b) => a - b)) {
    const local = new Date(t + VIETNAM_OFFSET_MS);
    const localDate = local.toISOString().slice(0, 10);
    const hour = local.getUTCHours();
    const slot: ExposureTimeSlot =
      granularity === 'hour'
        ? { granularity, localDate, hour }
        : { granularity, localDate, period: dayPeriodOfHour(hour) };
    const id = `${localDate}/${granularity === 'hour' ? hour : dayPeriodOfHour(hour)}`;
    if (!seen.has(id)) {
      seen.add(id);
      slots.push(slot);
    }
  }
  return slots;
}

/** Computes the results (see the module comment) at `nowMs`. */
export function computeExposureResults(
  matches: readonly StoredExposureMatch[],
  riskConfig: RiskConfig,
  configVersion: string,
  granularity: ExposureTimeGranularity,
  nowMs: number,
): ExposureResults {
  const counted = matches.filter((m) => m.sourceLevel === 'F0' || m.sourceLevel === 'F1');
  const windows = counted.flatMap((m) => m.windows);
  if (windows.length === 0) return { ...NO_EXPOSURE_RESULTS, configVersion };
  const all = scoreExposureWindows(windows, riskConfig, nowMs);
  const f0Windows = counted.filter((m) => m.sourceLevel === 'F0').flatMap((m) => m.windows);
  const f0Days = new Set(
    f0Windows.length === 0
      ? []
      : scoreExposureWindows(f0Windows, riskConfig, nowMs)
          .days.filter((d) => d.riskLevel !== null)
          .map((d) => d.date),
  );
  const days: ExposureDay[] = [];
  for (const day of all.days) {
    if (day.riskLevel === null) continue;
    const sourceLevel: SourceLevel = f0Days.has(day.date) ? 'F0' : 'F1';
    const dayMatches = counted.filter((m) =>
      m.windows.some((w) => w.dateMillisSinceEpoch === day.dateMillisSinceEpoch),
    );
    const start = day.dateMillisSinceEpoch;
    const times = dayMatches.flatMap((m) =>
      m.sightingTimesMs.filter((t) => t >= start && t < start + DAY_MS),
    );
    days.push({
      date: day.date,
      dateMillisSinceEpoch: start,
      riskLevel: day.riskLevel,
      sourceLevel,
      contactLevel: sourceLevel === 'F0' ? 'F1' : 'F2',
      normalizedTime: day.normalizedTime,
      times: exposureTimeSlots(times, granularity),
      keyHashes: [...new Set(dayMatches.map((m) => m.keyHash))].sort(),
    });
  }
  const maxRiskLevel = Math.max(0, ...days.map((d) => d.riskLevel)) as 0 | RiskLevel;
  const contactLevel = days.some((d) => d.contactLevel === 'F1') ? 'F1' : days.length > 0 ? 'F2' : null;
  return { days, maxRiskLevel, contactLevel, configVersion };
}
