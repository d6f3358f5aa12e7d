/**
 * The admin API for cases over HTTP, in-process, on both engines: entering cases, re-issuing
 * codes, listing, upload status, roles and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKeysPublished } from '../src/features/verification-api/certificates.js';
import { keyedHash } from '../src/ids.js';
import {
  type CaseTestApp,
  countRows,
  createCaseTestApp,
  createCaseViaApi,
  get,
  type Issued,
  phoneUpload,
  post,
  validCase,
  verify,
} from './cases-helpers.js';
import { ENGINES, engineAvailable, TEST_SECRETS } from './harness.js';

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`admin API for cases on ${engine}`, () => {
    let t: CaseTestApp;
    beforeAll(async () => {
      t = await createCaseTestApp(engine);
    });
    afterAll(() => t.close());

    it('enters a case and returns codes that are stored only as keyed hashes, with audit rows', async () => {
      const res = await post(t, '/admin/v1/cases', validCase, t.keys.admin);
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json<Issued>();
      expect(body.caseId).toMatch(/^case_[a-z2-7]{26}$/);
      expect(body.shortCode).toMatch(/^[0-9]{8}$/);
      expect(body.longCode).toMatch(/^[2-9A-HJKMNP-TV-Z]{16}$/);
      expect(body.expiresAt).toBe(new Date(t.clock.now() + 3_600_000).toISOString());
      expect(body.longExpiresAt).toBe(new Date(t.clock.now() + 86_400_000).toISOString());
      const codes = await t.storage.db
        .selectFrom('verification_codes')
        .selectAll()
        .where('case_id', '=', body.caseId)
        .orderBy('kind', 'desc')
        .execute();
      expect(codes.map((c) => c.kind)).toEqual(['short', 'long']);
      expect(new Uint8Array(codes[0]!.code_hash)).toEqual(
        keyedHash(TEST_SECRETS.codeHashKey, body.shortCode),
      );
      const everything = JSON.stringify([
        await t.storage.db.selectFrom('cases').selectAll().where('id', '=', body.caseId).execute(),
        codes.map((c) => ({ ...c, code_hash: Buffer.from(c.code_hash).toString('latin1') })),
        await t.storage.db
          .selectFrom('audit_log')
          .selectAll()
          .where('subject', '=', `case:${body.caseId}`)
          .execute(),
      ]);
      expect(everything).not.toContain(body.shortCode);
      expect(everything).not.toContain(body.longCode);
      const audit = await t.storage.db
        .selectFrom('audit_log')
        .select(['actor', 'action'])
        .where('subject', '=', `case:${body.caseId}`)
        .orderBy('action')
        .execute();
      const adminId = (
        await t.storage.db
          .selectFrom('api_keys')
          .select('id')
          .where('role', '=', 'admin')
          .executeTakeFirstOrThrow()
      ).id;
      expect(audit).toEqual([
        { actor: `apikey:${adminId}`, action: 'case.codes.issue' },
        { actor: `apikey:${adminId}`, action: 'case.create' },
      ]);
    });

    it('accepts lab keys, refuses device keys (403) and missing or unknown keys (401)', async () => {
      expect((await post(t, '/admin/v1/cases', validCase, t.keys.lab)).statusCode).toBe(201);
      const before = await countRows(t.storage, 'cases');
      const device = await post(t, '/admin/v1/cases', validCase, t.keys.device);
      expect(device.statusCode).toBe(403);
      expect(device.json().error.code).toBe('forbidden');
      const none = await post(t, '/admin/v1/cases', validCase);
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('unauthorized');
      const unknown = await post(t, '/admin/v1/cases', validCase, `bz_${'x'.repeat(43)}`);
      expect(unknown.statusCode).toBe(401);
      expect(await countRows(t.storage, 'cases')).toBe(before);
    });

    it.each([
      [{ ...validCase, provinceCode: '99' }, 'provinceCode 99 is not one of the 63 GSO province codes'],
      [{ ...validCase, provinceCode: '01' }, 'districtCode 760 (Quận 1) is in province 79, not 01'],
      [{ ...validCase, provinceCode: '7' }, 'body.provinceCode must match pattern'],
      [{ ...validCase, testType: 'negative' }, 'body.testType must be one of confirmed, likely'],
      [
        { ...validCase, testDate: '2020-08-09' },
        'testDate 2020-08-09 is in the future (today is 2020-08-08 in Vietnam)',
      ],
      [{ ...validCase, testDate: '2020-02-30' }, 'testDate 2020-02-30 is not a calendar date'],
      [{ ...validCase, testDate: '07/08/2020' }, 'body.testDate must match pattern'],
      [{ ...validCase, symptomDate: '2020-08-08' }, 'symptomDate 2020-08-08 is after testDate 2020-08-07'],
      [{ ...validCase, symptomDate: '2020-07-09' }, 'more than 28 days before testDate'],
      [{ ...validCase, symptomDate: 20200801 }, 'body.symptomDate'],
      [{ ...validCase, phone: '0912345678' }, 'body has an unknown field "phone"'],
      [{ provinceCode: '79', testType: 'confirmed' }, 'body is missing the required field "testDate"'],
    ])('rejects %j with invalid_request and writes nothing', async (payload, message) => {
      const before = [await countRows(t.storage, 'cases'), await countRows(t.storage, 'audit_log')];
      const res = await post(t, '/admin/v1/cases', payload, t.keys.lab);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
      expect(res.json().error.message).toContain(message);
      expect([await countRows(t.storage, 'cases'), await countRows(t.storage, 'audit_log')]).toEqual(before);
    });

    it('accepts a case without district or symptom date, and explicit nulls', async () => {
      const res = await post(
        t,
        '/admin/v1/cases',
        {
          provinceCode: '01',
          districtCode: null,
          testType: 'likely',
          symptomDate: null,
          testDate: '2020-08-08',
        },
        t.keys.lab,
      );
      expect(res.statusCode).toBe(201);
      const status = await get(t, `/admin/v1/cases/${res.json<Issued>().caseId}`, t.keys.lab);
      expect(status.json()).toMatchObject({ districtCode: null, symptomDate: null, testType: 'likely' });
    });

    it('re-issues codes: the old ones stop working, the new ones verify, and it is audited', async () => {
      const first = await createCaseViaApi(t);
      t.clock.advance(60_000);
      const res = await post(t, `/admin/v1/cases/${first.caseId}/codes`, undefined, t.keys.lab);
      expect(res.statusCode).toBe(201);
      const second = res.json<Issued>();
      expect(second.caseId).toBe(first.caseId);
      expect(second.shortCode).not.toBe(first.shortCode);
      for (const old of [first.shortCode, first.longCode]) {
        const r = await verify(t, old, undefined, '198.51.100.21');
        expect(r.statusCode).toBe(400);
        expect(r.json()).toMatchObject({ errorCode: 'code_invalid' });
        expect(r.json().error).toContain('replaced');
      }
      expect((await verify(t, second.longCode, undefined, '198.51.100.21')).statusCode).toBe(200);
      const actions = await t.storage.db
        .selectFrom('audit_log')
        .select('action')
        .where('subject', '=', `case:${first.caseId}`)
        .execute();
      expect(actions.filter((a) => a.action === 'case.codes.issue')).toHaveLength(2);
    });

    it('answers 404 for unknown case IDs and 403 for device keys when re-issuing', async () => {
      const missing = await post(t, '/admin/v1/cases/case_nosuchcase/codes', undefined, t.keys.admin);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('not_found');
      expect((await get(t, '/admin/v1/cases/case_nosuchcase', t.keys.admin)).statusCode).toBe(404);
      const known = await createCaseViaApi(t);
      expect(
        (await post(t, `/admin/v1/cases/${known.caseId}/codes`, undefined, t.keys.device)).statusCode,
      ).toBe(403);
    });

    it('lists cases newest first for admin keys, by province, in opaque pages', async () => {
      const province = '31'; // Hải Phòng; no other test here uses it
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        t.clock.advance(1000);
        created.push(
          (await createCaseViaApi(t, { ...validCase, provinceCode: province, districtCode: null })).caseId,
        );
      }
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url = `/admin/v1/cases?provinceCode=${province}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await get(t, url, t.keys.admin);
        expect(res.statusCode).toBe(200);
        const body = res.json<{
          cases: { caseId: string; provinceCode: string }[];
          nextCursor: string | null;
        }>();
        expect(body.cases.every((c) => c.provinceCode === province)).toBe(true);
        ids.push(...body.cases.map((c) => c.caseId));
        cursor = body.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(ids).toEqual([...created].reverse());
      expect(pages).toBe(3);
      const all = await get(t, '/admin/v1/cases', t.keys.admin);
      const listed = all.json<{ cases: { createdAt: string }[] }>().cases;
      expect(listed.length).toBeGreaterThanOrEqual(5);
      expect(listed.map((c) => c.createdAt)).toEqual([...listed.map((c) => c.createdAt)].sort().reverse());
    });

    it.each([
      ['?limit=0', 'limit must be from 1 to 100, got 0'],
      ['?limit=101', 'limit must be from 1 to 100, got 101'],
      ['?limit=ten', 'querystring.limit must match pattern'],
      ['?provinceCode=99', 'provinceCode 99 is not one of the 63 GSO province codes'],
      ['?cursor=bm90LWEtY3Vyc29y', 'cursor is not one this API returned'],
      ['?cursor=%25%25', 'cursor is not one this API returned'],
      ['?province=79', 'querystring has an unknown field "province"'],
    ])('rejects the list query %s', async (query, message) => {
      const res = await get(t, `/admin/v1/cases${query}`, t.keys.admin);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_request' });
      expect(res.json().error.message).toContain(message);
    });

    it('lets only admin keys list cases', async () => {
      expect((await get(t, '/admin/v1/cases', t.keys.lab)).statusCode).toBe(403);
      expect((await get(t, '/admin/v1/cases', t.keys.device)).statusCode).toBe(403);
      expect((await get(t, '/admin/v1/cases')).statusCode).toBe(401);
      expect((await get(t, '/admin/v1/cases/case_x', t.keys.device)).statusCode).toBe(403);
    });

    it('shows the upload status step by step, up to keys published', async () => {
      const issued = await createCaseViaApi(t);
      const status = async () => (await get(t, `/admin/v1/cases/${issued.caseId}`, t.keys.admin)).json();
      expect(await status()).toMatchObject({
        caseId: issued.caseId,
        provinceCode: '79',
        districtCode: '760',
        testType: 'confirmed',
        symptomDate: '2020-08-04',
        testDate: '2020-08-07',
        healthAuthority: 'vn-moh',
        state: 'codes_issued',
        codesIssuedAt: new Date(t.clock.now()).toISOString(),
        expiresAt: issued.expiresAt,
        longExpiresAt: issued.longExpiresAt,
        codesClaimedAt: null,
        tokenExchangedAt: null,
        certificateIssuedAt: null,
        keysPublished: 0,
      });
      t.clock.advance(5000);
      const token = (await verify(t, issued.shortCode, undefined, '198.51.100.22')).json<{ token: string }>()
        .token;
      expect(await status()).toMatchObject({
        state: 'codes_claimed',
        codesClaimedAt: new Date(t.clock.now()).toISOString(),
      });
      t.clock.advance(5000);
      const upload = phoneUpload();
      const cert = await post(t, '/api/certificate', { token, ekeyhmac: upload.ekeyhmac }, t.keys.device);
      expect(cert.statusCode).toBe(200);
      const at = new Date(t.clock.now()).toISOString();
      expect(await status()).toMatchObject({
        state: 'certificate_issued',
        tokenExchangedAt: at,
        certificateIssuedAt: at,
      });
      const certificate = cert.json<{ certificate: string }>().certificate;
      await t.storage.transaction((trx) => recordKeysPublished(trx, certificate, upload.keys.length));
      expect(await status()).toMatchObject({ state: 'keys_published', keysPublished: upload.keys.length });
    });
  });
}
