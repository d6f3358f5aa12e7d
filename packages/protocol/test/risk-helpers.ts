/**
 * Builders shared by the risk scoring tests.
 */
import { readFileSync } from 'node:fs';
import type { ExposureWindow, RiskConfig, ScanInstance } from '@bluezone/protocol';

export const DAY = 86_400_000;
/** A fixed "now": 10 March 2021, 15:30 UTC. */
export const NOW = Date.UTC(2021, 2, 10, 15, 30);
export const TODAY = Date.UTC(2021, 2, 10);

/** The UTC day `age` days before {@link TODAY}. */
export const dayAgo = (age: number) => TODAY - age * DAY;
/** `YYYY-MM-DD` of {@link dayAgo}. */
export const dateAgo = (age: number) => new Date(dayAgo(age)).toISOString().slice(0, 10);

/** A scan instance; typical attenuation defaults to the minimum. */
export const scan = (
  minAttenuation: number,
  secondsSinceLastScan: number,
  typicalAttenuation = minAttenuation,
) => ({ minAttenuation, typicalAttenuation, secondsSinceLastScan }) satisfies ScanInstance;

/** A window `age` days ago; defaults: clinical diagnosis, standard infectiousness (CWA TRL 5, TRV 1). */
export function window(
  age: number,
  scanInstances: readonly ScanInstance[],
  options: Partial<Omit<ExposureWindow, 'scanInstances' | 'dateMillisSinceEpoch'>> = {},
): ExposureWindow {
  return {
    dateMillisSinceEpoch: dayAgo(age),
    reportType: 2,
    infectiousness: 1,
    calibrationConfidence: 0,
    ...options,
    scanInstances,
  };
}

export interface CwaVectorCase {
  description: string;
  exposureWindows: (Omit<ExposureWindow, 'dateMillisSinceEpoch'> & { ageInDays: number })[];
  expTotalRiskLevel: number;
  expAgeOfMostRecentDateWithLowRisk: number | null;
  expAgeOfMostRecentDateWithHighRisk: number | null;
  expNumberOfDaysWithLowRisk: number;
  expNumberOfDaysWithHighRisk: number;
  expTotalMinimumDistinctEncountersWithLowRisk: number;
  expTotalMinimumDistinctEncountersWithHighRisk: number;
}

export interface CwaVectors {
  defaultRiskCalculationConfiguration: Omit<RiskConfig, 'version' | 'maxEncounterAgeInDays'>;
  testCases: CwaVectorCase[];
}

/** The official Corona-Warn-App vectors (see risk-fixtures/PROVENANCE.md). */
export const cwaVectors = JSON.parse(
  readFileSync(
    new URL('./risk-fixtures/cwa-exposure-windows-risk-calculation.json', import.meta.url),
    'utf8',
  ),
) as CwaVectors;

/** The vectors' configuration as a {@link RiskConfig} (its windows are at most 4 days old). */
export const cwaVectorConfig: RiskConfig = {
  version: 'cwa-test-vectors',
  ...cwaVectors.defaultRiskCalculationConfiguration,
  maxEncounterAgeInDays: 14,
};

/** A CWA-model configuration with CWA's TRL encoding and TRV 1 for every level, for unit cases. */
export function simpleConfig(overrides: Partial<RiskConfig> = {}): RiskConfig {
  return {
    version: 'test',
    minutesAtAttenuationFilters: [],
    trlFilters: [],
    minutesAtAttenuationWeights: [{ attenuationRange: { min: 0, max: 255 }, weight: 1 }],
    normalizedTimePerEWToRiskLevelMapping: [
      { normalizedTimeRange: { min: 0, max: 10, maxExclusive: true }, riskLevel: 1 },
      { normalizedTimeRange: { min: 10, max: 1e6 }, riskLevel: 2 },
    ],
    normalizedTimePerDayToRiskLevelMapping: [
      { normalizedTimeRange: { min: 5, max: 10, maxExclusive: true }, riskLevel: 1 },
      { normalizedTimeRange: { min: 10, max: 1e6 }, riskLevel: 2 },
    ],
    trlEncoding: {
      infectiousnessOffsetStandard: 1,
      infectiousnessOffsetHigh: 2,
      reportTypeOffsetRecursive: 0,
      reportTypeOffsetSelfReport: 2,
      reportTypeOffsetConfirmedClinicalDiagnosis: 4,
      reportTypeOffsetConfirmedTest: 6,
    },
    transmissionRiskValueMapping: [1, 2, 3, 4, 5, 6, 7, 8].map((level) => ({
      transmissionRiskLevel: level,
      transmissionRiskValue: 1,
    })),
    maxEncounterAgeInDays: 14,
    ...overrides,
  };
}
