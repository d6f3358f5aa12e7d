/**
 * An exposure check from end to end, as a phone runs it: match published keys against the
 * sighting log (matching/), with attenuation from the device calibration tables (risk/), group
 * the matches into exposure windows and score them with the authority's risk configuration.
 * Besides the overall score, windows are scored per source level, so that a phone knows whether
 * its risk comes from a confirmed case (it is F1) or from a contact of one (it is F2).
 *
 * @module
 */
import type { ExposureKey, SourceLevel } from './en/exposure-key.js';
import { createSightingMatcher, type MatchingResult } from './matching/match.js';
import type { MatchingOptions } from './matching/options.js';
import type { SightingIndex } from './matching/sighting-index.js';
import { riskAttenuationFunction } from './risk/calibration.js';
import type { RiskConfig } from './risk/config.js';
import { type RiskScore, scoreExposureWindows } from './risk/score.js';

/** Options of {@link assessExposure}: matching options plus the scoring configuration. */
export interface ExposureAssessmentOptions extends MatchingOptions {
  /** The authority's risk configuration (from the signed device configuration). */
  readonly riskConfig: RiskConfig;
  /** The time of the check (Unix ms or a Date); windows older than the config's maximum age drop out. */
  readonly now: number | Date;
}

/** The outcome of an exposure check. */
export interface ExposureAssessment {
  readonly matching: MatchingResult;
  /** The score of every window. */
  readonly risk: RiskScore;
  /**
   * The score of the windows of keys of each source level: `F0` (confirmed cases: the phone's
   * owner is F1) and `F1` (contacts published to find F2: the owner is F2). Absent levels had no
   * match.
   */
  readonly bySourceLevel: Partial<Record<SourceLevel, RiskScore>>;
}

/**
 * Matches `keys` (one or several key files' worth, in batches) against the indexed log and
 * scores the result. Attenuation defaults to the calibrated `riskAttenuationFunction()`.
 *
 * @throws {ProtocolError} `matching_invalid_key` for a bad key; `invalid_argument` for bad options.
 */
export function assessExposure(
  index: SightingIndex,
  keyBatches: readonly (readonly ExposureKey[])[],
  options: ExposureAssessmentOptions,
): ExposureAssessment {
  const { riskConfig, now, ...matchingOptions } = options;
  const matcher = createSightingMatcher(index, {
    attenuation: riskAttenuationFunction(),
    ...matchingOptions,
  });
  for (const batch of keyBatches) matcher.addKeys(batch);
  const matching = matcher.result();
  const bySourceLevel: Partial<Record<SourceLevel, RiskScore>> = {};
  for (const level of ['F0', 'F1'] as const) {
    const windows = matching.matches.filter((m) => m.sourceLevel === level).flatMap((m) => m.windows);
    if (windows.length > 0) bySourceLevel[level] = scoreExposureWindows(windows, riskConfig, now);
  }
  return { matching, risk: scoreExposureWindows(matching.windows, riskConfig, now), bySourceLevel };
}
