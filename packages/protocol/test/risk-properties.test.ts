import {
  type ExposureWindow,
  parseRiskExposureWindows,
  RISK_CONFIG_BLUEZONE_DEFAULT,
  RISK_CONFIG_BLUEZONE_LEGACY,
  RISK_CONFIG_CLOSE_CONTACT,
  RISK_CONFIG_CWA,
  type RiskConfig,
  type RiskScore,
  riskAttenuationDb,
  scoreExposureWindows,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cwaVectorConfig, dayAgo, NOW } from './risk-helpers.js';

const scanArb = fc.record({
  minAttenuation: fc.integer({ min: 0, max: 100 }),
  typicalAttenuation: fc.integer({ min: 0, max: 100 }),
  secondsSinceLastScan: fc.integer({ min: -30, max: 600 }),
});

const windowArb: fc.Arbitrary<ExposureWindow> = fc.record({
  dateMillisSinceEpoch: fc.integer({ min: 0, max: 16 }).map(dayAgo),
  reportType: fc.constantFrom(0, 1, 2, 3, 4, 5) as fc.Arbitrary<ExposureWindow['reportType']>,
  infectiousness: fc.constantFrom(0, 1, 2) as fc.Arbitrary<ExposureWindow['infectiousness']>,
  calibrationConfidence: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<ExposureWindow['calibrationConfidence']>,
  scanInstances: fc.array(scanArb, { maxLength: 8 }),
});

const windowsArb = fc.array(windowArb, { maxLength: 12 });

// Configurations whose mappings rank risk monotonically in normalized time and that have no
// minutes-at-attenuation filter (a filter can drop a window for having *more* minutes).
const monotoneConfigs: [string, RiskConfig][] = [
  ['cwa', RISK_CONFIG_CWA],
  ['bluezone-default', RISK_CONFIG_BLUEZONE_DEFAULT],
  ['bluezone-legacy', RISK_CONFIG_BLUEZONE_LEGACY],
  ['close-contact-2m-15min', RISK_CONFIG_CLOSE_CONTACT],
  ['cwa test vectors', cwaVectorConfig],
];

/** none < low < high */
const rank = (level: 1 | 2 | null) => (level === null ? 0 : level);

const summary = (s: RiskScore) => ({
  days: s.days,
  totalRiskLevel: s.totalRiskLevel,
  mostRecentDateWithLowRisk: s.mostRecentDateWithLowRisk,
  mostRecentDateWithHighRisk: s.mostRecentDateWithHighRisk,
  numberOfDaysWithLowRisk: s.numberOfDaysWithLowRisk,
  numberOfDaysWithHighRisk: s.numberOfDaysWithHighRisk,
  totalMinimumDistinctEncountersWithLowRisk: s.totalMinimumDistinctEncountersWithLowRisk,
  totalMinimumDistinctEncountersWithHighRisk: s.totalMinimumDistinctEncountersWithHighRisk,
});

describe('risk scoring properties', () => {
  for (const [name, config] of monotoneConfigs) {
    it(`more minutes at the same attenuation never lower the risk (${name})`, () => {
      fc.assert(
        fc.property(
          windowsArb.filter((ws) => ws.some((w) => w.scanInstances.length > 0)),
          fc.nat(),
          fc.integer({ min: 1, max: 900 }),
          (windows, pick, extra) => {
            const candidates = windows.flatMap((w, i) => w.scanInstances.map((_, j) => [i, j] as const));
            const [wi, si] = candidates[pick % candidates.length]!;
            const longer = windows.map((w, i) =>
              i !== wi
                ? w
                : {
                    ...w,
                    scanInstances: w.scanInstances.map((s, j) =>
                      j === si
                        ? { ...s, secondsSinceLastScan: Math.max(s.secondsSinceLastScan, 0) + extra }
                        : s,
                    ),
                  },
            );
            const before = scoreExposureWindows(windows, config, NOW);
            const after = scoreExposureWindows(longer, config, NOW);
            expect(after.totalRiskLevel).toBeGreaterThanOrEqual(before.totalRiskLevel);
            expect(after.numberOfDaysWithHighRisk).toBeGreaterThanOrEqual(before.numberOfDaysWithHighRisk);
            for (const day of before.days) {
              const same = after.days.find((d) => d.date === day.date);
              expect(same).toBeDefined();
              expect(rank(same!.riskLevel)).toBeGreaterThanOrEqual(rank(day.riskLevel));
              expect(same!.normalizedTime).toBeGreaterThanOrEqual(day.normalizedTime);
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('an extra window never lowers the risk (cwa)', () => {
    fc.assert(
      fc.property(windowsArb, windowArb, (windows, extra) => {
        const before = scoreExposureWindows(windows, RISK_CONFIG_CWA, NOW);
        const after = scoreExposureWindows([...windows, extra], RISK_CONFIG_CWA, NOW);
        expect(after.totalRiskLevel).toBeGreaterThanOrEqual(before.totalRiskLevel);
        for (const day of before.days) {
          const same = after.days.find((d) => d.date === day.date)!;
          expect(rank(same.riskLevel)).toBeGreaterThanOrEqual(rank(day.riskLevel));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the order of the windows does not matter', () => {
    fc.assert(
      fc.property(
        windowsArb.chain((ws) =>
          fc.tuple(fc.constant(ws), fc.shuffledSubarray(ws, { minLength: ws.length })),
        ),
        fc.constantFrom(...monotoneConfigs.map(([, c]) => c)),
        ([windows, shuffled], config) => {
          const a = scoreExposureWindows(windows, config, NOW);
          const b = scoreExposureWindows(shuffled, config, NOW);
          expect(summary(b)).toEqual(summary(a));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('per-window results follow the input order and keep every window', () => {
    fc.assert(
      fc.property(windowsArb, (windows) => {
        const score = scoreExposureWindows(windows, RISK_CONFIG_CWA, NOW);
        expect(score.windows.map((w) => w.index)).toEqual(windows.map((_, i) => i));
        expect(score.windows.map((w) => w.dateMillisSinceEpoch)).toEqual(
          windows.map((w) => w.dateMillisSinceEpoch),
        );
      }),
    );
  });

  it('totals agree with the days', () => {
    fc.assert(
      fc.property(windowsArb, fc.constantFrom(...monotoneConfigs.map(([, c]) => c)), (windows, config) => {
        const s = scoreExposureWindows(windows, config, NOW);
        const low = s.days.filter((d) => d.riskLevel === 1);
        const high = s.days.filter((d) => d.riskLevel === 2);
        expect(s.numberOfDaysWithLowRisk).toBe(low.length);
        expect(s.numberOfDaysWithHighRisk).toBe(high.length);
        expect(s.totalRiskLevel).toBe(high.length > 0 ? 2 : 1);
        expect(s.mostRecentDateWithHighRisk).toBe(high.at(-1)?.date ?? null);
        expect(s.mostRecentDateWithLowRisk).toBe(low.at(-1)?.date ?? null);
        expect(s.days.map((d) => d.dateMillisSinceEpoch)).toEqual(
          [...new Set(s.windows.filter((w) => !w.dropped).map((w) => w.dateMillisSinceEpoch))].sort(
            (a, b) => a - b,
          ),
        );
        for (const d of s.days) {
          expect(d.windowCount).toBe(s.windows.filter((w) => !w.dropped && w.date === d.date).length);
        }
      }),
    );
  });

  it('legacy Bluezone: any window within 14 days is a high-risk contact', () => {
    fc.assert(
      fc.property(windowsArb, (windows) => {
        const s = scoreExposureWindows(windows, RISK_CONFIG_BLUEZONE_LEGACY, NOW);
        const recent = windows.filter((w) => w.dateMillisSinceEpoch >= dayAgo(14));
        expect(s.totalRiskLevel).toBe(recent.length > 0 ? 2 : 1);
        expect(s.numberOfDaysWithLowRisk).toBe(0);
        expect(s.numberOfDaysWithHighRisk).toBe(new Set(recent.map((w) => w.dateMillisSinceEpoch)).size);
      }),
    );
  });

  it('valid windows survive a JSON round trip through the validator', () => {
    fc.assert(
      fc.property(windowsArb, (windows) => {
        const parsed = parseRiskExposureWindows(JSON.parse(JSON.stringify(windows)));
        expect(parsed).toEqual({ ok: true, value: windows });
      }),
    );
  });

  it('attenuation is within 0 … 255 and falls as RSSI rises', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -127, max: 127 }),
        fc.integer({ min: -127, max: 126 }),
        fc.integer({ min: -40, max: 40 }),
        (tx, rssi, correction) => {
          const a = riskAttenuationDb(tx, rssi, correction);
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(255);
          expect(riskAttenuationDb(tx, rssi + 1, correction)).toBeLessThanOrEqual(a);
        },
      ),
    );
  });
});
