/**
 * Risk scoring of exposure windows: the Corona-Warn-App exposure-window risk calculation (ENF v2
 * mode), step for step, for any {@link RiskConfig}.
 *
 * Per window (input order):
 * 0. drop it if its day is more than `maxEncounterAgeInDays` before today (UTC);
 * 1. drop it if, for any minutes-at-attenuation filter, the minutes of its scan instances whose
 *    `minAttenuation` is in the filter's attenuation range fall in `dropIfMinutesInRange`
 *    (minutes = seconds / 60, not rounded; negative seconds count as 0);
 * 2. transmission risk level (TRL) = report-type offset + infectiousness offset;
 * 3. drop it if the TRL is in any TRL filter's range;
 * 4. transmission risk value (TRV) from the mapping (a TRL not listed is worth 0);
 * 5. weighted minutes = Σ seconds × weight of the first weight range containing the scan's
 *    `minAttenuation` (0 if none) / 60;
 * 6. normalized time = TRV × weighted minutes (not rounded);
 * 7. risk level = first per-window mapping containing the normalized time; none → dropped.
 *
 * Per day (UTC date of the windows kept): normalized time = the sum over its windows rounded to
 * two decimals (half up), risk level from the per-day mapping; a day no mapping covers has no risk
 * level and counts towards neither low nor high. The rounding absorbs floating-point error
 * (CWA's EXPOSUREAPP-12211 vector: 0.6 + 4.8 + 3.6 must reach 9); two decimals is the precision
 * that passes all official vectors (one decimal, as the last Android version does, would turn
 * 4.98 into 5 and fail three of them; see docs/risk-scoring.md). Totals: high if any
 * day is high, else low; most recent low/high day; number of low/high days; and CWA's "minimum
 * distinct encounters" (distinct TRL × calibration confidence among a day's windows of that
 * level, summed over the days that have a risk level).
 *
 * Sources: the Android app's `DefaultRiskLevels.kt` and `ExposureWindowsFilter.kt`, the iOS app's
 * `RiskCalculationExposureWindow.swift`, and the test vectors
 * `exposure-windows-risk-calculation.json` (see docs/risk-scoring.md for repositories and commits).
 *
 * @module
 */

import { ReportType } from '../en/exposure-key.js';
import { ProtocolError } from '../errors.js';
import type { RiskConfig, RiskLevel, RiskRange, RiskTrlEncoding } from './config.js';
import { riskRangeContains, validateRiskConfig } from './config.js';
import { type ExposureWindow, Infectiousness } from './exposure-window.js';
import { RISK_DAY_MS, validateRiskExposureWindows } from './window-input.js';

/** Why a window was left out of the score. */
export type RiskWindowDropReason =
  | 'older_than_max_encounter_age'
  | 'minutes_at_attenuation_filter'
  | 'transmission_risk_level_filter'
  | 'no_window_risk_level';

interface RiskWindowResultBase {
  /** Position of the window in the input. */
  readonly index: number;
  /** UTC date of the window, `YYYY-MM-DD`. */
  readonly date: string;
  readonly dateMillisSinceEpoch: number;
}

/** A window that counts towards its day. */
export interface RiskScoredWindow extends RiskWindowResultBase {
  readonly dropped: false;
  readonly transmissionRiskLevel: number;
  readonly transmissionRiskValue: number;
  readonly weightedMinutes: number;
  /** TRV × weighted minutes, unrounded. */
  readonly normalizedTime: number;
  readonly riskLevel: RiskLevel;
}

/** A window left out, with the reason; the values computed before it was dropped are kept. */
export interface RiskDroppedWindow extends RiskWindowResultBase {
  readonly dropped: true;
  readonly reason: RiskWindowDropReason;
  /** One sentence for people: which filter, which value. */
  readonly detail: string;
  readonly transmissionRiskLevel?: number;
  readonly transmissionRiskValue?: number;
  readonly weightedMinutes?: number;
  readonly normalizedTime?: number;
}

export type RiskWindowResult = RiskScoredWindow | RiskDroppedWindow;

/** The windows of one UTC day that were kept, aggregated. */
export interface RiskDayResult {
  /** `YYYY-MM-DD` (UTC). */
  readonly date: string;
  readonly dateMillisSinceEpoch: number;
  /** Risk level from the per-day mapping; null when no mapping covers the day's normalized time. */
  readonly riskLevel: RiskLevel | null;
  /** Sum of the day's window normalized times, rounded to two decimals. */
  readonly normalizedTime: number;
  /** Highest risk level among the day's windows. */
  readonly maxWindowRiskLevel: RiskLevel;
  readonly windowCount: number;
  readonly minimumDistinctEncountersWithLowRisk: number;
  readonly minimumDistinctEncountersWithHighRisk: number;
}

/** The result of {@link scoreExposureWindows}. */
export interface RiskScore {
  /** `version` of the configuration used. */
  readonly configVersion: string;
  /** The `now` the score was computed for (ISO 8601). */
  readonly computedAt: string;
  readonly windows: readonly RiskWindowResult[];
  /** Days with at least one kept window, oldest first. */
  readonly days: readonly RiskDayResult[];
  /** High (2) if any day is high, else low (1), as CWA reports it (also with no windows). */
  readonly totalRiskLevel: RiskLevel;
  readonly mostRecentDateWithLowRisk: string | null;
  readonly mostRecentDateWithHighRisk: string | null;
  readonly numberOfDaysWithLowRisk: number;
  readonly numberOfDaysWithHighRisk: number;
  readonly totalMinimumDistinctEncountersWithLowRisk: number;
  readonly totalMinimumDistinctEncountersWithHighRisk: number;
}

/** `YYYY-MM-DD` of a UTC day start. */
export const riskDateString = (millis: number): string => new Date(millis).toISOString().slice(0, 10);

const firstLevel = (mappings: RiskConfig['normalizedTimePerDayToRiskLevelMapping'], value: number) =>
  mappings.find((m) => riskRangeContains(m.normalizedTimeRange, value))?.riskLevel ?? null;

const describeRange = (r: RiskRange) =>
  `${r.minExclusive ? '(' : '['}${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}`;

/** Decimals the per-day normalized time is rounded to. */
export const RISK_DAY_NORMALIZED_TIME_DECIMALS = 2;

/** Rounds a per-day normalized time, ties up (as Kotlin's `roundToLong`). */
const roundDayTime = (value: number) => {
  const scale = 10 ** RISK_DAY_NORMALIZED_TIME_DECIMALS;
  return Math.round(value * scale) / scale;
};

function transmissionRiskLevel(window: ExposureWindow, enc: RiskTrlEncoding): number {
  let reportTypeOffset = 0;
  switch (window.reportType) {
    case ReportType.RECURSIVE:
      reportTypeOffset = enc.reportTypeOffsetRecursive;
      break;
    case ReportType.SELF_REPORT:
      reportTypeOffset = enc.reportTypeOffsetSelfReport;
      break;
    case ReportType.CONFIRMED_CLINICAL_DIAGNOSIS:
      reportTypeOffset = enc.reportTypeOffsetConfirmedClinicalDiagnosis;
      break;
    case ReportType.CONFIRMED_TEST:
      reportTypeOffset = enc.reportTypeOffsetConfirmedTest;
      break;
    default:
      reportTypeOffset = 0;
  }
  const infectiousnessOffset =
    window.infectiousness === Infectiousness.HIGH
      ? enc.infectiousnessOffsetHigh
      : enc.infectiousnessOffsetStandard;
  return reportTypeOffset + infectiousnessOffset;
}

function scoreWindow(
  window: ExposureWindow,
  index: number,
  config: RiskConfig,
  deadline: number,
): RiskWindowResult {
  const base = {
    index,
    date: riskDateString(window.dateMillisSinceEpoch),
    dateMillisSinceEpoch: window.dateMillisSinceEpoch,
  };
  if (window.dateMillisSinceEpoch < deadline) {
    return {
      ...base,
      dropped: true,
      reason: 'older_than_max_encounter_age',
      detail: `the window's day is more than ${config.maxEncounterAgeInDays} days before today (UTC)`,
    };
  }
  const scans = window.scanInstances;

  for (const [f, filter] of config.minutesAtAttenuationFilters.entries()) {
    let seconds = 0;
    for (const scan of scans) {
      if (riskRangeContains(filter.attenuationRange, scan.minAttenuation)) {
        seconds += Math.max(scan.secondsSinceLastScan, 0);
      }
    }
    const minutes = seconds / 60;
    if (riskRangeContains(filter.dropIfMinutesInRange, minutes)) {
      return {
        ...base,
        dropped: true,
        reason: 'minutes_at_attenuation_filter',
        detail:
          `minutesAtAttenuationFilters[${f}]: ${minutes} minutes at attenuation ` +
          `${describeRange(filter.attenuationRange)} dB is in ${describeRange(filter.dropIfMinutesInRange)}`,
      };
    }
  }

  const trl = transmissionRiskLevel(window, config.trlEncoding);
  for (const [f, filter] of config.trlFilters.entries()) {
    if (riskRangeContains(filter.dropIfTrlInRange, trl)) {
      return {
        ...base,
        dropped: true,
        reason: 'transmission_risk_level_filter',
        detail: `trlFilters[${f}]: transmission risk level ${trl} is in ${describeRange(filter.dropIfTrlInRange)}`,
        transmissionRiskLevel: trl,
      };
    }
  }

  const trv =
    config.transmissionRiskValueMapping.find((m) => m.transmissionRiskLevel === trl)?.transmissionRiskValue ??
    0;
  let weightedSeconds = 0;
  for (const scan of scans) {
    const weight =
      config.minutesAtAttenuationWeights.find((w) =>
        riskRangeContains(w.attenuationRange, scan.minAttenuation),
      )?.weight ?? 0;
    weightedSeconds += Math.max(scan.secondsSinceLastScan, 0) * weight;
  }
  const weightedMinutes = weightedSeconds / 60;
  const normalizedTime = trv * weightedMinutes;
  const riskLevel = firstLevel(config.normalizedTimePerEWToRiskLevelMapping, normalizedTime);
  const values = {
    transmissionRiskLevel: trl,
    transmissionRiskValue: trv,
    weightedMinutes,
    normalizedTime,
  };
  if (riskLevel === null) {
    return {
      ...base,
      dropped: true,
      reason: 'no_window_risk_level',
      detail: `no normalizedTimePerEWToRiskLevelMapping entry covers normalized time ${normalizedTime}`,
      ...values,
    };
  }
  return { ...base, dropped: false, ...values, riskLevel };
}

function distinctEncounters(
  windows: readonly RiskScoredWindow[],
  source: readonly ExposureWindow[],
  level: RiskLevel,
) {
  const keys = new Set<string>();
  for (const w of windows) {
    if (w.riskLevel === level)
      keys.add(`${w.transmissionRiskLevel}_${source[w.index]!.calibrationConfidence}`);
  }
  return keys.size;
}

/**
 * Scores exposure windows against a configuration at time `now` (Unix milliseconds or a Date;
 * only its UTC day matters, for `maxEncounterAgeInDays`). Windows may come in any order; the
 * result does not depend on it, except that `windows` lists the per-window results in input
 * order.
 *
 * Validates both inputs first: throws {@link RiskValidationError} with code `risk_config_invalid`
 * or `risk_window_invalid` naming the bad field, and `invalid_argument` for a bad `now`. Pure:
 * no clock, no I/O.
 */
export function scoreExposureWindows(
  windows: readonly ExposureWindow[],
  config: RiskConfig,
  now: number | Date,
): RiskScore {
  const nowMillis = typeof now === 'number' ? now : now.getTime();
  if (!Number.isFinite(nowMillis) || Math.abs(nowMillis) > 8.64e15) {
    throw new ProtocolError('invalid_argument', `now must be a valid time, got ${String(now)}`);
  }
  const checkedConfig = validateRiskConfig(config);
  const checkedWindows = validateRiskExposureWindows(windows);
  const today = Math.floor(nowMillis / RISK_DAY_MS) * RISK_DAY_MS;
  const deadline = today - checkedConfig.maxEncounterAgeInDays * RISK_DAY_MS;

  const results = checkedWindows.map((w, i) => scoreWindow(w, i, checkedConfig, deadline));

  const byDate = new Map<number, RiskScoredWindow[]>();
  for (const r of results) {
    if (r.dropped) continue;
    const list = byDate.get(r.dateMillisSinceEpoch);
    if (list) list.push(r);
    else byDate.set(r.dateMillisSinceEpoch, [r]);
  }

  const days: RiskDayResult[] = [...byDate.keys()]
    .sort((a, b) => a - b)
    .map((date) => {
      const dayWindows = byDate.get(date)!;
      // Sum in a fixed order so that the result does not depend on the input order.
      const times = dayWindows.map((w) => w.normalizedTime).sort((a, b) => a - b);
      const normalizedTime = roundDayTime(times.reduce((sum, t) => sum + t, 0));
      return {
        date: riskDateString(date),
        dateMillisSinceEpoch: date,
        riskLevel: firstLevel(checkedConfig.normalizedTimePerDayToRiskLevelMapping, normalizedTime),
        normalizedTime,
        maxWindowRiskLevel: dayWindows.reduce<RiskLevel>(
          (max, w) => Math.max(max, w.riskLevel) as RiskLevel,
          1,
        ),
        windowCount: dayWindows.length,
        minimumDistinctEncountersWithLowRisk: distinctEncounters(dayWindows, checkedWindows, 1),
        minimumDistinctEncountersWithHighRisk: distinctEncounters(dayWindows, checkedWindows, 2),
      };
    });

  const rated = days.filter((d) => d.riskLevel !== null);
  const low = rated.filter((d) => d.riskLevel === 1);
  const high = rated.filter((d) => d.riskLevel === 2);
  return {
    configVersion: checkedConfig.version,
    computedAt: new Date(nowMillis).toISOString(),
    windows: results,
    days,
    totalRiskLevel: high.length > 0 ? 2 : 1,
    mostRecentDateWithLowRisk: low.length > 0 ? low.at(-1)!.date : null,
    mostRecentDateWithHighRisk: high.length > 0 ? high.at(-1)!.date : null,
    numberOfDaysWithLowRisk: low.length,
    numberOfDaysWithHighRisk: high.length,
    totalMinimumDistinctEncountersWithLowRisk: rated.reduce(
      (n, d) => n + d.minimumDistinctEncountersWithLowRisk,
      0,
    ),
    totalMinimumDistinctEncountersWithHighRisk: rated.reduce(
      (n, d) => n + d.minimumDistinctEncountersWithHighRisk,
      0,
    ),
  };
}
