import {
  assessExposure,
  buildSightingIndex,
  ReportType,
  RISK_CONFIG_BLUEZONE_DEFAULT,
  RiskLevel,
  type SightingRecord,
  sightingLogFromRecords,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_SECONDS,
  DAY0,
  noiseSighting,
  publishedKey,
  sightingOf,
  startOfDay,
} from './matching-helpers.js';

const tekA = new Uint8Array(16).fill(0xa1);
const tekB = new Uint8Array(16).fill(0xb2);
const NOW = (DAY0 + 3) * DAY_SECONDS * 1000;

/** A 20-minute close contact with `tek` starting at `startSeconds`: one sighting a minute at −50 dBm. */
function closeContact(tek: Uint8Array, startSeconds: number, minutes = 20): SightingRecord[] {
  return Array.from({ length: minutes }, (_, i) => {
    const t = startSeconds + i * 60;
    return sightingOf(tek, Math.floor(t / 600), t, {
      rssiDbm: -50,
      txPowerDbm: -20,
      receiverModel: 'Pixel 4',
    });
  });
}

describe('assessExposure: match, calibrate, window and score', () => {
  it('finds a close contact with a confirmed case as high risk from F0', () => {
    const start = DAY0 * DAY_SECONDS + 9 * 3600;
    const log = sightingLogFromRecords([...closeContact(tekA, start), noiseSighting(1, start + 5)]);
    const result = assessExposure(
      buildSightingIndex(log),
      [
        [
          publishedKey(tekA, startOfDay(DAY0), 144, {
            reportType: ReportType.CONFIRMED_TEST,
            daysSinceOnsetOfSymptoms: 0,
          }),
        ],
      ],
      {
        riskConfig: RISK_CONFIG_BLUEZONE_DEFAULT,
        now: NOW,
      },
    );
    expect(result.matching.matches).toHaveLength(1);
    expect(result.risk.totalRiskLevel).toBe(RiskLevel.HIGH);
    expect(result.bySourceLevel.F0?.totalRiskLevel).toBe(RiskLevel.HIGH);
    expect(result.bySourceLevel.F1).toBeUndefined();
    expect(result.risk.mostRecentDateWithHighRisk).toBe(
      new Date(DAY0 * DAY_SECONDS * 1000).toISOString().slice(0, 10),
    );
  });

  it('attributes a match with a recursive key to F1 (the phone is F2)', () => {
    const start = (DAY0 + 1) * DAY_SECONDS + 15 * 3600;
    const log = sightingLogFromRecords(closeContact(tekB, start));
    const result = assessExposure(
      buildSightingIndex(log),
      [
        [
          publishedKey(tekB, startOfDay(DAY0 + 1), 144, {
            reportType: ReportType.RECURSIVE,
            daysSinceOnsetOfSymptoms: 0,
          }),
        ],
      ],
      {
        riskConfig: RISK_CONFIG_BLUEZONE_DEFAULT,
        now: NOW,
      },
    );
    expect(result.bySourceLevel.F1?.totalRiskLevel).toBe(RiskLevel.HIGH);
    expect(result.bySourceLevel.F0).toBeUndefined();
  });

  it('reports low risk and no days when nothing matches, whatever the noise (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 50 }), (seeds) => {
        const log = sightingLogFromRecords(
          seeds.map((s, i) => noiseSighting(s, DAY0 * DAY_SECONDS + i * 60)),
        );
        const result = assessExposure(buildSightingIndex(log), [[publishedKey(tekA, startOfDay(DAY0))]], {
          riskConfig: RISK_CONFIG_BLUEZONE_DEFAULT,
          now: NOW,
        });
        expect(result.matching.matches).toEqual([]);
        expect(result.risk.days).toEqual([]);
        expect(result.risk.totalRiskLevel).toBe(RiskLevel.LOW);
      }),
      { numRuns: 30 },
    );
  });
});
