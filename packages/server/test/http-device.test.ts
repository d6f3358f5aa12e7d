import { compactVerify, importSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import type { AppContext } from '../src/context.js';
import { createContext } from '../src/context.js';
import { createApiKey } from '../src/features/api-keys.js';
import { rotateSigningKey } from '../src/features/signing-keys/signing-keys.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestApp, ENGINES, engineAvailable, TEST_SECRETS, testClock, testConfig } from './harness.js';

const pem = (spkiBase64: string) => `-----BEGIN PUBLIC KEY-----\n${spkiBase64}\n-----END PUBLIC KEY-----`;

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`device config, heartbeat, inbox and chaff on ${engine}`, () => {
    let app: App;
    let storage: Storage;
    let close: () => Promise<void>;
    let ctx: AppContext;
    const clock = testClock(Date.UTC(2020, 7, 8, 16, 59, 0)); // 23:59 in Hà Nội
    beforeAll(async () => {
      ({ app, storage, close } = await createTestApp(engine, { now: clock.now }));
      ctx = createContext(testConfig(), {
        storage,
        secrets: TEST_SECRETS,
        adminUnits: loadAdminUnits(),
        now: clock.now,
      });
    });
    afterAll(() => close());

    async function register(
      provinceCode = '01',
    ): Promise<{ installId: string; auth: Record<string, string> }> {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/installs',
        payload: { platform: 'ios', appVersion: '1.0', provinceCode, locale: 'vi' },
      });
      const body = res.json<{ installId: string; deviceToken: string }>();
      return { installId: body.installId, auth: { authorization: `Bearer ${body.deviceToken}` } };
    }
    const days = async (installId: string) =>
      (
        await storage.db
          .selectFrom('install_days')
          .select('day')
          .where('install_id', '=', installId)
          .orderBy('day')
          .execute()
      ).map((r) => r.day);

    it('serves a configuration signed with a published config key, cacheable by version', async () => {
      const res = await app.inject('/v1/config');
      expect(res.statusCode).toBe(200);
      const { version, jws } = res.json<{ version: string; jws: string }>();
      expect(res.headers.etag).toBe(`"${version}"`);
      const unverified = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as {
        version: string;
        configKeys: { id: string; publicKey: string }[];
        risk: { preset: string; parameters: { version: string } };
        keyFiles: { publicKeys: { algorithm: string }[] };
        exposureTimeGranularity: string;
      };
      expect(unverified.version).toBe(version);
      expect(unverified.risk.preset).toBe('bluezone-default');
      expect(unverified.exposureTimeGranularity).toBe('period');
      const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()) as {
        kid: string;
        alg: string;
      };
      expect(header.alg).toBe('ES256');
      const key = unverified.configKeys.find((k) => k.id === header.kid)!;
      const verified = await compactVerify(jws, await importSPKI(pem(key.publicKey), 'ES256'));
      expect(JSON.parse(new TextDecoder().decode(verified.payload)).version).toBe(version);
      const again = await app.inject({ url: '/v1/config', headers: { 'if-none-match': `"${version}"` } });
      expect(again.statusCode).toBe(304);
    });

    it('names key-file keys exactly as /v1/exports/keys and the files do', async () => {
      const { jws } = (await app.inject('/v1/config')).json<{ jws: string }>();
      const config = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as {
        keyFiles: { publicKeys: { id: string; version: string; publicKey: string }[] };
      };
      const published = (await app.inject('/v1/exports/keys')).json<{
        keys: { id: string; version: string; publicKey: string }[];
      }>();
      expect(config.keyFiles.publicKeys.map((k) => [k.id, k.version, k.publicKey]).sort()).toEqual(
        published.keys.map((k) => [k.id, k.version, k.publicKey]).sort(),
      );
    });

    it('changes the config version when a signing key rotates', async () => {
      const before = (await app.inject('/v1/config')).json<{ version: string }>().version;
      clock.advance(1);
      await rotateSigningKey(ctx, 'export');
      const after = (await app.inject('/v1/config')).json<{ version: string }>().version;
      expect(after).not.toBe(before);
    });

    it('marks an install active once per Vietnamese day', async () => {
      clock.set(Date.UTC(2020, 7, 8, 16, 59, 0)); // 23:59 on the 8th in Hà Nội
      const { installId, auth } = await register();
      const first = await app.inject({ method: 'POST', url: '/v1/heartbeat', headers: auth, payload: {} });
      expect(first.statusCode).toBe(200);
      expect(first.json().configVersion).toMatch(/^[0-9a-f]{16}$/);
      await app.inject({ method: 'POST', url: '/v1/heartbeat', headers: auth });
      expect(await days(installId)).toEqual(['2020-08-08']);
      clock.advance(2 * 60_000); // 00:01 on the 9th in Hà Nội, still the 8th in UTC
      await app.inject({ method: 'POST', url: '/v1/heartbeat', headers: auth });
      expect(await days(installId)).toEqual(['2020-08-08', '2020-08-09']);
    });

    it('rejects a heartbeat without a valid device token', async () => {
      const none = await app.inject({ method: 'POST', url: '/v1/heartbeat' });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('unauthorized');
      const wrong = await app.inject({
        method: 'POST',
        url: '/v1/heartbeat',
        headers: { authorization: `Bearer ${'x'.repeat(43)}` },
      });
      expect(wrong.statusCode).toBe(401);
    });

    it('answers chaff with the same shape and changes nothing', async () => {
      const { installId, auth } = await register();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/heartbeat',
        headers: { ...auth, 'x-chaff': '1' },
        payload: {},
      });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json()).sort()).toEqual(['configVersion', 'padding', 'serverTime']);
      expect(await days(installId)).toEqual([]);
      const anonymous = await app.inject({
        method: 'POST',
        url: '/v1/heartbeat',
        headers: { 'x-chaff': '1' },
        payload: 'not even json',
      });
      expect(anonymous.statusCode).toBe(200);
    });

    it('delivers inbox messages by province, time and expiry', async () => {
      const admin = await createApiKey(storage.db, 'admin', 'test', clock.now());
      const lab = await createApiKey(storage.db, 'lab', 'test', clock.now());
      const publish = (payload: unknown, key = admin.key) =>
        app.inject({
          method: 'POST',
          url: '/admin/v1/inbox',
          headers: { 'x-api-key': key },
          payload: payload as Record<string, unknown>,
        });
      const message = (vi: string) => ({
        kind: 'news',
        title: { vi, en: 'News' },
        body: { vi: 'Hãy cài đặt Bluezone', en: 'Install Bluezone' },
      });
      const hanoi = await register('01');
      const since = clock.now();
      clock.advance(1000);
      expect((await publish(message('Tin cả nước'))).statusCode).toBe(201);
      clock.advance(1000);
      expect((await publish({ ...message('Tin TP.HCM'), provinceCode: '79' })).statusCode).toBe(201);
      clock.advance(1000);
      expect(
        (
          await publish({
            ...message('Tin Hà Nội'),
            provinceCode: '01',
            expiresAt: new Date(clock.now() + 60_000).toISOString(),
          })
        ).statusCode,
      ).toBe(201);
      const inbox = await app.inject({ url: `/v1/inbox?since=${since}`, headers: hanoi.auth });
      expect(inbox.statusCode).toBe(200);
      expect(inbox.json<{ messages: { title: { vi: string } }[] }>().messages.map((m) => m.title.vi)).toEqual(
        ['Tin cả nước', 'Tin Hà Nội'],
      );
      clock.advance(120_000);
      const later = await app.inject({ url: `/v1/inbox?since=${since}`, headers: hanoi.auth });
      expect(later.json<{ messages: { title: { vi: string } }[] }>().messages.map((m) => m.title.vi)).toEqual(
        ['Tin cả nước'],
      );
      expect((await publish(message('x'), lab.key)).statusCode).toBe(403);
      expect(
        (await app.inject({ method: 'POST', url: '/admin/v1/inbox', payload: message('x') })).statusCode,
      ).toBe(401);
      expect((await publish({ ...message('x'), kind: 'upload_request' })).json().error.message).toMatch(
        /kind must be one of news, notice, result/,
      );
      expect((await publish({ ...message('x'), provinceCode: '00' })).statusCode).toBe(400);
      expect((await publish({ ...message('x'), url: 'http://insecure.example' })).statusCode).toBe(400);
      expect((await app.inject({ url: '/v1/inbox?since=yesterday', headers: hanoi.auth })).statusCode).toBe(
        400,
      );
    });
  });
}
