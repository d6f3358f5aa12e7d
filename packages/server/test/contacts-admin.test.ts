/**
 * The contact-list admin API over HTTP, in-process, on both engines: recursive cases (an F1
 * contact → a case of type recursive whose code verifies only for apps accepting `recursive`,
 * whose certificate says `recursive` and whose keys are published as RECURSIVE), the contact
 * list with and without the phone numbers (audited per contact, never logged), the graph
 * A → B → C, closing, roles and unknown IDs.
 */
import { ReportType } from '@bluezone/protocol';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRequest,
  auditEntries,
  type ContactsTestApp,
  contactsOf,
  count,
  createContactsTestApp,
  makeRecursiveCase,
  publishedF0,
  publishRecursive,
  reportBody,
  verifiedPhone,
} from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { pastKeys, storedKey } from './publish-helpers.js';

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`contact lists (admin API) on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
    });
    afterAll(() => t.close());

    /** An F0 case with one F1 contact per given number of phones. */
    async function caseWithContacts(phones = 1) {
      const f0 = await publishedF0(t);
      const reporters = [];
      for (let i = 0; i < phones; i++) {
        const phone = await verifiedPhone(t);
        const res = await phone.report(reportBody(f0.keys.slice(i, i + 2), [`2020-08-0${1 + i}`], 2));
        if (res.statusCode !== 200) throw new Error(res.body);
        reporters.push(phone);
        t.clock.advance(1000);
      }
      return { ...f0, phones: reporters, contacts: await contactsOf(t, f0.caseId) };
    }

    const verify = (code: string, accept?: string[]) =>
      t.app.inject({
        method: 'POST',
        url: '/api/verify',
        remoteAddress: '198.51.100.78',
        headers: { 'content-type': 'application/json', 'x-api-key': t.keys.device },
        payload: JSON.stringify({ code, ...(accept === undefined ? {} : { accept }) }),
      });

    describe('recursive cases', () => {
      it('turns an F1 contact into a recursive case whose keys are published as RECURSIVE', async () => {
        const { caseId: parent, contacts } = await caseWithContacts();
        const contact = contacts[0]!;
        const issued = await makeRecursiveCase(t, contact.id, undefined, t.keys.lab);
        expect(issued).toEqual({
          caseId: expect.stringMatching(/^case_/),
          shortCode: expect.stringMatching(/^[0-9]{8}$/),
          longCode: expect.stringMatching(/^[0-9A-Z]{16}$/),
          expiresAt: expect.any(String),
          longExpiresAt: expect.any(String),
          parentCaseId: parent,
          contactId: contact.id,
        });
        const row = await t.storage.db
          .selectFrom('cases')
          .selectAll()
          .where('id', '=', issued.caseId)
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          test_type: 'recursive',
          parent_case_id: parent,
          source_contact_id: contact.id,
          province_code: '79',
          district_code: '760',
          test_date: '2020-08-08',
          symptom_date: null,
          closed_at: null,
        });
        const status = await adminRequest(t, 'GET', `/admin/v1/cases/${issued.caseId}`);
        expect(status.json()).toMatchObject({ testType: 'recursive', state: 'codes_issued' });
        expect((await contactsOf(t, parent))[0]).toMatchObject({
          status: 'recursive_case',
          recursiveCaseId: issued.caseId,
        });
        const audit = await t.storage.db
          .selectFrom('audit_log')
          .select(['action', 'actor', 'subject', 'details'])
          .where((eb) =>
            eb.or([eb('subject', '=', `case:${issued.caseId}`), eb('subject', '=', `contact:${contact.id}`)]),
          )
          .execute();
        expect(audit.map((a) => a.action).sort()).toEqual([
          'case.codes.issue',
          'case.create',
          'contact.recursive_case',
        ]);
        for (const a of audit) expect(a.actor).toBe(`apikey:${t.keyIds.lab}`);
        expect(JSON.parse(audit.find((a) => a.action === 'case.create')!.details!)).toMatchObject({
          testType: 'recursive',
          parentCaseId: parent,
        });

        // An app that does not list `recursive` gets Google's 412, and the code stays usable.
        for (const accept of [undefined, ['confirmed', 'likely', 'negative'], ['user-report']]) {
          const refused = await verify(issued.shortCode, accept);
          expect(refused.statusCode).toBe(412);
          expect(refused.json()).toMatchObject({ errorCode: 'unsupported_test_type' });
        }
        const ok = await verify(issued.shortCode, ['recursive']);
        expect(ok.statusCode).toBe(200);
        expect(ok.json()).toMatchObject({ testtype: 'recursive', testDate: '2020-08-08' });
        expect(ok.json()).not.toHaveProperty('symptomDate');

        // The long code was claimed with the short one; a second recursive case gets its own codes.
        const other = await caseWithContacts();
        const second = await makeRecursiveCase(t, other.contacts[0]!.id);
        const { keys, testtype, certificate } = await publishRecursive(t, second);
        expect(testtype).toBe('recursive');
        expect(decodeJwt(certificate)).toMatchObject({ reportType: 'recursive' });
        for (const key of keys) {
          expect(await storedKey(t.storage, key.keyData)).toMatchObject({
            report_type: ReportType.RECURSIVE,
            case_id: second.caseId,
          });
        }
        const published = await adminRequest(t, 'GET', `/admin/v1/cases/${second.caseId}`);
        expect(published.json()).toMatchObject({ state: 'keys_published', keysPublished: keys.length });
      });

      it('takes the province, district and dates the authority sends', async () => {
        const { contacts } = await caseWithContacts();
        const issued = await makeRecursiveCase(t, contacts[0]!.id, {
          provinceCode: '01',
          symptomDate: '2020-08-05',
          testDate: '2020-08-06',
        });
        const row = await t.storage.db
          .selectFrom('cases')
          .selectAll()
          .where('id', '=', issued.caseId)
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          province_code: '01',
          district_code: null,
          symptom_date: '2020-08-05',
          test_date: '2020-08-06',
        });
      });

      it.each<[string, Record<string, unknown>, RegExp]>([
        ['a future test date', { testDate: '2020-08-09' }, /testDate 2020-08-09 is in the future/],
        ['symptoms after the test', { symptomDate: '2020-08-07', testDate: '2020-08-06' }, /symptomDate/],
        [
          'a district of another province',
          { provinceCode: '01', districtCode: '760' },
          /is in province 79, not 01/,
        ],
        ['an unknown province', { provinceCode: '99' }, /provinceCode 99/],
        ['an unknown field', { testType: 'confirmed' }, /unknown field "testType"/],
        ['a malformed date', { testDate: '8/6/2020' }, /testDate/],
      ])('answers 400 for %s and changes nothing', async (_name, body, message) => {
        const { caseId, contacts } = await caseWithContacts();
        const cases = await count(t.storage, 'cases');
        const res = await adminRequest(t, 'POST', `/admin/v1/contacts/${contacts[0]!.id}/recursive-case`, {
          body,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(message),
        });
        expect(await count(t.storage, 'cases')).toBe(cases);
        expect((await contactsOf(t, caseId))[0]).toMatchObject({ status: 'reported', recursiveCaseId: null });
      });

      it('makes one recursive case per contact: a second is 409 recursive_case_exists, also when racing', async () => {
        const { contacts } = await caseWithContacts(2);
        const first = await makeRecursiveCase(t, contacts[0]!.id);
        const again = await adminRequest(t, 'POST', `/admin/v1/contacts/${contacts[0]!.id}/recursive-case`);
        expect(again.statusCode).toBe(409);
        expect(again.json().error).toMatchObject({
          code: 'recursive_case_exists',
          message: expect.stringContaining(`/admin/v1/cases/${first.caseId}/codes`),
        });
        const cases = await count(t.storage, 'cases');
        const racing = await Promise.all(
          [0, 1, 2].map(() =>
            adminRequest(t, 'POST', `/admin/v1/contacts/${contacts[1]!.id}/recursive-case`),
          ),
        );
        expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
        expect(await count(t.storage, 'cases')).toBe(cases + 1);
      });

      it('refuses an F2 contact (409 contact_not_eligible), an unknown one (404) and other roles', async () => {
        const { contacts } = await caseWithContacts();
        const recursive = await makeRecursiveCase(t, contacts[0]!.id);
        const { keys } = await publishRecursive(t, recursive);
        const f2 = await verifiedPhone(t);
        await f2.report(reportBody(keys.slice(0, 1)));
        const [f2Contact] = await contactsOf(t, recursive.caseId);
        expect(f2Contact!.level).toBe('F2');
        const refused = await adminRequest(t, 'POST', `/admin/v1/contacts/${f2Contact!.id}/recursive-case`);
        expect(refused.statusCode).toBe(409);
        expect(refused.json().error).toMatchObject({
          code: 'contact_not_eligible',
          message: expect.stringContaining('only F1'),
        });
        const unknown = await adminRequest(t, 'POST', '/admin/v1/contacts/ct_nope/recursive-case');
        expect(unknown.statusCode).toBe(404);
        expect(unknown.json().error.code).toBe('not_found');
        const url = `/admin/v1/contacts/${f2Contact!.id}/recursive-case`;
        expect((await adminRequest(t, 'POST', url, { key: t.keys.device })).statusCode).toBe(403);
        expect((await adminRequest(t, 'POST', url, { key: undefined })).statusCode).toBe(401);
      });
    });

    describe('contact list', () => {
      it('lists contacts without numbers, and with reveal=phone decrypts them with one audit entry each', async () => {
        const { caseId, phones, contacts } = await caseWithContacts(2);
        expect(contacts).toHaveLength(2);
        for (const c of contacts) expect(c).not.toHaveProperty('phoneNumber');
        const readAudit = (await auditEntries(t.storage, 'case.contacts.read')).filter(
          (a) => a.subject === `case:${caseId}`,
        );
        expect(readAudit.length).toBeGreaterThan(0);
        expect(readAudit.every((a) => a.actor === `apikey:${t.keyIds.admin}`)).toBe(true);
        const revealsBefore = await auditEntries(t.storage, 'contact.phone.reveal');

        const revealed = await contactsOf(t, caseId, true);
        expect(revealed.map((c) => c.phoneNumber)).toEqual(phones.map((p) => p.number));
        expect(revealed.map((c) => c.exposureDays)).toEqual([['2020-08-01'], ['2020-08-02']]);
        const reveals = (await auditEntries(t.storage, 'contact.phone.reveal')).slice(revealsBefore.length);
        expect(reveals.map((a) => a.subject).sort()).toEqual(contacts.map((c) => `contact:${c.id}`).sort());
        for (const a of reveals) {
          expect(a.actor).toBe(`apikey:${t.keyIds.admin}`);
          expect(JSON.parse(a.details!)).toEqual({ caseId, level: 'F1' });
        }
        // The numbers are in no log line and no audit entry, in any form.
        const audit = await t.storage.db
          .selectFrom('audit_log')
          .select(['actor', 'subject', 'details'])
          .execute();
        const auditText = JSON.stringify(audit);
        const logText = t.logs.join('\n');
        expect(logText.length).toBeGreaterThan(0);
        for (const p of phones) {
          for (const form of [p.number, p.national, p.number.slice(3), p.national.slice(1)]) {
            expect(logText).not.toContain(form);
            expect(auditText).not.toContain(form);
          }
        }
      });

      it('pages through a list with limit and cursor', async () => {
        const { caseId, contacts } = await caseWithContacts(3);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const url: string = `/admin/v1/cases/${caseId}/contacts?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
          const res = await adminRequest(t, 'GET', url);
          expect(res.statusCode).toBe(200);
          const page = res.json<{ contacts: { id: string }[]; nextCursor: string | null }>();
          seen.push(...page.contacts.map((c) => c.id));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(seen).toEqual(contacts.map((c) => c.id));
      });

      it.each([
        ['reveal=email', /reveal/],
        ['limit=0', /limit must be from 1 to 1000/],
        ['limit=5000', /limit must be from 1 to 1000/],
        ['cursor=bm9wZQ', /cursor is not one this API returned/],
        ['unknown=1', /unknown field "unknown"/],
      ])('answers 400 for ?%s', async (query, message) => {
        const { caseId } = await publishedF0(t);
        const res = await adminRequest(t, 'GET', `/admin/v1/cases/${caseId}/contacts?${query}`);
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toMatchObject({
          code: 'invalid_request',
          message: expect.stringMatching(message),
        });
      });

      it('is for admin keys only: lab keys may not read personal data', async () => {
        const { caseId } = await caseWithContacts();
        for (const url of [
          `/admin/v1/cases/${caseId}/contacts`,
          `/admin/v1/cases/${caseId}/contacts?reveal=phone`,
          `/admin/v1/cases/${caseId}/graph`,
        ]) {
          for (const key of [t.keys.lab, t.keys.device]) {
            const res = await adminRequest(t, 'GET', url, { key });
            expect(res.statusCode).toBe(403);
            expect(res.json().error.code).toBe('forbidden');
          }
          expect((await adminRequest(t, 'GET', url, { key: undefined })).statusCode).toBe(401);
        }
        expect(
          (await adminRequest(t, 'POST', `/admin/v1/cases/${caseId}/close`, { key: t.keys.lab })).statusCode,
        ).toBe(403);
      });

      it('answers 404 for an unknown case', async () => {
        for (const [method, url] of [
          ['GET', '/admin/v1/cases/case_nope/contacts'],
          ['GET', '/admin/v1/cases/case_nope/graph'],
          ['POST', '/admin/v1/cases/case_nope/close'],
        ] as const) {
          const res = await adminRequest(t, method, url);
          expect(res.statusCode).toBe(404);
          expect(res.json().error).toMatchObject({
            code: 'not_found',
            message: expect.stringContaining('case_nope'),
          });
        }
      });
    });

    describe('graph', () => {
      it('follows A (F0) → B (F1) → B’s recursive case → C (F2), and is audited', async () => {
        const a = await caseWithContacts(2);
        const [b, d] = a.contacts;
        const recursive = await makeRecursiveCase(t, b!.id);
        const { keys } = await publishRecursive(t, recursive, pastKeys(t.clock.now(), [2, 3]));
        const c = await verifiedPhone(t);
        await c.report(reportBody(keys, ['2020-08-06', '2020-08-05'], 1));
        const [cContact] = await contactsOf(t, recursive.caseId);

        const res = await adminRequest(t, 'GET', `/admin/v1/cases/${a.caseId}/graph`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const graph = res.json<{ nodes: unknown[]; edges: unknown[] }>();
        expect(graph.nodes).toEqual([
          { id: a.caseId, kind: 'case', level: 'F0' },
          { id: b!.id, kind: 'contact', level: 'F1' },
          { id: recursive.caseId, kind: 'case', level: 'F1' },
          { id: d!.id, kind: 'contact', level: 'F1' },
          { id: cContact!.id, kind: 'contact', level: 'F2' },
        ]);
        expect(graph.edges).toEqual([
          { from: a.caseId, to: b!.id, exposureDays: ['2020-08-01'], maxRiskLevel: 2 },
          { from: b!.id, to: recursive.caseId, exposureDays: [], maxRiskLevel: null },
          { from: a.caseId, to: d!.id, exposureDays: ['2020-08-02'], maxRiskLevel: 2 },
          {
            from: recursive.caseId,
            to: cContact!.id,
            exposureDays: ['2020-08-05', '2020-08-06'],
            maxRiskLevel: 1,
          },
        ]);
        const audit = (await auditEntries(t.storage, 'case.graph.read')).filter(
          (x) => x.subject === `case:${a.caseId}`,
        );
        expect(audit).toHaveLength(1);
        expect(JSON.parse(audit[0]!.details!)).toEqual({ nodes: 5, edges: 4 });

        // From the recursive case: its F1 person and the F2 contacts below.
        const below = (await adminRequest(t, 'GET', `/admin/v1/cases/${recursive.caseId}/graph`)).json<{
          nodes: unknown[];
          edges: unknown[];
        }>();
        expect(below.nodes).toEqual([
          { id: recursive.caseId, kind: 'case', level: 'F1' },
          { id: cContact!.id, kind: 'contact', level: 'F2' },
        ]);
        expect(below.edges).toHaveLength(1);
      });

      it('is a lone node for a case without contacts', async () => {
        const { caseId } = await publishedF0(t);
        const res = await adminRequest(t, 'GET', `/admin/v1/cases/${caseId}/graph`);
        expect(res.json()).toEqual({ nodes: [{ id: caseId, kind: 'case', level: 'F0' }], edges: [] });
      });
    });
  });
}
