/**
 * Users and sessions: login and logout, lock-out without enumeration, CSRF, idle and absolute
 * expiry, password change, the users API, audit entries, and no secrets in the logs.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from '../src/features/users/passwords.js';
import { type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { addUser, asUser, loginAs, PASSWORD, userSession } from './users-helpers.js';

const MINUTE = 60_000;

describe('argon2id passwords', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('a long enough password');
    const b = await hashPassword('a long enough password');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('a long enough password', a)).toBe(true);
    expect(await verifyPassword('a long enough passwore', a)).toBe(false);
    expect(await verifyPassword('a long enough password', 'not a hash')).toBe(false);
  });

  it('accepts 12 to 256 characters without the username (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 300 }), (pw) => {
        const length = [...pw].length;
        const ok = passwordProblem(pw, 'zzzuser') === undefined;
        expect(ok).toBe(length >= 12 && length <= 256 && !pw.toLowerCase().includes('zzzuser'));
      }),
    );
  });
});

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`users and sessions (${engine})`, () => {
    let t: ContactsTestApp;
    beforeEach(async () => {
      t = await createContactsTestApp(engine, {
        BLUEZONE_SESSION_IDLE_MINUTES: '30',
        BLUEZONE_SESSION_MAX_HOURS: '2',
      });
    });
    afterEach(async () => t.close());

    it('logs in with an HttpOnly Secure SameSite=Strict cookie, answers who am I, logs out', async () => {
      const me = await userSession(t, 'health_officer', '79');
      expect(me.setCookie).toMatch(
        /^bz_session=[A-Za-z0-9_-]{43}; Path=\/admin\/v1; Max-Age=7200; HttpOnly; Secure; SameSite=Strict$/,
      );
      const who = await asUser(t, me, 'GET', '/admin/v1/session');
      expect(who.statusCode).toBe(200);
      expect(who.json()).toMatchObject({
        user: { role: 'health_officer', provinceCode: '79' },
        csrfToken: me.csrf,
      });
      expect(JSON.stringify(who.json())).not.toContain('argon2');
      const out = await asUser(t, me, 'DELETE', '/admin/v1/session');
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^bz_session=; .*Max-Age=0/);
      expect((await asUser(t, me, 'GET', '/admin/v1/session')).statusCode).toBe(401);
      const actions = (await t.storage.db.selectFrom('audit_log').select(['actor', 'action']).execute())
        .filter((a) => a.actor === `user:${me.id}`)
        .map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['user.login', 'user.logout']));
    });

    it('omits Secure when BLUEZONE_COOKIE_SECURE=false', async () => {
      const plain = await createContactsTestApp(engine, { BLUEZONE_COOKIE_SECURE: 'false' });
      try {
        const me = await userSession(plain, 'viewer', '79');
        expect(me.setCookie).not.toContain('Secure');
        expect(me.setCookie).toContain('HttpOnly');
      } finally {
        await plain.close();
      }
    });

    it('answers unknown users and wrong passwords alike, and locks after 5 failures for 15 minutes', async () => {
      const { username } = await addUser(t, 'viewer', '79');
      const attempt = (name: string, password: string) =>
        t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { username: name, password } });
      for (let i = 0; i < 5; i++) {
        const wrong = await attempt(username, 'wrong password!!');
        const unknown = await attempt(`nobody${engine}`, 'wrong password!!');
        expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
        expect(wrong.json()).toEqual(unknown.json());
        expect(wrong.json()).toMatchObject({ error: { code: 'login_failed' } });
      }
      const locked = await attempt(username, PASSWORD);
      const lockedUnknown = await attempt(`nobody${engine}`, PASSWORD);
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toEqual(lockedUnknown.json());
      expect(locked.json()).toMatchObject({ error: { code: 'account_locked' } });
      expect(Number(locked.headers['retry-after'])).toBe(900);
      t.clock.advance(15 * MINUTE);
      expect((await attempt(username, PASSWORD)).statusCode).toBe(200);
      const failures = await t.storage.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'user.login.failure')
        .execute();
      expect(failures.length).toBeGreaterThanOrEqual(11);
      expect(JSON.stringify(failures)).not.toContain('wrong password');
    });

    it('rejects a change without, with a wrong, or with another session’s CSRF token; API keys need none', async () => {
      const me = await userSession(t, 'national_admin', null);
      const other = await userSession(t, 'national_admin', null);
      const body = { kind: 'news', title: { vi: 'Tin', en: 'News' }, body: { vi: 'Nội dung', en: 'Text' } };
      for (const csrf of [null, 'x'.repeat(43), other.csrf]) {
        const r = await asUser(t, me, 'POST', '/admin/v1/inbox', body, csrf);
        expect(r.statusCode).toBe(403);
        expect(r.json()).toMatchObject({ error: { code: 'csrf_invalid' } });
      }
      expect((await asUser(t, me, 'DELETE', '/admin/v1/session', undefined, null)).statusCode).toBe(403);
      expect((await asUser(t, me, 'POST', '/admin/v1/inbox', body)).statusCode).toBe(201);
      const key = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/inbox',
        headers: { 'x-api-key': t.keys.admin },
        payload: body,
      });
      expect(key.statusCode).toBe(201);
      expect((await asUser(t, me, 'GET', '/admin/v1/cases', undefined, null)).statusCode).toBe(200);
    });

    it('ends a session idle for 30 minutes, and any session 2 hours after login', async () => {
      const me = await userSession(t, 'viewer', '79');
      t.clock.advance(29 * MINUTE);
      expect((await asUser(t, me, 'GET', '/admin/v1/cases')).statusCode).toBe(200);
      t.clock.advance(29 * MINUTE);
      expect((await asUser(t, me, 'GET', '/admin/v1/cases')).statusCode).toBe(200);
      t.clock.advance(30 * MINUTE);
      const idle = await asUser(t, me, 'GET', '/admin/v1/cases');
      expect(idle.statusCode).toBe(401);
      expect(idle.json()).toMatchObject({ error: { code: 'session_expired' } });

      const active = await userSession(t, 'viewer', '79');
      for (let i = 0; i < 4; i++) {
        t.clock.advance(25 * MINUTE);
        expect((await asUser(t, active, 'GET', '/admin/v1/session')).statusCode).toBe(200);
      }
      t.clock.advance(25 * MINUTE);
      const old = await asUser(t, active, 'GET', '/admin/v1/session');
      expect(old.statusCode).toBe(401);
      expect(old.json()).toMatchObject({ error: { code: 'session_expired' } });
    });

    it('changes the own password: checks the present one and the rules, ends other sessions', async () => {
      const { id, username } = await addUser(t, 'health_officer', '79');
      const me = await loginAs(t, username, id);
      const elsewhere = await loginAs(t, username, id);
      const change = (currentPassword: string, newPassword: string) =>
        asUser(t, me, 'POST', '/admin/v1/session/password', { currentPassword, newPassword });
      expect((await change('not my password', 'a brand new passphrase')).json()).toMatchObject({
        error: { code: 'login_failed' },
      });
      expect((await change(PASSWORD, 'short')).json()).toMatchObject({
        error: { code: 'password_too_weak' },
      });
      expect((await change(PASSWORD, 'a brand new passphrase')).statusCode).toBe(204);
      expect((await asUser(t, me, 'GET', '/admin/v1/session')).statusCode).toBe(200);
      expect((await asUser(t, elsewhere, 'GET', '/admin/v1/session')).statusCode).toBe(401);
      const relogin = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { username, password: 'a brand new passphrase' },
      });
      expect(relogin.statusCode).toBe(200);
      const audit = await t.storage.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'user.password.change')
        .execute();
      expect(audit.map((a) => a.actor)).toEqual([`user:${id}`]);
    });

    it('creates, resets and disables users; province admins only in their province', async () => {
      const national = await userSession(t, 'national_admin', null);
      const hcm = await userSession(t, 'province_admin', '79');
      const created = await asUser(t, hcm, 'POST', '/admin/v1/users', {
        username: 'officer.hcm',
        role: 'health_officer',
      });
      expect(created.statusCode).toBe(201);
      const { user, password } = created.json() as {
        user: { id: string; provinceCode: string };
        password: string;
      };
      expect(user.provinceCode).toBe('79');
      expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(
        (
          await asUser(t, hcm, 'POST', '/admin/v1/users', {
            username: 'x.hn',
            role: 'viewer',
            provinceCode: '01',
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (await asUser(t, hcm, 'POST', '/admin/v1/users', { username: 'x.nat', role: 'national_admin' }))
          .statusCode,
      ).toBe(403);
      const hn = await asUser(t, national, 'POST', '/admin/v1/users', {
        username: 'officer.hn',
        role: 'health_officer',
        provinceCode: '01',
      });
      const hnId = (hn.json() as { user: { id: string } }).user.id;
      expect(
        (
          await asUser(t, national, 'POST', '/admin/v1/users', {
            username: 'officer.hn',
            role: 'viewer',
            provinceCode: '01',
          })
        ).statusCode,
      ).toBe(409);
      const listed = (await asUser(t, hcm, 'GET', '/admin/v1/users')).json() as {
        users: { provinceCode: string | null }[];
      };
      expect(listed.users.every((u) => u.provinceCode === '79')).toBe(true);
      expect((await asUser(t, hcm, 'POST', `/admin/v1/users/${hnId}/reset-password`)).statusCode).toBe(404);
      expect((await asUser(t, hcm, 'POST', `/admin/v1/users/${hnId}/disable`)).statusCode).toBe(404);
      const officer = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { username: 'officer.hcm', password },
      });
      const officerCookie = String(officer.headers['set-cookie']).split(';')[0]!;
      const reset = await asUser(t, hcm, 'POST', `/admin/v1/users/${user.id}/reset-password`);
      expect(reset.statusCode).toBe(200);
      expect(
        (await t.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: officerCookie } }))
          .statusCode,
      ).toBe(401);
      expect((await asUser(t, hcm, 'POST', `/admin/v1/users/${user.id}/disable`)).json()).toMatchObject({
        user: { disabled: true },
      });
      const disabledLogin = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { username: 'officer.hcm', password: (reset.json() as { password: string }).password },
      });
      expect(disabledLogin.json()).toMatchObject({ error: { code: 'login_failed' } });
      const officerActor = await asUser(
        t,
        await userSession(t, 'health_officer', '79'),
        'GET',
        '/admin/v1/users',
      );
      expect(officerActor.statusCode).toBe(403);
      const actions = (await t.storage.db.selectFrom('audit_log').select('action').execute()).map(
        (a) => a.action,
      );
      expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.password.reset', 'user.disable']));
    });

    it('writes no password, session ID or CSRF token to the logs', async () => {
      const me = await userSession(t, 'national_admin', null);
      await asUser(t, me, 'GET', '/admin/v1/cases');
      await asUser(t, me, 'POST', '/admin/v1/session/password', {
        currentPassword: PASSWORD,
        newPassword: 'another long passphrase',
      });
      await t.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { username: 'nobody', password: 'secret wrong pw' },
      });
      const logs = t.logs.join('\n');
      expect(t.logs.length).toBeGreaterThan(0);
      for (const secret of [
        PASSWORD,
        'another long passphrase',
        'secret wrong pw',
        me.cookie.split('=')[1]!,
        me.csrf,
      ])
        expect(logs).not.toContain(secret);
    });
  });
}
