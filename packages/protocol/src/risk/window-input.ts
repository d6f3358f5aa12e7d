/**
 * Validation of exposure windows handed to risk scoring (from the matching engine, or from a JSON
 * file through the CLI). The contract, field by field:
 *
 * - `dateMillisSinceEpoch`: the start of a UTC day (a multiple of 86,400,000), ≥ 0;
 * - `reportType` 0–5 ({@link ReportType}), `infectiousness` 0–2, `calibrationConfidence` 0–3;
 * - `scanInstances`: an array (possibly empty) of `{ minAttenuation, typicalAttenuation,
 *   secondsSinceLastScan }`, attenuations integers 0–255 dB as the EN API reports them, seconds an
 *   integer. Negative seconds are accepted and count as 0, as in the Corona-Warn-App (a clock set
 *   back can produce them).
 *
 * @module
 */
import { err, ok, type Result } from '../errors.js';
import type { ExposureWindow, ScanInstance } from './exposure-window.js';
import {
  fieldPath,
  RiskValidationError,
  readArray,
  readInteger,
  readObject,
  riskFailer,
} from './validation.js';

/** Milliseconds in a UTC day. */
export const RISK_DAY_MS = 86_400_000;

/** Most scan instances accepted in one window (a 30-minute window holds a few dozen). */
export const RISK_MAX_SCAN_INSTANCES = 10_000;

const WINDOW_KEYS = [
  'dateMillisSinceEpoch',
  'reportType',
  'infectiousness',
  'calibrationConfidence',
  'scanInstances',
] as const;
const SCAN_KEYS = ['minAttenuation', 'typicalAttenuation', 'secondsSinceLastScan'] as const;

function readWindows(json: unknown): ExposureWindow[] {
  const fail = riskFailer('risk_window_invalid', 'exposure windows');
  const list = readArray(json, '', fail);
  return list.map((value, i): ExposureWindow => {
    const at = `[${i}]`;
    const o = readObject(value, at, WINDOW_KEYS, fail);
    for (const key of WINDOW_KEYS) if (o[key] === undefined) fail(fieldPath(at, key), 'is missing');
    const date = readInteger(
      o['dateMillisSinceEpoch'],
      fieldPath(at, 'dateMillisSinceEpoch'),
      0,
      8.64e15,
      fail,
    );
    if (date % RISK_DAY_MS !== 0) {
      fail(
        fieldPath(at, 'dateMillisSinceEpoch'),
        `must be the start of a UTC day (a multiple of ${RISK_DAY_MS}), got ${date}`,
      );
    }
    const scans = readArray(o['scanInstances'], fieldPath(at, 'scanInstances'), fail);
    if (scans.length > RISK_MAX_SCAN_INSTANCES) {
      fail(fieldPath(at, 'scanInstances'), `has ${scans.length} entries; at most ${RISK_MAX_SCAN_INSTANCES}`);
    }
    const scanInstances = scans.map((scan, j): ScanInstance => {
      const sf = `${at}.scanInstances[${j}]`;
      const s = readObject(scan, sf, SCAN_KEYS, fail);
      for (const key of SCAN_KEYS) if (s[key] === undefined) fail(fieldPath(sf, key), 'is missing');
      return {
        minAttenuation: readInteger(s['minAttenuation'], fieldPath(sf, 'minAttenuation'), 0, 255, fail),
        typicalAttenuation: readInteger(
          s['typicalAttenuation'],
          fieldPath(sf, 'typicalAttenuation'),
          0,
          255,
          fail,
        ),
        secondsSinceLastScan: readInteger(
          s['secondsSinceLastScan'],
          fieldPath(sf, 'secondsSinceLastScan'),
          -Number.MAX_SAFE_INTEGER,
          Number.MAX_SAFE_INTEGER,
          fail,
        ),
      };
    });
    return {
      dateMillisSinceEpoch: date,
      reportType: readInteger(
        o['reportType'],
        fieldPath(at, 'reportType'),
        0,
        5,
        fail,
      ) as ExposureWindow['reportType'],
      infectiousness: readInteger(
        o['infectiousness'],
        fieldPath(at, 'infectiousness'),
        0,
        2,
        fail,
      ) as ExposureWindow['infectiousness'],
      calibrationConfidence: readInteger(
        o['calibrationConfidence'],
        fieldPath(at, 'calibrationConfidence'),
        0,
        3,
        fail,
      ) as ExposureWindow['calibrationConfidence'],
      scanInstances,
    };
  });
}

/**
 * Validates parsed JSON as an array of exposure windows (see the module contract). Never throws;
 * a failure is a {@link RiskValidationError} with code `risk_window_invalid` whose `field` is the
 * path of the bad value (`[2].scanInstances[0].minAttenuation`). Unknown fields are rejected.
 */
export function parseRiskExposureWindows(json: unknown): Result<ExposureWindow[], RiskValidationError> {
  try {
    return ok(readWindows(json));
  } catch (error) {
    if (error instanceof RiskValidationError) return err(error);
    throw error;
  }
}

/** Validates windows built in code; throws {@link RiskValidationError} (`risk_window_invalid`). */
export function validateRiskExposureWindows(windows: readonly ExposureWindow[]): ExposureWindow[] {
  return readWindows(windows);
}
