/**
 * Matching parameters: the clock-drift tolerance, the infectiousness mapping, the attenuation
 * callback and the TX power bounds, with their defaults and validation.
 *
 * **Tolerance.** The two phones' clocks may disagree, so a sighting heard at time `t` (Unix
 * seconds, the receiver's clock) matches the RPI of interval `i` when `t` lies within the
 * tolerance `T` of that RPI's validity `[600 i, 600 (i + 1))`:
 *
 *     600 i − T ≤ t < 600 (i + 1) + T
 *
 * closed at the start and open at the end, like every interval of the EN specification. The
 * default `T` is 7,200 s (2 h = 12 intervals, the EN reference implementation's
 * `tkMatchingClockDriftRollingPeriods`); for whole-second times and `T` a multiple of 600 the
 * rule is exactly EN's `ENIntervalNumber(t) ∈ [i − 12, i + 12]`. As in EN (with
 * `ignoreEmbargoPeriodWhenMatchingNearKeyEdges` off) the tolerance also applies past the ends of
 * the key's validity.
 *
 * @module
 */
import type { CryptoPrimitives } from '../crypto.js';
import { ReportType } from '../en/exposure-key.js';
import { EN_INTERVAL_SECONDS } from '../en/interval.js';
import { ProtocolError } from '../errors.js';
import { CalibrationConfidence, Infectiousness } from '../risk/exposure-window.js';

/** Default clock-drift tolerance: 2 hours either side of an RPI's 10-minute validity. */
export const MATCHING_DEFAULT_TOLERANCE_SECONDS = 7_200;
/** Largest tolerance accepted: one day. */
export const MATCHING_MAX_TOLERANCE_SECONDS = 86_400;
/** Longest time an exposure window stands for: 30 minutes, as in the EN API. */
export const MATCHING_WINDOW_MAX_SECONDS = 1_800;

/**
 * The tolerance rule: true when a sighting at `timeSeconds` may be the RPI of `interval`, i.e.
 * `600 interval − tolerance ≤ timeSeconds < 600 (interval + 1) + tolerance`.
 */
export function matchingSightingMatchesInterval(
  timeSeconds: number,
  interval: number,
  toleranceSeconds = MATCHING_DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const start = interval * EN_INTERVAL_SECONDS;
  return (
    timeSeconds >= start - toleranceSeconds && timeSeconds < start + EN_INTERVAL_SECONDS + toleranceSeconds
  );
}

/** What the attenuation callback returns for one sighting. */
export interface MatchingAttenuation {
  /** Attenuation in dB (rounded to an integer and clamped to 0–255 by the matcher, as EN reports it). */
  readonly attenuation: number;
  /** Confidence in the receiver's calibration; a window takes the lowest of its sightings. */
  readonly calibrationConfidence: CalibrationConfidence;
}

/**
 * Computes a sighting's attenuation from the transmitter's TX power (decrypted from the AEM),
 * the measured RSSI and the receiving phone's model. The calibration-based implementation lives
 * in the risk module; {@link matchingDefaultAttenuation} is the uncalibrated fallback.
 */
export type MatchingAttenuationFunction = (
  txPowerDbm: number,
  rssiDbm: number,
  receiverModel: string,
) => MatchingAttenuation;

/**
 * Calls `attenuate` for one sighting and checks its answer: the attenuation rounded and clamped to
 * 0–255 dB (as EN reports it) and the calibration confidence. The matcher and any parallel matcher
 * use this one function, so they agree on every sighting.
 *
 * @throws {ProtocolError} `invalid_argument` when the callback returns no number or a confidence
 *   outside 0–3.
 */
export function matchingCheckedAttenuation(
  attenuate: MatchingAttenuationFunction,
  txPowerDbm: number,
  rssiDbm: number,
  receiverModel: string,
): MatchingAttenuation {
  const a = attenuate(txPowerDbm, rssiDbm, receiverModel);
  if (
    typeof a !== 'object' ||
    a === null ||
    typeof a.attenuation !== 'number' ||
    Number.isNaN(a.attenuation)
  ) {
    throw new ProtocolError(
      'invalid_argument',
      `the attenuation callback must return { attenuation: number, calibrationConfidence }, got ${JSON.stringify(a)}`,
    );
  }
  const confidence = a.calibrationConfidence;
  if (!Number.isInteger(confidence) || confidence < 0 || confidence > 3) {
    throw new ProtocolError(
      'invalid_argument',
      `the attenuation callback's calibrationConfidence must be 0-3, got ${String(confidence)}`,
    );
  }
  return {
    attenuation: Math.min(255, Math.max(0, Math.round(a.attenuation))),
    calibrationConfidence: confidence,
  };
}

/** Uncalibrated attenuation: TX power − RSSI, with the LOWEST calibration confidence. */
export const matchingDefaultAttenuation: MatchingAttenuationFunction = (txPowerDbm, rssiDbm) => ({
  attenuation: txPowerDbm - rssiDbm,
  calibrationConfidence: CalibrationConfidence.LOWEST,
});

/** Maps a key's days since symptom onset to its infectiousness (EN `DiagnosisKeysDataMapping`). */
export interface MatchingInfectiousnessMapping {
  /** 29 entries: the infectiousness of days since onset −14 … 14 (entry `days + 14`). */
  readonly daysSinceOnsetToInfectiousness: readonly Infectiousness[];
  /** For keys without days since onset, or with a value outside −14 … 14 (as in EN). */
  readonly whenMissing: Infectiousness;
}

const { NONE, STANDARD, HIGH } = Infectiousness;

/**
 * The default mapping: NONE from 14 to 6 days before onset, STANDARD 5 to 3 days before, HIGH
 * from 2 days before to 3 days after, STANDARD 4 to 9 days after, NONE from day 10; STANDARD
 * when the onset is unknown. This is the profile the Dutch CoronaMelder and Japan's COCOA
 * shipped (after the infectiousness curve of He et al. 2020, peaking around onset). The
 * Corona-Warn-App's own mapping is not a clinical one: CWA re-uses days since onset to carry its
 * transmission risk level, so use its mapping only together with its whole configuration.
 */
export const MATCHING_DEFAULT_INFECTIOUSNESS: MatchingInfectiousnessMapping = Object.freeze({
  // biome-ignore format: one row per infectiousness band, days −14 … 14
  daysSinceOnsetToInfectiousness: Object.freeze([
    NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, // −14 … −6
    STANDARD, STANDARD, STANDARD, // −5 … −3
    HIGH, HIGH, HIGH, HIGH, HIGH, HIGH, // −2 … 3
    STANDARD, STANDARD, STANDARD, STANDARD, STANDARD, STANDARD, // 4 … 9
    NONE, NONE, NONE, NONE, NONE, // 10 … 14
  ]) as readonly Infectiousness[],
  whenMissing: STANDARD,
});

/** The infectiousness of a key with `daysSinceOnsetOfSymptoms` under `mapping`. */
export function matchingInfectiousness(
  daysSinceOnsetOfSymptoms: number | undefined,
  mapping: MatchingInfectiousnessMapping = MATCHING_DEFAULT_INFECTIOUSNESS,
): Infectiousness {
  if (
    daysSinceOnsetOfSymptoms === undefined ||
    !Number.isInteger(daysSinceOnsetOfSymptoms) ||
    Math.abs(daysSinceOnsetOfSymptoms) > 14
  ) {
    return mapping.whenMissing;
  }
  return mapping.daysSinceOnsetToInfectiousness[daysSinceOnsetOfSymptoms + 14]!;
}

/** Bounds on a decrypted TX power, dBm, inclusive. */
export interface MatchingTxPowerBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * Default TX power bounds, −50 … 20 dBm, as the EN reference implementation
 * (`matchingTxPowerLower/UpperBound`). AES-CTR is malleable: a relay can flip bits of the AEM
 * without the key, so a TX power outside a plausible range marks a tampered sighting, which is
 * dropped (and counted) rather than turned into a huge attenuation.
 */
export const MATCHING_DEFAULT_TX_POWER_BOUNDS: MatchingTxPowerBounds = Object.freeze({ min: -50, max: 20 });

/** Options of a matching run. Every field is optional. */
export interface MatchingOptions {
  /** Crypto adapter (default `nobleCrypto`; pass `nodeCrypto` in Node). */
  readonly crypto?: CryptoPrimitives;
  /** Clock-drift tolerance in seconds, 0 … 86,400 (default 7,200). */
  readonly toleranceSeconds?: number;
  /** Attenuation callback (default {@link matchingDefaultAttenuation}). */
  readonly attenuation?: MatchingAttenuationFunction;
  /** Infectiousness mapping (default {@link MATCHING_DEFAULT_INFECTIOUSNESS}). */
  readonly infectiousness?: MatchingInfectiousnessMapping;
  /**
   * Keys whose infectiousness is NONE are ignored, as in the EN API (default `false`); set it to
   * keep their matches (with NONE windows) e.g. for research.
   */
  readonly keepNonInfectious?: boolean;
  /** Report type of keys without one, or with UNKNOWN (default CONFIRMED_TEST, as CWA sets it). */
  readonly reportTypeWhenMissing?: ReportType;
  /** Plausible TX powers; sightings outside are dropped (default {@link MATCHING_DEFAULT_TX_POWER_BOUNDS}). */
  readonly txPowerBoundsDbm?: MatchingTxPowerBounds;
}

/** {@link MatchingOptions} with every default applied, validated. */
export interface ResolvedMatchingOptions {
  readonly crypto: CryptoPrimitives;
  readonly toleranceSeconds: number;
  readonly attenuation: MatchingAttenuationFunction;
  readonly infectiousness: MatchingInfectiousnessMapping;
  readonly keepNonInfectious: boolean;
  readonly reportTypeWhenMissing: ReportType;
  readonly txPowerBoundsDbm: MatchingTxPowerBounds;
}

const badOption = (message: string) => new ProtocolError('invalid_argument', message);

const isInfectiousness = (value: unknown): value is Infectiousness =>
  value === NONE || value === STANDARD || value === HIGH;

/**
 * Applies defaults and validates.
 *
 * @throws {ProtocolError} `invalid_argument` naming the bad option.
 */
export function resolveMatchingOptions(
  options: MatchingOptions,
  defaultCrypto: CryptoPrimitives,
): ResolvedMatchingOptions {
  const toleranceSeconds = options.toleranceSeconds ?? MATCHING_DEFAULT_TOLERANCE_SECONDS;
  if (
    typeof toleranceSeconds !== 'number' ||
    !Number.isFinite(toleranceSeconds) ||
    toleranceSeconds < 0 ||
    toleranceSeconds > MATCHING_MAX_TOLERANCE_SECONDS
  ) {
    throw badOption(
      `toleranceSeconds must be a number from 0 to ${MATCHING_MAX_TOLERANCE_SECONDS}, got ${String(toleranceSeconds)}`,
    );
  }
  const attenuation = options.attenuation ?? matchingDefaultAttenuation;
  if (typeof attenuation !== 'function') throw badOption('attenuation must be a function');
  const infectiousness = options.infectiousness ?? MATCHING_DEFAULT_INFECTIOUSNESS;
  if (
    !Array.isArray(infectiousness.daysSinceOnsetToInfectiousness) ||
    infectiousness.daysSinceOnsetToInfectiousness.length !== 29 ||
    !infectiousness.daysSinceOnsetToInfectiousness.every(isInfectiousness) ||
    !isInfectiousness(infectiousness.whenMissing)
  ) {
    throw badOption(
      'infectiousness.daysSinceOnsetToInfectiousness must have 29 entries (days -14 to 14) and every value, like whenMissing, must be 0 (NONE), 1 (STANDARD) or 2 (HIGH)',
    );
  }
  const reportTypeWhenMissing = options.reportTypeWhenMissing ?? ReportType.CONFIRMED_TEST;
  if (!Number.isInteger(reportTypeWhenMissing) || reportTypeWhenMissing < 1 || reportTypeWhenMissing > 4) {
    throw badOption(
      `reportTypeWhenMissing must be a report type from 1 to 4, got ${String(reportTypeWhenMissing)}`,
    );
  }
  const txPowerBoundsDbm = options.txPowerBoundsDbm ?? MATCHING_DEFAULT_TX_POWER_BOUNDS;
  const { min, max } = txPowerBoundsDbm;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < -128 || max > 127 || min > max) {
    throw badOption(`txPowerBoundsDbm must be integers with -128 ≤ min ≤ max ≤ 127, got ${min} … ${max}`);
  }
  return {
    crypto: options.crypto ?? defaultCrypto,
    toleranceSeconds,
    attenuation,
    infectiousness,
    keepNonInfectious: options.keepNonInfectious === true,
    reportTypeWhenMissing,
    txPowerBoundsDbm,
  };
}
