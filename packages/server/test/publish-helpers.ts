/**
 * Helpers of the key publishing and key file suites: an app on a controllable clock with a device
 * API key, phones' keys relative to the clock, the whole authorization flow (case → code → token →
 * certificate) for a set of keys, and the publish body Google's API defines.
 */
import { randomBytes } from 'node:crypto';
import {
  calculateVerificationHmac,
  type VerificationExposureKey,
  verificationBase64Encode,
} from '@bluezone/protocol';
import type { App } from '../src/app.js';
import { type AppContext, createContext } from '../src/context.js';
import { createApiKey } from '../src/features/api-keys.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestApp, type Engine, TEST_SECRETS, testClock, testConfig } from './harness.js';

export const DAY_INTERVALS = 144;
export const INTERVAL_MS = 600_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** An app with lab and device API keys, a clock, and a context for jobs on the same storage. */
export interface PublishTestApp {
  readonly app: App;
  readonly storage: Storage;
  readonly ctx: AppContext;
  readonly clock: ReturnType<typeof testClock>;
  readonly keys: { readonly admin: string; readonly lab: string; readonly device: string };
  close(): Promise<void>;
}

/** An app on `engine` at 2020-08-08 09:00 UTC with `config` overrides (BLUEZONE_* variables). */
export async function createPublishTestApp(
  engine: Engine,
  config: Record<string, string> = {},
): Promise<PublishTestApp> {
  const clock = testClock();
  const { app, storage, close } = await createTestApp(engine, { now: clock.now, config });
  const admin = await createApiKey(storage.db, 'admin', 'portal', clock.now());
  const lab = await createApiKey(storage.db, 'lab', 'lab', clock.now());
  const device = await createApiKey(storage.db, 'device', 'app', clock.now());
  const ctx = createContext(testConfig(config), {
    storage,
    secrets: TEST_SECRETS,
    adminUnits: loadAdminUnits(),
    now: clock.now,
  });
  return { app, storage, ctx, clock, keys: { admin: admin.key, lab: lab.key, device: device.key }, close };
}

/** A phone's key as the HMAC and the export see it. */
export type TestKey = VerificationExposureKey & { readonly transmissionRiskLevel: number };

/** Start interval of the UTC day `daysAgo` days before the day of `now`. */
export function dayStart(now: number, daysAgo = 0): number {
  const today = Math.floor(now / INTERVAL_MS / DAY_INTERVALS) * DAY_INTERVALS;
  return today - daysAgo * DAY_INTERVALS;
}

/** Full-day keys of the given days before the day of `now` (default: the 13 days before). */
export function pastKeys(
  now: number,
  daysAgo: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
): TestKey[] {
  return daysAgo.map((d, i) => ({
    keyData: new Uint8Array(randomBytes(16)),
    rollingStartIntervalNumber: dayStart(now, d),
    rollingPeriod: DAY_INTERVALS,
    transmissionRiskLevel: i % 9,
  }));
}

/** One key with the given start and period. */
export function keyAt(rollingStartIntervalNumber: number, rollingPeriod = DAY_INTERVALS, risk = 0): TestKey {
  return {
    keyData: new Uint8Array(randomBytes(16)),
    rollingStartIntervalNumber,
    rollingPeriod,
    transmissionRiskLevel: risk,
  };
}

/** A case entered on 2020-08-08 (`testType` confirmed or likely, symptoms on 2020-08-04). */
export function caseBody(
  testType: 'confirmed' | 'likely' = 'confirmed',
  symptomDate: string | null = '2020-08-04',
) {
  return { provinceCode: '79', districtCode: '760', testType, symptomDate, testDate: '2020-08-07' };
}

function post(t: PublishTestApp, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: payload as Record<string, unknown>,
    remoteAddress: '198.51.100.9',
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** What the authorization flow gives a phone. */
export interface Certified {
  readonly caseId: string;
  readonly certificate: string;
  readonly hmacKey: Uint8Array;
}

/**
 * Runs the authorization flow for `keys`: enters a case (lab key), verifies its short code and
 * exchanges the token and the HMAC of `keys` for a certificate (device key).
 */
export async function certify(
  t: PublishTestApp,
  keys: readonly VerificationExposureKey[],
  body: Record<string, unknown> = caseBody(),
  hmacKey: Uint8Array = new Uint8Array(randomBytes(32)),
): Promise<Certified> {
  const created = await post(t, '/admin/v1/cases', body, { 'x-api-key': t.keys.lab });
  if (created.statusCode !== 201) throw new Error(`case: ${created.statusCode} ${created.body}`);
  const { caseId, shortCode } = created.json<{ caseId: string; shortCode: string }>();
  const verified = await post(t, '/api/verify', { code: shortCode }, { 'x-api-key': t.keys.device });
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`);
  const { token } = verified.json<{ token: string }>();
  const ekeyhmac = verificationBase64Encode(calculateVerificationHmac(keys, hmacKey));
  const cert = await post(t, '/api/certificate', { token, ekeyhmac }, { 'x-api-key': t.keys.device });
  if (cert.statusCode !== 200) throw new Error(`certificate: ${cert.statusCode} ${cert.body}`);
  return { caseId, certificate: cert.json<{ certificate: string }>().certificate, hmacKey };
}

/** The Google v1 publish body for `keys`. */
export function publishBody(
  keys: readonly TestKey[],
  certified: Pick<Certified, 'certificate' | 'hmacKey'>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    temporaryExposureKeys: keys.map((k) => ({
      key: verificationBase64Encode(k.keyData),
      rollingStartNumber: k.rollingStartIntervalNumber,
      rollingPeriod: k.rollingPeriod,
      transmissionRisk: k.transmissionRiskLevel,
    })),
    healthAuthorityID: 'vn-moh',
    verificationPayload: certified.certificate,
    hmacKey: verificationBase64Encode(certified.hmacKey),
    symptomOnsetInterval: 0,
    revisionToken: '',
    padding: randomBytes(64).toString('base64'),
    ...extra,
  };
}

/** POST /v1/publish. */
export function publish(t: PublishTestApp, body: unknown, headers: Record<string, string> = {}) {
  return post(t, '/v1/publish', body, headers);
}

/** Certifies and publishes `keys`; returns the response body and the flow's outcome. */
export async function certifyAndPublish(
  t: PublishTestApp,
  keys: readonly TestKey[],
  body: Record<string, unknown> = caseBody(),
): Promise<{ certified: Certified; response: { revisionToken: string; insertedExposures: number } }> {
  const certified = await certify(t, keys, body);
  const res = await publish(t, publishBody(keys, certified));
  if (res.statusCode !== 200) throw new Error(`publish: ${res.statusCode} ${res.body}`);
  return { certified, response: res.json() };
}

/** Number of rows of a table. */
export async function rows(
  storage: Storage,
  table: 'exposures' | 'export_batches' | 'export_files' | 'audit_log',
): Promise<number> {
  const row = await storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The stored row of a key. */
export async function storedKey(storage: Storage, keyData: Uint8Array) {
  return storage.db.selectFrom('exposures').selectAll().where('key_data', '=', keyData).executeTakeFirst();
}

/** Hex of key bytes, for comparing keys across engines and files. */
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
