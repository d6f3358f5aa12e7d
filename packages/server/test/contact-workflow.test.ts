/**
 * The contact workflow over HTTP, in-process, on both engines: every status transition allowed
 * or refused (checked against the table for every pair, and by fast-check over random walks),
 * re-opening by admins only, assignment rules, notes encrypted at rest and their reads audited,
 * and turning a positive contact into a confirmed case.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptTextAtRest } from '../src/encryption.js';
import {
  CONTACT_STATUSES,
  type ContactStatus,
  NOTE_ENCRYPTION_PURPOSE,
  STATUS_TRANSITIONS,
} from '../src/features/contacts/contact-workflow.js';
import {
  adminRequest,
  auditEntries,
  type ContactsTestApp,
  createContactsTestApp,
} from './contacts-helpers.js';
import { ENGINES, engineAvailable, TEST_SECRETS } from './harness.js';
import { dumpDatabase, dumpText } from './phones-helpers.js';
import {
  addCase,
  addContact,
  addUser,
  asUser,
  type LoggedIn,
  loginAs,
  userSession,
} from './users-helpers.js';

/** Sets a contact's status directly (test setup). */
async function setStatus(t: ContactsTestApp, contactId: string, status: ContactStatus): Promise<void> {
  await t.storage.db
    .updateTable('contacts')
    .set({ workflow_status: status })
    .where('id', '=', contactId)
    .execute();
}

function patch(t: ContactsTestApp, contactId: string, body: unknown, key = t.keys.admin) {
  return t.app.inject({
    method: 'PATCH',
    url: `/admin/v1/contacts/${contactId}`,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`contact workflow on ${engine}`, () => {
    let t: ContactsTestApp;
    let officer: LoggedIn;
    let provinceAdmin: LoggedIn;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
      officer = await userSession(t, 'health_officer', '79');
      provinceAdmin = await userSession(t, 'province_admin', '79');
    });
    afterAll(() => t.close());

    const freshContact = async (province: '79' | '01' = '79') => addContact(t, await addCase(t, province));

    describe('status transitions', () => {
      for (const from of CONTACT_STATUSES) {
        for (const to of CONTACT_STATUSES) {
          if (from === to) continue;
          const step = STATUS_TRANSITIONS[from].find((s) => s.to === to);
          const officerOk = step !== undefined && !step.adminOnly;
          it(`${from} → ${to}: officer ${officerOk ? 200 : 409}, admin ${step ? 200 : 409}`, async () => {
            const a = await freshContact();
            await setStatus(t, a, from);
            const r = await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${a}`, { status: to });
            expect(r.statusCode, r.body).toBe(officerOk ? 200 : 409);
            if (!officerOk) expect(r.json().error.code).toBe('invalid_status_transition');
            const b = await freshContact();
            await setStatus(t, b, from);
            const s = await asUser(t, provinceAdmin, 'PATCH', `/admin/v1/contacts/${b}`, { status: to });
            expect(s.statusCode, s.body).toBe(step ? 200 : 409);
            if (step) expect(s.json().workflowStatus).toBe(to);
          });
        }
      }

      it('follows the whole workflow new → … → closed, one audit entry per change', async () => {
        const id = await freshContact();
        const path: ContactStatus[] = ['contacted', 'quarantined', 'tested_negative', 'closed'];
        for (const status of path) {
          expect((await patch(t, id, { status })).statusCode).toBe(200);
          t.clock.advance(1000);
        }
        const entries = (await auditEntries(t.storage, 'contact.status')).filter(
          (e) => e.subject === `contact:${id}`,
        );
        expect(entries.map((e) => JSON.parse(e.details ?? '{}').to)).toEqual(path);
        expect(entries.every((e) => e.actor === `apikey:${t.keyIds.admin}`)).toBe(true);
      });

      it('setting the present status changes nothing and writes no audit entry', async () => {
        const id = await freshContact();
        const r = await patch(t, id, { status: 'new' });
        expect(r.statusCode).toBe(200);
        expect(r.json().workflowUpdatedAt).toBeNull();
        const entries = (await auditEntries(t.storage, 'contact.status')).filter(
          (e) => e.subject === `contact:${id}`,
        );
        expect(entries).toEqual([]);
      });

      it('a random walk of requests ends in the status the transition table predicts', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.constantFrom(...CONTACT_STATUSES), { maxLength: 8 }),
            async (steps) => {
              const id = await freshContact();
              let expected: ContactStatus = 'new';
              for (const to of steps) {
                const r = await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${id}`, { status: to });
                const step = STATUS_TRANSITIONS[expected].find((s) => s.to === to && !s.adminOnly);
                if (to === expected || step) {
                  expect(r.statusCode).toBe(200);
                  expected = to;
                } else expect(r.statusCode).toBe(409);
              }
              const row = await t.storage.db
                .selectFrom('contacts')
                .select('workflow_status')
                .where('id', '=', id)
                .executeTakeFirstOrThrow();
              expect(row.workflow_status).toBe(expected);
            },
          ),
          { numRuns: 15 },
        );
      });

      it('refuses unknown statuses and empty bodies (400)', async () => {
        const id = await freshContact();
        expect((await patch(t, id, { status: 'recovered' })).statusCode).toBe(400);
        expect((await patch(t, id, {})).statusCode).toBe(400);
        expect((await patch(t, id, { status: 'contacted', extra: 1 })).statusCode).toBe(400);
      });

      it('lab keys may not change contacts (403), unknown contacts are 404', async () => {
        const id = await freshContact();
        expect((await patch(t, id, { status: 'contacted' }, t.keys.lab)).statusCode).toBe(403);
        expect((await patch(t, 'con_nope', { status: 'contacted' })).statusCode).toBe(404);
      });
    });

    describe('assignment', () => {
      it('assigns to an officer or province admin of the province, unassigns with null, audited', async () => {
        const id = await freshContact();
        const r = await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${id}`, { assignedTo: officer.id });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.json().assignedTo).toBe(officer.id);
        t.clock.advance(1000);
        const s = await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${id}`, {
          assignedTo: provinceAdmin.id,
          status: 'contacted',
        });
        expect(s.json()).toMatchObject({ assignedTo: provinceAdmin.id, workflowStatus: 'contacted' });
        t.clock.advance(1000);
        expect((await patch(t, id, { assignedTo: null })).json().assignedTo).toBeNull();
        const entries = (await auditEntries(t.storage, 'contact.assign')).filter(
          (e) => e.subject === `contact:${id}`,
        );
        expect(entries.map((e) => JSON.parse(e.details ?? '{}').to)).toEqual([
          officer.id,
          provinceAdmin.id,
          null,
        ]);
      });

      it('refuses viewers, national admins, other provinces, disabled and unknown users alike (invalid_assignee)', async () => {
        const id = await freshContact();
        const viewer = await addUser(t, 'viewer', '79');
        const national = await addUser(t, 'national_admin', null);
        const elsewhere = await addUser(t, 'health_officer', '01');
        const disabled = await addUser(t, 'health_officer', '79');
        await t.storage.db
          .updateTable('users')
          .set({ disabled_at: t.clock.now() })
          .where('id', '=', disabled.id)
          .execute();
        for (const assignee of [viewer.id, national.id, elsewhere.id, disabled.id, 'usr_unknown']) {
          const r = await patch(t, id, { assignedTo: assignee, status: 'contacted' });
          expect(r.statusCode, assignee).toBe(400);
          expect(r.json().error.code).toBe('invalid_assignee');
        }
        // Nothing changed, not even the status sent with the refused assignment.
        const row = await t.storage.db
          .selectFrom('contacts')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        expect([row.workflow_status, row.assigned_to]).toEqual(['new', null]);
      });
    });

    describe('notes', () => {
      it('appends notes, encrypted at rest, shown oldest first with their author', async () => {
        const id = await freshContact();
        const texts = [
          'Đã gọi điện, chưa nghe máy — số 0912 000 111',
          'Gọi lại lúc 14h: đồng ý cách ly tại nhà',
        ];
        for (const text of texts) {
          const r = await asUser(t, officer, 'POST', `/admin/v1/contacts/${id}/notes`, { text });
          expect(r.statusCode, r.body).toBe(201);
          expect(r.json()).toMatchObject({ author: `user:${officer.id}`, text });
          t.clock.advance(1000);
        }
        const dump = dumpText(await dumpDatabase(t.storage));
        for (const text of texts) {
          expect(dump).not.toContain(text);
          expect(dump).not.toContain(Buffer.from(text).toString('hex'));
        }
        const rows = await t.storage.db
          .selectFrom('contact_notes')
          .selectAll()
          .where('contact_id', '=', id)
          .orderBy('created_at')
          .execute();
        expect(
          rows.map((r) =>
            decryptTextAtRest(
              TEST_SECRETS.dataEncryptionKey,
              NOTE_ENCRYPTION_PURPOSE,
              new Uint8Array(r.text_enc),
            ),
          ),
        ).toEqual(texts);
        const detail = await asUser(t, officer, 'GET', `/admin/v1/contacts/${id}`);
        expect(detail.json().notes.map((n: { text: string }) => n.text)).toEqual(texts);
        const added = (await auditEntries(t.storage, 'contact.note.add')).filter(
          (e) => e.subject === `contact:${id}`,
        );
        expect(added).toHaveLength(2);
        for (const e of added) for (const text of texts) expect(e.details).not.toContain(text);
      });

      it('audits every read of the notes; viewers see the contact without notes', async () => {
        const id = await freshContact();
        await asUser(t, officer, 'POST', `/admin/v1/contacts/${id}/notes`, { text: 'ghi chú' });
        for (let i = 0; i < 2; i++)
          expect((await asUser(t, officer, 'GET', `/admin/v1/contacts/${id}`)).statusCode).toBe(200);
        const reads = (await auditEntries(t.storage, 'contact.notes.read')).filter(
          (e) => e.subject === `contact:${id}`,
        );
        expect(reads).toHaveLength(2);
        expect(
          reads.every((e) => e.actor === `user:${officer.id}` && JSON.parse(e.details ?? '{}').notes === 1),
        ).toBe(true);
        const viewer = await userSession(t, 'viewer', '79');
        const r = await asUser(t, viewer, 'GET', `/admin/v1/contacts/${id}`);
        expect(r.statusCode).toBe(200);
        expect(r.json().notes).toBeUndefined();
        expect(
          (await asUser(t, viewer, 'POST', `/admin/v1/contacts/${id}/notes`, { text: 'x' })).statusCode,
        ).toBe(403);
        const viewerReads = (await auditEntries(t.storage, 'contact.read')).filter(
          (e) => e.actor === `user:${viewer.id}`,
        );
        expect(viewerReads).toHaveLength(1);
      });

      it('refuses empty, blank and over-long notes; offers no route to edit or delete them', async () => {
        const id = await freshContact();
        for (const text of ['', '   ', 'x'.repeat(4001)])
          expect(
            (await adminRequest(t, 'POST', `/admin/v1/contacts/${id}/notes`, { body: { text } })).statusCode,
          ).toBe(400);
        for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
          const r = await t.app.inject({
            method,
            url: `/admin/v1/contacts/${id}/notes`,
            headers: { 'x-api-key': t.keys.admin },
          });
          expect(r.statusCode).toBe(404);
        }
      });

      it('the retention task deletes the notes of contacts whose data was deleted', async () => {
        const { RETENTION_TASKS } = await import('../src/jobs/retention.js');
        const id = await freshContact();
        await adminRequest(t, 'POST', `/admin/v1/contacts/${id}/notes`, { body: { text: 'sẽ bị xoá' } });
        const task = RETENTION_TASKS.find((x) => x.name === 'contactNotes')!;
        await task.purge(t.ctx, t.clock.now());
        expect(
          await t.storage.db.selectFrom('contact_notes').select('id').where('contact_id', '=', id).execute(),
        ).toHaveLength(1);
        await t.storage.db
          .updateTable('contacts')
          .set({ purged_at: t.clock.now() })
          .where('id', '=', id)
          .execute();
        expect(await task.purge(t.ctx, t.clock.now())).toBeGreaterThanOrEqual(1);
        expect(
          await t.storage.db.selectFrom('contact_notes').select('id').where('contact_id', '=', id).execute(),
        ).toHaveLength(0);
      });
    });

    describe('confirmed case', () => {
      it('turns a tested_positive contact into a confirmed case with codes, linked and audited', async () => {
        const caseId = await addCase(t, '79');
        const id = await addContact(t, caseId);
        await setStatus(t, id, 'tested_positive');
        const r = await asUser(t, officer, 'POST', `/admin/v1/contacts/${id}/confirmed-case`, {
          testDate: '2020-08-08',
        });
        expect(r.statusCode, r.body).toBe(201);
        const issued = r.json();
        expect(issued).toMatchObject({
          contactId: id,
          sourceCaseId: caseId,
          caseId: expect.stringMatching(/^case_/),
        });
        expect(issued.shortCode).toMatch(/^[0-9]{8}$/);
        const status = await adminRequest(t, 'GET', `/admin/v1/cases/${issued.caseId}`);
        expect(status.json()).toMatchObject({
          testType: 'confirmed',
          provinceCode: '79',
          districtCode: '760',
          testDate: '2020-08-08',
        });
        expect((await asUser(t, officer, 'GET', `/admin/v1/contacts/${id}`)).json().confirmedCaseId).toBe(
          issued.caseId,
        );
        const linked = (await auditEntries(t.storage, 'contact.confirmed_case')).filter(
          (e) => e.subject === `contact:${id}`,
        );
        expect(linked).toHaveLength(1);
        const created = (await auditEntries(t.storage, 'case.create')).filter(
          (e) => e.subject === `case:${issued.caseId}`,
        );
        expect(created).toHaveLength(1);
        // The code works like any confirmed case's.
        const verified = await t.app.inject({
          method: 'POST',
          url: '/api/verify',
          remoteAddress: '198.51.100.90',
          headers: { 'content-type': 'application/json', 'x-api-key': t.keys.device },
          payload: JSON.stringify({ code: issued.shortCode }),
        });
        expect(verified.statusCode, verified.body).toBe(200);
        expect(verified.json().testtype).toBe('confirmed');
        // Only once.
        const again = await asUser(t, officer, 'POST', `/admin/v1/contacts/${id}/confirmed-case`, {});
        expect(again.statusCode).toBe(409);
        expect(again.json().error.code).toBe('confirmed_case_exists');
        expect(again.json().error.message).toContain(issued.caseId);
      });

      it('refuses contacts that are not tested_positive (contact_not_positive), writing nothing', async () => {
        for (const status of CONTACT_STATUSES.filter((s) => s !== 'tested_positive')) {
          const id = await freshContact();
          await setStatus(t, id, status);
          const before = (await t.storage.db.selectFrom('cases').select('id').execute()).length;
          const r = await adminRequest(t, 'POST', `/admin/v1/contacts/${id}/confirmed-case`);
          expect(r.statusCode).toBe(409);
          expect(r.json().error.code).toBe('contact_not_positive');
          expect((await t.storage.db.selectFrom('cases').select('id').execute()).length).toBe(before);
        }
      });

      it('refuses a province outside the caller’s scope (403) and bad dates (400)', async () => {
        const id = await freshContact();
        await setStatus(t, id, 'tested_positive');
        const r = await asUser(t, officer, 'POST', `/admin/v1/contacts/${id}/confirmed-case`, {
          provinceCode: '01',
        });
        expect(r.statusCode).toBe(403);
        const s = await asUser(t, officer, 'POST', `/admin/v1/contacts/${id}/confirmed-case`, {
          testDate: '2030-01-01',
        });
        expect(s.statusCode).toBe(400);
      });

      it('of concurrent conversions of one contact exactly one succeeds', async () => {
        const id = await freshContact();
        await setStatus(t, id, 'tested_positive');
        const results = await Promise.all(
          [0, 1, 2].map(() => adminRequest(t, 'POST', `/admin/v1/contacts/${id}/confirmed-case`)),
        );
        expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      });
    });

    it('a re-opened contact can be worked again; an officer cannot re-open', async () => {
      const id = await freshContact();
      await setStatus(t, id, 'closed');
      const refused = await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${id}`, { status: 'contacted' });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.message).toContain('re-open');
      const admin = await loginAs(t, (await addUser(t, 'province_admin', '79')).username);
      expect(
        (await asUser(t, admin, 'PATCH', `/admin/v1/contacts/${id}`, { status: 'contacted' })).statusCode,
      ).toBe(200);
      expect(
        (await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${id}`, { status: 'quarantined' })).statusCode,
      ).toBe(200);
    });
  });
}
