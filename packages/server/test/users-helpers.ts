/**
 * Helpers of the users suites: users created directly, logins through the API, cookie-bearing
 * requests, and cases and contacts in two provinces (79 Hồ Chí Minh, 01 Hà Nội).
 */
import type { UserRole } from '../src/auth.js';
import { createUser } from '../src/features/users/users.service.js';
import { newId } from '../src/ids.js';
import type { ContactsTestApp } from './contacts-helpers.js';

/** Password of every test user. */
export const PASSWORD = 'correct horse battery staple';

/** A logged-in user: its cookie header and CSRF token. */
export interface LoggedIn {
  readonly id: string;
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

/** Creates a user of `role` (province `province` unless national) and returns its id. */
export async function addUser(
  t: ContactsTestApp,
  role: UserRole,
  province: string | null,
  username = `${role.replace('_', '')}${newId().slice(0, 8)}`,
): Promise<{ id: string; username: string }> {
  const { user } = await createUser(
    t.ctx,
    'test',
    { username, role, provinceCode: province, password: PASSWORD },
    t.clock.now(),
  );
  return { id: user.id, username };
}

/** Logs `username` in; throws unless 200. */
export async function loginAs(t: ContactsTestApp, username: string, id = ''): Promise<LoggedIn> {
  const r = await t.app.inject({
    method: 'POST',
    url: '/admin/v1/session',
    payload: { username, password: PASSWORD },
  });
  if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
  const setCookie = String(r.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
  return { id, cookie, csrf: (r.json() as { csrfToken: string }).csrfToken, setCookie };
}

/** Creates a user and logs it in. */
export async function userSession(
  t: ContactsTestApp,
  role: UserRole,
  province: string | null,
): Promise<LoggedIn> {
  const { id, username } = await addUser(t, role, province);
  return loginAs(t, username, id);
}

/** A request with the session cookie (and the CSRF token unless `csrf` is given). */
export function asUser(
  t: ContactsTestApp,
  who: LoggedIn,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  csrf: string | null = who.csrf,
) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: who.cookie, ...(csrf === null ? {} : { 'x-csrf-token': csrf }) },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** Enters a case in `province` with an admin key; returns its id. */
export async function addCase(t: ContactsTestApp, province: '79' | '01'): Promise<string> {
  const r = await t.app.inject({
    method: 'POST',
    url: '/admin/v1/cases',
    headers: { 'x-api-key': t.keys.admin },
    payload: {
      provinceCode: province,
      districtCode: province === '79' ? '760' : '001',
      testType: 'confirmed',
      testDate: '2020-08-07',
    },
  });
  if (r.statusCode !== 201) throw new Error(`case: ${r.statusCode} ${r.body}`);
  return (r.json() as { caseId: string }).caseId;
}

/** An F1 contact on case `caseId` (no phone), written directly. */
export async function addContact(t: ContactsTestApp, caseId: string): Promise<string> {
  const id = newId('con_');
  const now = t.clock.now();
  await t.storage.db
    .insertInto('contacts')
    .values({
      id,
      case_id: caseId,
      level: 'F1',
      phone_id: null,
      exposure_days: JSON.stringify(['2020-08-05']),
      max_risk_level: 2,
      status: 'reported',
      matched_keys: 1,
      report_count: 1,
      reported_at: now,
      updated_at: now,
      last_report_id: null,
      purged_at: null,
    })
    .execute();
  return id;
}
