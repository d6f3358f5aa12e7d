/**
 * Health declarations over HTTP on both engines: the verified-number requirement, domestic and
 * entry declarations with their statuses, personal fields encrypted at rest, bad input (and a
 * fuzz test: never a 5xx), daily reports, the admin API with province scope and audited reads,
 * and retention.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DECLARATION_RETENTION_TASKS } from '../src/features/declarations/declarations.retention.js';
import { RETENTION_TASKS, retentionJob } from '../src/jobs/retention.js';
import { runJobOnce } from '../src/jobs/scheduler.js';
import { vietnamDay } from '../src/time.js';
import {
  auditEntries,
  type ContactsTestApp,
  createContactsTestApp,
  unverifiedPhone,
  verifiedPhone,
} from './contacts-helpers.js';
import {
  declare,
  deviceRequest,
  domesticBody,
  entryBody,
  errorOf,
  keyRequest,
} from './declarations-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { asUser, userSession } from './users-helpers.js';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`health declarations on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
    });
    afterAll(async () => t.close());

    it('needs a device token and a verified phone number', async () => {
      const none = await t.app.inject({
        method: 'POST',
        url: '/v1/declarations/domestic',
        payload: domesticBody(),
      });
      expect(errorOf(none)).toEqual({ status: 401, code: 'unauthorized' });
      const device = await unverifiedPhone(t);
      const r = await deviceRequest(t, device.token, 'POST', '/v1/declarations/domestic', domesticBody());
      expect(errorOf(r)).toEqual({ status: 403, code: 'phone_not_verified' });
      expect(r.json().error.message).toContain('POST /v1/phone/otp');
    });

    it('stores a domestic declaration: declared without risk, monitored with symptoms or contact', async () => {
      const phone = await verifiedPhone(t);
      const plain = await declare(t, phone.token);
      expect(plain).toMatchObject({
        kind: 'domestic',
        status: 'declared',
        provinceCode: '79',
        districtCode: '760',
        declaredOn: '2020-08-08',
        monitoringUntil: null,
        source: 'device',
        validUntil: new Date(t.clock.now() + 14 * DAY).toISOString(),
      });
      const sick = await declare(t, phone.token, 'domestic', domesticBody({ symptoms: ['fever', 'cough'] }));
      expect(sick).toMatchObject({
        status: 'monitoring',
        monitoringUntil: new Date(t.clock.now() + 14 * DAY).toISOString(),
      });
      const contact = await declare(
        t,
        phone.token,
        'domestic',
        domesticBody({ contactWithConfirmedCase: true }),
      );
      expect(contact.status).toBe('monitoring');
      const current = await deviceRequest(t, phone.token, 'GET', '/v1/declarations/current');
      expect(current.json()).toMatchObject({ declarationId: contact.declarationId, status: 'monitoring' });
      expect(await auditEntries(t.storage, 'declaration.submit')).toEqual(
        expect.arrayContaining([expect.objectContaining({ subject: `declaration:${plain.declarationId}` })]),
      );
    });

    it('stores an entry declaration under monitoring for 14 days from the arrival day', async () => {
      const phone = await verifiedPhone(t);
      const entry = await declare(t, phone.token, 'entry');
      // Arrival 2020-08-08 in Vietnam starts at 2020-08-07T17:00Z; monitoring to 14 days later.
      expect(entry).toMatchObject({
        kind: 'entry',
        status: 'monitoring',
        monitoringUntil: '2020-08-21T17:00:00.000Z',
      });
      const byLand = await declare(
        t,
        phone.token,
        'entry',
        entryBody({
          arrival: { date: '2020-08-07', by: 'land', borderGate: 'BG-MOCBAI', fromCountry: 'KH' },
        }),
      );
      expect(byLand.status).toBe('monitoring');
    });

    it('writes no personal field to the logs', async () => {
      const phone = await verifiedPhone(t);
      const { declarationId } = await declare(t, phone.token, 'entry');
      await keyRequest(t, t.keys.admin, 'GET', `/admin/v1/declarations/${declarationId}`);
      await deviceRequest(t, phone.token, 'POST', '/v1/declarations/entry', entryBody({ nationality: 'XX' }));
      const logs = t.logs.join('\n');
      expect(logs).toContain('/v1/declarations/entry');
      for (const secret of ['John Smith', 'P1234567', 'VN0050', phone.number])
        expect(logs).not.toContain(secret);
    });

    it('keeps every personal field encrypted at rest', async () => {
      const phone = await verifiedPhone(t);
      const { declarationId } = await declare(t, phone.token, 'entry');
      const row = await t.storage.db
        .selectFrom('declarations')
        .selectAll()
        .where('id', '=', declarationId)
        .executeTakeFirstOrThrow();
      const stored = JSON.stringify(row) + Buffer.from(row.personal_enc).toString('latin1');
      for (const secret of ['John Smith', 'P1234567', 'VN0050', 'Khu cách ly', 'GB'])
        expect(stored).not.toContain(secret);
      expect(row.personal_enc[0]).toBe(1);
    });

    it.each([
      [
        'a district outside the province',
        { address: { provinceCode: '01', districtCode: '760', street: 'x' } },
        'body.address',
      ],
      [
        'an unknown province',
        { address: { provinceCode: '00', districtCode: '760', street: 'x' } },
        'provinceCode 00',
      ],
      ['a place in the future', { places: [{ date: '2020-08-09', provinceCode: '01' }] }, 'in the future'],
      [
        'a place older than 14 days',
        { places: [{ date: '2020-07-20', provinceCode: '01' }] },
        'more than 14 days ago',
      ],
      [
        'a non-date',
        { travel: [{ date: '2020-02-30', fromProvinceCode: '01', toProvinceCode: '79', means: 'bus' }] },
        'not a calendar date',
      ],
      ['a year of birth in the future', { yearOfBirth: 2030 }, 'yearOfBirth'],
      ['an unknown symptom', { symptoms: ['sneezing'] }, 'symptoms'],
      ['an unknown field', { bloodType: 'O' }, 'unknown field "bloodType"'],
      ['a blank name', { fullName: '   ' }, 'fullName'],
    ])('refuses a domestic declaration with %s', async (_what, overrides, message) => {
      const phone = await verifiedPhone(t);
      const r = await deviceRequest(
        t,
        phone.token,
        'POST',
        '/v1/declarations/domestic',
        domesticBody(overrides),
      );
      expect(errorOf(r)).toEqual({ status: 400, code: 'invalid_request' });
      expect(r.json().error.message).toContain(message);
      const current = await deviceRequest(t, phone.token, 'GET', '/v1/declarations/current');
      expect(errorOf(current)).toEqual({ status: 409, code: 'declaration_required' });
    });

    it.each([
      ['an unknown nationality', { nationality: 'XX' }, 'nationality XX'],
      [
        'an unknown airport',
        {
          arrival: {
            date: '2020-08-08',
            by: 'air',
            flightNumber: 'VN0050',
            airport: 'LHR',
            fromCountry: 'GB',
          },
        },
        'airport LHR',
      ],
      [
        'air without a flight',
        { arrival: { date: '2020-08-08', by: 'air', airport: 'SGN', fromCountry: 'GB' } },
        'flightNumber',
      ],
      [
        'land without a border gate',
        { arrival: { date: '2020-08-08', by: 'land', fromCountry: 'KH' } },
        'borderGate',
      ],
      [
        'an unknown border gate',
        { arrival: { date: '2020-08-08', by: 'land', borderGate: 'BG-NOWHERE', fromCountry: 'KH' } },
        'BG-NOWHERE',
      ],
      [
        'an arrival too far ahead',
        {
          arrival: {
            date: '2020-08-20',
            by: 'air',
            flightNumber: 'VN0050',
            airport: 'SGN',
            fromCountry: 'GB',
          },
        },
        'days ahead',
      ],
      ['a lower-case document number', { document: { type: 'passport', number: 'p123' } }, 'document.number'],
      [
        'a stay district in another province',
        { stay: { kind: 'home', provinceCode: '79', districtCode: '001', street: 'x' } },
        'body.stay',
      ],
    ])('refuses an entry declaration with %s', async (_what, overrides, message) => {
      const phone = await verifiedPhone(t);
      const r = await deviceRequest(t, phone.token, 'POST', '/v1/declarations/entry', entryBody(overrides));
      expect(errorOf(r)).toEqual({ status: 400, code: 'invalid_request' });
      expect(r.json().error.message).toContain(message);
    });

    it('never answers a fuzzed declaration body with a 5xx', async () => {
      const phone = await verifiedPhone(t);
      const mutated = (base: Record<string, unknown>) =>
        fc
          .record({ key: fc.constantFrom(...Object.keys(base), 'extra'), value: fc.anything() })
          .map(({ key, value }) => ({ ...base, [key]: value }));
      const bodies = fc.oneof(
        fc.anything(),
        fc.json(),
        mutated(domesticBody()),
        mutated(entryBody()),
        mutated(domesticBody({ address: { provinceCode: '79', districtCode: '760', street: 'x' } })),
      );
      await fc.assert(
        fc.asyncProperty(
          bodies,
          fc.constantFrom('domestic', 'entry', 'daily-reports'),
          async (body, kind) => {
            let payload: string;
            try {
              payload = typeof body === 'string' ? body : (JSON.stringify(body) ?? 'null');
            } catch {
              payload = '{}';
            }
            const r = await deviceRequest(t, phone.token, 'POST', `/v1/declarations/${kind}`, payload);
            expect(r.statusCode).toBeLessThan(500);
            expect(r.json()).toBeTypeOf('object');
          },
        ),
        { numRuns: 60 },
      );
    });

    it('takes daily reports only under monitoring, one per day (a resend replaces it)', async () => {
      const phone = await verifiedPhone(t);
      const report = { day: '2020-08-08', symptoms: ['fever'], temperatureCelsius: 38.2 };
      expect(
        errorOf(await deviceRequest(t, phone.token, 'POST', '/v1/declarations/daily-reports', report)),
      ).toEqual({
        status: 409,
        code: 'declaration_required',
      });
      await declare(t, phone.token);
      expect(
        errorOf(await deviceRequest(t, phone.token, 'POST', '/v1/declarations/daily-reports', report)),
      ).toEqual({
        status: 409,
        code: 'not_under_monitoring',
      });
      const { declarationId } = await declare(t, phone.token, 'entry');
      const first = await deviceRequest(t, phone.token, 'POST', '/v1/declarations/daily-reports', report);
      expect(first.statusCode).toBe(201);
      expect(first.json()).toEqual({ declarationId, day: '2020-08-08', replaced: false });
      const again = await deviceRequest(t, phone.token, 'POST', '/v1/declarations/daily-reports', {
        ...report,
        symptoms: [],
      });
      expect(again.statusCode).toBe(200);
      expect(again.json().replaced).toBe(true);
      const old = await deviceRequest(t, phone.token, 'POST', '/v1/declarations/daily-reports', {
        ...report,
        day: '2020-08-05',
      });
      expect(errorOf(old)).toEqual({ status: 400, code: 'invalid_request' });
      const reports = await keyRequest(
        t,
        t.keys.admin,
        'GET',
        `/admin/v1/declarations/${declarationId}/daily-reports`,
      );
      expect(reports.json().reports).toEqual([
        {
          day: '2020-08-08',
          reportedAt: expect.any(String),
          report: { day: '2020-08-08', symptoms: [], temperatureCelsius: 38.2 },
        },
      ]);
      const audit = await auditEntries(t.storage, 'declaration.daily_reports.read');
      expect(audit.some((a) => a.subject === `declaration:${declarationId}`)).toBe(true);
    });

    it('lists declarations without personal fields and audits every read of one', async () => {
      const phone = await verifiedPhone(t);
      const { declarationId } = await declare(t, phone.token, 'entry');
      const list = await keyRequest(t, t.keys.admin, 'GET', '/admin/v1/declarations?kind=entry&limit=100');
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain('John Smith');
      expect(list.json().declarations).toEqual(
        expect.arrayContaining([expect.objectContaining({ declarationId, kind: 'entry', dailyReports: 0 })]),
      );
      const monitoring = await keyRequest(
        t,
        t.keys.admin,
        'GET',
        '/admin/v1/declarations?monitoring=true&limit=100',
      );
      expect(monitoring.json().declarations.every((d: { status: string }) => d.status === 'monitoring')).toBe(
        true,
      );
      const before = (await auditEntries(t.storage, 'declaration.read')).length;
      const one = await keyRequest(t, t.keys.admin, 'GET', `/admin/v1/declarations/${declarationId}`);
      expect(one.json()).toMatchObject({
        declarationId,
        personal: { fullName: 'John Smith', nationality: 'GB' },
      });
      const after = await auditEntries(t.storage, 'declaration.read');
      expect(after.length).toBe(before + 1);
      expect(JSON.stringify(after)).not.toContain('John Smith');
      expect(
        errorOf(await keyRequest(t, t.keys.lab, 'GET', `/admin/v1/declarations/${declarationId}`)),
      ).toEqual({
        status: 403,
        code: 'forbidden',
      });
      expect(errorOf(await keyRequest(t, t.keys.admin, 'GET', '/admin/v1/declarations/dec_nope'))).toEqual({
        status: 404,
        code: 'not_found',
      });
    });

    it('scopes the admin API by province: out of scope is 404 and not listed', async () => {
      const phone = await verifiedPhone(t);
      const hcm = await declare(t, phone.token);
      const hanoi = await userSession(t, 'province_admin', '01');
      const saigon = await userSession(t, 'province_admin', '79');
      expect(errorOf(await asUser(t, hanoi, 'GET', `/admin/v1/declarations/${hcm.declarationId}`))).toEqual({
        status: 404,
        code: 'not_found',
      });
      expect(
        errorOf(
          await asUser(t, hanoi, 'POST', `/admin/v1/declarations/${hcm.declarationId}/status`, {
            status: 'revoked',
          }),
        ),
      ).toEqual({ status: 404, code: 'not_found' });
      const hanoiList = await asUser(t, hanoi, 'GET', '/admin/v1/declarations?limit=100');
      expect(
        hanoiList.json().declarations.map((d: { declarationId: string }) => d.declarationId),
      ).not.toContain(hcm.declarationId);
      expect((await asUser(t, saigon, 'GET', `/admin/v1/declarations/${hcm.declarationId}`)).statusCode).toBe(
        200,
      );
      const audited = await auditEntries(t.storage, 'declaration.read');
      expect(audited.some((a) => a.actor === `user:${saigon.id}`)).toBe(true);
      expect(audited.some((a) => a.actor === `user:${hanoi.id}`)).toBe(false);
    });

    it('lets an officer change the status; a revoked declaration no longer counts', async () => {
      const phone = await verifiedPhone(t);
      const { declarationId } = await declare(t, phone.token, 'entry');
      const cleared = await keyRequest(
        t,
        t.keys.admin,
        'POST',
        `/admin/v1/declarations/${declarationId}/status`,
        {
          body: { status: 'cleared' },
        },
      );
      expect(cleared.json()).toMatchObject({ declarationId, status: 'cleared' });
      await keyRequest(t, t.keys.admin, 'POST', `/admin/v1/declarations/${declarationId}/status`, {
        body: { status: 'revoked' },
      });
      expect(errorOf(await deviceRequest(t, phone.token, 'GET', '/v1/declarations/current'))).toEqual({
        status: 409,
        code: 'declaration_required',
      });
      // A declared person put under monitoring reports daily for the next 14 days.
      const other = await verifiedPhone(t);
      const plain = await declare(t, other.token);
      const monitored = await keyRequest(
        t,
        t.keys.admin,
        'POST',
        `/admin/v1/declarations/${plain.declarationId}/status`,
        {
          body: { status: 'monitoring' },
        },
      );
      expect(monitored.json()).toMatchObject({
        status: 'monitoring',
        monitoringUntil: new Date(t.clock.now() + 14 * DAY).toISOString(),
      });
      const day = vietnamDay(t.clock.now());
      expect(
        (await deviceRequest(t, other.token, 'POST', '/v1/declarations/daily-reports', { day, symptoms: [] }))
          .statusCode,
      ).toBe(201);
      const changes = (await auditEntries(t.storage, 'declaration.status')).filter(
        (a) => a.subject === `declaration:${declarationId}`,
      );
      expect(changes.map((a) => JSON.parse(a.details ?? '{}'))).toEqual(
        expect.arrayContaining([
          { from: 'monitoring', to: 'cleared' },
          { from: 'cleared', to: 'revoked' },
        ]),
      );
    });

    it('publishes the airports, border gates and countries', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/v1/declarations/entry-points' });
      const body = r.json();
      expect(body.airports.map((a: { code: string }) => a.code)).toEqual(
        expect.arrayContaining(['HAN', 'SGN', 'DAD']),
      );
      expect(body.borderGates.map((g: { code: string }) => g.code)).toContain('BG-MOCBAI');
      expect(body.countries).toHaveLength(249);
    });
  });

  describe.runIf(engineAvailable(engine))(`declaration retention on ${engine}`, () => {
    it('is one of the retention tasks', () => {
      expect(RETENTION_TASKS).toEqual(expect.arrayContaining([...DECLARATION_RETENTION_TASKS]));
    });

    it('deletes declarations and their reports BLUEZONE_DECLARATION_RETENTION_DAYS after they were made or monitoring ended', async () => {
      const t = await createContactsTestApp(engine, { BLUEZONE_DECLARATION_RETENTION_DAYS: '2' });
      try {
        const phone = await verifiedPhone(t);
        const plain = await declare(t, phone.token);
        const monitored = await declare(t, phone.token, 'domestic', domesticBody({ symptoms: ['cough'] }));
        await deviceRequest(t, phone.token, 'POST', '/v1/declarations/daily-reports', {
          day: '2020-08-08',
          symptoms: [],
        });
        const ids = async () =>
          (await t.storage.db.selectFrom('declarations').select('id').execute()).map((r) => r.id).sort();
        t.clock.advance(2 * DAY - 1);
        await runJobOnce(t.ctx, retentionJob(DECLARATION_RETENTION_TASKS));
        expect(await ids()).toEqual([plain.declarationId, monitored.declarationId].sort());
        t.clock.advance(2);
        expect(await runJobOnce(t.ctx, retentionJob(DECLARATION_RETENTION_TASKS))).toMatchObject({
          status: 'ok',
          result: { declarations: 1 },
        });
        expect(await ids()).toEqual([monitored.declarationId]);
        // Monitoring ends 14 days after the declaration; kept 2 days more.
        t.clock.advance(14 * DAY);
        await runJobOnce(t.ctx, retentionJob(DECLARATION_RETENTION_TASKS));
        expect(await ids()).toEqual([]);
        expect(await t.storage.db.selectFrom('daily_reports').selectAll().execute()).toEqual([]);
      } finally {
        await t.close();
      }
    });
  });
}

describe('BLUEZONE_DECLARATION_RETENTION_DAYS', () => {
  it('defaults to 30 and is checked', () => {
    expect(loadConfig({}).declarationRetentionDays).toBe(30);
    expect(loadConfig({ BLUEZONE_DECLARATION_RETENTION_DAYS: '365' }).declarationRetentionDays).toBe(365);
    for (const bad of ['0', '366', 'forever'])
      expect(() => loadConfig({ BLUEZONE_DECLARATION_RETENTION_DAYS: bad })).toThrow(
        /BLUEZONE_DECLARATION_RETENTION_DAYS/,
      );
  });
});
