/**
 * Helpers of the contact-tracing suites: an app on a controllable clock with API keys of every
 * role, memory SMS and captured log lines; phones with verified numbers; F0 and recursive cases
 * whose keys are really published (through /api/verify, /api/certificate and /v1/publish); and
 * exposure reports naming those keys by hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  calculateVerificationHmac,
  type VerificationExposureKey,
  verificationBase64Encode,
} from '@bluezone/protocol';
import { buildApp } from '../src/app.js';
import { createContext } from '../src/context.js';
import { createApiKey } from '../src/features/api-keys.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestStorage, type Engine, TEST_SECRETS, testClock, testConfig } from './harness.js';
import { type Device, e164, lastCode, newDevice, switchableSms, uniqueNumber } from './phones-helpers.js';
import {
  caseBody,
  certifyAndPublish,
  type PublishTestApp,
  pastKeys,
  publish,
  publishBody,
  type TestKey,
} from './publish-helpers.js';

/** A contact-tracing test app: what the publish helpers need, plus SMS, logs and key IDs. */
export interface ContactsTestApp extends PublishTestApp {
  readonly sms: ReturnType<typeof switchableSms>;
  /** Every log line the app wrote (JSON). */
  readonly logs: string[];
  readonly keyIds: { readonly admin: string; readonly lab: string };
}

/** An app on `engine` at 2020-08-08 09:00 UTC, logging at `info` into {@link ContactsTestApp.logs}. */
export async function createContactsTestApp(
  engine: Engine,
  config: Record<string, string> = {},
): Promise<ContactsTestApp> {
  const { storage, destroy } = await createTestStorage(engine);
  const clock = testClock();
  const sms = switchableSms();
  const logs: string[] = [];
  const overrides = { BLUEZONE_LOG_LEVEL: 'info', ...config };
  const app = await buildApp(
    testConfig(overrides),
    { storage, secrets: TEST_SECRETS, adminUnits: loadAdminUnits(), now: clock.now, sms: sms.sender },
    { logStream: { write: (line) => void logs.push(line) } },
  );
  await app.ready();
  const admin = await createApiKey(storage.db, 'admin', 'portal', clock.now());
  const lab = await createApiKey(storage.db, 'lab', 'lab', clock.now());
  const device = await createApiKey(storage.db, 'device', 'app', clock.now());
  const ctx = createContext(testConfig(overrides), {
    storage,
    secrets: TEST_SECRETS,
    adminUnits: loadAdminUnits(),
    now: clock.now,
    sms: sms.sender,
  });
  return {
    app,
    storage,
    ctx,
    clock,
    sms,
    logs,
    keys: { admin: admin.key, lab: lab.key, device: device.key },
    keyIds: { admin: admin.id, lab: lab.id },
    close: async () => {
      await app.close();
      await destroy();
    },
  };
}

/** A phone with a verified number. */
export interface Phone extends Device {
  /** E.164. */
  readonly number: string;
  /** National form, as the user typed it. */
  readonly national: string;
  report(body: unknown, headers?: Record<string, string>): ReturnType<Device['otp']>;
}

/** Registers an install and verifies a number for it (a fresh one unless `national` is given). */
export async function verifiedPhone(t: ContactsTestApp, national: string = uniqueNumber()): Promise<Phone> {
  const device = await newDevice(t.app);
  const otp = await device.otp({ phoneNumber: national });
  if (otp.statusCode !== 200) throw new Error(`otp: ${otp.statusCode} ${otp.body}`);
  const verified = await device.verify({ phoneNumber: national, code: lastCode(t.sms, national) });
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`);
  return { ...device, number: e164(national), national, report: reporter(t, device.token) };
}

/** A registered install without a phone number. */
export async function unverifiedPhone(t: ContactsTestApp): Promise<Device & { report: Phone['report'] }> {
  const device = await newDevice(t.app);
  return { ...device, report: reporter(t, device.token) };
}

function reporter(t: ContactsTestApp, token: string): Phone['report'] {
  return (body, headers = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/exposure-reports',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
}

/** Standard base64 of SHA-256 of a key's bytes: how a phone names a matched key. */
export const keyHash = (keyData: Uint8Array): string => createHash('sha256').update(keyData).digest('base64');

/** A report body for `keys` on the given days (default the day before the clock's day). */
export function reportBody(
  keys: readonly TestKey[],
  days: readonly string[] = ['2020-08-07'],
  maxRiskLevel = 2,
): { exposureDays: string[]; maxRiskLevel: number; matchedKeys: string[] } {
  return { exposureDays: [...days], maxRiskLevel, matchedKeys: keys.map((k) => keyHash(k.keyData)) };
}

/** An F0 case (confirmed unless `testType` says likely) whose keys of the 13 past days are published. */
export async function publishedF0(
  t: ContactsTestApp,
  testType: 'confirmed' | 'likely' = 'confirmed',
): Promise<{ caseId: string; keys: TestKey[] }> {
  const keys = pastKeys(t.clock.now(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  const { certified } = await certifyAndPublish(t, keys, caseBody(testType));
  return { caseId: certified.caseId, keys };
}

/** A request with an API key (admin unless `key` says otherwise). */
export function adminRequest(
  t: ContactsTestApp,
  method: 'GET' | 'POST',
  url: string,
  options: { key?: string | undefined; body?: unknown } = {},
) {
  const key = 'key' in options ? options.key : t.keys.admin;
  return t.app.inject({
    method,
    url,
    headers: {
      ...(key === undefined ? {} : { 'x-api-key': key }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

/** The contacts of a case as the admin API lists them. */
export interface ContactJson {
  id: string;
  caseId: string;
  level: 'F1' | 'F2';
  status: string;
  exposureDays: string[] | null;
  maxRiskLevel: number | null;
  matchedKeys: number;
  reportCount: number;
  reportedAt: string;
  updatedAt: string;
  recursiveCaseId: string | null;
  purgedAt: string | null;
  phoneNumber?: string | null;
}

/** Every contact of `caseId` (one page of up to 1000). */
export async function contactsOf(t: ContactsTestApp, caseId: string, reveal = false): Promise<ContactJson[]> {
  const res = await adminRequest(
    t,
    'GET',
    `/admin/v1/cases/${caseId}/contacts?limit=1000${reveal ? '&reveal=phone' : ''}`,
  );
  if (res.statusCode !== 200) throw new Error(`contacts: ${res.statusCode} ${res.body}`);
  return res.json<{ contacts: ContactJson[] }>().contacts;
}

/** The codes of a recursive case. */
export interface RecursiveIssued {
  caseId: string;
  shortCode: string;
  longCode: string;
  expiresAt: string;
  longExpiresAt: string;
  parentCaseId: string;
  contactId: string;
}

/** Makes contact `contactId` a recursive case (admin key unless `key` is given). */
export async function makeRecursiveCase(
  t: ContactsTestApp,
  contactId: string,
  body?: Record<string, unknown>,
  key: string = t.keys.admin,
): Promise<RecursiveIssued> {
  const res = await adminRequest(t, 'POST', `/admin/v1/contacts/${contactId}/recursive-case`, { key, body });
  if (res.statusCode !== 201) throw new Error(`recursive case: ${res.statusCode} ${res.body}`);
  return res.json<RecursiveIssued>();
}

function devicePost(t: ContactsTestApp, url: string, body: unknown) {
  return t.app.inject({
    method: 'POST',
    url,
    remoteAddress: '198.51.100.77',
    headers: { 'content-type': 'application/json', 'x-api-key': t.keys.device },
    payload: JSON.stringify(body),
  });
}

/**
 * What the F1's phone does with the recursive case's code: verify it (accepting `recursive`),
 * exchange the token for a certificate of its keys, publish them. Returns the keys and the
 * verify answer.
 */
export async function publishRecursive(
  t: ContactsTestApp,
  issued: Pick<RecursiveIssued, 'longCode'>,
  keys: readonly TestKey[] = pastKeys(t.clock.now(), [1, 2, 3, 4, 5]),
): Promise<{ keys: readonly TestKey[]; testtype: string; certificate: string; revisionToken: string }> {
  const verified = await devicePost(t, '/api/verify', {
    code: issued.longCode,
    accept: ['confirmed', 'recursive'],
  });
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`);
  const { token, testtype } = verified.json<{ token: string; testtype: string }>();
  const hmacKey = new Uint8Array(randomBytes(32));
  const ekeyhmac = verificationBase64Encode(
    calculateVerificationHmac(keys as readonly VerificationExposureKey[], hmacKey),
  );
  const cert = await devicePost(t, '/api/certificate', { token, ekeyhmac });
  if (cert.statusCode !== 200) throw new Error(`certificate: ${cert.statusCode} ${cert.body}`);
  const { certificate } = cert.json<{ certificate: string }>();
  const published = await publish(t, publishBody(keys, { certificate, hmacKey }));
  if (published.statusCode !== 200) throw new Error(`publish: ${published.statusCode} ${published.body}`);
  return {
    keys,
    testtype,
    certificate,
    revisionToken: published.json<{ revisionToken: string }>().revisionToken,
  };
}

/** Row count of a table. */
export async function count(
  storage: Storage,
  table: 'contacts' | 'audit_log' | 'legacy_matches' | 'cases' | 'rate_limits',
): Promise<number> {
  const row = await storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The audit entries with `action`, oldest first. */
export async function auditEntries(storage: Storage, action: string) {
  return storage.db
    .selectFrom('audit_log')
    .select(['actor', 'action', 'subject', 'details', 'at'])
    .where('action', '=', action)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
