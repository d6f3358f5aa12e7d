/**
 * The audit log API (filters, cursor pages, province scope, CSV export parsed back, no route to
 * change entries), the RFC 4180 writer against an independent parser, the per-network login
 * rate limit, and the retention of expired sessions — on both engines.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRecord } from '../src/features/audit/csv.js';
import { sessionRetentionTask } from '../src/features/users/sessions.retention.js';
import { newId } from '../src/ids.js';
import { RETENTION_TASKS } from '../src/jobs/retention.js';
import { adminRequest, type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { addCase, addContact, addUser, asUser, loginAs, PASSWORD, userSession } from './users-helpers.js';

/** An RFC 4180 parser written independently of the writer: records of fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  return records;
}

describe('the CSV writer', () => {
  it('round-trips any fields through an RFC 4180 parser', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), { maxLength: 5 }),
        (rows) => {
          const text = rows.map((r) => csvRecord(r)).join('');
          // A record of one empty field is written as an empty line; the parser reads [''] back.
          expect(parseCsv(text)).toEqual(rows);
        },
      ),
    );
  });

  it('quotes commas, quotes, CR and LF only', () => {
    expect(csvRecord(['a', 'b,c', 'd"e', 'f\ng', null, 5])).toBe('a,"b,c","d""e","f\ng",,5\r\n');
  });
});

interface EntryJson {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: unknown;
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`audit log API and sessions on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
    });
    afterAll(() => t.close());

    /** Writes `n` entries of a fresh action (distinct times) and returns the action. */
    async function seed(n: number, subject: string | null = null): Promise<string> {
      const action = `test.${newId().slice(0, 10).toLowerCase()}`;
      const base = t.clock.now();
      for (let i = 0; i < n; i++) {
        await t.storage.db
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: base - (i % 3) * 1000,
            actor: i % 2 === 0 ? 'apikey:even' : 'apikey:odd',
            action,
            subject,
            details: JSON.stringify({ i, text: 'comma, "quote"\nline' }),
          })
          .execute();
      }
      return action;
    }

    const get = async (query: string) => {
      const r = await adminRequest(t, 'GET', `/admin/v1/audit?${query}`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json<{ entries: EntryJson[]; nextCursor: string | null }>();
    };

    it('pages through every matching entry newest first, each once', async () => {
      const action = await seed(25);
      const seen: EntryJson[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`action=${action}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.entries.length).toBeLessThanOrEqual(7);
        seen.push(...page.entries);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toHaveLength(25);
      expect(new Set(seen.map((e) => e.id)).size).toBe(25);
      const keys = seen.map((e) => [e.at, e.id].join(' '));
      expect(keys).toEqual([...keys].sort().reverse());
      expect(seen[0]!.details).toMatchObject({ text: 'comma, "quote"\nline' });
    });

    it('filters by actor, action, subject and time', async () => {
      const action = await seed(6, 'case:case_filter');
      expect((await get(`action=${action}&actor=apikey:even`)).entries).toHaveLength(3);
      expect((await get(`action=${action}&subject=case:case_filter`)).entries).toHaveLength(6);
      expect((await get(`action=${action}&subject=case:other`)).entries).toHaveLength(0);
      const now = t.clock.now();
      const from = new Date(now - 1000).toISOString();
      const to = new Date(now).toISOString();
      const r = await get(`action=${action}&from=${from}&to=${to}`);
      expect(r.entries.map((e) => e.at)).toEqual([from, from]);
      for (const bad of ['from=yesterday', 'limit=0', 'limit=1001', 'cursor=xyz', 'format=xml'])
        expect((await adminRequest(t, 'GET', `/admin/v1/audit?${bad}`)).statusCode, bad).toBe(400);
    });

    it('exports CSV that parses back to the same entries, and records the export', async () => {
      const action = await seed(12);
      const r = await adminRequest(t, 'GET', `/admin/v1/audit?action=${action}&format=csv`);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['content-type']).toContain('text/csv');
      const [header, ...rows] = parseCsv(r.body);
      expect(header).toEqual(['id', 'at', 'actor', 'action', 'subject', 'details']);
      const json = (await get(`action=${action}&limit=1000`)).entries;
      expect(rows).toEqual(
        json.map((e) => [e.id, e.at, e.actor, e.action, e.subject ?? '', JSON.stringify(e.details)]),
      );
      const exports = await get('action=audit.export');
      expect(exports.entries[0]?.details).toMatchObject({ action, rows: 12 });
    });

    it('shows a province admin the entries about its province only; officers may not read it', async () => {
      const own = await addCase(t, '79');
      const other = await addCase(t, '01');
      const ownContact = await addContact(t, own);
      for (const id of [own, other])
        expect((await adminRequest(t, 'GET', `/admin/v1/cases/${id}/contacts`)).statusCode).toBe(200);
      expect((await adminRequest(t, 'GET', `/admin/v1/contacts/${ownContact}`)).statusCode).toBe(200);
      const admin = await userSession(t, 'province_admin', '79');
      const seen = async (subject: string) => {
        const r = await asUser(t, admin, 'GET', `/admin/v1/audit?subject=${subject}`);
        expect(r.statusCode).toBe(200);
        return (r.json() as { entries: unknown[] }).entries.length;
      };
      expect(await seen(`case:${own}`)).toBeGreaterThan(0);
      expect(await seen(`contact:${ownContact}`)).toBeGreaterThan(0);
      expect(await seen(`case:${other}`)).toBe(0);
      const all = (await asUser(t, admin, 'GET', '/admin/v1/audit?limit=1000')).json() as {
        entries: EntryJson[];
      };
      expect(all.entries.some((e) => e.subject === `case:${other}`)).toBe(false);
      expect(all.entries.some((e) => e.actor === `user:${admin.id}` && e.action === 'user.login')).toBe(true);
      const officer = await userSession(t, 'health_officer', '79');
      expect((await asUser(t, officer, 'GET', '/admin/v1/audit')).statusCode).toBe(403);
      expect((await adminRequest(t, 'GET', '/admin/v1/audit', { key: t.keys.lab })).statusCode).toBe(403);
    });

    it('has no route that edits or deletes audit entries', async () => {
      // Any ID will do: the test is about routes, and shuffled order may leave the log empty here.
      const id = (await get('limit=1')).entries[0]?.id ?? 'aud_any';
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        for (const url of ['/admin/v1/audit', `/admin/v1/audit/${id}`]) {
          const r = await t.app.inject({ method, url, headers: { 'x-api-key': t.keys.admin } });
          expect(r.statusCode, `${method} ${url}`).toBe(404);
        }
      }
      const routes = t.app.printRoutes({ commonPrefix: false });
      const auditLines = routes.split('\n').filter((l) => l.includes('audit'));
      expect(auditLines.join('\n')).not.toMatch(/POST|PUT|PATCH|DELETE/);
    });

    it('limits logins to 20 per 10 minutes per client network, with Retry-After', async () => {
      const { username } = await addUser(t, 'viewer', '79');
      const login = (address: string, password = PASSWORD) =>
        t.app.inject({
          method: 'POST',
          url: '/admin/v1/session',
          remoteAddress: address,
          payload: { username, password },
        });
      // Start of a fresh window, so that all 21 attempts fall into it.
      t.clock.set(Math.ceil(t.clock.now() / 600_000) * 600_000 + 600_000);
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await login(`2001:db8:5::${i.toString(16)}`)).statusCode);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const limited = await login('2001:db8:5::ff');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBe(600);
      expect((await login('203.0.113.5')).statusCode).toBe(200);
      t.clock.advance(600_000);
      expect((await login('2001:db8:5::1')).statusCode).toBe(200);
    });

    it('purges sessions past their absolute or idle expiry, and keeps live ones', async () => {
      expect(RETENTION_TASKS).toContain(sessionRetentionTask);
      const { username, id } = await addUser(t, 'viewer', '79');
      const idle = await loginAs(t, username, id);
      t.clock.advance(20 * 60_000);
      const live = await loginAs(t, username, id);
      const ofUser = async () =>
        (await t.storage.db.selectFrom('user_sessions').select('id_hash').where('user_id', '=', id).execute())
          .length;
      expect(await ofUser()).toBe(2);
      expect(await sessionRetentionTask.purge(t.ctx, t.clock.now())).toBeGreaterThanOrEqual(0);
      expect(await ofUser()).toBe(2);
      t.clock.advance(11 * 60_000); // the first is idle 31 minutes, the second 11
      await sessionRetentionTask.purge(t.ctx, t.clock.now());
      expect(await ofUser()).toBe(1);
      expect((await asUser(t, live, 'GET', '/admin/v1/session')).statusCode).toBe(200);
      expect((await asUser(t, idle, 'GET', '/admin/v1/session')).statusCode).toBe(401);
      // Keep the live one busy past its 12-hour maximum age.
      for (let h = 0; h < 12 * 4; h++) {
        t.clock.advance(15 * 60_000);
        if (h < 12 * 4 - 1) await asUser(t, live, 'GET', '/admin/v1/session');
      }
      await sessionRetentionTask.purge(t.ctx, t.clock.now());
      expect(await ofUser()).toBe(0);
    });
  });
}
