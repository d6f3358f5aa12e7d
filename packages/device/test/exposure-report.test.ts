/**
 * The consented exposure report: the pending report after a check, the request body of the
 * contract (`POST /v1/exposure-reports`), keys reported once, the risk threshold, the automatic
 * report on a standing consent (and its withdrawal), and failures that leave the report pending.
 */
import { describe, expect, it } from 'vitest';
import {
  type BluezoneDeviceOptions,
  recordReportConsent,
  recordStandingReportConsent,
} from '../src/index.js';
import {
  createFakeBluezone,
  DAY_MS,
  deviceOn,
  HOUR_MS,
  jsonResponse,
  keyHash,
  MINUTE_MS,
  meet,
  otherPhone,
  seededRandom,
  T0,
} from './helpers.js';

const MEETING = T0 - 2 * DAY_MS + 9 * HOUR_MS;

async function exposed(options: Partial<BluezoneDeviceOptions> = {}, register = true) {
  const fake = await createFakeBluezone();
  const device = deviceOn(fake, options);
  if (register)
    await device.register({ platform: 'ios', appVersion: '1.0.0', provinceCode: '30', locale: 'vi' });
  const random = seededRandom(21);
  const phone = otherPhone(MEETING, random);
  meet(device, phone, MEETING, 30 * MINUTE_MS);
  await fake.addKeyFile([phone.published()]);
  const consent = () =>
    recordReportConsent({ confirmedAt: fake.clock.now(), shownText: 'Báo cáo tiếp xúc của tôi' });
  return { fake, device, phone, random, consent };
}

describe('exposure report', () => {
  it('is pending after a check that found a risk, and is sent with the contract body', async () => {
    const { fake, device, phone, consent } = await exposed();
    const run = await device.checkExposure();
    const expected = { exposureDays: ['2020-08-08'], maxRiskLevel: 2, matchedKeys: [keyHash(phone.tek)] };
    expect(run.pendingReport).toEqual({ ...expected, contactLevel: 'F1' });
    expect(run.automaticReport).toBeUndefined();
    expect(fake.server.to('/v1/exposure-reports')).toEqual([]);

    const receipt = await device.sendExposureReport(consent());
    expect(receipt).toMatchObject({ reportId: 'rep_1', contactLevel: 'F1', linkedCases: 1, ...expected });
    const [request] = fake.server.to('/v1/exposure-reports', 'POST');
    expect(request!.json).toEqual(expected);
    expect(request!.headers['authorization']).toMatch(/^Bearer token_/);
    expect(request!.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(await device.pendingExposureReport()).toBeUndefined();
    await expect(device.sendExposureReport(consent())).rejects.toMatchObject({ code: 'nothing_to_report' });
  });

  it('reports a later exposure with only its new key', async () => {
    const { fake, device, random, consent } = await exposed();
    await device.checkExposure();
    await device.sendExposureReport(consent());
    const next = otherPhone(MEETING + DAY_MS, random);
    meet(device, next, MEETING + DAY_MS, 30 * MINUTE_MS);
    await fake.addKeyFile([next.published()]);
    const run = await device.checkExposure();
    expect(run.pendingReport).toEqual({
      exposureDays: ['2020-08-09'],
      maxRiskLevel: 2,
      matchedKeys: [keyHash(next.tek)],
      contactLevel: 'F1',
    });
  });

  it('leaves low risk days out by default, and reports them with reportMinRiskLevel 1', async () => {
    for (const [reportMinRiskLevel, pending] of [
      [2, undefined],
      [1, { exposureDays: ['2020-08-08'], maxRiskLevel: 1 }],
    ] as const) {
      const fake = await createFakeBluezone();
      const device = deviceOn(fake, { reportMinRiskLevel });
      const phone = otherPhone(MEETING, seededRandom(4));
      // The log's first scan counts 2 minutes, the others 1: 5 weighted minutes × 1.2 is low.
      meet(device, phone, MEETING, 4 * MINUTE_MS);
      await fake.addKeyFile([phone.published()]);
      const run = await device.checkExposure();
      expect(run.results.days[0]?.riskLevel).toBe(1);
      if (pending === undefined) expect(run.pendingReport).toBeUndefined();
      else expect(run.pendingReport).toMatchObject(pending);
    }
  });

  it('is sent automatically after a check when the user gave a standing consent, until withdrawn', async () => {
    const { fake, device, random } = await exposed();
    await device.enableAutomaticReports(
      recordStandingReportConsent({
        confirmedAt: fake.clock.now(),
        shownText: 'Tự động báo cáo khi tôi có nguy cơ',
      }),
    );
    expect(await device.automaticReportsEnabled()).toBe(true);
    const run = await device.checkExposure();
    expect(run.automaticReport).toMatchObject({ reportId: 'rep_1', exposureDays: ['2020-08-08'] });
    expect(run.pendingReport).toBeUndefined();
    expect(fake.reports).toHaveLength(1);

    await device.disableAutomaticReports();
    const next = otherPhone(MEETING + DAY_MS, random);
    meet(device, next, MEETING + DAY_MS, 30 * MINUTE_MS);
    await fake.addKeyFile([next.published()]);
    const later = await device.checkExposure();
    expect(later.automaticReport).toBeUndefined();
    expect(later.pendingReport?.exposureDays).toEqual(['2020-08-09']);
    expect(fake.reports).toHaveLength(1);
  });

  it('keeps the report pending when sending fails, and says why', async () => {
    const { fake, device, consent } = await exposed({}, false);
    await device.enableAutomaticReports(
      recordStandingReportConsent({ confirmedAt: fake.clock.now(), shownText: 'x' }),
    );
    const run = await device.checkExposure();
    expect(run.automaticReportError?.code).toBe('not_registered');
    expect(run.pendingReport).toBeDefined();
    await expect(device.sendExposureReport(consent())).rejects.toMatchObject({ code: 'not_registered' });
    await device.register({ platform: 'android', appVersion: '1.0.0', provinceCode: '01', locale: 'vi' });
    fake.server.on('POST', '/v1/exposure-reports', () => jsonResponse({ reportId: 7 }));
    await expect(device.sendExposureReport(consent())).rejects.toMatchObject({ code: 'invalid_response' });
    expect(await device.pendingExposureReport()).toBeDefined();
  });

  it('retries a 503 with the same idempotency key', async () => {
    const { fake, device, consent } = await exposed();
    await device.checkExposure();
    const handler = fake.server.handler('POST', '/v1/exposure-reports');
    let calls = 0;
    fake.server.on('POST', '/v1/exposure-reports', (r) =>
      ++calls === 1 ? jsonResponse({}, 503) : handler(r),
    );
    await device.sendExposureReport(consent());
    const keys = fake.server.to('/v1/exposure-reports').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(fake.reports).toHaveLength(1);
  });
});
