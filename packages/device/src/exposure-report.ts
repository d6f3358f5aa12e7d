/**
 * The consented exposure report: a phone that found it was exposed tells the health authority —
 * only with the user's consent — so that the authority's contact list gets what the original
 * Bluezone took by silent upload: who (the install's verified phone number, known to the server
 * through the device token), which days, how risky, and which published keys matched.
 *
 * `POST /v1/exposure-reports` (device token) with
 * `{"exposureDays": ["YYYY-MM-DD", …], "maxRiskLevel": 1|2, "matchedKeys": [base64 SHA-256 of each 16-byte key, …]}`
 * → `{"reportId", "contactLevel": "F1"|"F2", "linkedCases": n}`.
 *
 * **Pending report.** After a check, the days whose risk level is at least the report threshold
 * (`reportMinRiskLevel`, default high) and the keys with windows on those days that were not
 * reported before make the pending report. Sent keys are remembered, so each key is reported
 * once; a later exposure makes a new pending report.
 *
 * **Consent.** {@link sendExposureReport} requires a {@link ReportConsent}; the automatic path
 * requires the stored standing consent the user gave with a {@link StandingReportConsent}. The
 * request carries an `Idempotency-Key` (a hash of the body), so a retry after a lost answer can
 * be recognised by the server as the same report.
 *
 * @module
 */
import type { RiskLevel } from '@bluezone/protocol';
import { ReportConsent } from './consent.js';
import { bearer, type DeviceContext, requireRegistration } from './context.js';
import { DeviceError } from './errors.js';
import { currentResults } from './exposure-check.js';
import { settingMutation } from './store.js';

/** The exposure report the user may send. */
export interface PendingExposureReport {
  /** UTC days of the exposures, `YYYY-MM-DD`, ascending. */
  readonly exposureDays: readonly string[];
  /** Highest risk level among them. */
  readonly maxRiskLevel: RiskLevel;
  /** Standard base64 of SHA-256 of each matched key, ascending. */
  readonly matchedKeys: readonly string[];
  /** The user's contact level as the phone computed it (the server decides the reported one). */
  readonly contactLevel: 'F1' | 'F2';
}

/** The server's acknowledgement of a report. */
export interface ExposureReportReceipt {
  readonly reportId: string;
  readonly contactLevel: 'F1' | 'F2';
  /** Cases the server linked the report to. */
  readonly linkedCases: number;
  /** When it was sent, Unix ms. */
  readonly sentAt: number;
  readonly exposureDays: readonly string[];
  readonly maxRiskLevel: RiskLevel;
  readonly matchedKeys: readonly string[];
}

/** The pending report at `nowMs`, if any (see the module comment). */
export async function pendingExposureReport(
  ctx: DeviceContext,
  nowMs: number,
  minRiskLevel: RiskLevel,
): Promise<PendingExposureReport | undefined> {
  const results = await currentResults(ctx, nowMs);
  const reported = new Set((await ctx.store.getSetting('reportedKeyHashes')) ?? []);
  const days = results.days.filter(
    (d) => d.riskLevel >= minRiskLevel && d.keyHashes.some((k) => !reported.has(k)),
  );
  if (days.length === 0) return undefined;
  const matchedKeys = [...new Set(days.flatMap((d) => d.keyHashes).filter((k) => !reported.has(k)))].sort();
  return {
    exposureDays: days.map((d) => d.date),
    maxRiskLevel: days.some((d) => d.riskLevel === 2) ? 2 : 1,
    matchedKeys,
    contactLevel: days.some((d) => d.contactLevel === 'F1') ? 'F1' : 'F2',
  };
}

/**
 * Sends the pending report with the user's consent.
 *
 * @throws {DeviceError} `consent_invalid`, `consent_expired`, `not_registered`,
 *   `nothing_to_report`, the HTTP client's errors, `invalid_response`.
 */
export async function sendExposureReport(
  ctx: DeviceContext,
  consent: ReportConsent,
  minRiskLevel: RiskLevel,
): Promise<ExposureReportReceipt> {
  const now = ctx.clock.now();
  ReportConsent.check(consent, now);
  return postPendingReport(ctx, now, minRiskLevel);
}

/**
 * Sends the pending report on the stored standing consent, if the user gave one and there is a
 * report; undefined otherwise. Called after an exposure check only.
 */
export async function sendAutomaticReport(
  ctx: DeviceContext,
  minRiskLevel: RiskLevel,
): Promise<ExposureReportReceipt | undefined> {
  if (!(await ctx.store.getSetting('standingReportConsent'))) return undefined;
  const now = ctx.clock.now();
  if (!(await pendingExposureReport(ctx, now, minRiskLevel))) return undefined;
  return postPendingReport(ctx, now, minRiskLevel);
}

async function postPendingReport(
  ctx: DeviceContext,
  now: number,
  minRiskLevel: RiskLevel,
): Promise<ExposureReportReceipt> {
  const registration = await requireRegistration(ctx);
  const pending = await pendingExposureReport(ctx, now, minRiskLevel);
  if (!pending) throw new DeviceError('nothing_to_report', 'there is no pending exposure report');
  const body = {
    exposureDays: pending.exposureDays,
    maxRiskLevel: pending.maxRiskLevel,
    matchedKeys: pending.matchedKeys,
  };
  const json = JSON.stringify(body);
  const idempotencyKey = Array.from(ctx.crypto.sha256(new TextEncoder().encode(json)).subarray(0, 16), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  const { body: answer } = await ctx.http.request({
    method: 'POST',
    path: '/v1/exposure-reports',
    expect: 'json',
    headers: { ...bearer(registration), 'idempotency-key': idempotencyKey },
    json: body,
  });
  const a = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const { reportId, contactLevel, linkedCases } = a;
  if (
    typeof reportId !== 'string' ||
    reportId.length === 0 ||
    reportId.length > 128 ||
    (contactLevel !== 'F1' && contactLevel !== 'F2') ||
    typeof linkedCases !== 'number' ||
    !Number.isSafeInteger(linkedCases) ||
    linkedCases < 0
  ) {
    throw new DeviceError(
      'invalid_response',
      'POST /v1/exposure-reports: the answer is not {reportId, contactLevel, linkedCases}',
    );
  }
  const receipt: ExposureReportReceipt = {
    reportId,
    contactLevel,
    linkedCases,
    sentAt: ctx.clock.now(),
    exposureDays: pending.exposureDays,
    maxRiskLevel: pending.maxRiskLevel,
    matchedKeys: pending.matchedKeys,
  };
  const reported = new Set((await ctx.store.getSetting('reportedKeyHashes')) ?? []);
  for (const k of pending.matchedKeys) reported.add(k);
  await ctx.store.apply([
    settingMutation('reportedKeyHashes', [...reported].sort()),
    settingMutation('lastExposureReport', receipt),
  ]);
  return receipt;
}
