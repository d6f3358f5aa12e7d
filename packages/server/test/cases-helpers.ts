/**
 * Helpers of the case and verification API suites: an app on a controllable clock with one API
 * key per role, and small request helpers.
 */
import { randomBytes } from 'node:crypto';
import {
  calculateVerificationHmac,
  type VerificationExposureKey,
  verificationBase64Encode,
} from '@bluezone/protocol';
import type { App } from '../src/app.js';
import type { AppContext } from '../src/context.js';
import { createContext } from '../src/context.js';
import { createApiKey } from '../src/features/api-keys.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestApp, type Engine, TEST_SECRETS, testClock, testConfig } from './harness.js';

/** A test app with API keys of every role and a clock it reads. */
export interface CaseTestApp {
  readonly app: App;
  readonly storage: Storage;
  readonly ctx: AppContext;
  readonly clock: ReturnType<typeof testClock>;
  readonly keys: {
    readonly admin: string;
    readonly lab: string;
    readonly device: string;
    readonly deviceId: string;
  };
  close(): Promise<void>;
}

/** An app on `engine` at 2020-08-08 09:00 UTC (16:00 in Vietnam). */
export async function createCaseTestApp(engine: Engine): Promise<CaseTestApp> {
  const clock = testClock();
  const { app, storage, close } = await createTestApp(engine, { now: clock.now });
  const admin = await createApiKey(storage.db, 'admin', 'portal', clock.now());
  const lab = await createApiKey(storage.db, 'lab', 'lab', clock.now());
  const device = await createApiKey(storage.db, 'device', 'app', clock.now());
  const ctx = createContext(testConfig(), {
    storage,
    secrets: TEST_SECRETS,
    adminUnits: loadAdminUnits(),
    now: clock.now,
  });
  return {
    app,
    storage,
    ctx,
    clock,
    keys: { admin: admin.key, lab: lab.key, device: device.key, deviceId: device.id },
    close,
  };
}

/** A valid case body: confirmed, tested the day before the clock's day, symptoms 3 days before. */
export const validCase = {
  provinceCode: '79',
  districtCode: '760',
  testType: 'confirmed',
  symptomDate: '2020-08-04',
  testDate: '2020-08-07',
} as const;

/** The body of a code issue. */
export interface Issued {
  caseId: string;
  shortCode: string;
  longCode: string;
  expiresAt: string;
  longExpiresAt: string;
}

/** POST with a JSON body (or raw string) and an optional API key. */
export function post(
  t: CaseTestApp,
  url: string,
  payload: unknown,
  key?: string,
  options: { remoteAddress?: string; headers?: Record<string, string> } = {},
) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: payload as string,
    remoteAddress: options.remoteAddress ?? '203.0.113.7',
    headers: {
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'x-api-key': key }),
      ...options.headers,
    },
  });
}

/** GET with an optional API key. */
export function get(t: CaseTestApp, url: string, key?: string) {
  return t.app.inject({
    method: 'GET',
    url,
    headers: key === undefined ? {} : { 'x-api-key': key },
  });
}

/** Creates a case through the admin API (lab key) and returns its codes. */
export async function createCaseViaApi(
  t: CaseTestApp,
  body: Record<string, unknown> = validCase,
): Promise<Issued> {
  const res = await post(t, '/admin/v1/cases', body, t.keys.lab);
  if (res.statusCode !== 201) throw new Error(`case creation failed: ${res.statusCode} ${res.body}`);
  return res.json<Issued>();
}

/** Verifies a code from a given client address. */
export function verify(t: CaseTestApp, code: string, accept?: string[] | null, remoteAddress?: string) {
  return post(
    t,
    '/api/verify',
    { code, ...(accept === undefined ? {} : { accept }), padding: randomBytes(12).toString('base64') },
    t.keys.device,
    remoteAddress === undefined ? {} : { remoteAddress },
  );
}

/** Fresh exposure keys and an hmackey, with the ekeyhmac a phone would send. */
export function phoneUpload(count = 3): {
  keys: VerificationExposureKey[];
  hmacKey: Uint8Array;
  ekeyhmac: string;
} {
  const keys = Array.from({ length: count }, (_, i) => ({
    keyData: new Uint8Array(randomBytes(16)),
    rollingStartIntervalNumber: 2_658_528 + i * 144,
    rollingPeriod: 144,
    transmissionRiskLevel: i % 4,
  }));
  const hmacKey = new Uint8Array(randomBytes(32));
  return { keys, hmacKey, ekeyhmac: verificationBase64Encode(calculateVerificationHmac(keys, hmacKey)) };
}

/** Number of rows of a table. */
export async function countRows(
  storage: Storage,
  table: 'cases' | 'verification_codes' | 'verification_tokens' | 'verification_failures' | 'audit_log',
): Promise<number> {
  const row = await storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
