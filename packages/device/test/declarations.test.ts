/**
 * Declarations, daily reports, the QR code and partner consents in the SDK, against the fake
 * server: nothing leaves the phone without a consent made by the record functions (forged,
 * copied, expired, or for another partner: refused before any request), and the answers are
 * parsed and checked.
 */
import { describe, expect, it } from 'vitest';
import {
  type DeclarationConsent,
  type DomesticDeclaration,
  type PartnerConsent,
  recordDeclarationConsent,
  recordPartnerConsent,
  recordReportConsent,
} from '../src/index.js';
import { createFakeBluezone, deviceOn, HOUR_MS, jsonResponse } from './helpers.js';

const INSTALL = { platform: 'android', appVersion: '1.2.0', provinceCode: '79', locale: 'vi' } as const;

const DOMESTIC: DomesticDeclaration = {
  fullName: 'Nguyễn Văn An',
  yearOfBirth: 1985,
  address: { provinceCode: '79', districtCode: '760', street: '12 Lê Lợi' },
  symptoms: ['fever'],
  contactWithConfirmedCase: false,
  contactWithSuspectedCase: false,
  contactWithArrival: false,
  places: [],
  travel: [],
};

const SUMMARY = {
  declarationId: 'dec_1',
  kind: 'domestic',
  status: 'monitoring',
  provinceCode: '79',
  districtCode: '760',
  declaredOn: '2020-08-10',
  declaredAt: '2020-08-10T00:00:00.000Z',
  validUntil: '2020-08-24T00:00:00.000Z',
  monitoringUntil: '2020-08-24T00:00:00.000Z',
  source: 'device',
};

async function setUp() {
  const fake = await createFakeBluezone();
  const device = deviceOn(fake);
  const { deviceToken } = await device.register(INSTALL);
  fake.server.on('POST', '/v1/declarations/domestic', () => jsonResponse(SUMMARY, 201));
  fake.server.on('POST', '/v1/declarations/daily-reports', (r) =>
    jsonResponse({ declarationId: 'dec_1', day: (r.json as { day: string }).day, replaced: false }, 201),
  );
  fake.server.on('POST', '/v1/qr', () =>
    jsonResponse({
      token: 'aaa.bbb.ccc',
      expiresAt: '2020-08-10T00:05:00.000Z',
      status: 'monitoring',
      kind: 'domestic',
      declaredOn: '2020-08-10',
      validUntil: '2020-08-24T00:00:00.000Z',
    }),
  );
  fake.server.on('POST', '/v1/consents', (r) =>
    jsonResponse(
      {
        consentId: 'cns_1',
        consentToken: 'x.y.z',
        partnerId: (r.json as { partnerId: string }).partnerId,
        partnerName: 'NCOVI',
        scopes: ['status:read'],
        expiresAt: '2020-09-09T00:00:00.000Z',
      },
      201,
    ),
  );
  fake.server.on('DELETE', '/v1/consents/*', () => new Response(null, { status: 204 }));
  const shown = { shownText: 'Gửi tờ khai y tế của tôi', locale: 'vi' };
  return { fake, device, deviceToken, shown };
}

describe('declarations in the SDK', () => {
  it('sends a declaration and a daily report with the device token, only with a declaration consent', async () => {
    const { fake, device, deviceToken, shown } = await setUp();
    const consent = recordDeclarationConsent({ confirmedAt: fake.clock.now(), ...shown });
    const receipt = await device.submitDeclaration(consent, { kind: 'domestic', body: DOMESTIC });
    expect(receipt).toEqual({
      declarationId: 'dec_1',
      kind: 'domestic',
      status: 'monitoring',
      declaredOn: '2020-08-10',
      validUntil: Date.parse('2020-08-24T00:00:00.000Z'),
      monitoringUntil: Date.parse('2020-08-24T00:00:00.000Z'),
    });
    const [sent] = fake.server.to('/v1/declarations/domestic');
    expect(sent!.headers['authorization']).toBe(`Bearer ${deviceToken}`);
    expect(sent!.json).toEqual(DOMESTIC);
    const report = await device.submitDailyReport(consent, {
      day: '2020-08-10',
      symptoms: [],
      temperatureCelsius: 37,
    });
    expect(report).toEqual({ declarationId: 'dec_1', day: '2020-08-10', replaced: false });
  });

  it('refuses forged, copied, other and expired consents before any request', async () => {
    const { fake, device, shown } = await setUp();
    const real = recordDeclarationConsent({ confirmedAt: fake.clock.now(), ...shown });
    const forgeries: unknown[] = [
      { confirmedAt: fake.clock.now(), shownText: 'x', locale: 'vi' },
      { ...real },
      Object.create(real),
      recordReportConsent({ confirmedAt: fake.clock.now(), ...shown }),
    ];
    for (const forged of forgeries) {
      await expect(
        device.submitDeclaration(forged as DeclarationConsent, { kind: 'domestic', body: DOMESTIC }),
      ).rejects.toMatchObject({ code: 'consent_invalid' });
      await expect(
        device.submitDailyReport(forged as DeclarationConsent, { day: '2020-08-10', symptoms: [] }),
      ).rejects.toMatchObject({ code: 'consent_invalid' });
    }
    fake.clock.advance(HOUR_MS + 1);
    await expect(device.submitDeclaration(real, { kind: 'domestic', body: DOMESTIC })).rejects.toMatchObject({
      code: 'consent_expired',
    });
    expect(fake.server.to('/v1/declarations/domestic')).toHaveLength(0);
    expect(fake.server.to('/v1/declarations/daily-reports')).toHaveLength(0);
  });

  it('surfaces the server’s refusal (phone not verified) without retrying', async () => {
    const { fake, device, shown } = await setUp();
    fake.server.on('POST', '/v1/declarations/domestic', () =>
      jsonResponse({ error: { code: 'phone_not_verified', message: 'register a number' } }, 403),
    );
    const consent = recordDeclarationConsent({ confirmedAt: fake.clock.now(), ...shown });
    await expect(
      device.submitDeclaration(consent, { kind: 'domestic', body: DOMESTIC }),
    ).rejects.toMatchObject({
      code: 'http_error',
      status: 403,
      serverCode: 'phone_not_verified',
    });
    expect(fake.server.to('/v1/declarations/domestic')).toHaveLength(1);
  });

  it('gets a QR token (no consent needed: it carries no personal data) and checks its shape', async () => {
    const { fake, device } = await setUp();
    expect(await device.getQrToken()).toEqual({
      token: 'aaa.bbb.ccc',
      expiresAt: Date.parse('2020-08-10T00:05:00.000Z'),
      status: 'monitoring',
      kind: 'domestic',
    });
    fake.server.on('POST', '/v1/qr', () => jsonResponse({ token: 'not-a-jwt', expiresAt: 'x' }));
    await expect(device.getQrToken()).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('issues a partner consent only for the partner the user agreed to, and withdraws it', async () => {
    const { fake, device } = await setUp();
    const consent = recordPartnerConsent({
      confirmedAt: fake.clock.now(),
      shownText: 'Cho phép NCOVI xem trạng thái khai báo của tôi',
      partnerId: 'ptn_ncovi',
    });
    await expect(
      device.issuePartnerConsent(consent, { partnerId: 'ptn_other', scopes: ['status:read'] }),
    ).rejects.toMatchObject({ code: 'consent_invalid' });
    await expect(
      device.issuePartnerConsent({ ...consent } as PartnerConsent, {
        partnerId: 'ptn_ncovi',
        scopes: ['status:read'],
      }),
    ).rejects.toMatchObject({ code: 'consent_invalid' });
    expect(fake.server.to('/v1/consents')).toHaveLength(0);
    const token = await device.issuePartnerConsent(consent, {
      partnerId: 'ptn_ncovi',
      scopes: ['status:read'],
      days: 7,
    });
    expect(token).toMatchObject({
      consentId: 'cns_1',
      consentToken: 'x.y.z',
      partnerName: 'NCOVI',
      scopes: ['status:read'],
    });
    expect(fake.server.to('/v1/consents')[0]!.json).toEqual({
      partnerId: 'ptn_ncovi',
      scopes: ['status:read'],
      days: 7,
    });
    await device.withdrawPartnerConsent('cns_1');
    expect(fake.server.to('/v1/consents/cns_1', 'DELETE')).toHaveLength(1);
    await expect(device.withdrawPartnerConsent('../admin')).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(() => recordPartnerConsent({ confirmedAt: 0, shownText: 'x', partnerId: '' })).toThrow(
      /partnerId/,
    );
  });
});
