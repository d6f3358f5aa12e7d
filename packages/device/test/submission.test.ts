/**
 * The key upload against the fake verification and key servers (which check the certificate's
 * HMAC of exactly the uploaded keys): the whole flow, which days' keys are chosen from the
 * symptom or test date, resuming after a lost connection at each step without spending the code
 * again, idempotent publish retries, the revision token, and every refusal.
 */
import { verificationBase64Decode } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { createMemoryDeviceStore, recordUploadConsent } from '../src/index.js';
import { createFakeBluezone, DAY_MS, deviceOn, HOUR_MS, jsonResponse, T0 } from './helpers.js';

async function setup(options: { includeCurrentDayKey?: boolean } = {}) {
  const fake = await createFakeBluezone();
  const store = createMemoryDeviceStore();
  const device = deviceOn(fake, {
    store,
    ...(options.includeCurrentDayKey === undefined
      ? {}
      : { submission: { includeCurrentDayKey: options.includeCurrentDayKey } }),
  });
  // Keys of the 22 days from 2020-07-20 to today.
  for (let day = 21; day >= 0; day--) await device.currentAdvertisement(T0 - day * DAY_MS + HOUR_MS);
  await device.refreshConfig();
  const consent = () =>
    recordUploadConsent({ confirmedAt: fake.clock.now(), shownText: 'Chia sẻ khóa của tôi', locale: 'vi' });
  return { fake, store, device, consent };
}

const dayOf = (start: number) => new Date(start * 600_000).toISOString().slice(0, 10);

describe('key upload', () => {
  it('uploads the keys from 5 days before symptom onset to today, verified by the key server', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', {
      testtype: 'confirmed',
      symptomDate: '2020-08-07',
      testDate: '2020-08-09',
      used: false,
    });
    const result = await device.submitDiagnosis(consent(), { code: '1234 5671' });
    expect(result).toMatchObject({
      testType: 'confirmed',
      keysUploaded: 9,
      insertedExposures: 9,
      firstDay: '2020-08-02',
      lastDay: '2020-08-10',
      partialFailure: null,
      revisionToken: 'rev_9',
    });
    const [verify] = fake.server.to('/api/verify');
    expect(verify!.json).toMatchObject({ code: '12345671', accept: ['confirmed', 'likely'] });
    expect(typeof (verify!.json as { padding: string }).padding).toBe('string');
    expect(verify!.headers['x-api-key']).toBe('device-api-key-0123456789abcdef');
    const [publish] = fake.server.to('/v1/publish');
    const body = publish!.json as {
      temporaryExposureKeys: { key: string; rollingStartNumber: number }[];
      hmacKey: string;
    };
    expect(body.temporaryExposureKeys.map((k) => dayOf(k.rollingStartNumber))).toEqual(
      Array.from({ length: 9 }, (_, i) => new Date(Date.UTC(2020, 7, 2 + i)).toISOString().slice(0, 10)),
    );
    expect(verificationBase64Decode(body.hmacKey)).toHaveLength(32);
    expect(await device.pendingSubmission()).toBeUndefined();
  });

  it.each([
    ['the test date without a symptom date', { testDate: '2020-08-09' }, true, '2020-08-04', '2020-08-10', 7],
    [
      'at most 14 days',
      { symptomDate: '2020-07-21', testDate: '2020-07-25' },
      true,
      '2020-07-28',
      '2020-08-10',
      14,
    ],
    [
      'not today when the server does not embargo',
      { symptomDate: '2020-07-21' },
      false,
      '2020-07-27',
      '2020-08-09',
      14,
    ],
  ] as const)('chooses keys from %s', async (_name, dates, includeCurrentDayKey, first, last, count) => {
    const { fake, device, consent } = await setup({ includeCurrentDayKey });
    fake.codes.set('K7QW3MZP9XRT2VHD', { testtype: 'likely', ...dates, used: false });
    const result = await device.submitDiagnosis(consent(), { code: 'k7qw-3mzp-9xrt-2vhd' });
    expect(result).toMatchObject({ firstDay: first, lastDay: last, keysUploaded: count, testType: 'likely' });
  });

  it('resumes after the connection drops at publish: same keys and hmacKey, the code is not spent again', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    const publish = fake.server.handler('POST', '/v1/publish');
    let offline = true;
    fake.server.on('POST', '/v1/publish', (r) => {
      if (offline) throw new TypeError('offline');
      return publish(r);
    });
    await expect(device.submitDiagnosis(consent(), { code: '12345671' })).rejects.toMatchObject({
      code: 'network_error',
      attempts: 4,
    });
    expect(await device.pendingSubmission()).toMatchObject({
      stage: 'certified',
      testType: 'confirmed',
      keyCount: 7,
    });
    offline = false;
    const result = await device.submitDiagnosis(consent(), { code: '12345671' });
    expect(result).toMatchObject({ keysUploaded: 7, insertedExposures: 7 });
    expect(fake.server.to('/api/verify')).toHaveLength(1);
    expect(fake.server.to('/api/certificate')).toHaveLength(1);
    const bodies = fake.server.to('/v1/publish').map((r) => {
      const b = r.json as { temporaryExposureKeys: unknown; hmacKey: string; verificationPayload: string };
      return JSON.stringify([b.temporaryExposureKeys, b.hmacKey, b.verificationPayload]);
    });
    expect(bodies).toHaveLength(5);
    expect(new Set(bodies).size).toBe(1);
    expect(await device.pendingSubmission()).toBeUndefined();
  });

  it('resumes after the connection drops at the certificate, with the same token', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    const certificate = fake.server.handler('POST', '/api/certificate');
    let offline = true;
    fake.server.on('POST', '/api/certificate', (r) => {
      if (offline) throw new TypeError('offline');
      return certificate(r);
    });
    await expect(device.submitDiagnosis(consent(), { code: '12345671' })).rejects.toMatchObject({
      code: 'network_error',
    });
    expect(await device.pendingSubmission()).toMatchObject({ stage: 'verified' });
    offline = false;
    const result = await device.submitDiagnosis(consent(), { code: '12345671' });
    expect(result.keysUploaded).toBe(7);
    expect(fake.server.to('/api/verify')).toHaveLength(1);
    const tokens = fake.server.to('/api/certificate').map((r) => (r.json as { token: string }).token);
    expect(tokens).toHaveLength(5);
    expect(new Set(tokens).size).toBe(1);
  });

  it('forgets the upload when the token is refused: a new code is needed', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    fake.server.on('POST', '/api/certificate', () =>
      jsonResponse({ error: 'expired', errorCode: 'token_expired' }, 400),
    );
    await expect(device.submitDiagnosis(consent(), { code: '12345671' })).rejects.toMatchObject({
      code: 'verification_failed',
      serverCode: 'token_expired',
    });
    expect(await device.pendingSubmission()).toBeUndefined();
    expect(fake.server.to('/v1/publish')).toHaveLength(0);
  });

  it('retries a failed publish safely: the key server stores each key once', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    const publish = fake.server.handler('POST', '/v1/publish');
    const statuses: number[] = [];
    fake.server.on('POST', '/v1/publish', async (r) => {
      const response = await publish(r);
      statuses.push(response.status);
      // The first answer is lost after the keys were stored.
      return statuses.length === 1 ? jsonResponse({ code: 'internal_error', error: 'x' }, 502) : response;
    });
    const result = await device.submitDiagnosis(consent(), { code: '12345671' });
    expect(statuses).toEqual([200, 200]);
    expect(result.insertedExposures).toBe(0);
    expect(fake.published.size).toBe(7);
  });

  it('sends the revision token of the last upload with the next', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('11111111', { testtype: 'likely', testDate: '2020-08-09', used: false });
    fake.codes.set('22222222', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    const first = await device.submitDiagnosis(consent(), { code: '11111111' });
    await device.submitDiagnosis(consent(), { code: '22222222' });
    const bodies = fake.server.to('/v1/publish').map((r) => r.json as { revisionToken?: string });
    expect(bodies[0]!.revisionToken).toBeUndefined();
    expect(bodies[1]!.revisionToken).toBe(first.revisionToken);
  });

  it('refuses a consent that already completed an upload', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    const given = consent();
    await device.submitDiagnosis(given, { code: '12345671' });
    await expect(device.submitDiagnosis(given, { code: '12345671' })).rejects.toMatchObject({
      code: 'consent_used',
    });
  });
});

describe('key upload: refusals', () => {
  it('maps a refused code to verification_failed with the server code', async () => {
    const { device, consent } = await setup();
    await expect(device.submitDiagnosis(consent(), { code: '99999999' })).rejects.toMatchObject({
      code: 'verification_failed',
      status: 400,
      serverCode: 'code_not_found',
    });
    expect(await device.pendingSubmission()).toBeUndefined();
  });

  it('uploads nothing for a test type without keys', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'negative', testDate: '2020-08-09', used: false });
    await expect(device.submitDiagnosis(consent(), { code: '12345671' })).rejects.toMatchObject({
      code: 'unsupported_test_type',
    });
    expect(fake.server.to('/api/certificate')).toHaveLength(0);
    expect(fake.server.to('/v1/publish')).toHaveLength(0);
  });

  it('does not spend the code when the phone has no keys at all', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await device.refreshConfig();
    const consent = recordUploadConsent({ confirmedAt: fake.clock.now(), shownText: 'x' });
    await expect(device.submitDiagnosis(consent, { code: '12345671' })).rejects.toMatchObject({
      code: 'no_keys',
    });
    expect(fake.server.to('/api/verify')).toHaveLength(0);
  });

  it('maps a refused certificate at publish to publish_failed and forgets the upload', async () => {
    const { fake, device, consent } = await setup();
    fake.codes.set('12345671', { testtype: 'confirmed', testDate: '2020-08-09', used: false });
    fake.server.on('POST', '/v1/publish', () =>
      jsonResponse({ code: 'health_authority_verification_certificate_invalid', error: 'expired' }, 401),
    );
    await expect(device.submitDiagnosis(consent(), { code: '12345671' })).rejects.toMatchObject({
      code: 'publish_failed',
      status: 401,
      serverCode: 'health_authority_verification_certificate_invalid',
    });
    expect(await device.pendingSubmission()).toBeUndefined();
  });

  it('refuses an empty code before any request', async () => {
    const { fake, device, consent } = await setup();
    await expect(device.submitDiagnosis(consent(), { code: ' - ' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(fake.server.to('/api/verify')).toHaveLength(0);
  });
});
