/**
 * Consent enforcement. At the type level (this file is type-checked by tsconfig.check.json):
 * the upload and the report cannot be called without their consent object, and no object
 * literal, JSON value or other kind of consent passes for one. At run time: values forged by a
 * cast, copied, or made with `Object.create` are refused before any request, as are expired
 * consents and consents dated in the future.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type BluezoneDevice,
  DeviceError,
  type ReportConsent,
  recordReportConsent,
  recordStandingReportConsent,
  recordUploadConsent,
  type StandingReportConsent,
  UPLOAD_CONSENT_MAX_AGE_MS,
  UploadConsent,
} from '../src/index.js';
import { createFakeBluezone, deviceOn, HOUR_MS } from './helpers.js';

const input = (confirmedAt: number) => ({ confirmedAt, shownText: 'Tôi đồng ý chia sẻ khóa', locale: 'vi' });

/** Never called: it only has to type-check, with exactly these errors. */
function typeLevelChecks(
  device: BluezoneDevice,
  upload: UploadConsent,
  report: ReportConsent,
  standing: StandingReportConsent,
) {
  const code = { code: '12345671' };
  void device.submitDiagnosis(upload, code);
  void device.sendExposureReport(report);
  void device.enableAutomaticReports(standing);
  // @ts-expect-error the upload needs a consent
  void device.submitDiagnosis(code);
  // @ts-expect-error an object literal shaped like a consent is not one
  void device.submitDiagnosis({ confirmedAt: 0, shownText: 'yes', locale: 'vi' }, code);
  // @ts-expect-error a report consent is not an upload consent
  void device.submitDiagnosis(report, code);
  // @ts-expect-error nor is a standing report consent
  void device.submitDiagnosis(standing, code);
  // @ts-expect-error a JSON value (e.g. from a server answer) is not a consent
  void device.submitDiagnosis(JSON.parse('{}') as Record<string, unknown>, code);
  // @ts-expect-error the report needs a consent
  void device.sendExposureReport();
  // @ts-expect-error an upload consent is not a report consent
  void device.sendExposureReport(upload);
  // @ts-expect-error an object literal is not a report consent
  void device.sendExposureReport({ confirmedAt: 0, shownText: 'yes', locale: 'vi' });
  // @ts-expect-error a one-off report consent does not enable automatic reports
  void device.enableAutomaticReports(report);
  // @ts-expect-error the constructor is private: only recordUploadConsent makes one
  void new UploadConsent(input(0));
}

describe('consent: type level', () => {
  it('takes only the consent objects the record functions make', () => {
    expect(typeLevelChecks).toBeTypeOf('function');
    expectTypeOf<BluezoneDevice['submitDiagnosis']>().parameter(0).toEqualTypeOf<UploadConsent>();
    expectTypeOf<BluezoneDevice['sendExposureReport']>().parameter(0).toEqualTypeOf<ReportConsent>();
    expectTypeOf<BluezoneDevice['enableAutomaticReports']>()
      .parameter(0)
      .toEqualTypeOf<StandingReportConsent>();
    expectTypeOf(recordUploadConsent).returns.toEqualTypeOf<UploadConsent>();
    expectTypeOf<{ confirmedAt: number; shownText: string; locale: string }>().not.toExtend<UploadConsent>();
    expectTypeOf<{ confirmedAt: number; shownText: string; locale: string }>().not.toExtend<ReportConsent>();
    expectTypeOf<ReportConsent>().not.toExtend<UploadConsent>();
    expectTypeOf<UploadConsent>().not.toExtend<ReportConsent>();
    expectTypeOf<StandingReportConsent>().not.toExtend<ReportConsent>();
  });
});

describe('consent: run time', () => {
  async function setup() {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await device.currentAdvertisement();
    await device.register({ platform: 'android', appVersion: '1.0.0', provinceCode: '01', locale: 'vi' });
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    const uploads = () =>
      fake.server.requests.filter((r) =>
        ['/api/verify', '/api/certificate', '/v1/publish', '/v1/exposure-reports'].includes(r.path),
      );
    return { fake, device, uploads };
  }

  it('refuses forged upload consents before any request', async () => {
    const { fake, device, uploads } = await setup();
    const genuine = recordUploadConsent(input(fake.clock.now()));
    const forgeries: unknown[] = [
      { confirmedAt: fake.clock.now(), shownText: 'yes', locale: 'vi' },
      { ...genuine },
      Object.create(UploadConsent.prototype) as unknown,
      Object.assign(Object.create(UploadConsent.prototype) as object, {
        confirmedAt: fake.clock.now(),
        shownText: 'x',
      }),
      recordReportConsent(input(fake.clock.now())),
      recordStandingReportConsent(input(fake.clock.now())),
      null,
      'consent',
    ];
    for (const forged of forgeries) {
      const error = await device
        .submitDiagnosis(forged as UploadConsent, { code: '12345671' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceError);
      expect((error as DeviceError).code).toBe('consent_invalid');
    }
    expect(uploads()).toEqual([]);
    expect(fake.codes.get('12345671')!.used).toBe(false);
  });

  it('refuses forged report consents before any request', async () => {
    const { fake, device, uploads } = await setup();
    for (const forged of [
      { confirmedAt: fake.clock.now(), shownText: 'yes' },
      { ...recordReportConsent(input(fake.clock.now())) },
      recordUploadConsent(input(fake.clock.now())),
    ]) {
      await expect(device.sendExposureReport(forged as ReportConsent)).rejects.toMatchObject({
        code: 'consent_invalid',
      });
    }
    await expect(
      device.enableAutomaticReports(
        recordReportConsent(input(fake.clock.now())) as unknown as StandingReportConsent,
      ),
    ).rejects.toMatchObject({ code: 'consent_invalid' });
    expect(await device.automaticReportsEnabled()).toBe(false);
    expect(uploads()).toEqual([]);
  });

  it('refuses an expired consent and one dated in the future', async () => {
    const { fake, device, uploads } = await setup();
    const old = recordUploadConsent(input(fake.clock.now() - UPLOAD_CONSENT_MAX_AGE_MS - 1));
    await expect(device.submitDiagnosis(old, { code: '12345671' })).rejects.toMatchObject({
      code: 'consent_expired',
    });
    const future = recordUploadConsent(input(fake.clock.now() + HOUR_MS));
    await expect(device.submitDiagnosis(future, { code: '12345671' })).rejects.toMatchObject({
      code: 'consent_expired',
    });
    const staleReport = recordReportConsent(input(fake.clock.now() - 2 * HOUR_MS));
    await expect(device.sendExposureReport(staleReport)).rejects.toMatchObject({ code: 'consent_expired' });
    expect(uploads()).toEqual([]);
  });

  it('accepts a genuine consent, and records what the user was shown', async () => {
    const { fake, device } = await setup();
    const consent = recordUploadConsent(input(new Date(fake.clock.now()) as unknown as number));
    expect(consent).toMatchObject({
      confirmedAt: fake.clock.now(),
      shownText: 'Tôi đồng ý chia sẻ khóa',
      locale: 'vi',
    });
    expect(Object.isFrozen(consent)).toBe(true);
    await expect(device.submitDiagnosis(consent, { code: '12345671' })).resolves.toMatchObject({
      testType: 'confirmed',
    });
  });

  it('needs the time and the text the user saw', () => {
    expect(() => recordUploadConsent({ confirmedAt: 1, shownText: ' ' })).toThrow(DeviceError);
    expect(() => recordReportConsent({ confirmedAt: Number.NaN, shownText: 'x' })).toThrow(DeviceError);
    expect(() => recordStandingReportConsent({ confirmedAt: -1, shownText: 'x' })).toThrow(DeviceError);
  });
});
