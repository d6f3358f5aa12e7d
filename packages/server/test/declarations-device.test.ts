/**
 * End to end over real HTTP (the server listening on a free port, the device SDK with `fetch`):
 * a phone registers, verifies its number, declares with the user's consent, opens its QR code,
 * which a checkpoint verifies offline with the published keys (`verifyQrToken`, re-exported by
 * @bluezone/device) and online; then it issues a consent token that a partner uses to read the
 * status.
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  createBluezoneDevice,
  createMemoryDeviceStore,
  recordDeclarationConsent,
  recordPartnerConsent,
  verifyQrToken,
} from '@bluezone/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeSigningKey } from '../src/features/signing-keys/signing-keys.js';
import { type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { addPartner, keyRequest } from './declarations-helpers.js';
import { lastCode, uniqueNumber } from './phones-helpers.js';

describe('the device SDK against the server', () => {
  let t: ContactsTestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await createContactsTestApp('sqlite');
    baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('declares, shows a QR code a checkpoint verifies offline and online, and lets a partner read the status', async () => {
    const configKey = await activeSigningKey(t.ctx, 'config');
    const device = createBluezoneDevice({
      baseUrl,
      apiKey: t.keys.device,
      trustedConfigKeys: [
        { id: configKey.id, publicKey: Buffer.from(configKey.publicKeySpki).toString('base64') },
      ],
      store: createMemoryDeviceStore(),
      crypto: nodeCrypto,
      deviceModel: 'Pixel 4',
      clock: {
        now: t.clock.now,
        sleep: async () => {},
        setTimer: (cb, ms) => {
          const id = setTimeout(cb, ms);
          return { cancel: () => clearTimeout(id) };
        },
      },
    });
    await device.register({ platform: 'android', appVersion: '1.0.0', provinceCode: '79', locale: 'vi' });
    const national = uniqueNumber();
    await device.requestPhoneCode(national);
    await device.verifyPhoneCode(national, lastCode(t.sms, national));
    expect(await device.currentDeclaration()).toBeUndefined();

    const consent = recordDeclarationConsent({
      confirmedAt: t.clock.now(),
      shownText: 'Gửi tờ khai nhập cảnh',
    });
    const receipt = await device.submitDeclaration(consent, {
      kind: 'entry',
      body: {
        fullName: 'Trần Thị Bình',
        yearOfBirth: 1990,
        nationality: 'VN',
        document: { type: 'passport', number: 'C1234567' },
        arrival: { date: '2020-08-08', by: 'air', flightNumber: 'VN0051', airport: 'HAN', fromCountry: 'JP' },
        countriesVisited: ['JP'],
        stay: { kind: 'home', provinceCode: '01', districtCode: '001', street: '5 Phan Đình Phùng' },
        symptoms: [],
      },
    });
    expect(receipt).toMatchObject({ kind: 'entry', status: 'monitoring' });
    expect(await device.submitDailyReport(consent, { day: '2020-08-08', symptoms: [] })).toMatchObject({
      declarationId: receipt.declarationId,
      replaced: false,
    });

    const qr = await device.getQrToken();
    const jwks = await (await fetch(`${baseUrl}/v1/qr/keys`)).json();
    const offline = await verifyQrToken(qr.token, {
      jwks,
      issuer: 'vn-moh',
      now: Math.floor(t.clock.now() / 1000),
    });
    expect(offline).toMatchObject({ ok: true, value: { status: 'monitoring', kind: 'entry' } });
    const online = await fetch(`${baseUrl}/v1/qr/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: qr.token }),
    });
    expect(await online.json()).toMatchObject({ valid: true, status: 'monitoring' });

    const partner = await addPartner(t, ['status:read'], null, 'VHD');
    const agreed = recordPartnerConsent({
      confirmedAt: t.clock.now(),
      shownText: 'Cho phép VHD xem trạng thái khai báo',
      partnerId: partner.partnerId,
    });
    const token = await device.issuePartnerConsent(agreed, {
      partnerId: partner.partnerId,
      scopes: ['status:read'],
    });
    const status = await keyRequest(t, partner.apiKey, 'GET', '/partner/v1/status', {
      headers: { 'x-consent-token': token.consentToken },
    });
    expect(status.json()).toMatchObject({ status: 'monitoring', kind: 'entry' });
    await device.withdrawPartnerConsent(token.consentId);
    const after = await keyRequest(t, partner.apiKey, 'GET', '/partner/v1/status', {
      headers: { 'x-consent-token': token.consentToken },
    });
    expect(after.json().error.code).toBe('consent_revoked');
  });
});
