import {
  type ExposureWindow,
  ReportType,
  RISK_CONFIG_BLUEZONE_DEFAULT,
  RISK_CONFIG_BLUEZONE_LEGACY,
  RISK_CONFIG_CLOSE_CONTACT,
  RISK_PRESETS,
  scoreExposureWindows,
} from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { dateAgo, NOW, scan, window } from './risk-helpers.js';

const confirmed = (
  age: number,
  scans: ExposureWindow['scanInstances'],
  options: Partial<ExposureWindow> = {},
) => window(age, scans, { reportType: ReportType.CONFIRMED_TEST, ...options });

describe('bluezone-default', () => {
  const score = (windows: ExposureWindow[]) =>
    scoreExposureWindows(windows, RISK_CONFIG_BLUEZONE_DEFAULT, NOW);

  it('is high from 10 minutes within about 2 m (≤ 46 dB)', () => {
    expect(score([confirmed(1, [scan(46, 300), scan(40, 300)])]).totalRiskLevel).toBe(2);
    expect(score([confirmed(1, [scan(46, 300), scan(40, 299)])])).toMatchObject({
      totalRiskLevel: 1,
      numberOfDaysWithLowRisk: 1,
    });
  });

  it('counts 47–58 dB at half weight and ignores weaker signals', () => {
    const r = score([confirmed(1, [scan(47, 600), scan(58, 600), scan(59, 600), scan(90, 600)])]);
    expect(r.windows[0]).toMatchObject({
      dropped: false,
      weightedMinutes: 10,
      normalizedTime: 10,
      riskLevel: 2,
    });
    expect(score([confirmed(1, [scan(52, 600)])]).days[0]).toMatchObject({ normalizedTime: 5, riskLevel: 1 });
    expect(score([confirmed(1, [scan(59, 3000)])]).days[0]).toMatchObject({
      normalizedTime: 0,
      riskLevel: null,
    });
  });

  it('gives high infectiousness 1.2 and self reports 0.8', () => {
    expect(score([confirmed(1, [scan(40, 500)], { infectiousness: 2 })]).days[0]).toMatchObject({
      normalizedTime: 10,
      riskLevel: 2,
    });
    expect(
      score([confirmed(1, [scan(40, 600)], { reportType: ReportType.SELF_REPORT })]).days[0],
    ).toMatchObject({ normalizedTime: 8, riskLevel: 1 });
  });

  it('scores keys of F1s (recursive) like confirmed ones, so that F2 contacts are found', () => {
    const r = score([confirmed(1, [scan(40, 600)], { reportType: ReportType.RECURSIVE })]);
    expect(r.windows[0]).toMatchObject({ transmissionRiskLevel: 3, transmissionRiskValue: 1, riskLevel: 2 });
  });

  it('drops unknown and revoked report types explicitly', () => {
    for (const reportType of [ReportType.UNKNOWN, ReportType.REVOKED]) {
      expect(score([confirmed(1, [scan(40, 1800)], { reportType })]).windows[0]).toMatchObject({
        dropped: true,
        reason: 'transmission_risk_level_filter',
      });
    }
  });

  it('keeps 14 days', () => {
    const r = score([confirmed(14, [scan(40, 600)]), confirmed(15, [scan(40, 600)])]);
    expect(r.mostRecentDateWithHighRisk).toBe(dateAgo(14));
    expect(r.windows[1]).toMatchObject({ dropped: true, reason: 'older_than_max_encounter_age' });
  });
});

describe('bluezone-legacy', () => {
  it('makes any sighting a high-risk contact, whatever its strength, duration or report type', () => {
    const r = scoreExposureWindows(
      [
        window(3, [scan(120, 4)], { reportType: ReportType.SELF_REPORT, infectiousness: 0 }),
        window(2, [], { reportType: ReportType.UNKNOWN }),
      ],
      RISK_CONFIG_BLUEZONE_LEGACY,
      NOW,
    );
    expect(r.windows.every((w) => !w.dropped && w.riskLevel === 2)).toBe(true);
    expect(r).toMatchObject({
      totalRiskLevel: 2,
      numberOfDaysWithHighRisk: 2,
      mostRecentDateWithHighRisk: dateAgo(2),
    });
  });
});

describe('close-contact-2m-15min', () => {
  const score = (windows: ExposureWindow[]) => scoreExposureWindows(windows, RISK_CONFIG_CLOSE_CONTACT, NOW);

  it('is the preset of that name', () => {
    expect(RISK_PRESETS['close-contact-2m-15min']).toBe(RISK_CONFIG_CLOSE_CONTACT);
  });

  it('is high from 15 minutes at up to 47 dB, and counts nothing weaker', () => {
    const threeScans = [scan(47, 300), scan(40, 300), scan(47, 300)];
    expect(score([confirmed(1, threeScans)]).days[0]).toMatchObject({ normalizedTime: 15, riskLevel: 2 });
    expect(score([confirmed(1, [scan(47, 300), scan(40, 300), scan(47, 299)])]).totalRiskLevel).toBe(1);
    expect(score([confirmed(1, [scan(47, 300), scan(48, 3000), scan(47, 300)])]).days[0]).toMatchObject({
      normalizedTime: 10,
      riskLevel: null,
    });
  });

  it('adds up the windows of a day, and has no low-risk level', () => {
    const r = score([confirmed(1, [scan(30, 300), scan(30, 300)]), confirmed(1, [scan(45, 300)])]);
    expect(r.days[0]).toMatchObject({ normalizedTime: 15, riskLevel: 2 });
    expect(r.windows.map((w) => !w.dropped && w.riskLevel)).toEqual([1, 1]);
    expect(score([confirmed(1, [scan(30, 600)])])).toMatchObject({
      numberOfDaysWithLowRisk: 0,
      totalRiskLevel: 1,
    });
  });

  it('weighs every report type of a case or an F1 and every infectiousness the same', () => {
    for (const options of [
      { infectiousness: 2 as const },
      { reportType: ReportType.RECURSIVE },
      { reportType: ReportType.SELF_REPORT },
      { reportType: ReportType.CONFIRMED_CLINICAL_DIAGNOSIS },
    ]) {
      expect(score([confirmed(1, [scan(40, 840)], options)]).days[0]).toMatchObject({
        normalizedTime: 14,
        riskLevel: null,
      });
      expect(score([confirmed(1, [scan(40, 900)], options)]).days[0]).toMatchObject({ riskLevel: 2 });
    }
  });

  it('drops unknown and revoked report types, and keeps 14 days', () => {
    for (const reportType of [ReportType.UNKNOWN, ReportType.REVOKED]) {
      expect(score([confirmed(1, [scan(40, 1800)], { reportType })]).windows[0]).toMatchObject({
        dropped: true,
        reason: 'transmission_risk_level_filter',
      });
    }
    const r = score([confirmed(14, [scan(40, 900)]), confirmed(15, [scan(40, 900)])]);
    expect(r.mostRecentDateWithHighRisk).toBe(dateAgo(14));
    expect(r.windows[1]).toMatchObject({ dropped: true, reason: 'older_than_max_encounter_age' });
  });
});
