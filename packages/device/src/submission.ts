/**
 * The key upload of a diagnosed user (F0), or of a contact (F1) the authority asks to publish
 * recursively: verification code → token → certificate → publish, compatible with Google's
 * Exposure Notifications verification and key servers (docs/verification.md, docs/api.md).
 *
 * 1. **Consent.** {@link submitDiagnosis} takes an {@link UploadConsent} first: it cannot be
 *    called without one (type level), a forged or expired one is refused (run time), and one
 *    that completed an upload cannot start another (`consent_used`).
 * 2. **Verify.** `POST /api/verify {code, accept, padding}` (`X-API-Key`) → `{testtype,
 *    symptomDate?, testDate?, token}`. Test types `confirmed`, `likely` and `recursive` are
 *    uploaded; anything else is `unsupported_test_type`.
 * 3. **Keys.** From the dates the answer gives — the symptom date, else the test date — the SDK
 *    picks its own keys of the days from `daysBeforeOnset` (default 5: the first day the default
 *    infectiousness mapping counts) before that date, within the last 14 UTC days. Today's key is
 *    included (`includeCurrentDayKey`, default true) because the key server embargoes a key
 *    until its day has ended (docs/export-files.md §3, "Embargo"): nobody can follow the phone
 *    with the rest of today's identifiers. Set it to false for a server without the embargo.
 * 4. **Certificate.** A fresh random 32-byte `hmacKey`; `POST /api/certificate {token, ekeyhmac
 *    = base64 HMAC-SHA256(hmacKey, keys' canonical form), padding}` → `{certificate}`.
 * 5. **Publish.** `POST /v1/publish {temporaryExposureKeys, healthAuthorityID,
 *    verificationPayload: certificate, hmacKey, revisionToken?, padding}` → `{revisionToken,
 *    insertedExposures}`. The key server stores a repeated key once, so the client retries it
 *    safely; the revision token of the last upload is sent along, so that a `likely` case
 *    confirmed later can revise its keys.
 *
 * **Resumable.** The state after each step (token, chosen keys, hmacKey, certificate) is stored
 * before the next request, keyed by a hash of the code. If the app dies or the network drops,
 * calling {@link submitDiagnosis} again with the same code (and a fresh consent) continues where
 * it stopped instead of spending the single-use code again. Padding makes the requests of a real
 * upload as variable in size as chaff.
 *
 * @module
 */
import {
  calculateVerificationHmac,
  generateVerificationHmacKey,
  TEK_ROLLING_PERIOD,
  verificationBase64Decode,
  verificationBase64Encode,
} from '@bluezone/protocol';
import { adoptedConfig, refreshConfig } from './config-sync.js';
import { UploadConsent } from './consent.js';
import type { DeviceContext } from './context.js';
import { DeviceError } from './errors.js';
import { randomPadding } from './runtime.js';
import { putSetting, settingMutation } from './store.js';

const DAY_MS = 86_400_000;
const INTERVAL_MS = 600_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A pending upload older than this is discarded (tokens live 24 hours). */
const PENDING_MAX_AGE_MS = 24 * 3_600_000;

/** Test types the SDK uploads keys for. */
export const UPLOADABLE_TEST_TYPES = ['confirmed', 'likely', 'recursive'] as const;

/** What the user entered. */
export interface DiagnosisRequest {
  /** The short (8-digit) or long (16-character) verification code. */
  readonly code: string;
}

/** Options of the upload (set once, on the SDK). */
export interface SubmissionOptions {
  /**
   * Test types sent as `accept` (default `['confirmed', 'likely']`). Add `recursive` once the
   * verification server issues codes for recursive (F1) uploads.
   */
  readonly acceptTestTypes?: readonly string[];
  /** Days before the symptom (or test) date whose keys are uploaded, 0–14 (default 5). */
  readonly daysBeforeOnset?: number;
  /** Upload today's key, relying on the server's embargo (default true). */
  readonly includeCurrentDayKey?: boolean;
}

/** A key upload in progress, as stored (secrets included: the store must be protected). */
export interface PendingSubmission {
  /** Standard base64 of SHA-256 of the normalised code (not the code). */
  readonly codeHash: string;
  readonly stage: 'verified' | 'certified';
  readonly createdAt: number;
  readonly testType: string;
  readonly symptomDate: string | null;
  readonly testDate: string | null;
  /** The verification token until it is exchanged, then ''. */
  readonly token: string;
  readonly keys: readonly {
    readonly keyData: string;
    readonly rollingStartIntervalNumber: number;
    readonly rollingPeriod: number;
  }[];
  /** Standard base64 of the hmacKey. */
  readonly hmacKey: string;
  readonly certificate: string | null;
}

/** A completed upload. */
export interface SubmissionRecord {
  readonly at: number;
  readonly testType: string;
  readonly keysUploaded: number;
  readonly insertedExposures: number;
  readonly revisionToken: string;
  /** First and last UTC day of the uploaded keys, `YYYY-MM-DD`. */
  readonly firstDay: string;
  readonly lastDay: string;
}

/** The outcome of an upload. */
export interface SubmissionResult extends SubmissionRecord {
  /** Keys the key server dropped, and why (Google's `partial_failure`), else null. */
  readonly partialFailure: string | null;
  readonly warnings: readonly string[];
}

const usedConsents = new WeakSet<UploadConsent>();

function normalizeCode(code: string): string {
  if (typeof code !== 'string')
    throw new DeviceError('invalid_argument', 'the verification code must be a string');
  const normalized = code.replace(/[\s-]/g, '').toUpperCase();
  if (normalized.length === 0 || normalized.length > 64) {
    throw new DeviceError('invalid_argument', 'enter the verification code the health authority gave');
  }
  return normalized;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function optionalDate(value: unknown): string | null {
  return typeof value === 'string' && DATE.test(value) && Number.isFinite(Date.parse(`${value}T00:00:00Z`))
    ? value
    : null;
}

/** Maps a refusal of the verification API to `verification_failed`; other errors pass. */
function verificationError(error: unknown, step: string): unknown {
  if (error instanceof DeviceError && error.status !== undefined && error.status < 500) {
    return new DeviceError('verification_failed', `${step}: ${error.message}`, {
      status: error.status,
      ...(error.serverCode === undefined ? {} : { serverCode: error.serverCode }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      cause: error,
    });
  }
  return error;
}

/**
 * Uploads the user's keys with their consent (see the module comment).
 *
 * @throws {DeviceError} `consent_invalid`, `consent_expired`, `consent_used`, `invalid_argument`
 *   (no code), `config_unavailable`, `no_keys`, `verification_failed` (with the server's
 *   `serverCode`: `code_invalid`, `code_expired`, `code_not_found`, `unsupported_test_type`,
 *   `code_attempts_exceeded`, `token_invalid`, `token_expired`, …), `unsupported_test_type`,
 *   `publish_failed` (with the key server's `serverCode`), and the HTTP client's errors — after
 *   which calling again with the same code resumes.
 */
export async function submitDiagnosis(
  ctx: DeviceContext,
  consent: UploadConsent,
  request: DiagnosisRequest,
  options: SubmissionOptions = {},
): Promise<SubmissionResult> {
  const startedAt = ctx.clock.now();
  UploadConsent.check(consent, startedAt);
  if (usedConsents.has(consent)) {
    throw new DeviceError('consent_used', 'this consent already completed an upload; ask the user again');
  }
  const code = normalizeCode(request?.code);
  const codeHash = verificationBase64Encode(ctx.crypto.sha256(new TextEncoder().encode(code)));
  const config = (await adoptedConfig(ctx)) ?? (await refreshConfig(ctx).catch(() => undefined))?.config;
  if (!config)
    throw new DeviceError('config_unavailable', 'the device configuration is needed to upload keys');

  let pending = await ctx.store.getSetting('pendingSubmission');
  if (pending && (pending.codeHash !== codeHash || startedAt - pending.createdAt > PENDING_MAX_AGE_MS)) {
    pending = undefined;
    await ctx.store.apply([{ type: 'deleteSetting', name: 'pendingSubmission' }]);
  }
  if (!pending) pending = await verifyAndChooseKeys(ctx, code, codeHash, options);
  if (pending.stage === 'verified') pending = await certify(ctx, pending);
  const result = await publish(ctx, pending, config.healthAuthorityId);
  usedConsents.add(consent);
  return result;
}

async function verifyAndChooseKeys(
  ctx: DeviceContext,
  code: string,
  codeHash: string,
  options: SubmissionOptions,
): Promise<PendingSubmission> {
  const allKeys = await ctx.store.listKeys();
  if (allKeys.length === 0)
    throw new DeviceError('no_keys', 'this phone has no keys yet: there is nothing to upload');
  const accept = options.acceptTestTypes ?? ['confirmed', 'likely'];
  let answer: unknown;
  try {
    ({ body: answer } = await ctx.http.request({
      method: 'POST',
      path: '/api/verify',
      expect: 'json',
      headers: { 'x-api-key': ctx.apiKey },
      json: { code, accept, padding: randomPadding(ctx.random) },
    }));
  } catch (error) {
    throw verificationError(error, 'verifying the code');
  }
  const a = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const { token, testtype } = a;
  if (
    typeof token !== 'string' ||
    token.length === 0 ||
    token.length > 1024 ||
    typeof testtype !== 'string'
  ) {
    throw new DeviceError('invalid_response', 'POST /api/verify: the answer has no token or testtype');
  }
  if (!(UPLOADABLE_TEST_TYPES as readonly string[]).includes(testtype)) {
    throw new DeviceError(
      'unsupported_test_type',
      `the code is for a "${testtype.slice(0, 32)}" result, which has no keys to upload`,
    );
  }
  const symptomDate = optionalDate(a['symptomDate']);
  const testDate = optionalDate(a['testDate']);

  const now = ctx.clock.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const daysBefore = options.daysBeforeOnset ?? 5;
  const includeToday = options.includeCurrentDayKey !== false;
  const onset = Date.parse(`${symptomDate ?? testDate ?? isoDay(today)}T00:00:00Z`);
  const lastDay = includeToday ? today : today - DAY_MS;
  const firstDay = Math.max(onset - daysBefore * DAY_MS, lastDay - 13 * DAY_MS);
  const keys = allKeys
    .filter((k) => {
      const dayMs = k.rollingStartIntervalNumber * INTERVAL_MS;
      return dayMs >= firstDay && dayMs <= lastDay && k.rollingPeriod === TEK_ROLLING_PERIOD;
    })
    .map((k) => ({
      keyData: verificationBase64Encode(k.keyData),
      rollingStartIntervalNumber: k.rollingStartIntervalNumber,
      rollingPeriod: k.rollingPeriod,
    }));
  if (keys.length === 0) {
    throw new DeviceError(
      'no_keys',
      `this phone has no keys from ${isoDay(firstDay)} to ${isoDay(lastDay)}, the days the diagnosis covers`,
    );
  }
  const pending: PendingSubmission = {
    codeHash,
    stage: 'verified',
    createdAt: now,
    testType: testtype,
    symptomDate,
    testDate,
    token,
    keys,
    hmacKey: verificationBase64Encode(generateVerificationHmacKey(ctx.random)),
    certificate: null,
  };
  await putSetting(ctx.store, 'pendingSubmission', pending);
  return pending;
}

function decodedKeys(pending: PendingSubmission) {
  return pending.keys.map((k) => ({
    keyData: verificationBase64Decode(k.keyData, 'stored key', 16),
    rollingStartIntervalNumber: k.rollingStartIntervalNumber,
    rollingPeriod: k.rollingPeriod,
    transmissionRiskLevel: 0,
  }));
}

async function certify(ctx: DeviceContext, pending: PendingSubmission): Promise<PendingSubmission> {
  const hmacKey = verificationBase64Decode(pending.hmacKey, 'stored hmacKey');
  const ekeyhmac = verificationBase64Encode(
    calculateVerificationHmac(decodedKeys(pending), hmacKey, ctx.crypto),
  );
  let answer: unknown;
  try {
    ({ body: answer } = await ctx.http.request({
      method: 'POST',
      path: '/api/certificate',
      expect: 'json',
      headers: { 'x-api-key': ctx.apiKey },
      json: { token: pending.token, ekeyhmac, padding: randomPadding(ctx.random) },
    }));
  } catch (error) {
    const mapped = verificationError(error, 'exchanging the token');
    // A refused token will not work again: start over with a new code.
    if (mapped instanceof DeviceError && mapped.code === 'verification_failed') {
      await ctx.store.apply([{ type: 'deleteSetting', name: 'pendingSubmission' }]);
    }
    throw mapped;
  }
  const certificate = (answer as { certificate?: unknown } | null)?.certificate;
  if (typeof certificate !== 'string' || certificate.length === 0 || certificate.length > 8192) {
    throw new DeviceError('invalid_response', 'POST /api/certificate: the answer has no certificate');
  }
  const next: PendingSubmission = { ...pending, stage: 'certified', token: '', certificate };
  await putSetting(ctx.store, 'pendingSubmission', next);
  return next;
}

async function publish(
  ctx: DeviceContext,
  pending: PendingSubmission,
  healthAuthorityId: string,
): Promise<SubmissionResult> {
  const history = (await ctx.store.getSetting('submissions')) ?? [];
  const revisionToken = history.at(-1)?.revisionToken;
  let answer: unknown;
  try {
    ({ body: answer } = await ctx.http.request({
      method: 'POST',
      path: '/v1/publish',
      expect: 'json',
      json: {
        temporaryExposureKeys: pending.keys.map((k) => ({
          key: k.keyData,
          rollingStartNumber: k.rollingStartIntervalNumber,
          rollingPeriod: k.rollingPeriod,
          transmissionRisk: 0,
        })),
        healthAuthorityID: healthAuthorityId,
        verificationPayload: pending.certificate,
        hmacKey: pending.hmacKey,
        ...(revisionToken === undefined ? {} : { revisionToken }),
        padding: randomPadding(ctx.random),
      },
    }));
  } catch (error) {
    if (error instanceof DeviceError && error.status !== undefined && error.status < 500) {
      // The certificate or the keys were refused; a retry would be refused too.
      await ctx.store.apply([{ type: 'deleteSetting', name: 'pendingSubmission' }]);
      throw new DeviceError('publish_failed', `uploading the keys: ${error.message}`, {
        status: error.status,
        ...(error.serverCode === undefined ? {} : { serverCode: error.serverCode }),
        cause: error,
      });
    }
    throw error;
  }
  const a = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const { insertedExposures } = a;
  if (
    typeof a['revisionToken'] !== 'string' ||
    typeof insertedExposures !== 'number' ||
    !Number.isSafeInteger(insertedExposures) ||
    insertedExposures < 0
  ) {
    throw new DeviceError(
      'invalid_response',
      'POST /v1/publish: the answer has no revisionToken or insertedExposures',
    );
  }
  const starts = pending.keys.map((k) => k.rollingStartIntervalNumber * INTERVAL_MS);
  const record: SubmissionRecord = {
    at: ctx.clock.now(),
    testType: pending.testType,
    keysUploaded: pending.keys.length,
    insertedExposures,
    revisionToken: a['revisionToken'],
    firstDay: isoDay(Math.min(...starts)),
    lastDay: isoDay(Math.max(...starts)),
  };
  await ctx.store.apply([
    { type: 'deleteSetting', name: 'pendingSubmission' },
    settingMutation('submissions', [...history, record].slice(-20)),
  ]);
  const warnings = Array.isArray(a['warnings'])
    ? a['warnings'].filter((w): w is string => typeof w === 'string')
    : [];
  return {
    ...record,
    partialFailure: a['code'] === 'partial_failure' && typeof a['error'] === 'string' ? a['error'] : null,
    warnings,
  };
}
