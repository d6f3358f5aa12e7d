/**
 * Exposure matching: published keys against the phone's sighting log, into exposure windows.
 * See docs/matching.md for the algorithm, the tolerance rule, the window grouping, the data
 * layout and the figures.
 *
 * @module
 */
export {
  createSightingMatcher,
  MATCHING_BATCH_KEYS,
  type MatchingKeyMatch,
  type MatchingResult,
  type MatchingStats,
  matchKeysToSightings,
  type SightingMatcher,
} from './match.js';
export {
  MATCHING_DEFAULT_INFECTIOUSNESS,
  MATCHING_DEFAULT_TOLERANCE_SECONDS,
  MATCHING_DEFAULT_TX_POWER_BOUNDS,
  MATCHING_MAX_TOLERANCE_SECONDS,
  MATCHING_WINDOW_MAX_SECONDS,
  type MatchingAttenuation,
  type MatchingAttenuationFunction,
  type MatchingInfectiousnessMapping,
  type MatchingOptions,
  type MatchingTxPowerBounds,
  matchingCheckedAttenuation,
  matchingDefaultAttenuation,
  matchingInfectiousness,
  matchingSightingMatchesInterval,
} from './options.js';
export {
  buildSightingIndex,
  SIGHTING_DEFAULT_SECONDS_SINCE_LAST_SCAN,
  SIGHTING_MAX_SECONDS_SINCE_LAST_SCAN,
  SIGHTING_SAME_SCAN_SECONDS,
  type SightingIndex,
  type SightingIndexOptions,
  sightingIndexLookup,
} from './sighting-index.js';
export {
  SIGHTING_LOG_MAX_MODELS,
  type SightingLog,
  SightingLogBuilder,
  type SightingRecord,
  sightingAt,
  sightingLogFromRecords,
} from './sighting-log.js';
export { type MatchingMatchedSighting, matchingWindowsOfSightings } from './windows.js';
