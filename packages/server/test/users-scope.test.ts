/**
 * The scope matrix: every role × every admin endpoint × a case of the user's own province (79)
 * and of another (01). Own → the endpoint's success status (or 403 when the role lacks the
 * permission); other → 404 for objects, 403 for creating in the other province; lists never
 * contain the other province's objects. Personal-data reads by a user are audited as `user:<id>`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/auth.js';
import { type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { addCase, addContact, asUser, type LoggedIn, userSession } from './users-helpers.js';

type Province = '79' | '01';
interface Target {
  readonly province: Province;
  readonly caseId: string;
  readonly contactId: string;
}
interface Endpoint {
  readonly name: string;
  readonly permission: 'read' | 'write' | 'reveal' | 'inbox';
  readonly ok: number;
  /** Status outside the scope: 404 for an object, 403 for creating one. */
  readonly other: number;
  readonly call: (t: ContactsTestApp, who: LoggedIn, target: Target) => ReturnType<typeof asUser>;
}

const ENDPOINTS: readonly Endpoint[] = [
  {
    name: 'GET case',
    permission: 'read',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/cases/${x.caseId}`),
  },
  {
    name: 'POST codes',
    permission: 'write',
    ok: 201,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'POST', `/admin/v1/cases/${x.caseId}/codes`),
  },
  {
    name: 'GET contacts',
    permission: 'read',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/cases/${x.caseId}/contacts`),
  },
  {
    name: 'GET contacts reveal',
    permission: 'reveal',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/cases/${x.caseId}/contacts?reveal=phone`),
  },
  {
    name: 'GET graph',
    permission: 'read',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/cases/${x.caseId}/graph`),
  },
  {
    name: 'POST close',
    permission: 'write',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'POST', `/admin/v1/cases/${x.caseId}/close`),
  },
  {
    name: 'POST recursive-case',
    permission: 'write',
    ok: 201,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'POST', `/admin/v1/contacts/${x.contactId}/recursive-case`, {}),
  },
  {
    // An empty F0 record passes the scope check and fails validation: 400 proves access.
    name: 'POST legacy-import (empty record)',
    permission: 'write',
    ok: 400,
    other: 404,
    call: (t, w, x) =>
      asUser(t, w, 'POST', `/admin/v1/cases/${x.caseId}/legacy-import`, { trace: '', infoF: { data: [] } }),
  },
  {
    name: 'GET contact detail',
    permission: 'read',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/contacts/${x.contactId}`),
  },
  {
    name: 'PATCH contact status',
    permission: 'write',
    ok: 200,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'PATCH', `/admin/v1/contacts/${x.contactId}`, { status: 'contacted' }),
  },
  {
    name: 'POST contact note',
    permission: 'write',
    ok: 201,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'POST', `/admin/v1/contacts/${x.contactId}/notes`, { text: 'Đã gọi' }),
  },
  {
    // A new contact is not tested_positive: 409 proves access (outside the scope it is 404).
    name: 'POST confirmed-case (not positive)',
    permission: 'write',
    ok: 409,
    other: 404,
    call: (t, w, x) => asUser(t, w, 'POST', `/admin/v1/contacts/${x.contactId}/confirmed-case`, {}),
  },
  {
    name: 'POST cases',
    permission: 'write',
    ok: 201,
    other: 403,
    call: (t, w, x) =>
      asUser(t, w, 'POST', '/admin/v1/cases', {
        provinceCode: x.province,
        districtCode: x.province === '79' ? '760' : '001',
        testType: 'confirmed',
        testDate: '2020-08-07',
      }),
  },
  {
    name: 'POST inbox',
    permission: 'inbox',
    ok: 201,
    other: 403,
    call: (t, w, x) =>
      asUser(t, w, 'POST', '/admin/v1/inbox', {
        kind: 'notice',
        title: { vi: 'Thông báo', en: 'Notice' },
        body: { vi: 'Nội dung', en: 'Text' },
        provinceCode: x.province,
      }),
  },
];

const ALLOWED: Record<UserRole, readonly Endpoint['permission'][]> = {
  national_admin: ['read', 'write', 'reveal', 'inbox'],
  province_admin: ['read', 'write', 'reveal', 'inbox'],
  health_officer: ['read', 'write', 'reveal'],
  viewer: ['read'],
};
const ROLES = Object.keys(ALLOWED) as UserRole[];

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`scope of every admin endpoint (${engine})`, () => {
    let t: ContactsTestApp;
    const sessions = new Map<UserRole, LoggedIn>();
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
      for (const role of ROLES)
        sessions.set(role, await userSession(t, role, role === 'national_admin' ? null : '79'));
    });
    afterAll(async () => t.close());

    /** A fresh case with a fresh contact in `province`: each row of the matrix is independent. */
    const target = async (province: Province): Promise<Target> => {
      const caseId = await addCase(t, province);
      return { province, caseId, contactId: await addContact(t, caseId) };
    };

    for (const role of ROLES) {
      for (const endpoint of ENDPOINTS) {
        for (const province of ['79', '01'] as const) {
          const allowed = ALLOWED[role].includes(endpoint.permission);
          const own = role === 'national_admin' || province === '79';
          const expected = !allowed ? 403 : own ? endpoint.ok : endpoint.other;
          it(`${role} × ${endpoint.name} × province ${province} → ${expected}`, async () => {
            const who = sessions.get(role)!;
            const r = await endpoint.call(t, who, await target(province));
            expect(r.statusCode, r.body).toBe(expected);
          });
        }
      }

      it(`${role}: lists of cases and users never hold another province's objects`, async () => {
        const who = sessions.get(role)!;
        await target('79');
        await target('01');
        const cases = (await asUser(t, who, 'GET', '/admin/v1/cases?limit=100')).json() as {
          cases: { provinceCode: string }[];
        };
        const provinces = new Set(cases.cases.map((c) => c.provinceCode));
        if (role === 'national_admin') expect([...provinces].sort()).toEqual(['01', '79']);
        else expect([...provinces]).toEqual(['79']);
        const filtered = (await asUser(t, who, 'GET', '/admin/v1/cases?provinceCode=01')).json() as {
          cases: unknown[];
        };
        expect(filtered.cases.length > 0).toBe(role === 'national_admin');
        const users = await asUser(t, who, 'GET', '/admin/v1/users');
        if (role === 'national_admin' || role === 'province_admin') {
          const list = (users.json() as { users: { provinceCode: string | null }[] }).users;
          expect(list.every((u) => role === 'national_admin' || u.provinceCode === '79')).toBe(true);
        } else expect(users.statusCode).toBe(403);
      });
    }

    it('audits a user’s read of a contact list as user:<id>', async () => {
      const who = sessions.get('health_officer')!;
      const { caseId } = await target('79');
      expect((await asUser(t, who, 'GET', `/admin/v1/cases/${caseId}/contacts`)).statusCode).toBe(200);
      const entry = await t.storage.db
        .selectFrom('audit_log')
        .select('actor')
        .where('action', '=', 'case.contacts.read')
        .where('subject', '=', `case:${caseId}`)
        .executeTakeFirstOrThrow();
      expect(entry.actor).toBe(`user:${who.id}`);
    });
  });
}
