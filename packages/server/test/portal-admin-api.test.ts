/**
 * The admin endpoints the portal's pages need (issue 6), over HTTP, in-process, on both engines:
 * the province-wide contact list (every filter, pagination, scope, audit, no phone numbers),
 * the inbox list and publishing with a session, API-key management by national admins (created
 * keys work, revoked keys stop at once), the public administrative units, the officers of the
 * assignment drop-down and the user list's filters — and a 400 `invalid_request` naming the field
 * for every bad input.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/features/users/users.service.js';
import { newId } from '../src/ids.js';
import { auditEntries, type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { dumpDatabase, dumpText } from './phones-helpers.js';
import { addCase, addUser, asUser, type LoggedIn, loginAs, PASSWORD, userSession } from './users-helpers.js';

/** A request with an API key. */
function withKey(
  t: ContactsTestApp,
  key: string | undefined,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return t.app.inject({
    method,
    url,
    headers: key === undefined ? {} : { 'x-api-key': key },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** What a contact row may be given in a test. */
interface ContactSetup {
  readonly level?: 'F1' | 'F2';
  readonly days?: readonly string[] | null;
  readonly risk?: number | null;
  readonly reportedAt?: number;
  readonly status?: string;
  readonly assignedTo?: string | null;
}

/** A contact on case `caseId`, written directly; returns its ID. */
async function insertContact(t: ContactsTestApp, caseId: string, setup: ContactSetup = {}): Promise<string> {
  const id = newId('con_');
  const at = setup.reportedAt ?? t.clock.now();
  const days = setup.days === undefined ? ['2020-08-05'] : setup.days;
  await t.storage.db
    .insertInto('contacts')
    .values({
      id,
      case_id: caseId,
      level: setup.level ?? 'F1',
      phone_id: null,
      exposure_days: days === null ? null : JSON.stringify(days),
      max_risk_level: setup.risk === undefined ? 2 : setup.risk,
      status: 'reported',
      matched_keys: 1,
      report_count: 1,
      reported_at: at,
      updated_at: at,
      last_report_id: null,
      purged_at: days === null ? at : null,
      workflow_status: setup.status ?? 'new',
      assigned_to: setup.assignedTo ?? null,
    })
    .execute();
  return id;
}

/** Enters a case in province 79, district `district`, with an admin key. */
async function caseInDistrict(t: ContactsTestApp, district: string): Promise<string> {
  const r = await withKey(t, t.keys.admin, 'POST', '/admin/v1/cases', {
    provinceCode: '79',
    districtCode: district,
    testType: 'confirmed',
    testDate: '2020-08-07',
  });
  if (r.statusCode !== 201) throw new Error(`case: ${r.statusCode} ${r.body}`);
  return (r.json() as { caseId: string }).caseId;
}

interface ListedContactJson {
  id: string;
  caseId: string;
  level: string;
  workflowStatus: string;
  assignedTo: string | null;
  exposureDays: string[] | null;
  maxRiskLevel: number | null;
  provinceCode: string;
  districtCode: string | null;
  reportedAt: string;
}
interface ContactPage {
  contacts: ListedContactJson[];
  nextCursor: string | null;
}

const ids = (page: ContactPage) => page.contacts.map((c) => c.id);

/** Expects a 400 `invalid_request` whose message names `field`. */
function expectInvalid(r: { statusCode: number; body: string; json: () => unknown }, field: string): void {
  expect(r.statusCode, r.body).toBe(400);
  const error = (r.json() as { error: { code: string; message: string } }).error;
  expect(error.code).toBe('invalid_request');
  expect(error.message).toContain(field);
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`portal admin endpoints on ${engine}`, () => {
    let t: ContactsTestApp;
    let national: LoggedIn;
    let provinceAdmin: LoggedIn;
    let officer: LoggedIn;
    let viewer: LoggedIn;
    let otherOfficer: LoggedIn;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
      national = await userSession(t, 'national_admin', null);
      provinceAdmin = await userSession(t, 'province_admin', '79');
      officer = await userSession(t, 'health_officer', '79');
      viewer = await userSession(t, 'viewer', '79');
      otherOfficer = await userSession(t, 'health_officer', '01');
    });
    afterAll(() => t.close());

    const list = async (who: LoggedIn, query: string): Promise<ContactPage> => {
      const r = await asUser(t, who, 'GET', `/admin/v1/contacts${query}`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as ContactPage;
    };

    it('has the indexes of migration 0011 behind the lists', async () => {
      const names =
        engine === 'sqlite'
          ? await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(
              t.storage.db,
            )
          : await sql<{
              name: string;
            }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(
              t.storage.db,
            );
      expect(names.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining([
          'contacts_reported',
          'contacts_workflow_status',
          'inbox_messages_province_created',
        ]),
      );
    });

    it('documents the new endpoints and every filter in the OpenAPI document', async () => {
      const doc = (await t.app.inject('/docs/json')).json<{
        paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
      }>();
      const params = (path: string, method: string) =>
        (doc.paths[path]?.[method]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect(params('/admin/v1/contacts', 'get').sort()).toEqual(
        [
          'assignedTo',
          'caseId',
          'cursor',
          'districtCode',
          'exposureFrom',
          'exposureTo',
          'level',
          'limit',
          'provinceCode',
          'status',
        ].sort(),
      );
      expect(params('/admin/v1/inbox', 'get').sort()).toEqual([
        'cursor',
        'language',
        'limit',
        'provinceCode',
      ]);
      expect(params('/admin/v1/officers', 'get')).toEqual(['provinceCode']);
      expect(params('/admin/v1/users', 'get').sort()).toEqual(['disabled', 'provinceCode', 'role']);
      expect(Object.keys(doc.paths['/admin/v1/api-keys'] ?? {}).sort()).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths['/admin/v1/api-keys/{id}'] ?? {})).toEqual(['delete']);
      expect(Object.keys(doc.paths['/v1/reference/admin-units'] ?? {})).toEqual(['get']);
    });

    describe('GET /admin/v1/contacts', () => {
      it('lists a contact with its workflow, case place, days and risk — and no phone number', async () => {
        const caseId = await addCase(t, '79');
        const id = await insertContact(t, caseId, { days: ['2020-08-04', '2020-08-06'], risk: 1 });
        const page = await list(officer, `?caseId=${caseId}`);
        expect(page.nextCursor).toBeNull();
        expect(page.contacts).toHaveLength(1);
        const item = page.contacts[0]!;
        expect(Object.keys(item).sort()).toEqual(
          [
            'assignedTo',
            'caseId',
            'confirmedCaseId',
            'districtCode',
            'exposureDays',
            'id',
            'level',
            'matchedKeys',
            'maxRiskLevel',
            'provinceCode',
            'purgedAt',
            'recursiveCaseId',
            'reportCount',
            'reportedAt',
            'status',
            'updatedAt',
            'workflowStatus',
            'workflowUpdatedAt',
          ].sort(),
        );
        expect(item).toMatchObject({
          id,
          caseId,
          level: 'F1',
          workflowStatus: 'new',
          assignedTo: null,
          exposureDays: ['2020-08-04', '2020-08-06'],
          maxRiskLevel: 1,
          provinceCode: '79',
          districtCode: '760',
        });
        expect((await asUser(t, officer, 'GET', `/admin/v1/contacts/${id}`)).json()).toMatchObject({
          exposureDays: item.exposureDays,
          workflowStatus: item.workflowStatus,
        });
      });

      it('filters by level (1/F1, 2/F2), status, assignee (id, me, none) and case', async () => {
        const caseId = await addCase(t, '79');
        const f1 = await insertContact(t, caseId, {
          level: 'F1',
          status: 'contacted',
          assignedTo: officer.id,
        });
        const f2 = await insertContact(t, caseId, { level: 'F2', status: 'quarantined' });
        const other = await insertContact(t, await addCase(t, '79'), { level: 'F2' });
        const q = (extra: string) => list(provinceAdmin, `?caseId=${caseId}&${extra}`);
        expect(ids(await q('level=1'))).toEqual([f1]);
        expect(ids(await q('level=F1'))).toEqual([f1]);
        expect(ids(await q('level=2'))).toEqual([f2]);
        expect(ids(await q('level=F2'))).toEqual([f2]);
        expect(ids(await q('status=contacted'))).toEqual([f1]);
        expect(ids(await q('status=quarantined'))).toEqual([f2]);
        expect(ids(await q('status=closed'))).toEqual([]);
        expect(ids(await q(`assignedTo=${officer.id}`))).toEqual([f1]);
        expect(ids(await q('assignedTo=none'))).toEqual([f2]);
        expect(ids(await list(officer, `?caseId=${caseId}&assignedTo=me`))).toEqual([f1]);
        expect(ids(await list(provinceAdmin, `?caseId=${caseId}&assignedTo=me`))).toEqual([]);
        const all = ids(await list(provinceAdmin, '?level=2&limit=100'));
        expect(all).toContain(other);
        expect(all).not.toContain(f1);
      });

      it('filters by exposure days: a contact matches when one of its days is in [from, to]', async () => {
        const caseId = await addCase(t, '79');
        const gap = await insertContact(t, caseId, { days: ['2020-08-01', '2020-08-07'] });
        const mid = await insertContact(t, caseId, { days: ['2020-08-04'] });
        const purged = await insertContact(t, caseId, { days: null, risk: null });
        const q = async (range: string) => ids(await list(officer, `?caseId=${caseId}&${range}`)).sort();
        expect(await q('exposureFrom=2020-08-03&exposureTo=2020-08-05')).toEqual([mid]);
        expect(await q('exposureFrom=2020-08-02&exposureTo=2020-08-03')).toEqual([]);
        expect(await q('exposureFrom=2020-08-07&exposureTo=2020-08-07')).toEqual([gap]);
        expect(await q('exposureFrom=2020-08-04')).toEqual([gap, mid].sort());
        expect(await q('exposureTo=2020-08-01')).toEqual([gap]);
        expect(await q('exposureFrom=2020-08-08')).toEqual([]);
        const unfiltered = await list(officer, `?caseId=${caseId}`);
        expect(ids(unfiltered).sort()).toEqual([gap, mid, purged].sort());
        expect(unfiltered.contacts.find((c) => c.id === purged)?.exposureDays).toBeNull();
      });

      it('pages newest report first with the cursor, ties broken by ID', async () => {
        const caseId = await addCase(t, '79');
        const base = t.clock.now();
        const made: { id: string; at: number }[] = [];
        for (const offset of [0, 1000, 1000, 2000, 3000]) {
          made.push({ id: await insertContact(t, caseId, { reportedAt: base + offset }), at: base + offset });
        }
        const expected = [...made]
          .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((c) => c.id);
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: ContactPage = await list(
            viewer,
            `?caseId=${caseId}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
          );
          seen.push(...ids(page));
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== null);
        expect(pages).toBe(3);
        expect(seen).toEqual(expected);
      });

      it('is scoped: another province’s contacts never appear, and filtering on them gives an empty list', async () => {
        const own = await insertContact(t, await addCase(t, '79'));
        const foreign = await insertContact(t, await addCase(t, '01'));
        const foreignCase = await addCase(t, '01');
        await insertContact(t, foreignCase);
        for (const who of [provinceAdmin, officer, viewer]) {
          const all = ids(await list(who, '?limit=100'));
          expect(all).toContain(own);
          expect(all).not.toContain(foreign);
          expect((await list(who, '?provinceCode=01')).contacts).toEqual([]);
          expect((await list(who, '?districtCode=001')).contacts).toEqual([]);
          expect((await list(who, `?caseId=${foreignCase}`)).contacts).toEqual([]);
          const provinces = new Set((await list(who, '?limit=100')).contacts.map((c) => c.provinceCode));
          expect([...provinces]).toEqual(['79']);
        }
        expect(ids(await list(otherOfficer, '?limit=100'))).toContain(foreign);
        expect(ids(await list(national, `?caseId=${foreignCase}`))).toHaveLength(1);
        expect(ids(await list(national, '?provinceCode=01&limit=100'))).toContain(foreign);
        const byKey = await withKey(t, t.keys.admin, 'GET', '/admin/v1/contacts?provinceCode=01&limit=100');
        expect((byKey.json() as ContactPage).contacts.map((c) => c.id)).toContain(foreign);
      });

      it('limits a district-scoped user to their districts; district filters combine with the scope', async () => {
        const { user } = await createUser(
          t.ctx,
          'test',
          {
            username: `district${newId().slice(0, 8)}`,
            role: 'health_officer',
            provinceCode: '79',
            districtCodes: ['761'],
            password: PASSWORD,
          },
          t.clock.now(),
        );
        const districtOfficer = await loginAs(t, user.username, user.id);
        const inside = await insertContact(t, await caseInDistrict(t, '761'));
        const outside = await insertContact(t, await caseInDistrict(t, '760'));
        const all = ids(await list(districtOfficer, '?limit=100'));
        expect(all).toContain(inside);
        expect(all).not.toContain(outside);
        expect(ids(await list(districtOfficer, '?districtCode=760'))).toEqual([]);
        expect(ids(await list(districtOfficer, '?provinceCode=79&districtCode=761'))).toContain(inside);
        expect(ids(await list(provinceAdmin, '?districtCode=760&limit=100'))).toContain(outside);
        expect(ids(await list(provinceAdmin, '?districtCode=760&limit=100'))).not.toContain(inside);
      });

      it('audits each read as contacts.list with the filter and the IDs shown, never days or numbers', async () => {
        const caseId = await addCase(t, '79');
        const id = await insertContact(t, caseId, { days: ['2020-08-03'] });
        await list(viewer, `?caseId=${caseId}&level=1`);
        const entry = (await auditEntries(t.storage, 'contacts.list')).find(
          (e) => e.actor === `user:${viewer.id}` && (e.details ?? '').includes(caseId),
        );
        expect(entry).toBeDefined();
        const details = JSON.parse(entry!.details!) as Record<string, unknown>;
        expect(details).toEqual({
          filter: { caseId, level: 'F1' },
          contacts: 1,
          contactIds: [id],
        });
        expect(entry!.details).not.toContain('2020-08-03');
      });

      it('needs contacts.read: 401 without credentials, 403 for a lab key; an admin key may list', async () => {
        expect((await withKey(t, undefined, 'GET', '/admin/v1/contacts')).statusCode).toBe(401);
        const lab = await withKey(t, t.keys.lab, 'GET', '/admin/v1/contacts');
        expect(lab.statusCode).toBe(403);
        expect(lab.json().error.code).toBe('forbidden');
        expect((await withKey(t, t.keys.admin, 'GET', '/admin/v1/contacts')).statusCode).toBe(200);
      });

      const bad: readonly [string, string][] = [
        ['provinceCode=7', 'provinceCode'],
        ['provinceCode=99', 'provinceCode'],
        ['districtCode=76', 'districtCode'],
        ['districtCode=999', 'districtCode'],
        ['provinceCode=01&districtCode=760', 'districtCode'],
        ['level=3', 'level'],
        ['level=F0', 'level'],
        ['status=open', 'status'],
        ['status=', 'status'],
        ['exposureFrom=20200801', 'exposureFrom'],
        ['exposureFrom=2020-02-30', 'exposureFrom'],
        ['exposureTo=2020-13-01', 'exposureTo'],
        ['exposureFrom=2020-08-06&exposureTo=2020-08-05', 'exposureFrom'],
        ['assignedTo=a%20b', 'assignedTo'],
        ['assignedTo=', 'assignedTo'],
        [`caseId=${'c'.repeat(65)}`, 'caseId'],
        ['caseId=', 'caseId'],
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=ten', 'limit'],
        ['cursor=not-a-cursor', 'cursor'],
        ['reveal=phone', 'reveal'],
      ];
      for (const [query, field] of bad) {
        it(`refuses ?${query} with 400 naming ${field}`, async () => {
          expectInvalid(await asUser(t, national, 'GET', `/admin/v1/contacts?${query}`), field);
        });
      }

      it('refuses assignedTo=me with an API key (a key is no user)', async () => {
        expectInvalid(
          await withKey(t, t.keys.admin, 'GET', '/admin/v1/contacts?assignedTo=me'),
          'assignedTo',
        );
      });
    });

    describe('inbox', () => {
      const message = (provinceCode?: string, extra: Record<string, unknown> = {}) => ({
        kind: 'notice',
        title: { vi: 'Thông báo', en: 'Notice' },
        body: { vi: 'Đeo khẩu trang', en: 'Wear a mask' },
        ...(provinceCode === undefined ? {} : { provinceCode }),
        ...extra,
      });
      interface InboxPage {
        messages: {
          id: string;
          provinceCode: string | null;
          title: Record<string, string>;
          body: Record<string, string>;
          createdAt: string;
          expiresAt: string | null;
          expired: boolean;
        }[];
        nextCursor: string | null;
      }
      const publish = async (who: LoggedIn, body: unknown): Promise<string> => {
        const r = await asUser(t, who, 'POST', '/admin/v1/inbox', body);
        expect(r.statusCode, r.body).toBe(201);
        t.clock.advance(1000);
        return (r.json() as { id: string }).id;
      };
      const inbox = async (who: LoggedIn, query = ''): Promise<InboxPage> => {
        const r = await asUser(t, who, 'GET', `/admin/v1/inbox${query}`);
        expect(r.statusCode, r.body).toBe(200);
        return r.json() as InboxPage;
      };

      it('publishes with a session: own province only for a province admin (403 otherwise), anything for national', async () => {
        await publish(provinceAdmin, message('79'));
        for (const body of [message('01'), message()]) {
          const r = await asUser(t, provinceAdmin, 'POST', '/admin/v1/inbox', body);
          expect(r.statusCode).toBe(403);
          expect(r.json().error.code).toBe('forbidden');
        }
        await publish(national, message());
        await publish(national, message('01'));
        const noCsrf = await asUser(t, provinceAdmin, 'POST', '/admin/v1/inbox', message('79'), null);
        expect(noCsrf.statusCode).toBe(403);
        expect(noCsrf.json().error.code).toBe('csrf_invalid');
        for (const who of [officer, viewer]) {
          const r = await asUser(t, who, 'POST', '/admin/v1/inbox', message('79'));
          expect(r.statusCode).toBe(403);
          expect(r.json().error.code).toBe('forbidden');
        }
        const audit = await auditEntries(t.storage, 'inbox.publish');
        expect(audit.some((e) => e.actor === `user:${provinceAdmin.id}`)).toBe(true);
      });

      it('lists newest first; a province admin sees their province’s and everyone’s messages only', async () => {
        const everyone = await publish(national, message());
        const hcm = await publish(provinceAdmin, message('79'));
        const hanoi = await publish(national, message('01'));
        const all = (await inbox(national, '?limit=100')).messages;
        expect(all.slice(0, 3).map((m) => m.id)).toEqual([hanoi, hcm, everyone]);
        const times = all.map((m) => m.createdAt);
        expect([...times].sort().reverse()).toEqual(times);
        const own = (await inbox(provinceAdmin, '?limit=100')).messages;
        expect(own.map((m) => m.id)).toContain(hcm);
        expect(own.map((m) => m.id)).toContain(everyone);
        expect(own.map((m) => m.id)).not.toContain(hanoi);
        expect(own.every((m) => m.provinceCode === null || m.provinceCode === '79')).toBe(true);
        expect((await inbox(provinceAdmin, '?provinceCode=01')).messages).toEqual([]);
        const filtered = (await inbox(provinceAdmin, '?provinceCode=79&limit=100')).messages;
        expect(filtered.every((m) => m.provinceCode === '79')).toBe(true);
        expect((await inbox(national, '?provinceCode=01&limit=100')).messages.map((m) => m.id)).toContain(
          hanoi,
        );
        const byKey = await withKey(t, t.keys.admin, 'GET', '/admin/v1/inbox');
        expect(byKey.statusCode).toBe(200);
      });

      it('shows one language with language=vi|en, both without', async () => {
        const id = await publish(national, message('79'));
        const find = async (query: string) =>
          (await inbox(national, `?provinceCode=79&limit=100${query}`)).messages.find((m) => m.id === id)!;
        expect((await find('')).title).toEqual({ vi: 'Thông báo', en: 'Notice' });
        expect((await find('&language=vi')).title).toEqual({ vi: 'Thông báo' });
        expect((await find('&language=vi')).body).toEqual({ vi: 'Đeo khẩu trang' });
        expect((await find('&language=en')).body).toEqual({ en: 'Wear a mask' });
      });

      it('marks expired messages and pages with the cursor', async () => {
        const expiresAt = new Date(t.clock.now() + 60_000).toISOString();
        const id = await publish(national, message('01', { expiresAt }));
        const before = (await inbox(national, '?provinceCode=01&limit=100')).messages.find(
          (m) => m.id === id,
        )!;
        expect(before).toMatchObject({ expiresAt, expired: false });
        t.clock.advance(120_000);
        const after = (await inbox(national, '?provinceCode=01&limit=100')).messages.find(
          (m) => m.id === id,
        )!;
        expect(after.expired).toBe(true);
        const everything = (await inbox(national, '?limit=100')).messages.map((m) => m.id);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const page: InboxPage = await inbox(
            national,
            `?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
          );
          expect(page.messages.length).toBeLessThanOrEqual(2);
          paged.push(...page.messages.map((m) => m.id));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(paged).toEqual(everything);
      });

      it('lets only inbox managers list: 403 for officers, viewers and lab keys, 401 without credentials', async () => {
        for (const who of [officer, viewer]) {
          const r = await asUser(t, who, 'GET', '/admin/v1/inbox');
          expect(r.statusCode).toBe(403);
          expect(r.json().error.code).toBe('forbidden');
        }
        expect((await withKey(t, t.keys.lab, 'GET', '/admin/v1/inbox')).statusCode).toBe(403);
        expect((await withKey(t, undefined, 'GET', '/admin/v1/inbox')).statusCode).toBe(401);
      });

      for (const [query, field] of [
        ['provinceCode=99', 'provinceCode'],
        ['provinceCode=7', 'provinceCode'],
        ['language=fr', 'language'],
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['cursor=xyz', 'cursor'],
        ['since=0', 'since'],
      ] as const) {
        it(`refuses GET /admin/v1/inbox?${query} with 400 naming ${field}`, async () => {
          expectInvalid(await asUser(t, national, 'GET', `/admin/v1/inbox?${query}`), field);
        });
      }
    });

    describe('API keys', () => {
      interface ApiKeyJson {
        id: string;
        role: string;
        label: string;
        createdAt: string;
        revoked: boolean;
        revokedAt: string | null;
      }
      const create = async (body: unknown) => {
        const r = await asUser(t, national, 'POST', '/admin/v1/api-keys', body);
        expect(r.statusCode, r.body).toBe(201);
        return r.json() as { apiKey: ApiKeyJson; key: string };
      };

      it('creates a key shown once and stored hashed; it works, is listed without its secret, is audited', async () => {
        const created = await create({ role: 'admin', label: 'Cổng tích hợp CDC' });
        expect(created.key).toMatch(/^bz_[A-Za-z0-9_-]{43}$/);
        expect(created.apiKey).toEqual({
          id: created.apiKey.id,
          role: 'admin',
          label: 'Cổng tích hợp CDC',
          createdAt: new Date(t.clock.now()).toISOString(),
          revoked: false,
          revokedAt: null,
        });
        expect((await withKey(t, created.key, 'GET', '/admin/v1/cases')).statusCode).toBe(200);
        const listed = await asUser(t, national, 'GET', '/admin/v1/api-keys');
        expect(listed.statusCode).toBe(200);
        expect(listed.body).not.toContain(created.key);
        const keys = (listed.json() as { apiKeys: ApiKeyJson[] }).apiKeys;
        expect(keys.find((k) => k.id === created.apiKey.id)).toEqual(created.apiKey);
        expect(keys.map((k) => k.id)).toContain(t.keyIds.lab);
        expect(dumpText(await dumpDatabase(t.storage))).not.toContain(created.key);
        const audit = (await auditEntries(t.storage, 'apikey.create')).filter(
          (e) => e.subject === `apikey:${created.apiKey.id}`,
        );
        expect(audit).toHaveLength(1);
        expect(audit[0]!.actor).toBe(`user:${national.id}`);
        expect(JSON.parse(audit[0]!.details!)).toEqual({ role: 'admin' });
      });

      it('a created lab key has the lab role’s rights only', async () => {
        const { key } = await create({ role: 'lab', label: 'lab' });
        expect((await withKey(t, key, 'GET', '/admin/v1/contacts')).statusCode).toBe(403);
      });

      it('revokes a key: it stops working at once; revoking again changes nothing', async () => {
        const created = await create({ role: 'admin', label: 'to revoke' });
        expect((await withKey(t, created.key, 'GET', '/admin/v1/cases')).statusCode).toBe(200);
        const revoked = await asUser(t, national, 'DELETE', `/admin/v1/api-keys/${created.apiKey.id}`);
        expect(revoked.statusCode, revoked.body).toBe(200);
        const view = (revoked.json() as { apiKey: ApiKeyJson }).apiKey;
        expect(view).toMatchObject({ id: created.apiKey.id, revoked: true });
        expect(view.revokedAt).toBe(new Date(t.clock.now()).toISOString());
        const refused = await withKey(t, created.key, 'GET', '/admin/v1/cases');
        expect(refused.statusCode).toBe(401);
        expect(refused.json().error.code).toBe('unauthorized');
        t.clock.advance(5000);
        const again = await asUser(t, national, 'DELETE', `/admin/v1/api-keys/${created.apiKey.id}`);
        expect(again.statusCode).toBe(200);
        expect((again.json() as { apiKey: ApiKeyJson }).apiKey.revokedAt).toBe(view.revokedAt);
        const audit = (await auditEntries(t.storage, 'apikey.revoke')).filter(
          (e) => e.subject === `apikey:${created.apiKey.id}`,
        );
        expect(audit.map((e) => [e.actor, JSON.parse(e.details!)])).toEqual([
          [`user:${national.id}`, { role: 'admin' }],
        ]);
        const listed = (await asUser(t, national, 'GET', '/admin/v1/api-keys')).json() as {
          apiKeys: ApiKeyJson[];
        };
        expect(listed.apiKeys.find((k) => k.id === created.apiKey.id)?.revoked).toBe(true);
      });

      it('answers 404 for an unknown key', async () => {
        const r = await asUser(t, national, 'DELETE', '/admin/v1/api-keys/key_nope');
        expect(r.statusCode).toBe(404);
        expect(r.json().error.code).toBe('not_found');
      });

      it('is for national admins only: 403 for every other role and every API key, 401 without credentials', async () => {
        const target = await create({ role: 'device', label: 'app' });
        for (const who of [provinceAdmin, officer, viewer, otherOfficer]) {
          for (const [method, url, body] of [
            ['GET', '/admin/v1/api-keys', undefined],
            ['POST', '/admin/v1/api-keys', { role: 'admin', label: 'x' }],
            ['DELETE', `/admin/v1/api-keys/${target.apiKey.id}`, undefined],
          ] as const) {
            const r = await asUser(t, who, method, url, body);
            expect(r.statusCode, `${method} ${url}`).toBe(403);
            expect(r.json().error.code).toBe('forbidden');
          }
        }
        for (const key of [t.keys.admin, t.keys.lab, t.keys.device]) {
          expect((await withKey(t, key, 'GET', '/admin/v1/api-keys')).statusCode).toBe(403);
          expect(
            (await withKey(t, key, 'POST', '/admin/v1/api-keys', { role: 'admin', label: 'x' })).statusCode,
          ).toBe(403);
          expect((await withKey(t, key, 'DELETE', `/admin/v1/api-keys/${target.apiKey.id}`)).statusCode).toBe(
            403,
          );
        }
        expect((await withKey(t, undefined, 'GET', '/admin/v1/api-keys')).statusCode).toBe(401);
        const noCsrf = await asUser(
          t,
          national,
          'POST',
          '/admin/v1/api-keys',
          { role: 'admin', label: 'x' },
          null,
        );
        expect(noCsrf.statusCode).toBe(403);
        expect(noCsrf.json().error.code).toBe('csrf_invalid');
        const noCsrfDelete = await asUser(
          t,
          national,
          'DELETE',
          `/admin/v1/api-keys/${target.apiKey.id}`,
          undefined,
          null,
        );
        expect(noCsrfDelete.json().error.code).toBe('csrf_invalid');
        const keys = (await asUser(t, national, 'GET', '/admin/v1/api-keys')).json() as {
          apiKeys: ApiKeyJson[];
        };
        expect(keys.apiKeys.find((k) => k.id === target.apiKey.id)?.revoked).toBe(false);
      });

      for (const [body, field] of [
        [{ role: 'root', label: 'x' }, 'role'],
        [{ role: 'partner', label: 'made without its partner' }, 'role'],
        [{ label: 'x' }, 'role'],
        [{ role: 'admin' }, 'label'],
        [{ role: 'admin', label: '' }, 'label'],
        [{ role: 'admin', label: '   ' }, 'label'],
        [{ role: 'admin', label: 'x'.repeat(101) }, 'label'],
        [{ role: 'admin', label: 'x', secret: 'mine' }, 'secret'],
      ] as const) {
        it(`refuses POST /admin/v1/api-keys ${JSON.stringify(body).slice(0, 60)} with 400 naming ${field}`, async () => {
          expectInvalid(await asUser(t, national, 'POST', '/admin/v1/api-keys', body), field);
        });
      }
    });

    describe('GET /v1/reference/admin-units', () => {
      interface Units {
        asOf: string;
        provinces: {
          code: string;
          name: string;
          nameEn: string;
          districts: { code: string; name: string }[];
        }[];
      }
      it('lists the 63 provinces with their districts, by code, without credentials', async () => {
        const r = await t.app.inject({ method: 'GET', url: '/v1/reference/admin-units' });
        expect(r.statusCode).toBe(200);
        expect(r.headers['cache-control']).toBe('public, max-age=86400');
        const units = r.json() as Units;
        expect(units.asOf).toBe(t.ctx.adminUnits.asOf);
        expect(units.provinces).toHaveLength(63);
        const codes = units.provinces.map((p) => p.code);
        expect(codes).toEqual([...codes].sort());
        expect(units.provinces.reduce((n, p) => n + p.districts.length, 0)).toBe(
          t.ctx.adminUnits.districts.size,
        );
        const hcm = units.provinces.find((p) => p.code === '79')!;
        expect(hcm.name).toBe('Thành phố Hồ Chí Minh');
        expect(hcm.districts[0]).toEqual({ code: '760', name: 'Quận 1' });
        for (const p of units.provinces) {
          for (const d of p.districts) expect(t.ctx.adminUnits.check(p.code, d.code)).toBeUndefined();
        }
      });

      it('answers 304 to If-None-Match with its ETag', async () => {
        const first = await t.app.inject({ method: 'GET', url: '/v1/reference/admin-units' });
        const etag = String(first.headers['etag']);
        expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
        const again = await t.app.inject({
          method: 'GET',
          url: '/v1/reference/admin-units',
          headers: { 'if-none-match': `W/${etag}` },
        });
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
        const stale = await t.app.inject({
          method: 'GET',
          url: '/v1/reference/admin-units',
          headers: { 'if-none-match': '"other"' },
        });
        expect(stale.statusCode).toBe(200);
      });
    });

    describe('officers and users', () => {
      interface OfficerJson {
        id: string;
        username: string;
        role: string;
        provinceCode: string;
      }
      const officers = async (who: LoggedIn, query = ''): Promise<OfficerJson[]> => {
        const r = await asUser(t, who, 'GET', `/admin/v1/officers${query}`);
        expect(r.statusCode, r.body).toBe(200);
        return (r.json() as { officers: OfficerJson[] }).officers;
      };

      it('lists the active officers and province admins of the caller’s province, whom contacts can be assigned to', async () => {
        const disabled = await addUser(t, 'health_officer', '79');
        await t.storage.db
          .updateTable('users')
          .set({ disabled_at: t.clock.now() })
          .where('id', '=', disabled.id)
          .execute();
        for (const who of [officer, viewer, provinceAdmin]) {
          const list = await officers(who);
          const listed = list.map((o) => o.id);
          expect(listed).toContain(officer.id);
          expect(listed).toContain(provinceAdmin.id);
          expect(listed).not.toContain(viewer.id);
          expect(listed).not.toContain(national.id);
          expect(listed).not.toContain(otherOfficer.id);
          expect(listed).not.toContain(disabled.id);
          expect(list.every((o) => o.provinceCode === '79')).toBe(true);
          const names = list.map((o) => o.username);
          expect(names).toEqual([...names].sort());
          expect(await officers(who, '?provinceCode=01')).toEqual([]);
        }
        const hanoi = (await officers(national, '?provinceCode=01')).map((o) => o.id);
        expect(hanoi).toContain(otherOfficer.id);
        expect(hanoi).not.toContain(officer.id);
        const everywhere = (await officers(national)).map((o) => o.id);
        expect(everywhere).toEqual(expect.arrayContaining([officer.id, otherOfficer.id]));
      });

      it('every officer listed to a health officer can be assigned a contact of the province', async () => {
        const contact = await insertContact(t, await addCase(t, '79'));
        for (const o of await officers(officer)) {
          const r = await asUser(t, officer, 'PATCH', `/admin/v1/contacts/${contact}`, { assignedTo: o.id });
          expect(r.statusCode, r.body).toBe(200);
        }
      });

      it('needs contacts.read (403 for a lab key, 401 without credentials) and a known province', async () => {
        expect((await withKey(t, t.keys.lab, 'GET', '/admin/v1/officers')).statusCode).toBe(403);
        expect((await withKey(t, undefined, 'GET', '/admin/v1/officers')).statusCode).toBe(401);
        expect((await withKey(t, t.keys.admin, 'GET', '/admin/v1/officers')).statusCode).toBe(200);
        expectInvalid(await asUser(t, officer, 'GET', '/admin/v1/officers?provinceCode=99'), 'provinceCode');
        expectInvalid(await asUser(t, officer, 'GET', '/admin/v1/officers?provinceCode=7'), 'provinceCode');
        expectInvalid(await asUser(t, officer, 'GET', '/admin/v1/officers?role=viewer'), 'role');
      });

      it('filters the user list by province, role and disabled, within the scope', async () => {
        const users = async (who: LoggedIn, query: string) => {
          const r = await asUser(t, who, 'GET', `/admin/v1/users${query}`);
          expect(r.statusCode, r.body).toBe(200);
          return (
            r.json() as {
              users: { id: string; role: string; provinceCode: string | null; disabled: boolean }[];
            }
          ).users;
        };
        const viewers = await users(provinceAdmin, '?role=viewer');
        expect(viewers.map((u) => u.id)).toContain(viewer.id);
        expect(viewers.every((u) => u.role === 'viewer' && u.provinceCode === '79')).toBe(true);
        expect(await users(provinceAdmin, '?provinceCode=01')).toEqual([]);
        const hanoi = await users(national, '?provinceCode=01');
        expect(hanoi.map((u) => u.id)).toContain(otherOfficer.id);
        expect(hanoi.every((u) => u.provinceCode === '01')).toBe(true);
        const gone = await addUser(t, 'viewer', '79');
        await asUser(t, provinceAdmin, 'POST', `/admin/v1/users/${gone.id}/disable`);
        const disabled = await users(provinceAdmin, '?disabled=true');
        expect(disabled.map((u) => u.id)).toContain(gone.id);
        expect(disabled.every((u) => u.disabled)).toBe(true);
        const active = await users(provinceAdmin, '?disabled=false');
        expect(active.map((u) => u.id)).not.toContain(gone.id);
        expect(active.every((u) => !u.disabled)).toBe(true);
        for (const [query, field] of [
          ['role=admin', 'role'],
          ['disabled=yes', 'disabled'],
          ['provinceCode=99', 'provinceCode'],
          ['username=x', 'username'],
        ] as const) {
          expectInvalid(await asUser(t, national, 'GET', `/admin/v1/users?${query}`), field);
        }
      });
    });
  });
}
