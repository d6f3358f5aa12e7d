/**
 * Exposure windows: the shape the Exposure Notification API (v1.5+) returns and risk scoring
 * consumes. A window is at most 30 minutes of sightings of one key, split into scan instances.
 *
 * @module
 */
import type { ReportType } from '../en/exposure-key.js';

/** Infectiousness of the key's day, from the days since symptom onset. */
export const Infectiousness = { NONE: 0, STANDARD: 1, HIGH: 2 } as const;
export type Infectiousness = (typeof Infectiousness)[keyof typeof Infectiousness];

/** Confidence in the receiving phone's calibration. */
export const CalibrationConfidence = { LOWEST: 0, LOW: 1, MEDIUM: 2, HIGH: 3 } as const;
export type CalibrationConfidence = (typeof CalibrationConfidence)[keyof typeof CalibrationConfidence];

/** One scan that heard the key (attenuations in dB). */
export interface ScanInstance {
  /** Lowest attenuation during the scan. */
  readonly minAttenuation: number;
  /** Typical (mean) attenuation during the scan. */
  readonly typicalAttenuation: number;
  /** Seconds since the previous scan: the time this scan stands for. */
  readonly secondsSinceLastScan: number;
}

/** An exposure window as returned by the EN API. */
export interface ExposureWindow {
  /** Start of the UTC day of the exposure, Unix milliseconds. */
  readonly dateMillisSinceEpoch: number;
  readonly reportType: ReportType;
  readonly infectiousness: Infectiousness;
  readonly calibrationConfidence: CalibrationConfidence;
  readonly scanInstances: readonly ScanInstance[];
}
