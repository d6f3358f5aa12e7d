import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { findInstallByTokenHash } from '../src/features/installs/installs.repository.js';
import { hashSecret } from '../src/ids.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestApp, ENGINES, engineAvailable } from './harness.js';

const valid = {
  platform: 'android',
  appVersion: '1.0.0',
  provinceCode: '79',
  districtCode: '760',
  locale: 'vi',
};

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`POST /v1/installs on ${engine}`, () => {
    let app: App;
    let storage: Storage;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ app, storage, close } = await createTestApp(engine, { config: { BLUEZONE_BODY_LIMIT: '2048' } }));
    });
    afterAll(() => close());

    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/installs',
        payload: payload as string,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const count = async () =>
      Number(
        (
          await storage.db
            .selectFrom('installs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('registers an install and stores only the token hash', async () => {
      const res = await post(valid);
      expect(res.statusCode).toBe(201);
      const body = res.json<{ installId: string; deviceToken: string }>();
      expect(body.installId).toMatch(/^ins_[a-z2-7]{26}$/);
      expect(body.deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const row = await findInstallByTokenHash(storage.db, hashSecret(body.deviceToken));
      expect(row).toMatchObject({
        id: body.installId,
        province_code: '79',
        district_code: '760',
        platform: 'android',
        admin_units_as_of: '2020-11-01',
      });
      const raw = JSON.stringify(await storage.db.selectFrom('installs').selectAll().execute());
      expect(raw).not.toContain(body.deviceToken);
    });

    it('accepts a province without a district, and null district', async () => {
      expect((await post({ ...valid, districtCode: undefined })).statusCode).toBe(201);
      expect((await post({ ...valid, districtCode: null })).statusCode).toBe(201);
    });

    it.each([
      [{ ...valid, platform: 'nokia' }, 'body.platform must be one of android, ios, web'],
      [{ ...valid, provinceCode: '1' }, 'body.provinceCode must match pattern'],
      [{ ...valid, provinceCode: '99' }, 'provinceCode 99 is not one of the 63 GSO province codes'],
      [{ ...valid, districtCode: '999' }, 'districtCode 999 is not a GSO district code'],
      [{ ...valid, provinceCode: '01' }, 'districtCode 760 (Quận 1) is in province 79, not 01'],
      [{ ...valid, locale: 'fr' }, 'body.locale must be one of vi, en'],
      [{ ...valid, appVersion: '' }, 'body.appVersion must NOT have fewer than 1 characters'],
      [{ ...valid, appVersion: 7 }, 'body.appVersion must be string'],
      [{ ...valid, extra: 1 }, 'body has an unknown field "extra"'],
      [{ platform: 'ios' }, 'body is missing the required field'],
      [[valid], 'body must be object'],
    ])('rejects %j with invalid_request and writes nothing', async (payload, message) => {
      const before = await count();
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      const body = res.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.message).toContain(message);
      expect(await count()).toBe(before);
    });

    it('rejects bad JSON, an empty body, a wrong media type and an oversized body', async () => {
      const bad = await post('{"platform":');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toEqual({ code: 'invalid_request', message: 'the body is not valid JSON' });
      const empty = await post('');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.code).toBe('invalid_request');
      const text = await app.inject({
        method: 'POST',
        url: '/v1/installs',
        payload: 'hello',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.statusCode).toBe(415);
      expect(text.json().error.code).toBe('unsupported_media_type');
      const big = await post({ ...valid, appVersion: 'x'.repeat(4000) });
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toEqual({
        code: 'body_too_large',
        message: 'request body exceeds 2048 bytes',
      });
    });

    it('never answers 5xx and never half-writes, whatever the body (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.json(),
            fc
              .record(
                {
                  platform: fc.oneof(fc.constantFrom('android', 'ios', 'web'), fc.string(), fc.integer()),
                  appVersion: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
                  provinceCode: fc.oneof(fc.stringMatching(/^\d{2}$/), fc.string()),
                  districtCode: fc.oneof(fc.stringMatching(/^\d{3}$/), fc.constant(null), fc.string()),
                  locale: fc.oneof(fc.constantFrom('vi', 'en'), fc.string()),
                },
                { requiredKeys: [] },
              )
              .map((o) => JSON.stringify(o)),
          ),
          async (payload) => {
            const before = await count();
            const res = await post(payload);
            expect(res.statusCode).toBeLessThan(500);
            if (res.statusCode === 201) expect(await count()).toBe(before + 1);
            else {
              expect(res.json().error.code).toMatch(/^[a-z_]+$/);
              expect(await count()).toBe(before);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}

describe('health, errors and docs', () => {
  let app: App;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, close } = await createTestApp('sqlite'));
  });
  afterAll(() => close());

  it('answers /healthz and /readyz', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('answers unknown routes with the error envelope', async () => {
    const res = await app.inject('/v1/nothing?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /v1/nothing' } });
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/installs']));
  });

  it('reports not ready with 503 when the database is gone', async () => {
    const own = await createTestApp('sqlite');
    await own.storage.close();
    const res = await own.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('unavailable');
    await own.app.close();
  });
});
