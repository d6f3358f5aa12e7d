import {
  type ExposureWindow,
  RISK_CONFIG_CWA,
  type RiskConfig,
  riskRangeContains,
  scoreExposureWindows,
} from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import {
  cwaVectorConfig,
  cwaVectors,
  DAY,
  dateAgo,
  dayAgo,
  NOW,
  scan,
  simpleConfig,
  TODAY,
  window,
} from './risk-helpers.js';

const ageToDate = (age: number | null) => (age === null ? null : dateAgo(age));

describe('official Corona-Warn-App test vectors (exposure-windows-risk-calculation.json)', () => {
  it('has all 29 cases and the production configuration', () => {
    expect(cwaVectors.testCases).toHaveLength(29);
    const { version: _v, description: _d, maxEncounterAgeInDays: _m, ...production } = RISK_CONFIG_CWA;
    expect(cwaVectors.defaultRiskCalculationConfiguration).toEqual(production);
  });

  for (const c of cwaVectors.testCases) {
    it(c.description, () => {
      const windows: ExposureWindow[] = c.exposureWindows.map(({ ageInDays, ...w }) => ({
        ...w,
        dateMillisSinceEpoch: dayAgo(ageInDays),
      }));
      for (const config of [cwaVectorConfig, RISK_CONFIG_CWA]) {
        const score = scoreExposureWindows(windows, config, NOW);
        expect({
          totalRiskLevel: score.totalRiskLevel,
          mostRecentDateWithLowRisk: score.mostRecentDateWithLowRisk,
          mostRecentDateWithHighRisk: score.mostRecentDateWithHighRisk,
          numberOfDaysWithLowRisk: score.numberOfDaysWithLowRisk,
          numberOfDaysWithHighRisk: score.numberOfDaysWithHighRisk,
          totalMinimumDistinctEncountersWithLowRisk: score.totalMinimumDistinctEncountersWithLowRisk,
          totalMinimumDistinctEncountersWithHighRisk: score.totalMinimumDistinctEncountersWithHighRisk,
        }).toEqual({
          totalRiskLevel: c.expTotalRiskLevel,
          mostRecentDateWithLowRisk: ageToDate(c.expAgeOfMostRecentDateWithLowRisk),
          mostRecentDateWithHighRisk: ageToDate(c.expAgeOfMostRecentDateWithHighRisk),
          numberOfDaysWithLowRisk: c.expNumberOfDaysWithLowRisk,
          numberOfDaysWithHighRisk: c.expNumberOfDaysWithHighRisk,
          totalMinimumDistinctEncountersWithLowRisk: c.expTotalMinimumDistinctEncountersWithLowRisk,
          totalMinimumDistinctEncountersWithHighRisk: c.expTotalMinimumDistinctEncountersWithHighRisk,
        });
      }
    });
  }
});

describe('per-window steps of the CWA algorithm (production parameters)', () => {
  const one = (w: ExposureWindow, config: RiskConfig = RISK_CONFIG_CWA) =>
    scoreExposureWindows([w], config, NOW).windows[0]!;

  it('reports TRL, TRV, weighted minutes and normalized time of a window', () => {
    // Confirmed test (offset 6) + high infectiousness (2) = TRL 8 → TRV 1.6.
    const r = one(
      window(1, [scan(50, 300), scan(65, 180), scan(75, 600), scan(80, 60)], {
        reportType: 1,
        infectiousness: 2,
      }),
    );
    expect(r).toMatchObject({
      dropped: false,
      transmissionRiskLevel: 8,
      transmissionRiskValue: 1.6,
      riskLevel: 2,
    });
    if (r.dropped) throw new Error('unreachable');
    // 300 s × 0.8 + 180 s × 1.0 + 600 s × 0.1 + 60 s × 0 = 480 s = 8 min.
    expect(r.weightedMinutes).toBeCloseTo(8, 12);
    expect(r.normalizedTime).toBeCloseTo(12.8, 12);
    expect(r.date).toBe(dateAgo(1));
  });

  it('encodes the TRL from report type and infectiousness as CWA does', () => {
    const trl = (
      reportType: ExposureWindow['reportType'],
      infectiousness: ExposureWindow['infectiousness'],
    ) => {
      const r = one(window(1, [scan(50, 300)], { reportType, infectiousness }));
      return r.transmissionRiskLevel;
    };
    expect([trl(4, 1), trl(4, 2), trl(3, 1), trl(3, 2), trl(2, 1), trl(2, 2), trl(1, 1), trl(1, 2)]).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    // Infectiousness NONE counts as standard; unknown and revoked report types add 0 (iOS app).
    expect(trl(1, 0)).toBe(7);
    expect(trl(0, 1)).toBe(1);
    expect(trl(5, 2)).toBe(2);
  });

  it('weights every attenuation boundary of the production buckets', () => {
    const weightAt = (attenuation: number) => {
      const r = one(window(1, [scan(attenuation, 600)]));
      return r.weightedMinutes! / 10;
    };
    expect([0, 62, 63, 72, 73, 78, 79, 255].map(weightAt)).toEqual([0.8, 0.8, 1, 1, 0.1, 0.1, 0, 0]);
  });

  it('uses minAttenuation, not typicalAttenuation', () => {
    const r = one(window(1, [scan(50, 600, 90)]));
    expect(r.weightedMinutes).toBeCloseTo(8, 12);
  });

  it('maps the per-window normalized time at its boundary (9 is high, just below is low)', () => {
    // TRL 5, TRV 1, weight 1 at 65 dB: normalized time = seconds / 60.
    expect(one(window(1, [scan(65, 539)]))).toMatchObject({ dropped: false, riskLevel: 1 });
    expect(one(window(1, [scan(65, 540)]))).toMatchObject({ dropped: false, riskLevel: 2 });
    expect(one(window(1, []))).toMatchObject({ dropped: false, riskLevel: 1, normalizedTime: 0 });
  });

  it('counts negative seconds as zero and zero seconds as nothing', () => {
    const r = one(window(1, [scan(65, -86_160), scan(65, 0), scan(65, 300)]));
    expect(r.weightedMinutes).toBe(5);
  });

  it('drops windows older than maxEncounterAgeInDays, keeping the boundary day', () => {
    const w = (age: number) => window(age, [scan(65, 600)]);
    const score = scoreExposureWindows([w(10), w(11)], RISK_CONFIG_CWA, NOW);
    expect(score.windows[0]!.dropped).toBe(false);
    expect(score.windows[1]).toMatchObject({ dropped: true, reason: 'older_than_max_encounter_age' });
    expect(score.days.map((d) => d.date)).toEqual([dateAgo(10)]);
    // Only the UTC day of `now` matters.
    const late = scoreExposureWindows([w(10)], RISK_CONFIG_CWA, TODAY + DAY - 1);
    const early = scoreExposureWindows([w(10)], RISK_CONFIG_CWA, TODAY);
    expect(late.windows[0]!.dropped).toBe(false);
    expect(early.windows[0]!.dropped).toBe(false);
    expect(scoreExposureWindows([w(10)], RISK_CONFIG_CWA, TODAY + DAY).windows[0]!.dropped).toBe(true);
  });

  it('keeps windows dated today and later (CWA does not filter them)', () => {
    const score = scoreExposureWindows(
      [window(0, [scan(65, 600)]), window(-1, [scan(65, 600)])],
      RISK_CONFIG_CWA,
      NOW,
    );
    expect(score.numberOfDaysWithHighRisk).toBe(2);
    expect(score.mostRecentDateWithHighRisk).toBe(dateAgo(-1));
  });
});

describe('per-day aggregation and totals', () => {
  it('handles no windows', () => {
    const score = scoreExposureWindows([], RISK_CONFIG_CWA, NOW);
    expect(score).toMatchObject({
      configVersion: RISK_CONFIG_CWA.version,
      computedAt: new Date(NOW).toISOString(),
      windows: [],
      days: [],
      totalRiskLevel: 1,
      mostRecentDateWithLowRisk: null,
      mostRecentDateWithHighRisk: null,
      numberOfDaysWithLowRisk: 0,
      numberOfDaysWithHighRisk: 0,
    });
  });

  it('sums windows of the same day (ties on one day) and reports the day', () => {
    // Two low windows of 5 minutes each make a high day (5 + 5 ≥ 9).
    const score = scoreExposureWindows(
      [window(2, [scan(65, 300)]), window(2, [scan(65, 300)], { calibrationConfidence: 3 })],
      RISK_CONFIG_CWA,
      NOW,
    );
    expect(score.days).toEqual([
      {
        date: dateAgo(2),
        dateMillisSinceEpoch: dayAgo(2),
        riskLevel: 2,
        normalizedTime: 10,
        maxWindowRiskLevel: 1,
        windowCount: 2,
        minimumDistinctEncountersWithLowRisk: 2,
        minimumDistinctEncountersWithHighRisk: 0,
      },
    ]);
    expect(score.totalRiskLevel).toBe(2);
    expect(score.mostRecentDateWithHighRisk).toBe(dateAgo(2));
  });

  it('maps the per-day boundaries: < 5 none, 5 low, < 9 low, 9 high', () => {
    const day = (seconds: number) =>
      scoreExposureWindows([window(1, [scan(65, seconds)])], RISK_CONFIG_CWA, NOW).days[0]!;
    expect(day(299)).toMatchObject({ normalizedTime: 4.98, riskLevel: null });
    expect(day(300)).toMatchObject({ normalizedTime: 5, riskLevel: 1 });
    expect(day(539)).toMatchObject({ normalizedTime: 8.98, riskLevel: 1 });
    expect(day(540)).toMatchObject({ normalizedTime: 9, riskLevel: 2 });
  });

  it('rounds the day sum so that 0.6 + 4.8 + 3.6 reaches 9 in any order', () => {
    const ws = [
      window(1, [scan(73, 300)], { infectiousness: 2 }),
      window(1, [scan(72, 240)], { infectiousness: 2 }),
      window(1, [scan(70, 180)], { infectiousness: 2 }),
    ];
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ]) {
      const score = scoreExposureWindows(
        order.map((i) => ws[i]!),
        RISK_CONFIG_CWA,
        NOW,
      );
      expect(score.days[0]).toMatchObject({ normalizedTime: 9, riskLevel: 2 });
    }
  });

  it('counts days without a risk level towards neither low nor high', () => {
    const score = scoreExposureWindows(
      [window(1, [scan(65, 120)]), window(2, [scan(65, 300)]), window(3, [scan(65, 600)])],
      RISK_CONFIG_CWA,
      NOW,
    );
    expect(score.days.map((d) => [d.date, d.riskLevel])).toEqual([
      [dateAgo(3), 2],
      [dateAgo(2), 1],
      [dateAgo(1), null],
    ]);
    expect(score).toMatchObject({
      totalRiskLevel: 2,
      mostRecentDateWithLowRisk: dateAgo(2),
      mostRecentDateWithHighRisk: dateAgo(3),
      numberOfDaysWithLowRisk: 1,
      numberOfDaysWithHighRisk: 1,
      totalMinimumDistinctEncountersWithLowRisk: 1,
      totalMinimumDistinctEncountersWithHighRisk: 1,
    });
  });

  it('a low day more recent than a high day keeps the total high', () => {
    const score = scoreExposureWindows(
      [window(5, [scan(65, 600)]), window(1, [scan(65, 300)])],
      RISK_CONFIG_CWA,
      NOW,
    );
    expect(score).toMatchObject({
      totalRiskLevel: 2,
      mostRecentDateWithLowRisk: dateAgo(1),
      mostRecentDateWithHighRisk: dateAgo(5),
    });
  });
});

describe('filters (cwa-server risk-calculation-parameters.yaml, the earlier v2 parameters)', () => {
  // minutes-at-attenuation filter [0, 73) dB, drop if minutes in [0, 10); TRL filter [1, 2];
  // buckets [0, 55) × 1.0, [55, 63) × 0.5; per window and per day: [0, 15) low, [15, 9999] high;
  // TRV = TRL × 0.2 (the multiplier of that file, expressed as a mapping).
  const earlier = simpleConfig({
    version: 'cwa-server-fd252963',
    minutesAtAttenuationFilters: [
      {
        attenuationRange: { min: 0, max: 73, maxExclusive: true },
        dropIfMinutesInRange: { min: 0, max: 10, maxExclusive: true },
      },
    ],
    trlFilters: [{ dropIfTrlInRange: { min: 1, max: 2 } }],
    minutesAtAttenuationWeights: [
      { attenuationRange: { min: 0, max: 55, maxExclusive: true }, weight: 1 },
      { attenuationRange: { min: 55, max: 63, maxExclusive: true }, weight: 0.5 },
    ],
    normalizedTimePerEWToRiskLevelMapping: [
      { normalizedTimeRange: { min: 0, max: 15, maxExclusive: true }, riskLevel: 1 },
      { normalizedTimeRange: { min: 15, max: 9999 }, riskLevel: 2 },
    ],
    normalizedTimePerDayToRiskLevelMapping: [
      { normalizedTimeRange: { min: 0, max: 15, maxExclusive: true }, riskLevel: 1 },
      { normalizedTimeRange: { min: 15, max: 9999 }, riskLevel: 2 },
    ],
    transmissionRiskValueMapping: [1, 2, 3, 4, 5, 6, 7, 8].map((l) => ({
      transmissionRiskLevel: l,
      transmissionRiskValue: l * 0.2,
    })),
  });
  const one = (w: ExposureWindow) => scoreExposureWindows([w], earlier, NOW).windows[0]!;

  it('drops a window with less than 10 minutes below 73 dB (the boundary minute counts)', () => {
    expect(one(window(1, [scan(72, 599)]))).toMatchObject({
      dropped: true,
      reason: 'minutes_at_attenuation_filter',
    });
    expect(one(window(1, [scan(72, 600)])).dropped).toBe(false);
    // Time at 73 dB and above does not count towards the filter: 0 minutes → dropped.
    expect(one(window(1, [scan(73, 3000)]))).toMatchObject({
      dropped: true,
      reason: 'minutes_at_attenuation_filter',
    });
    // Negative seconds count as zero in the filter too.
    expect(one(window(1, [scan(50, 600), scan(50, -600)])).dropped).toBe(false);
    expect(one(window(1, []))).toMatchObject({ dropped: true, reason: 'minutes_at_attenuation_filter' });
  });

  it('drops windows by TRL filter, inclusive at both ends', () => {
    expect(one(window(1, [scan(50, 900)], { reportType: 4, infectiousness: 1 }))).toMatchObject({
      dropped: true,
      reason: 'transmission_risk_level_filter',
      transmissionRiskLevel: 1,
    });
    expect(one(window(1, [scan(50, 900)], { reportType: 4, infectiousness: 2 }))).toMatchObject({
      dropped: true,
      transmissionRiskLevel: 2,
    });
    expect(one(window(1, [scan(50, 900)], { reportType: 3, infectiousness: 1 }))).toMatchObject({
      dropped: false,
      transmissionRiskLevel: 3,
    });
  });

  it('applies the minutes filter before the TRL filter and says which filter dropped the window', () => {
    const r = one(window(1, [scan(72, 60)], { reportType: 4 }));
    expect(r).toMatchObject({ dropped: true, reason: 'minutes_at_attenuation_filter' });
    if (!r.dropped) throw new Error('unreachable');
    expect(r.detail).toMatch(
      /minutesAtAttenuationFilters\[0\]: 1 minutes at attenuation \[0, 73\) dB is in \[0, 10\)/,
    );
  });

  it('drops windows that no per-window mapping covers', () => {
    const config = simpleConfig({
      normalizedTimePerEWToRiskLevelMapping: [{ normalizedTimeRange: { min: 5, max: 100 }, riskLevel: 2 }],
    });
    const score = scoreExposureWindows([window(1, [scan(50, 240)]), window(1, [scan(50, 600)])], config, NOW);
    expect(score.windows[0]).toMatchObject({
      dropped: true,
      reason: 'no_window_risk_level',
      normalizedTime: 4,
    });
    // The dropped window's time does not count towards its day.
    expect(score.days[0]).toMatchObject({ normalizedTime: 10, windowCount: 1 });
  });

  it('scales with the TRV mapping and treats unmapped levels as 0', () => {
    const r8 = one(window(1, [scan(50, 900)], { reportType: 1, infectiousness: 2 }));
    expect(r8).toMatchObject({ dropped: false, transmissionRiskLevel: 8, riskLevel: 2 });
    expect(r8.transmissionRiskValue).toBeCloseTo(1.6, 12);
    expect(r8.normalizedTime).toBeCloseTo(24, 12);
    const unmapped = simpleConfig({
      transmissionRiskValueMapping: [{ transmissionRiskLevel: 7, transmissionRiskValue: 2 }],
    });
    const r = scoreExposureWindows([window(1, [scan(50, 900)])], unmapped, NOW).windows[0]!;
    expect(r).toMatchObject({ transmissionRiskLevel: 5, transmissionRiskValue: 0, normalizedTime: 0 });
  });
});

describe('range semantics (CWA Range: inclusive unless flagged)', () => {
  it('honours every combination of exclusive flags at both bounds', () => {
    const cases: [Parameters<typeof riskRangeContains>[0], number, boolean][] = [
      [{ min: 1, max: 2 }, 1, true],
      [{ min: 1, max: 2 }, 2, true],
      [{ min: 1, max: 2 }, 0.999, false],
      [{ min: 1, max: 2 }, 2.001, false],
      [{ min: 1, max: 2, minExclusive: true }, 1, false],
      [{ min: 1, max: 2, minExclusive: true }, 1.001, true],
      [{ min: 1, max: 2, maxExclusive: true }, 2, false],
      [{ min: 1, max: 2, maxExclusive: true }, 1.999, true],
      [{ min: 1, max: 2, minExclusive: true, maxExclusive: true }, 1.5, true],
      [{ min: 1, max: 2, minExclusive: false, maxExclusive: false }, 2, true],
      [{ min: 3, max: 3 }, 3, true],
    ];
    for (const [range, value, expected] of cases) expect(riskRangeContains(range, value)).toBe(expected);
  });

  it('takes the first matching weight when ranges overlap', () => {
    const config = simpleConfig({
      minutesAtAttenuationWeights: [
        { attenuationRange: { min: 0, max: 60 }, weight: 0.5 },
        { attenuationRange: { min: 50, max: 70 }, weight: 1 },
      ],
    });
    const r = scoreExposureWindows([window(1, [scan(55, 600), scan(65, 600)])], config, NOW).windows[0]!;
    expect(r.weightedMinutes).toBe(15);
  });
});
