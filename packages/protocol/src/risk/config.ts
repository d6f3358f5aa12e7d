/**
 * Risk scoring configuration: the Corona-Warn-App risk calculation parameter model (the
 * `RiskCalculationParameters` message of CWA's app configuration v2, served by cwa-server as
 * `risk-calculation-parameters*.yaml`), with a `version` string so that every result can be
 * traced to the configuration that produced it.
 *
 * Ranges follow CWA's `Range` message: `min` and `max` are inclusive unless `minExclusive` /
 * `maxExclusive` is true (absent = false). Lists of weights and mappings are searched in order
 * and the first range containing the value wins.
 *
 * @module
 */
import { err, ok, type Result } from '../errors.js';
import {
  fieldPath,
  type RiskFail,
  RiskValidationError,
  readArray,
  readFlag,
  readInteger,
  readNumber,
  readObject,
  riskFailer,
} from './validation.js';

/** Risk levels of a window, a day and the total, as in CWA's `NormalizedTimeToRiskLevelMapping`. */
export const RiskLevel = { LOW: 1, HIGH: 2 } as const;
export type RiskLevel = (typeof RiskLevel)[keyof typeof RiskLevel];

/** A numeric range; bounds inclusive unless flagged exclusive. */
export interface RiskRange {
  readonly min: number;
  readonly max: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

/** Drops a window when its minutes at the given attenuations fall in `dropIfMinutesInRange`. */
export interface RiskMinutesAtAttenuationFilter {
  readonly attenuationRange: RiskRange;
  readonly dropIfMinutesInRange: RiskRange;
}

/** Drops a window whose transmission risk level falls in the range. */
export interface RiskTrlFilter {
  readonly dropIfTrlInRange: RiskRange;
}

/** Weight of the seconds of scan instances whose minimum attenuation is in the range. */
export interface RiskMinutesAtAttenuationWeight {
  readonly attenuationRange: RiskRange;
  readonly weight: number;
}

/** Maps a normalized time to a risk level. */
export interface RiskNormalizedTimeToRiskLevelMapping {
  readonly normalizedTimeRange: RiskRange;
  readonly riskLevel: RiskLevel;
}

/**
 * Transmission risk level = report-type offset + infectiousness offset. Infectiousness HIGH
 * takes the high offset, anything else the standard one; a report type other than the four
 * named here (UNKNOWN, REVOKED) adds 0.
 */
export interface RiskTrlEncoding {
  readonly infectiousnessOffsetStandard: number;
  readonly infectiousnessOffsetHigh: number;
  readonly reportTypeOffsetRecursive: number;
  readonly reportTypeOffsetSelfReport: number;
  readonly reportTypeOffsetConfirmedClinicalDiagnosis: number;
  readonly reportTypeOffsetConfirmedTest: number;
}

/** The transmission risk value of a transmission risk level (levels not listed are worth 0). */
export interface RiskTransmissionRiskValueMapping {
  readonly transmissionRiskLevel: number;
  readonly transmissionRiskValue: number;
}

/** A complete, versioned risk scoring configuration (CWA parameter model). */
export interface RiskConfig {
  /** Identifies this configuration; carried into every score. */
  readonly version: string;
  /** Free text: where the values come from. */
  readonly description?: string;
  readonly minutesAtAttenuationFilters: readonly RiskMinutesAtAttenuationFilter[];
  readonly trlFilters: readonly RiskTrlFilter[];
  readonly minutesAtAttenuationWeights: readonly RiskMinutesAtAttenuationWeight[];
  readonly normalizedTimePerEWToRiskLevelMapping: readonly RiskNormalizedTimeToRiskLevelMapping[];
  readonly normalizedTimePerDayToRiskLevelMapping: readonly RiskNormalizedTimeToRiskLevelMapping[];
  readonly trlEncoding: RiskTrlEncoding;
  readonly transmissionRiskValueMapping: readonly RiskTransmissionRiskValueMapping[];
  /** Windows dated more than this many days before today (UTC) are dropped. */
  readonly maxEncounterAgeInDays: number;
}

/** Largest `maxEncounterAgeInDays` accepted. */
export const RISK_MAX_ENCOUNTER_AGE_LIMIT_DAYS = 366;

/** Largest magnitude accepted for range bounds, weights, values and offsets. */
const LIMIT = 1e9;

/** True when `value` lies in `range`, with CWA's inclusive/exclusive semantics. */
export function riskRangeContains(range: RiskRange, value: number): boolean {
  if (range.minExclusive ? value <= range.min : value < range.min) return false;
  if (range.maxExclusive ? value >= range.max : value > range.max) return false;
  return true;
}

const CONFIG_KEYS = [
  'version',
  'description',
  'minutesAtAttenuationFilters',
  'trlFilters',
  'minutesAtAttenuationWeights',
  'normalizedTimePerEWToRiskLevelMapping',
  'normalizedTimePerDayToRiskLevelMapping',
  'trlEncoding',
  'transmissionRiskValueMapping',
  'maxEncounterAgeInDays',
] as const;

const TRL_ENCODING_KEYS = [
  'infectiousnessOffsetStandard',
  'infectiousnessOffsetHigh',
  'reportTypeOffsetRecursive',
  'reportTypeOffsetSelfReport',
  'reportTypeOffsetConfirmedClinicalDiagnosis',
  'reportTypeOffsetConfirmedTest',
] as const;

function readRange(value: unknown, field: string, fail: RiskFail): RiskRange {
  const o = readObject(value, field, ['min', 'max', 'minExclusive', 'maxExclusive'], fail);
  const min = readNumber(o['min'], fieldPath(field, 'min'), -LIMIT, LIMIT, fail);
  const max = readNumber(o['max'], fieldPath(field, 'max'), -LIMIT, LIMIT, fail);
  const minExclusive = readFlag(o['minExclusive'], fieldPath(field, 'minExclusive'), fail);
  const maxExclusive = readFlag(o['maxExclusive'], fieldPath(field, 'maxExclusive'), fail);
  if (min > max) fail(field, `is empty: min ${min} is greater than max ${max}`);
  if (min === max && (minExclusive || maxExclusive)) {
    fail(field, `is empty: min and max are both ${min} and a bound is exclusive`);
  }
  return {
    min,
    max,
    ...(minExclusive ? { minExclusive } : {}),
    ...(maxExclusive ? { maxExclusive } : {}),
  };
}

function readList<T>(
  value: unknown,
  field: string,
  fail: RiskFail,
  item: (value: unknown, field: string) => T,
  options: { nonEmpty?: boolean } = {},
): T[] {
  const list = readArray(value, field, fail);
  if (options.nonEmpty && list.length === 0) fail(field, 'must have at least one entry');
  if (list.length > 1000) fail(field, `has ${list.length} entries; at most 1000 are accepted`);
  return list.map((entry, i) => item(entry, `${field}[${i}]`));
}

function readMapping(value: unknown, field: string, fail: RiskFail): RiskNormalizedTimeToRiskLevelMapping {
  const o = readObject(value, field, ['normalizedTimeRange', 'riskLevel'], fail);
  const riskLevel = o['riskLevel'];
  if (riskLevel !== RiskLevel.LOW && riskLevel !== RiskLevel.HIGH) {
    fail(fieldPath(field, 'riskLevel'), `must be 1 (low) or 2 (high), got ${JSON.stringify(riskLevel)}`);
  }
  return {
    normalizedTimeRange: readRange(o['normalizedTimeRange'], fieldPath(field, 'normalizedTimeRange'), fail),
    riskLevel: riskLevel as RiskLevel,
  };
}

function readConfig(json: unknown): RiskConfig {
  const fail = riskFailer('risk_config_invalid', 'risk config');
  const o = readObject(json, '', CONFIG_KEYS, fail);
  for (const key of CONFIG_KEYS) {
    if (key !== 'description' && o[key] === undefined) fail(key, 'is missing');
  }
  const version = o['version'];
  if (typeof version !== 'string' || version.trim() === '' || version.length > 200) {
    fail('version', `must be a non-empty string of at most 200 characters, got ${JSON.stringify(version)}`);
  }
  const description = o['description'];
  if (description !== undefined && typeof description !== 'string') {
    fail('description', 'must be a string');
  }

  const minutesAtAttenuationFilters = readList(
    o['minutesAtAttenuationFilters'],
    'minutesAtAttenuationFilters',
    fail,
    (v, f) => {
      const e = readObject(v, f, ['attenuationRange', 'dropIfMinutesInRange'], fail);
      return {
        attenuationRange: readRange(e['attenuationRange'], fieldPath(f, 'attenuationRange'), fail),
        dropIfMinutesInRange: readRange(
          e['dropIfMinutesInRange'],
          fieldPath(f, 'dropIfMinutesInRange'),
          fail,
        ),
      };
    },
  );
  const trlFilters = readList(o['trlFilters'], 'trlFilters', fail, (v, f) => {
    const e = readObject(v, f, ['dropIfTrlInRange'], fail);
    return { dropIfTrlInRange: readRange(e['dropIfTrlInRange'], fieldPath(f, 'dropIfTrlInRange'), fail) };
  });
  const minutesAtAttenuationWeights = readList(
    o['minutesAtAttenuationWeights'],
    'minutesAtAttenuationWeights',
    fail,
    (v, f) => {
      const e = readObject(v, f, ['attenuationRange', 'weight'], fail);
      return {
        attenuationRange: readRange(e['attenuationRange'], fieldPath(f, 'attenuationRange'), fail),
        weight: readNumber(e['weight'], fieldPath(f, 'weight'), 0, LIMIT, fail),
      };
    },
    { nonEmpty: true },
  );
  const normalizedTimePerEWToRiskLevelMapping = readList(
    o['normalizedTimePerEWToRiskLevelMapping'],
    'normalizedTimePerEWToRiskLevelMapping',
    fail,
    (v, f) => readMapping(v, f, fail),
    { nonEmpty: true },
  );
  const normalizedTimePerDayToRiskLevelMapping = readList(
    o['normalizedTimePerDayToRiskLevelMapping'],
    'normalizedTimePerDayToRiskLevelMapping',
    fail,
    (v, f) => readMapping(v, f, fail),
    { nonEmpty: true },
  );

  const enc = readObject(o['trlEncoding'], 'trlEncoding', TRL_ENCODING_KEYS, fail);
  const offsets = {} as Record<(typeof TRL_ENCODING_KEYS)[number], number>;
  for (const key of TRL_ENCODING_KEYS) {
    if (enc[key] === undefined) fail(`trlEncoding.${key}`, 'is missing');
    offsets[key] = readInteger(enc[key], `trlEncoding.${key}`, -1000, 1000, fail);
  }

  const seen = new Set<number>();
  const transmissionRiskValueMapping = readList(
    o['transmissionRiskValueMapping'],
    'transmissionRiskValueMapping',
    fail,
    (v, f) => {
      const e = readObject(v, f, ['transmissionRiskLevel', 'transmissionRiskValue'], fail);
      const transmissionRiskLevel = readInteger(
        e['transmissionRiskLevel'],
        fieldPath(f, 'transmissionRiskLevel'),
        -2000,
        2000,
        fail,
      );
      if (seen.has(transmissionRiskLevel)) {
        fail(
          fieldPath(f, 'transmissionRiskLevel'),
          `repeats level ${transmissionRiskLevel}; list each level once`,
        );
      }
      seen.add(transmissionRiskLevel);
      return {
        transmissionRiskLevel,
        transmissionRiskValue: readNumber(
          e['transmissionRiskValue'],
          fieldPath(f, 'transmissionRiskValue'),
          0,
          LIMIT,
          fail,
        ),
      };
    },
  );

  const maxEncounterAgeInDays = readInteger(
    o['maxEncounterAgeInDays'],
    'maxEncounterAgeInDays',
    0,
    RISK_MAX_ENCOUNTER_AGE_LIMIT_DAYS,
    fail,
  );

  return {
    version: version as string,
    ...(description === undefined ? {} : { description: description as string }),
    minutesAtAttenuationFilters,
    trlFilters,
    minutesAtAttenuationWeights,
    normalizedTimePerEWToRiskLevelMapping,
    normalizedTimePerDayToRiskLevelMapping,
    trlEncoding: offsets,
    transmissionRiskValueMapping,
    maxEncounterAgeInDays,
  };
}

/**
 * Validates a parsed JSON risk configuration. Never throws; a failure is a
 * {@link RiskValidationError} with code `risk_config_invalid` whose `field` names the bad value.
 * Unknown fields are rejected (a misspelt `maxExclusive` would otherwise silently change a range).
 * The returned configuration is a fresh, normalized copy.
 */
export function parseRiskConfig(json: unknown): Result<RiskConfig, RiskValidationError> {
  try {
    return ok(readConfig(json));
  } catch (error) {
    if (error instanceof RiskValidationError) return err(error);
    throw error;
  }
}

/** Validates a configuration built in code; throws {@link RiskValidationError} (`risk_config_invalid`). */
export function validateRiskConfig(config: RiskConfig): RiskConfig {
  return readConfig(config);
}
