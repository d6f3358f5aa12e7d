/**
 * The install's own calls: registration once, phone codes (never retried automatically), the
 * heartbeat (which adopts a changed configuration), and the inbox (validated text, newest
 * `since` remembered).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryDeviceStore } from '../src/index.js';
import { createFakeBluezone, deviceOn, jsonResponse } from './helpers.js';

const INSTALL = {
  platform: 'android',
  appVersion: '1.2.0',
  provinceCode: '79',
  districtCode: '760',
  locale: 'vi',
} as const;

describe('registration and phone verification', () => {
  it('registers once and keeps the device token', async () => {
    const fake = await createFakeBluezone();
    const store = createMemoryDeviceStore();
    const device = deviceOn(fake, { store });
    const registration = await device.register(INSTALL);
    expect(registration).toMatchObject({
      installId: expect.stringMatching(/^ins_/),
      provinceCode: '79',
      districtCode: '760',
    });
    expect(fake.server.to('/v1/installs')[0]!.json).toEqual(INSTALL);
    expect(await deviceOn(fake, { store }).register(INSTALL)).toEqual(registration);
    expect(fake.server.to('/v1/installs')).toHaveLength(1);
    expect(await device.registration()).toEqual(registration);
  });

  it('asks for and verifies a phone code with the device token, without automatic retries', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await expect(device.requestPhoneCode('0912345678')).rejects.toMatchObject({ code: 'not_registered' });
    const { deviceToken } = await device.register(INSTALL);
    fake.server.on('POST', '/v1/phone/otp', () =>
      jsonResponse({ expiresInSeconds: 300, resendAfterSeconds: 60, codeLength: 6 }),
    );
    fake.server.on('POST', '/v1/phone/verify', (r) =>
      (r.json as { code: string }).code === '123456'
        ? jsonResponse({ phoneNumber: '+84912345678', carrier: 'vinaphone', carrierName: 'VinaPhone' })
        : jsonResponse({ error: { code: 'otp_invalid', message: '4 attempts left' } }, 400),
    );
    expect(await device.requestPhoneCode('0912 345 678')).toEqual({
      expiresInSeconds: 300,
      resendAfterSeconds: 60,
      codeLength: 6,
    });
    const [otp] = fake.server.to('/v1/phone/otp');
    expect(otp!.headers['authorization']).toBe(`Bearer ${deviceToken}`);
    expect(otp!.json).toEqual({ phoneNumber: '0912 345 678' });
    await expect(device.verifyPhoneCode('0912345678', '000000')).rejects.toMatchObject({
      code: 'http_error',
      serverCode: 'otp_invalid',
    });
    expect(await device.verifyPhoneCode('0912345678', '123456')).toEqual({
      phoneNumber: '+84912345678',
      carrier: 'vinaphone',
      carrierName: 'VinaPhone',
    });

    fake.server.on('POST', '/v1/phone/otp', () =>
      jsonResponse({ error: { code: 'rate_limited', message: 'wait' } }, 429, { 'retry-after': '60' }),
    );
    fake.server.on('POST', '/v1/phone/verify', () =>
      jsonResponse({ error: { code: 'unavailable', message: 'x' } }, 503),
    );
    const before = fake.server.requests.length;
    await expect(device.requestPhoneCode('0912345678')).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 60_000,
    });
    await expect(device.verifyPhoneCode('0912345678', '123456')).rejects.toMatchObject({ status: 503 });
    expect(fake.server.requests.length - before).toBe(2);
  });
});

describe('heartbeat and inbox', () => {
  it('sends the heartbeat with padding and adopts a changed configuration', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await device.register(INSTALL);
    const first = await device.heartbeat();
    expect(first).toMatchObject({ configVersion: 'v1', configChanged: true, serverTime: fake.clock.now() });
    const [beat] = fake.server.to('/v1/heartbeat');
    expect(typeof (beat!.json as { padding: string }).padding).toBe('string');
    expect(beat!.headers['x-chaff']).toBeUndefined();
    expect((await device.heartbeat()).configChanged).toBe(false);
    expect(fake.server.to('/v1/config')).toHaveLength(1);
    fake.clock.advance(1000);
    await fake.resign({ exposureTimeGranularity: 'hour' });
    expect(await device.heartbeat()).toMatchObject({ configVersion: 'v2', configChanged: true });
    expect((await device.config())?.exposureTimeGranularity).toBe('hour');
  });

  it('returns valid inbox messages oldest first and asks only for newer ones next time', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await device.register(INSTALL);
    const message = (id: string, createdAt: number) => ({
      id,
      kind: 'news',
      title: { vi: `Tin ${id}`, en: `News ${id}` },
      body: { vi: 'Nội dung', en: 'Body' },
      url: null,
      createdAt,
    });
    fake.inbox = [message('b', 200), message('a', 100), { id: 'bad', kind: 'news' }, 'junk'];
    expect((await device.fetchInbox()).map((m) => m.id)).toEqual(['a', 'b']);
    expect(fake.server.to('/v1/inbox')[0]!.query.get('since')).toBe('0');
    fake.inbox = [];
    await device.fetchInbox();
    expect(fake.server.to('/v1/inbox')[1]!.query.get('since')).toBe('200');
    fake.server.on('GET', '/v1/inbox', () => jsonResponse({ nope: true }));
    await expect(device.fetchInbox()).rejects.toMatchObject({ code: 'invalid_response' });
  });
});
