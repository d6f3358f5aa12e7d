/**
 * `POST /v1/exposure-reports` over HTTP, in-process, on both engines: reports linking F1 (keys of
 * confirmed and likely cases) and F2 (keys of a recursive case) through really published keys,
 * de-duplication per number and case, the verified-number rule, unknown hashes, every bad field,
 * the per-install limit, chaff, fuzzed bodies (never a 5xx, never a partial write), and the key
 * hash and publishing case that `/v1/publish` now stores.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ReportType } from '@bluezone/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkExposureDays,
  contactLevelOf,
  decodeKeyHashes,
} from '../src/features/contacts/exposure-reports.js';
import { acceptedTestTypes } from '../src/features/verification-api/verification-api.routes.js';
import {
  auditEntries,
  type ContactsTestApp,
  contactsOf,
  count,
  createContactsTestApp,
  keyHash,
  makeRecursiveCase,
  publishedF0,
  publishRecursive,
  reportBody,
  unverifiedPhone,
  verifiedPhone,
} from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { caseBody, certify, keyAt, pastKeys, publish, publishBody, storedKey } from './publish-helpers.js';

/** A random hash no published key has. */
const unknownHash = () => randomBytes(32).toString('base64');

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`exposure reports on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
    });
    afterAll(() => t.close());

    it('publish stores each new key’s SHA-256 and the case that published it', async () => {
      const { caseId, keys } = await publishedF0(t);
      for (const key of keys) {
        const row = await storedKey(t.storage, key.keyData);
        expect(Buffer.from(row!.key_hash!).toString('base64')).toBe(keyHash(key.keyData));
        expect(row!.case_id).toBe(caseId);
      }
    });

    it('links an F1 to the F0 case whose keys it matched, ignoring unknown hashes', async () => {
      const { caseId, keys } = await publishedF0(t);
      const phone = await verifiedPhone(t);
      const body = reportBody(keys.slice(2, 5), ['2020-08-05', '2020-08-03']);
      body.matchedKeys.push(unknownHash());
      const res = await phone.report(body);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const answer = res.json<{ reportId: string; contactLevel: string; linkedCases: number }>();
      expect(answer).toEqual({
        reportId: expect.stringMatching(/^rep_[a-z2-7]{26}$/),
        contactLevel: 'F1',
        linkedCases: 1,
      });
      const contacts = await contactsOf(t, caseId);
      expect(contacts).toEqual([
        expect.objectContaining({
          caseId,
          level: 'F1',
          status: 'reported',
          exposureDays: ['2020-08-03', '2020-08-05'],
          maxRiskLevel: 2,
          matchedKeys: 3,
          reportCount: 1,
          reportedAt: new Date(t.clock.now()).toISOString(),
          recursiveCaseId: null,
          purgedAt: null,
        }),
      ]);
      expect(contacts[0]).not.toHaveProperty('phoneNumber');
      // The contact is the install's verified number.
      const stored = await t.storage.db
        .selectFrom('contacts')
        .selectAll()
        .where('case_id', '=', caseId)
        .execute();
      const install = await t.storage.db
        .selectFrom('installs')
        .select('phone_id')
        .where('id', '=', phone.installId)
        .executeTakeFirstOrThrow();
      expect(stored.map((c) => c.phone_id)).toEqual([install.phone_id]);
      expect(stored[0]!.last_report_id).toBe(answer.reportId);
      // Audited with counts only.
      const [audit] = (await auditEntries(t.storage, 'contact.report')).filter(
        (a) => a.subject === `report:${answer.reportId}`,
      );
      expect(audit).toMatchObject({ actor: `install:${phone.installId}` });
      expect(JSON.parse(audit!.details!)).toEqual({
        linkedCases: 1,
        f1Cases: 1,
        f2Cases: 0,
        newContacts: 1,
        exposureDays: 2,
        matchedKeys: 4,
        knownKeys: 3,
      });
      expect(audit!.details).not.toContain(phone.number.slice(3));
    });

    it('links a likely (clinical diagnosis) case as F1 too', async () => {
      const { caseId, keys } = await publishedF0(t, 'likely');
      const phone = await verifiedPhone(t);
      const res = await phone.report(reportBody(keys.slice(0, 1)));
      expect(res.json()).toMatchObject({ contactLevel: 'F1', linkedCases: 1 });
      expect((await contactsOf(t, caseId)).map((c) => c.level)).toEqual(['F1']);
    });

    it('lets an F1 who published recursive keys and is then diagnosed publish them again as confirmed', async () => {
      const a = await publishedF0(t);
      const b = await verifiedPhone(t);
      expect((await b.report(reportBody(a.keys.slice(0, 2)))).statusCode).toBe(200);
      const [contactB] = await contactsOf(t, a.caseId);
      const { keys: bKeys, revisionToken } = await publishRecursive(
        t,
        await makeRecursiveCase(t, contactB!.id),
      );
      const confirmed = await certify(t, bKeys, caseBody('confirmed'));
      const without = await publish(t, publishBody(bKeys, confirmed));
      expect(without.statusCode).toBe(400);
      expect(without.json()).toMatchObject({ code: 'missing_revision_token' });
      const revised = await publish(t, publishBody(bKeys, confirmed, { revisionToken }));
      expect(revised.statusCode, revised.body).toBe(200);
      for (const key of bKeys) {
        const row = await storedKey(t.storage, key.keyData);
        expect(row).toMatchObject({
          report_type: ReportType.RECURSIVE,
          revised_report_type: ReportType.CONFIRMED_TEST,
        });
      }
    });

    it('links an F2 to the recursive case of an F1, through keys published as RECURSIVE', async () => {
      const a = await publishedF0(t);
      const b = await verifiedPhone(t);
      expect((await b.report(reportBody(a.keys.slice(0, 2)))).statusCode).toBe(200);
      const [contactB] = await contactsOf(t, a.caseId);
      const issued = await makeRecursiveCase(t, contactB!.id);
      const { keys: bKeys, testtype } = await publishRecursive(t, issued);
      expect(testtype).toBe('recursive');
      for (const key of bKeys) {
        const row = await storedKey(t.storage, key.keyData);
        expect(row).toMatchObject({ report_type: ReportType.RECURSIVE, case_id: issued.caseId });
      }
      const c = await verifiedPhone(t);
      const res = await c.report(reportBody(bKeys.slice(1, 3), ['2020-08-06'], 1));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ contactLevel: 'F2', linkedCases: 1 });
      expect(await contactsOf(t, issued.caseId)).toEqual([
        expect.objectContaining({
          level: 'F2',
          exposureDays: ['2020-08-06'],
          maxRiskLevel: 1,
          matchedKeys: 2,
        }),
      ]);
      // C is on no F0 list.
      expect(await contactsOf(t, a.caseId)).toHaveLength(1);

      // A phone that met both A and B is F1 of A and F2 of B's recursive case.
      const d = await verifiedPhone(t);
      const both = await d.report(reportBody([a.keys[5]!, bKeys[0]!]));
      expect(both.json()).toMatchObject({ contactLevel: 'F1', linkedCases: 2 });
      expect((await contactsOf(t, a.caseId)).map((x) => x.level)).toEqual(['F1', 'F1']);
      expect((await contactsOf(t, issued.caseId)).map((x) => x.level)).toEqual(['F2', 'F2']);
    });

    it('keeps one contact per number and case: a repeat report merges days and risk', async () => {
      const { caseId, keys } = await publishedF0(t);
      const phone = await verifiedPhone(t);
      const first = await phone.report(reportBody(keys.slice(0, 1), ['2020-08-04'], 1));
      t.clock.advance(60_000);
      const second = await phone.report(reportBody(keys.slice(1, 3), ['2020-08-06', '2020-08-04'], 2));
      t.clock.advance(60_000);
      const third = await phone.report(reportBody(keys.slice(4, 5), ['2020-08-01'], 1));
      for (const res of [first, second, third]) expect(res.json()).toMatchObject({ linkedCases: 1 });
      // A second install of the same person (same number) is the same contact.
      const reinstall = await verifiedPhone(t, phone.national);
      expect((await reinstall.report(reportBody(keys.slice(6, 7), ['2020-08-02'], 1))).statusCode).toBe(200);
      const contacts = await contactsOf(t, caseId);
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatchObject({
        exposureDays: ['2020-08-01', '2020-08-02', '2020-08-04', '2020-08-06'],
        maxRiskLevel: 2,
        matchedKeys: 2,
        reportCount: 4,
      });
      expect(Date.parse(contacts[0]!.updatedAt) - Date.parse(contacts[0]!.reportedAt)).toBe(120_000);
      // Another number is another contact.
      const other = await verifiedPhone(t);
      await other.report(reportBody(keys.slice(0, 1)));
      expect(await contactsOf(t, caseId)).toHaveLength(2);
    });

    it('serializes concurrent reports of one number for one case into one contact', async () => {
      const { caseId, keys } = await publishedF0(t);
      const phone = await verifiedPhone(t);
      const days = ['2020-08-01', '2020-08-02', '2020-08-03', '2020-08-04', '2020-08-05'];
      const answers = await Promise.all(days.map((day, i) => phone.report(reportBody([keys[i]!], [day], 1))));
      for (const res of answers) expect(res.statusCode).toBe(200);
      const contacts = await contactsOf(t, caseId);
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatchObject({ exposureDays: days, reportCount: 5 });
    });

    it('answers 403 phone_not_verified for an install without a verified number, writing nothing', async () => {
      const { caseId, keys } = await publishedF0(t);
      const phone = await unverifiedPhone(t);
      const before = {
        contacts: await count(t.storage, 'contacts'),
        audit: await count(t.storage, 'audit_log'),
      };
      const res = await phone.report(reportBody(keys.slice(0, 2)));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { code: 'phone_not_verified', message: expect.stringContaining('POST /v1/phone/otp') },
      });
      expect(await count(t.storage, 'contacts')).toBe(before.contacts);
      expect(await count(t.storage, 'audit_log')).toBe(before.audit);
      expect(await contactsOf(t, caseId)).toEqual([]);
    });

    it('answers 401 without a valid device token, whatever the body', async () => {
      for (const authorization of [undefined, 'Bearer short', `Bearer ${'x'.repeat(43)}`]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/exposure-reports',
          headers: {
            'content-type': 'application/json',
            ...(authorization === undefined ? {} : { authorization }),
          },
          payload: '{not json',
        });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('unauthorized');
      }
    });

    it('answers linkedCases 0 for hashes no case published, without error', async () => {
      const phone = await verifiedPhone(t);
      const before = await count(t.storage, 'contacts');
      const res = await phone.report({
        exposureDays: ['2020-08-07'],
        maxRiskLevel: 2,
        matchedKeys: [unknownHash()],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ reportId: expect.any(String), contactLevel: 'F2', linkedCases: 0 });
      expect(await count(t.storage, 'contacts')).toBe(before);
      const audit = (await auditEntries(t.storage, 'contact.report')).filter(
        (a) => a.subject === `report:${res.json().reportId}`,
      );
      expect(JSON.parse(audit[0]!.details!)).toMatchObject({ linkedCases: 0, knownKeys: 0 });
    });

    it('does not link keys stored without a publishing case (before migration 0008)', async () => {
      const key = keyAt(pastKeys(t.clock.now(), [2])[0]!.rollingStartIntervalNumber);
      await t.storage.db
        .insertInto('exposures')
        .values({
          id: `exp_old_${randomBytes(6).toString('hex')}`,
          key_data: key.keyData,
          key_hash: new Uint8Array(createHash('sha256').update(key.keyData).digest()),
          case_id: null,
          rolling_start_interval_number: key.rollingStartIntervalNumber,
          rolling_period: 144,
          transmission_risk: 0,
          report_type: ReportType.CONFIRMED_TEST,
          days_since_onset: null,
          health_authority: 'vn-moh',
          region: 'VN',
          created_at: t.clock.now(),
        })
        .execute();
      const phone = await verifiedPhone(t);
      expect((await phone.report(reportBody([key]))).json()).toMatchObject({ linkedCases: 0 });
    });

    const DAY = '2020-08-07';
    const HASH = Buffer.alloc(32, 1).toString('base64');
    it.each<[string, unknown, RegExp]>([
      ['no body fields', {}, /missing the required field "exposureDays"/],
      [
        'an unknown field',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [HASH], phone: '0912345678' },
        /unknown field "phone"/,
      ],
      ['no exposure days', { exposureDays: [], maxRiskLevel: 1, matchedKeys: [HASH] }, /exposureDays/],
      [
        '15 exposure days',
        {
          exposureDays: Array.from({ length: 15 }, (_, i) =>
            new Date(Date.UTC(2020, 6, 25 + i)).toISOString().slice(0, 10),
          ),
          maxRiskLevel: 1,
          matchedKeys: [HASH],
        },
        /exposureDays/,
      ],
      ['a repeated day', { exposureDays: [DAY, DAY], maxRiskLevel: 1, matchedKeys: [HASH] }, /duplicate/],
      [
        'a day that is no date',
        { exposureDays: ['2020-02-30'], maxRiskLevel: 1, matchedKeys: [HASH] },
        /exposureDays\[0\] 2020-02-30 is not a calendar date/,
      ],
      [
        'a day in another form',
        { exposureDays: ['07/08/2020'], maxRiskLevel: 1, matchedKeys: [HASH] },
        /exposureDays\.0/,
      ],
      [
        'a day in the future',
        { exposureDays: [DAY, '2020-08-09'], maxRiskLevel: 1, matchedKeys: [HASH] },
        /exposureDays\[1\] 2020-08-09 is in the future/,
      ],
      [
        'a day more than 14 days ago',
        { exposureDays: ['2020-07-24'], maxRiskLevel: 1, matchedKeys: [HASH] },
        /more than 14 days ago/,
      ],
      ['risk 0', { exposureDays: [DAY], maxRiskLevel: 0, matchedKeys: [HASH] }, /maxRiskLevel/],
      ['risk 3', { exposureDays: [DAY], maxRiskLevel: 3, matchedKeys: [HASH] }, /maxRiskLevel/],
      ['risk as text', { exposureDays: [DAY], maxRiskLevel: '2', matchedKeys: [HASH] }, /maxRiskLevel/],
      ['risk 1.5', { exposureDays: [DAY], maxRiskLevel: 1.5, matchedKeys: [HASH] }, /maxRiskLevel/],
      ['no keys', { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [] }, /matchedKeys/],
      [
        '1001 keys',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: Array.from({ length: 1001 }, unknownHash) },
        /matchedKeys/,
      ],
      ['a repeated key', { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [HASH, HASH] }, /duplicate/],
      [
        'a hash that is no base64',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [HASH, '!'.repeat(44)] },
        /matchedKeys\[1\] must be the standard base64/,
      ],
      [
        'a hash of 31 bytes',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [Buffer.alloc(31, 2).toString('base64')] },
        /matchedKeys\[0\]/,
      ],
      [
        'a 16-byte key instead of its hash',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [Buffer.alloc(16, 2).toString('base64')] },
        /matchedKeys\[0\]/,
      ],
      [
        'a hash in URL-safe base64',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [Buffer.alloc(32, 0xfb).toString('base64url')] },
        /matchedKeys\[0\]/,
      ],
      [
        'a hash without padding',
        { exposureDays: [DAY], maxRiskLevel: 1, matchedKeys: [HASH.replace('=', '')] },
        /matchedKeys\[0\]/,
      ],
      ['a JSON array', [DAY], /body/],
      ['invalid JSON', '{"exposureDays":', /not valid JSON/],
    ])('answers 400 invalid_request for %s, writing nothing', async (_name, body, message) => {
      const phone = await verifiedPhone(t);
      const before = {
        contacts: await count(t.storage, 'contacts'),
        audit: await count(t.storage, 'audit_log'),
      };
      const res = await phone.report(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
      expect(res.json().error.message).toMatch(message);
      expect(await count(t.storage, 'contacts')).toBe(before.contacts);
      expect(await count(t.storage, 'audit_log')).toBe(before.audit);
    });

    it('limits one install to 30 reports an hour (429 with Retry-After)', async () => {
      const phone = await verifiedPhone(t);
      const body = { exposureDays: ['2020-08-07'], maxRiskLevel: 1, matchedKeys: [unknownHash()] };
      for (let i = 0; i < 30; i++) expect((await phone.report(body)).statusCode).toBe(200);
      const res = await phone.report(body);
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Another install is not limited.
      expect((await (await verifiedPhone(t)).report(body)).statusCode).toBe(200);
    });

    it('answers chaff with a decoy of the same shape, before authentication, writing nothing', async () => {
      const before = {
        contacts: await count(t.storage, 'contacts'),
        audit: await count(t.storage, 'audit_log'),
        limits: await count(t.storage, 'rate_limits'),
      };
      for (const headers of [{ 'x-chaff': '1' }, { 'x-chaff': '1', authorization: 'Bearer nonsense' }]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/exposure-reports',
          headers: { 'content-type': 'application/json', ...headers },
          payload: JSON.stringify({ padding: randomBytes(100).toString('base64') }),
        });
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const body = res.json<Record<string, unknown>>();
        expect(body).toEqual({
          reportId: expect.stringMatching(/^rep_/),
          contactLevel: expect.stringMatching(/^F[12]$/),
          linkedCases: expect.any(Number),
          padding: expect.any(String),
        });
      }
      expect(await count(t.storage, 'contacts')).toBe(before.contacts);
      expect(await count(t.storage, 'audit_log')).toBe(before.audit);
      expect(await count(t.storage, 'rate_limits')).toBe(before.limits);
    });

    it('never answers 5xx and never half-writes, whatever the body (property)', async () => {
      const { keys } = await publishedF0(t);
      const known = keys.map((k) => keyHash(k.keyData));
      const anyValue = fc.oneof(
        fc.anything(),
        fc.constantFrom(null, 0, 1, 2, 3, -1, 1.5, '', '2', true, [], {}),
        fc.string({ maxLength: 50 }),
      );
      const day = fc.oneof(
        fc
          .integer({ min: -3, max: 20 })
          .map((d) => new Date(t.clock.now() - d * 86_400_000).toISOString().slice(0, 10)),
        fc.constantFrom('2020-02-30', '2020-13-01', '20200807', '', '2020-08-07T00:00:00Z'),
        fc.string({ maxLength: 12 }),
      );
      const hash = fc.oneof(
        fc.constantFrom(...known),
        fc.uint8Array({ minLength: 30, maxLength: 34 }).map((b) => Buffer.from(b).toString('base64')),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
        fc.string({ maxLength: 50 }),
      );
      const validDay = fc
        .integer({ min: 0, max: 13 })
        .map((d) => new Date(t.clock.now() - d * 86_400_000).toISOString().slice(0, 10));
      const valid = fc.record({
        exposureDays: fc.uniqueArray(validDay, { minLength: 1, maxLength: 5 }),
        maxRiskLevel: fc.constantFrom(1, 2),
        matchedKeys: fc.uniqueArray(
          fc.oneof(
            fc.constantFrom(...known),
            fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64')),
          ),
          { minLength: 1, maxLength: 6 },
        ),
      });
      const garbage = fc.record(
        {
          exposureDays: fc.oneof(fc.array(day, { maxLength: 16 }), anyValue),
          maxRiskLevel: fc.oneof(fc.constantFrom(1, 2), anyValue),
          matchedKeys: fc.oneof(fc.array(hash, { maxLength: 8 }), anyValue),
          extra: anyValue,
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(valid, garbage, fc.anything());
      const phone = await verifiedPhone(t);
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const before = {
            contacts: await count(t.storage, 'contacts'),
            audit: await count(t.storage, 'audit_log'),
          };
          const res = await phone.report(payload);
          statuses.add(res.statusCode);
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode === 200) {
            expect(await count(t.storage, 'audit_log')).toBe(before.audit + 1);
          } else {
            expect([400, 429]).toContain(res.statusCode);
            expect(await count(t.storage, 'contacts')).toBe(before.contacts);
            expect(await count(t.storage, 'audit_log')).toBe(before.audit);
          }
        }),
        { numRuns: 60 },
      );
      // Both outcomes were exercised.
      expect(statuses.has(200) && statuses.has(400)).toBe(true);
    });
  });
}

describe('exposure report rules', () => {
  const DAY_MS = 86_400_000;
  const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('accepts a day from 14 UTC days ago up to today in Vietnam, and nothing else (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: -3, max: 17 }),
        (now, daysAgo) => {
          const day = utcDay(now - daysAgo * DAY_MS);
          const vietnamToday = utcDay(now + 7 * 3_600_000);
          const ok = day <= vietnamToday && day >= utcDay(now - 14 * DAY_MS);
          if (ok) expect(checkExposureDays([day], now)).toEqual([day]);
          else
            expect(() => checkExposureDays([day], now)).toThrow(
              expect.objectContaining({ code: 'invalid_request' }),
            );
          return true;
        },
      ),
    );
  });

  it('decodes hashes only as padded standard base64 of 32 bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        if (bytes.length === 32) expect(Buffer.from(decodeKeyHashes([text])[0]!)).toEqual(Buffer.from(bytes));
        else expect(() => decodeKeyHashes([text])).toThrow(/matchedKeys\[0\]/);
      }),
    );
  });

  it('makes F1 of confirmed and likely keys, F2 of recursive ones, nothing of others', () => {
    expect(contactLevelOf(ReportType.CONFIRMED_TEST)).toBe('F1');
    expect(contactLevelOf(ReportType.CONFIRMED_CLINICAL_DIAGNOSIS)).toBe('F1');
    expect(contactLevelOf(ReportType.RECURSIVE)).toBe('F2');
    for (const other of [ReportType.UNKNOWN, ReportType.SELF_REPORT, ReportType.REVOKED, 9])
      expect(contactLevelOf(other)).toBeUndefined();
  });

  it('accepts recursive codes only for apps that list recursive', () => {
    expect([...acceptedTestTypes(['recursive'])]).toEqual(['recursive']);
    expect([...acceptedTestTypes(['likely', 'recursive'])].sort()).toEqual([
      'confirmed',
      'likely',
      'recursive',
    ]);
    for (const accept of [undefined, null, [], ['negative'], ['user-report']])
      expect(acceptedTestTypes(accept).has('recursive')).toBe(false);
  });
});
