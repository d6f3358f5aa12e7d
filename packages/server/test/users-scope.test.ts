/**
 * The scope matrix: every role × every admin endpoint × a case of the user's own province (79)
 * and of another (01). Own → the endpoint's success status (or 403 when the role lacks the
 * permission); other → 404 for objects, 403 for creating in the other province, 200 and nothing
 * of the other province for lists filtered on it; lists never contain the other province's
 * objects. API-key management is national only (403 for every other role, whatever the
 * province); the administrative units are public. Personal-data reads by a user are audited as
 * `user:<id>`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/auth.js';
import { createApiKey } from '../src/features/api-keys.js';
import { type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { addCase, addContact, asUser, type LoggedIn, userSession } from './users-helpers.js';

type Province = '79' | '01';
interface Target {
  readonly province: Province;
  readonly caseId: string;
  readonly contactId: string;
}
type Response = Awaited<ReturnType<typeof asUser>>;
interface Endpoint {
  readonly name: string;
  /** read/write/reveal/inbox/users: the permission; national: national admins only; public: anyone. */
  readonly permission: 'read' | 'write' | 'reveal' | 'inbox' | 'users' | 'national' | 'public';
  readonly ok: number;
  /** Status outside the scope: 404 for an object, 403 for creating one, 200 for a list. */
  readonly other: number;
  readonly call: (t: ContactsTestApp, who: LoggedIn, target: Target) => Promise<Response>;
  /** For lists: checks the answer holds the target's objects when `own`, nothing of its province else. */
  readonly check?: (body: unknown, target: Target, own: boolean) => void;
}

/** The items of a list answer under `key`. */
const items = <T>(body: unknown, key: string): T[] => (body as Record<string, T[]>)[key] ?? [];

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
  {
    name: 'GET contacts list (province filter)',
    permission: 'read',
    ok: 200,
    other: 200,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/contacts?provinceCode=${x.province}&limit=100`),
    check: (body, x, own) => {
      const contacts = items<{ id: string; provinceCode: string }>(body, 'contacts');
      expect(contacts.some((c) => c.id === x.contactId)).toBe(own);
      if (!own) expect(contacts).toEqual([]);
      else expect(contacts.every((c) => c.provinceCode === x.province)).toBe(true);
    },
  },
  {
    name: 'GET contacts list (case filter)',
    permission: 'read',
    ok: 200,
    other: 200,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/contacts?caseId=${x.caseId}`),
    check: (body, x, own) => {
      const contacts = items<{ id: string }>(body, 'contacts');
      expect(contacts.map((c) => c.id)).toEqual(own ? [x.contactId] : []);
    },
  },
  {
    name: 'GET officers',
    permission: 'read',
    ok: 200,
    other: 200,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/officers?provinceCode=${x.province}`),
    check: (body, x, own) => {
      const officers = items<{ provinceCode: string }>(body, 'officers');
      if (!own) expect(officers).toEqual([]);
      else expect(officers.every((o) => o.provinceCode === x.province)).toBe(true);
    },
  },
  {
    name: 'GET inbox',
    permission: 'inbox',
    ok: 200,
    other: 200,
    call: async (t, w, x) => {
      await t.app.inject({
        method: 'POST',
        url: '/admin/v1/inbox',
        headers: { 'x-api-key': t.keys.admin },
        payload: {
          kind: 'news',
          title: { vi: 'Tin', en: 'News' },
          body: { vi: 'Nội dung', en: 'Text' },
          provinceCode: x.province,
        },
      });
      return asUser(t, w, 'GET', `/admin/v1/inbox?provinceCode=${x.province}`);
    },
    check: (body, x, own) => {
      const messages = items<{ provinceCode: string | null }>(body, 'messages');
      if (!own) expect(messages).toEqual([]);
      else {
        expect(messages.length > 0).toBe(true);
        expect(messages.every((m) => m.provinceCode === x.province)).toBe(true);
      }
    },
  },
  {
    name: 'GET users (province filter)',
    permission: 'users',
    ok: 200,
    other: 200,
    call: (t, w, x) => asUser(t, w, 'GET', `/admin/v1/users?provinceCode=${x.province}`),
    check: (body, x, own) => {
      const users = items<{ provinceCode: string | null }>(body, 'users');
      if (!own) expect(users).toEqual([]);
      else expect(users.every((u) => u.provinceCode === x.province)).toBe(true);
    },
  },
  {
    name: 'GET api-keys',
    permission: 'national',
    ok: 200,
    other: 200,
    call: (t, w) => asUser(t, w, 'GET', '/admin/v1/api-keys'),
  },
  {
    name: 'POST api-keys',
    permission: 'national',
    ok: 201,
    other: 201,
    call: (t, w, x) =>
      asUser(t, w, 'POST', '/admin/v1/api-keys', { role: 'lab', label: `lab ${x.province}` }),
  },
  {
    name: 'DELETE api-keys/:id',
    permission: 'national',
    ok: 200,
    other: 200,
    call: async (t, w, x) => {
      const key = await createApiKey(t.storage.db, 'lab', `lab ${x.province}`, t.clock.now());
      return asUser(t, w, 'DELETE', `/admin/v1/api-keys/${key.id}`);
    },
  },
  {
    name: 'GET reference admin-units',
    permission: 'public',
    ok: 200,
    other: 200,
    call: (t, w) => asUser(t, w, 'GET', '/v1/reference/admin-units'),
  },
];

const ALLOWED: Record<UserRole, readonly Endpoint['permission'][]> = {
  national_admin: ['read', 'write', 'reveal', 'inbox', 'users', 'national', 'public'],
  province_admin: ['read', 'write', 'reveal', 'inbox', 'users', 'public'],
  health_officer: ['read', 'write', 'reveal', 'public'],
  viewer: ['read', 'public'],
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
            const x = await target(province);
            const r = await endpoint.call(t, who, x);
            expect(r.statusCode, r.body).toBe(expected);
            if (expected === 200 && endpoint.check) endpoint.check(r.json(), x, own);
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
        const contacts = (await asUser(t, who, 'GET', '/admin/v1/contacts?limit=100')).json() as {
          contacts: { provinceCode: string }[];
        };
        const contactProvinces = new Set(contacts.contacts.map((c) => c.provinceCode));
        if (role === 'national_admin') expect([...contactProvinces].sort()).toEqual(['01', '79']);
        else expect([...contactProvinces]).toEqual(['79']);
        const officers = (await asUser(t, who, 'GET', '/admin/v1/officers')).json() as {
          officers: { provinceCode: string }[];
        };
        if (role !== 'national_admin')
          expect(officers.officers.every((o) => o.provinceCode === '79')).toBe(true);
        const inbox = await asUser(t, who, 'GET', '/admin/v1/inbox?limit=100');
        if (role === 'national_admin' || role === 'province_admin') {
          const messages = (inbox.json() as { messages: { provinceCode: string | null }[] }).messages;
          expect(
            messages.every(
              (m) => role === 'national_admin' || m.provinceCode === null || m.provinceCode === '79',
            ),
          ).toBe(true);
        } else expect(inbox.statusCode).toBe(403);
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
