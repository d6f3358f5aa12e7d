/**
 * Built-in risk scoring configurations:
 *
 * - `cwa`: the Corona-Warn-App production parameters (cwa-server
 *   `risk-calculation-parameters-1.15.yaml` with `trl-value-mapping-1.15.yaml`), so that results
 *   can be compared with a deployed system;
 * - `bluezone-legacy`: the original Bluezone rule, any sighting of a key is a contact (every
 *   window is high risk), kept for comparison;
 * - `bluezone-default`: our default, thresholds tuned on recorded Bluetooth data
 *   (docs/risk-scoring.md explains the data, the choice and the measured error rates);
 * - `close-contact-2m-15min`: the close-contact definition (within 2 m for 15 minutes in a day)
 *   taken literally at the median path loss of those recordings, for comparison and for the
 *   simulator's noise-free runs (docs/simulator.md §5).
 *
 * @module
 */
import type { RiskConfig } from './config.js';

/** Names of the built-in configurations. */
export const RISK_PRESET_NAMES = [
  'cwa',
  'bluezone-legacy',
  'bluezone-default',
  'close-contact-2m-15min',
] as const;
export type RiskPresetName = (typeof RISK_PRESET_NAMES)[number];

/** Freezes a configuration and everything in it (presets are shared; nobody may edit them). */
function frozen(config: RiskConfig): RiskConfig {
  const freeze = (value: unknown): void => {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const child of Object.values(value)) freeze(child);
    }
  };
  freeze(config);
  return config;
}

const CWA_TRL_ENCODING = {
  infectiousnessOffsetStandard: 1,
  infectiousnessOffsetHigh: 2,
  reportTypeOffsetRecursive: 0,
  reportTypeOffsetSelfReport: 2,
  reportTypeOffsetConfirmedClinicalDiagnosis: 4,
  reportTypeOffsetConfirmedTest: 6,
} as const;

/**
 * Corona-Warn-App production risk calculation parameters: corona-warn-app/cwa-server,
 * `services/distribution/src/main/resources/main-config/v2/risk-calculation-parameters-1.15.yaml`
 * (commit 24abfe37166d88d22ef0cb4764e90810288d8a50) and the transmission risk values of
 * `common/persistence/src/main/resources/trl-value-mapping-1.15.yaml` (commit
 * b414db3e039aab19c16ec6350dbde9524e1145bb). The same values (without the age limit) are the
 * `defaultRiskCalculationConfiguration` of the apps' test vectors.
 */
export const RISK_CONFIG_CWA: RiskConfig = frozen({
  version: 'cwa-1.15@cwa-server-24abfe37',
  description:
    'Corona-Warn-App production parameters: cwa-server risk-calculation-parameters-1.15.yaml ' +
    '(24abfe37) + trl-value-mapping-1.15.yaml (b414db3e)',
  minutesAtAttenuationFilters: [],
  trlFilters: [],
  minutesAtAttenuationWeights: [
    { attenuationRange: { min: 0, max: 63, maxExclusive: true }, weight: 0.8 },
    { attenuationRange: { min: 63, max: 73, maxExclusive: true }, weight: 1.0 },
    { attenuationRange: { min: 73, max: 79, maxExclusive: true }, weight: 0.1 },
  ],
  normalizedTimePerEWToRiskLevelMapping: [
    { normalizedTimeRange: { min: 0, max: 9, maxExclusive: true }, riskLevel: 1 },
    { normalizedTimeRange: { min: 9, max: 9999 }, riskLevel: 2 },
  ],
  normalizedTimePerDayToRiskLevelMapping: [
    { normalizedTimeRange: { min: 5, max: 9, maxExclusive: true }, riskLevel: 1 },
    { normalizedTimeRange: { min: 9, max: 99999 }, riskLevel: 2 },
  ],
  trlEncoding: CWA_TRL_ENCODING,
  transmissionRiskValueMapping: [
    { transmissionRiskLevel: 1, transmissionRiskValue: 0 },
    { transmissionRiskLevel: 2, transmissionRiskValue: 0 },
    { transmissionRiskLevel: 3, transmissionRiskValue: 0.6 },
    { transmissionRiskLevel: 4, transmissionRiskValue: 0.8 },
    { transmissionRiskLevel: 5, transmissionRiskValue: 1 },
    { transmissionRiskLevel: 6, transmissionRiskValue: 1.2 },
    { transmissionRiskLevel: 7, transmissionRiskValue: 1.4 },
    { transmissionRiskLevel: 8, transmissionRiskValue: 1.6 },
  ],
  maxEncounterAgeInDays: 10,
});

/**
 * The original Bluezone rule: any sighting of a confirmed case's key is a contact. Every window,
 * whatever its attenuation, duration, report type or infectiousness, is high risk; 14 days are
 * kept, as Bluezone matched 14 days.
 */
export const RISK_CONFIG_BLUEZONE_LEGACY: RiskConfig = frozen({
  version: 'bluezone-legacy-1',
  description: 'Original Bluezone rule: any sighting is a contact (every window is high risk)',
  minutesAtAttenuationFilters: [],
  trlFilters: [],
  minutesAtAttenuationWeights: [{ attenuationRange: { min: 0, max: 255 }, weight: 1 }],
  normalizedTimePerEWToRiskLevelMapping: [{ normalizedTimeRange: { min: 0, max: 1e9 }, riskLevel: 2 }],
  normalizedTimePerDayToRiskLevelMapping: [{ normalizedTimeRange: { min: 0, max: 1e9 }, riskLevel: 2 }],
  trlEncoding: {
    infectiousnessOffsetStandard: 0,
    infectiousnessOffsetHigh: 0,
    reportTypeOffsetRecursive: 0,
    reportTypeOffsetSelfReport: 0,
    reportTypeOffsetConfirmedClinicalDiagnosis: 0,
    reportTypeOffsetConfirmedTest: 0,
  },
  transmissionRiskValueMapping: [{ transmissionRiskLevel: 0, transmissionRiskValue: 1 }],
  maxEncounterAgeInDays: 14,
});

/**
 * Our default: time within about 2 m counts fully, time at a middle distance half, and a day is
 * high risk from 10 weighted minutes (two EN scans, five minutes apart, at close range). Tuned on
 * the Herald and MIT Bluetooth recordings with the December 2020 calibration table; the analysis,
 * the alternatives and the measured error rates are in docs/risk-scoring.md
 * (`scripts/analyze-ble-thresholds.mjs` reproduces them).
 *
 * Transmission risk levels: report-type offsets 2 (recursive, i.e. an F1's keys), 4 (self
 * report), 6 (clinical diagnosis), 8 (confirmed test) plus infectiousness 1 (standard) or 2
 * (high), so that unknown and revoked report types land on levels 1–2, which a filter drops.
 */
export const RISK_CONFIG_BLUEZONE_DEFAULT: RiskConfig = frozen({
  version: 'bluezone-default-1',
  description:
    'Bluezone default: <= 46 dB weight 1, 47-58 dB weight 0.5 (Dec 2020 calibration); day high from 10, low from 5',
  minutesAtAttenuationFilters: [],
  trlFilters: [{ dropIfTrlInRange: { min: 0, max: 2 } }],
  minutesAtAttenuationWeights: [
    { attenuationRange: { min: 0, max: 46 }, weight: 1 },
    { attenuationRange: { min: 46, minExclusive: true, max: 58 }, weight: 0.5 },
  ],
  normalizedTimePerEWToRiskLevelMapping: [
    { normalizedTimeRange: { min: 0, max: 10, maxExclusive: true }, riskLevel: 1 },
    { normalizedTimeRange: { min: 10, max: 1e9 }, riskLevel: 2 },
  ],
  normalizedTimePerDayToRiskLevelMapping: [
    { normalizedTimeRange: { min: 5, max: 10, maxExclusive: true }, riskLevel: 1 },
    { normalizedTimeRange: { min: 10, max: 1e9 }, riskLevel: 2 },
  ],
  trlEncoding: {
    infectiousnessOffsetStandard: 1,
    infectiousnessOffsetHigh: 2,
    reportTypeOffsetRecursive: 2,
    reportTypeOffsetSelfReport: 4,
    reportTypeOffsetConfirmedClinicalDiagnosis: 6,
    reportTypeOffsetConfirmedTest: 8,
  },
  transmissionRiskValueMapping: [
    { transmissionRiskLevel: 3, transmissionRiskValue: 1 },
    { transmissionRiskLevel: 4, transmissionRiskValue: 1 },
    { transmissionRiskLevel: 5, transmissionRiskValue: 0.8 },
    { transmissionRiskLevel: 6, transmissionRiskValue: 1 },
    { transmissionRiskLevel: 7, transmissionRiskValue: 1 },
    { transmissionRiskLevel: 8, transmissionRiskValue: 1.2 },
    { transmissionRiskLevel: 9, transmissionRiskValue: 1 },
    { transmissionRiskLevel: 10, transmissionRiskValue: 1.2 },
  ],
  maxEncounterAgeInDays: 14,
});

/**
 * The close-contact definition — within 2 m for at least 15 minutes in a day — as a rule: every
 * minute at an attenuation of at most 47 dB counts once, nothing else counts, and a day is high
 * risk from 15 minutes. 47 dB is the noise-free attenuation of 2 m: the median path loss fitted
 * on the Herald recordings, A(d) = 42.79 + 12.67 log10(d / 1 m) dB (December 2020 calibration),
 * gives A(2 m) = 46.6 dB, which a phone reports as 47 (attenuations are whole dB, so the 47-dB
 * step spans 1.96–2.36 m); the simulator checks that this is its channel's value
 * (packages/sim/test/channel.test.ts). Every report type of a case or of an F1 weighs 1, and
 * every infectiousness (the definition knows neither); unknown and revoked report types are
 * dropped as in `bluezone-default`. No low-risk level: a day is listed only when it reaches 15
 * minutes. For comparison and for the simulator's noise-free runs (docs/simulator.md §5); not
 * tuned for real phones, whose attenuation at a given distance varies by ±5 dB and more
 * (docs/risk-scoring.md §5).
 */
export const RISK_CONFIG_CLOSE_CONTACT: RiskConfig = frozen({
  version: 'close-contact-2m-15min-1',
  description:
    'Close-contact definition: <= 47 dB (2 m at the fitted median path loss) weight 1; day high from 15 minutes',
  minutesAtAttenuationFilters: [],
  trlFilters: [{ dropIfTrlInRange: { min: 0, max: 2 } }],
  minutesAtAttenuationWeights: [{ attenuationRange: { min: 0, max: 47 }, weight: 1 }],
  normalizedTimePerEWToRiskLevelMapping: [
    { normalizedTimeRange: { min: 0, max: 15, maxExclusive: true }, riskLevel: 1 },
    { normalizedTimeRange: { min: 15, max: 1e9 }, riskLevel: 2 },
  ],
  normalizedTimePerDayToRiskLevelMapping: [{ normalizedTimeRange: { min: 15, max: 1e9 }, riskLevel: 2 }],
  trlEncoding: RISK_CONFIG_BLUEZONE_DEFAULT.trlEncoding,
  transmissionRiskValueMapping: [3, 4, 5, 6, 7, 8, 9, 10].map((level) => ({
    transmissionRiskLevel: level,
    transmissionRiskValue: 1,
  })),
  maxEncounterAgeInDays: 14,
});

/** The built-in configurations by name. */
export const RISK_PRESETS: Readonly<Record<RiskPresetName, RiskConfig>> = Object.freeze({
  cwa: RISK_CONFIG_CWA,
  'bluezone-legacy': RISK_CONFIG_BLUEZONE_LEGACY,
  'bluezone-default': RISK_CONFIG_BLUEZONE_DEFAULT,
  'close-contact-2m-15min': RISK_CONFIG_CLOSE_CONTACT,
});

/** True if `name` is a built-in configuration's name. */
export function isRiskPresetName(name: string): name is RiskPresetName {
  return (RISK_PRESET_NAMES as readonly string[]).includes(name);
}
