/**
 * Grouping the matched sightings of one key into exposure windows, as the EN API does.
 *
 * The sightings (already time-ordered) are walked once:
 *
 * - **scan instance**: the key's sightings that fall in the same scan of the log (see
 *   {@link SightingIndex}: a scan is the sightings within `sameScanSeconds` of its first one).
 *   Its `minAttenuation` is the lowest attenuation, `typicalAttenuation` the rounded mean, and
 *   `secondsSinceLastScan` the scan's seconds since the log's previous scan (EN: the difference
 *   of the two scans' start minutes, capped at 5 minutes; 2 minutes for the first scan).
 * - **window**: a new window opens with a scan instance that starts 30 minutes or more after the
 *   current window's first sighting, so the instances of a window start within 30 minutes of
 *   each other (EN: `maxExposureWindowDurationMinutes`). The seconds a window stands for — the
 *   sum of its instances' `secondsSinceLastScan` — are also capped at 30 minutes: the instance
 *   that would pass the cap is shortened (and later ones get 0). A scan is never split between
 *   two windows.
 * - a window's date is the UTC day of its first sighting; its calibration confidence the lowest
 *   of its sightings'; report type and infectiousness are the key's.
 *
 * @module
 */
import type { ReportType } from '../en/exposure-key.js';
import type {
  CalibrationConfidence,
  ExposureWindow,
  Infectiousness,
  ScanInstance,
} from '../risk/exposure-window.js';
import { MATCHING_WINDOW_MAX_SECONDS } from './options.js';
import type { SightingIndex } from './sighting-index.js';

/** One sighting matched to a published key, with what the AEM and the calibration gave. */
export interface MatchingMatchedSighting {
  /** Row of the sighting in the log. */
  readonly sightingIndex: number;
  /** ENIntervalNumber of the key's RPI that it matched. */
  readonly interval: number;
  /** When it was heard, Unix seconds. */
  readonly timeSeconds: number;
  readonly rssiDbm: number;
  /** TX power decrypted from the AEM, dBm. */
  readonly txPowerDbm: number;
  /** Attenuation from the callback, rounded and clamped to 0–255 dB. */
  readonly attenuation: number;
  readonly calibrationConfidence: CalibrationConfidence;
}

const DAY_SECONDS = 86_400;

/**
 * Exposure windows of one key's sightings (see the module comment for the rule).
 *
 * @param sightings the key's accepted sightings in time order (ties by sighting index).
 */
export function matchingWindowsOfSightings(
  index: SightingIndex,
  sightings: readonly MatchingMatchedSighting[],
  reportType: ReportType,
  infectiousness: Infectiousness,
): ExposureWindow[] {
  const windows: ExposureWindow[] = [];
  let instances: ScanInstance[] = [];
  let windowStart = 0;
  let windowSeconds = 0;
  let confidence = 0 as CalibrationConfidence;
  let scan = -1;
  let min = 0;
  let sum = 0;
  let count = 0;
  let seconds = 0;
  const closeInstance = () => {
    if (count > 0) {
      instances.push({
        minAttenuation: min,
        typicalAttenuation: Math.round(sum / count),
        secondsSinceLastScan: seconds,
      });
    }
    count = 0;
  };
  const closeWindow = () => {
    closeInstance();
    if (instances.length > 0) {
      windows.push({
        dateMillisSinceEpoch: Math.floor(windowStart / DAY_SECONDS) * DAY_SECONDS * 1000,
        reportType,
        infectiousness,
        calibrationConfidence: confidence,
        scanInstances: instances,
      });
    }
    instances = [];
  };
  for (const s of sightings) {
    const t = s.timeSeconds;
    const sightingScan = index.scanOf[s.sightingIndex]!;
    if (sightingScan !== scan || count === 0) {
      closeInstance();
      if (instances.length === 0 || t - windowStart >= MATCHING_WINDOW_MAX_SECONDS) {
        closeWindow();
        windowStart = t;
        windowSeconds = 0;
        confidence = s.calibrationConfidence;
      }
      scan = sightingScan;
      seconds = Math.min(
        index.scanSecondsSinceLast[sightingScan]!,
        MATCHING_WINDOW_MAX_SECONDS - windowSeconds,
      );
      windowSeconds += seconds;
      min = s.attenuation;
      sum = 0;
    }
    if (s.attenuation < min) min = s.attenuation;
    if (s.calibrationConfidence < confidence) confidence = s.calibrationConfidence;
    sum += s.attenuation;
    count++;
  }
  closeWindow();
  return windows;
}
