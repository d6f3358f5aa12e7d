/**
 * Personal QR codes over HTTP on both engines: issue (only with a valid declaration), online
 * verification and its refusals (forged, altered, expired, replayed, revoked), and offline
 * verification of the server's tokens with `verifyQrToken` of @bluezone/protocol and the
 * published JWKS.
 */
import { generateKeyPairSync } from 'node:crypto';
import { QR_AUDIENCE, signQrToken, verifyQrToken } from '@bluezone/protocol';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContactsTestApp,
  createContactsTestApp,
  type Phone,
  verifiedPhone,
} from './contacts-helpers.js';
import { declare, deviceRequest, domesticBody, errorOf, keyRequest } from './declarations-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';

const MINUTE = 60_000;

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`personal QR codes on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
    });
    afterAll(async () => t.close());

    const issue = async (phone: Phone) => {
      const r = await deviceRequest(t, phone.token, 'POST', '/v1/qr');
      if (r.statusCode !== 200) throw new Error(`qr: ${r.statusCode} ${r.body}`);
      return r.json() as { token: string; expiresAt: string; status: string; kind: string };
    };
    const verify = (token: string) =>
      t.app.inject({ method: 'POST', url: '/v1/qr/verify', payload: { token } });
    const jwks = async () => (await t.app.inject({ method: 'GET', url: '/v1/qr/keys' })).json();
    const offline = async (token: string) =>
      verifyQrToken(token, { jwks: await jwks(), issuer: 'vn-moh', now: Math.floor(t.clock.now() / 1000) });

    it('issues a code only with a valid declaration', async () => {
      const phone = await verifiedPhone(t);
      expect(errorOf(await deviceRequest(t, phone.token, 'POST', '/v1/qr'))).toEqual({
        status: 409,
        code: 'declaration_required',
      });
      expect(errorOf(await t.app.inject({ method: 'POST', url: '/v1/qr' }))).toEqual({
        status: 401,
        code: 'unauthorized',
      });
    });

    it('signs the status, not the person: ES256, a kid, a random jti, status claims only', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token, 'domestic', domesticBody({ symptoms: ['fever'] }));
      const qr = await issue(phone);
      expect(qr).toMatchObject({
        status: 'monitoring',
        kind: 'domestic',
        expiresAt: new Date(t.clock.now() + 5 * MINUTE).toISOString(),
      });
      const header = decodeProtectedHeader(qr.token);
      expect(header).toEqual({ alg: 'ES256', kid: expect.stringMatching(/^qr-/), typ: 'bluezone-qr+jwt' });
      const claims = decodeJwt(qr.token);
      expect(Object.keys(claims).sort()).toEqual(['aud', 'dd', 'dk', 'du', 'exp', 'iat', 'iss', 'jti', 'st']);
      expect(claims).toMatchObject({
        aud: QR_AUDIENCE,
        iss: 'vn-moh',
        st: 'monitoring',
        dk: 'domestic',
        dd: '2020-08-08',
      });
      expect(qr.token).not.toContain(phone.number);
      const second = await issue(phone);
      expect(decodeJwt(second.token).jti).not.toBe(claims.jti);
    });

    it('verifies online and offline with the published keys', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token);
      const qr = await issue(phone);
      const online = await verify(qr.token);
      expect(online.statusCode).toBe(200);
      expect(online.json()).toMatchObject({
        valid: true,
        status: 'declared',
        kind: 'domestic',
        declaredOn: '2020-08-08',
      });
      // A code may be shown many times while it lives.
      expect((await verify(qr.token)).statusCode).toBe(200);
      const result = await offline(qr.token);
      expect(result).toMatchObject({
        ok: true,
        value: { status: 'declared', kind: 'domestic', jti: decodeJwt(qr.token).jti },
      });
      const keys = await t.app.inject({ method: 'GET', url: '/v1/qr/keys' });
      expect(keys.headers['cache-control']).toContain('max-age');
      expect(keys.json().keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(keys.json().keys[0]).not.toHaveProperty('d');
    });

    it('rejects forged and altered codes, online and offline', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token);
      const qr = await issue(phone);
      const { kid } = decodeProtectedHeader(qr.token);
      // Same claims and kid, signed by a key that is not the server's.
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const claims = decodeJwt(qr.token);
      const forged = await signQrToken(
        {
          issuer: 'vn-moh',
          status: 'cleared',
          kind: 'domestic',
          declaredOn: '2020-08-08',
          declarationValidUntil: claims['du'] as number,
          jti: claims.jti!,
        },
        { kid: kid!, privateKey },
        { now: Math.floor(t.clock.now() / 1000) },
      );
      const [h, , s] = qr.token.split('.');
      const payload = Buffer.from(JSON.stringify({ ...claims, st: 'cleared' })).toString('base64url');
      const altered = `${h}.${payload}.${s}`;
      for (const token of [forged, altered]) {
        expect(errorOf(await verify(token))).toEqual({ status: 400, code: 'qr_invalid' });
        expect(await offline(token)).toMatchObject({ ok: false, error: { code: 'qr_invalid_signature' } });
      }
      for (const junk of ['hello', 'a.b.c', qr.token.split('.').slice(0, 2).join('.')]) {
        expect(errorOf(await verify(junk))).toEqual({ status: 400, code: 'qr_invalid' });
        expect(await offline(junk)).toMatchObject({ ok: false, error: { code: 'qr_malformed' } });
      }
      const unknownKid = await signQrToken(
        {
          issuer: 'vn-moh',
          status: 'declared',
          kind: 'domestic',
          declaredOn: '2020-08-08',
          declarationValidUntil: 1,
          jti: 'qr_abcdefghijklmnopqrstuv',
        },
        { kid: 'qr-unknown', privateKey },
        { now: Math.floor(t.clock.now() / 1000) },
      );
      expect(errorOf(await verify(unknownKid))).toEqual({ status: 400, code: 'qr_invalid' });
      expect(await offline(unknownKid)).toMatchObject({ ok: false, error: { code: 'qr_unknown_key' } });
      expect(
        errorOf(await t.app.inject({ method: 'POST', url: '/v1/qr/verify', payload: { token: '' } })),
      ).toEqual({
        status: 400,
        code: 'invalid_request',
      });
    });

    it('rejects an expired code, online and offline', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token);
      const qr = await issue(phone);
      t.clock.advance(5 * MINUTE + 61_000);
      const r = await verify(qr.token);
      expect(errorOf(r)).toEqual({ status: 400, code: 'qr_expired' });
      expect(r.json().error.message).toContain('open it again');
      expect(await offline(qr.token)).toMatchObject({ ok: false, error: { code: 'qr_expired' } });
    });

    it('rejects a replayed code once the holder opened a newer one', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token);
      const older = await issue(phone);
      const newer = await issue(phone);
      expect(errorOf(await verify(older.token))).toEqual({ status: 409, code: 'qr_replayed' });
      expect((await verify(newer.token)).statusCode).toBe(200);
      // Offline cannot know: the signature and lifetime still hold.
      expect((await offline(older.token)).ok).toBe(true);
    });

    it('rejects a code whose status changed or was revoked since it was made', async () => {
      const phone = await verifiedPhone(t);
      const { declarationId } = await declare(t, phone.token, 'entry');
      const monitoring = await issue(phone);
      await keyRequest(t, t.keys.admin, 'POST', `/admin/v1/declarations/${declarationId}/status`, {
        body: { status: 'cleared' },
      });
      expect(errorOf(await verify(monitoring.token))).toEqual({ status: 409, code: 'qr_revoked' });
      const cleared = await issue(phone);
      expect(cleared.status).toBe('cleared');
      expect((await verify(cleared.token)).json()).toMatchObject({
        valid: true,
        status: 'cleared',
        kind: 'entry',
      });
      await keyRequest(t, t.keys.admin, 'POST', `/admin/v1/declarations/${declarationId}/status`, {
        body: { status: 'revoked' },
      });
      expect(errorOf(await verify(cleared.token))).toEqual({ status: 409, code: 'qr_revoked' });
      expect(errorOf(await deviceRequest(t, phone.token, 'POST', '/v1/qr'))).toEqual({
        status: 409,
        code: 'declaration_required',
      });
    });

    it('rejects a code of a declaration replaced by a newer one', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token);
      const qr = await issue(phone);
      await declare(t, phone.token, 'domestic', domesticBody({ symptoms: ['cough'] }));
      expect(errorOf(await verify(qr.token))).toEqual({ status: 409, code: 'qr_revoked' });
    });
  });
}
