/**
 * Key publishing: the rules of `POST /v1/publish`, compatible with Google's exposure-notifications
 * key server (v1 API), applied in this order — each failure stops the upload and writes nothing:
 *
 * 1. `healthAuthorityID` is this server's (`BLUEZONE_HEALTH_AUTHORITY_ID`) → else 401
 *    `unknown_health_authority_id`.
 * 2. Every key is well formed: 1–{@link PUBLISH_LIMITS}.maxKeys keys, key = standard base64 of 16
 *    bytes, rolling start 0 … 2³¹−1, rolling period 1–144, transmission risk 0–8; a key repeated
 *    with other intervals is refused (an exact repeat counts once) → else 400 `bad_request`.
 *    (Google's server checks these after the certificate; the HMAC is only defined for
 *    well-formed keys, so they come first here.)
 * 3. The certificate (`verificationPayload`) verifies with `verifyVerificationCertificate`
 *    against the server's published `certificate` keys for {@link CERTIFICATE_AUDIENCE}, and its
 *    HMAC is that of exactly the uploaded keys under `hmacKey` → else 401
 *    `health_authority_verification_certificate_invalid`.
 * 4. Timing, per key: a key valid until 15 days ago or earlier, or starting after the current
 *    interval, is dropped; the others are saved and the answer carries Google's
 *    `partial_failure`. If no key remains → 400 `bad_request`.
 * 5. The set: keys may overlap only by sharing a start interval (EN v1.5 cuts the current key
 *    short), at most {@link PUBLISH_LIMITS}.maxSameStartKeys per start interval → else 400.
 * 6. Storage, in one transaction: new keys are inserted with the certificate's report type and
 *    days since its symptom onset (never the phone's); a key stored before with the same report
 *    type is left as it is (a retry is idempotent and needs no token); one whose report type
 *    would change is a revision: it needs the revision token listing it (400
 *    `missing_revision_token` / `invalid_revision_token`), happens once (`key_already_revised`)
 *    and only towards a stronger diagnosis: likely → confirmed, recursive → likely or confirmed
 *    (`invalid_report_type_transition`). The case the
 *    certificate was issued for gets `keysPublished` += the keys inserted, and an audit entry
 *    records the upload (no key data). Each new key stores its SHA-256 (`key_hash`) and that
 *    case (`case_id`), so that exposure reports can name the keys they matched.
 *
 * @module
 */
import {
  EXPORT_MAX_DAYS_SINCE_ONSET,
  EXPORT_MAX_ROLLING_START,
  ProtocolError,
  ReportType,
  type VerificationExposureKey,
  type VerifiedCertificate,
  verificationBase64Decode,
  verifyVerificationCertificate,
} from '@bluezone/protocol';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import {
  CERTIFICATE_AUDIENCE,
  certificateCaseId,
  certificateTrustedKeys,
  recordKeysPublished,
} from '../verification-api/certificates.js';
import {
  type ExposureRow,
  findExposuresByKey,
  insertExposures,
  keyHex,
  type NewExposure,
  reviseExposure,
} from './exposures.repository.js';
import { makeRevisionToken, openRevisionToken, type RevisableKey } from './revision-token.js';

const DAY_MS = 86_400_000;
const INTERVAL_MS = 600_000;
const DAY_INTERVALS = 144;

/** The limits of an upload (Google's defaults). */
export const PUBLISH_LIMITS = {
  /** Most keys in one upload (Google's MAX_KEYS_ON_PUBLISH). */
  maxKeys: 30,
  /** Most keys sharing one start interval (Google's MAX_SAME_START_INTERVAL_KEYS). */
  maxSameStartKeys: 3,
  /** A key must have been valid at some point in this window before now (MAX_INTERVAL_AGE_ON_PUBLISH, 360 h). */
  maxKeyAgeMs: 15 * DAY_MS,
  /** Largest |days since onset| stored; beyond it a key is stored without it (export file limit). */
  maxDaysSinceOnset: EXPORT_MAX_DAYS_SINCE_ONSET,
  /**
   * A certificate's symptom onset older than this many days (or in the future) is not used: the
   * keys are stored without days since onset (Google's MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS; a
   * case's symptoms may precede its test by up to 28 days).
   */
  maxOnsetAgeDays: 28,
} as const;

/** One key of the request body (Google's `ExposureKey`). */
export interface PublishKeyInput {
  readonly key: string;
  readonly rollingStartNumber: number;
  readonly rollingPeriod: number;
  readonly transmissionRisk?: number | null | undefined;
}

/** The fields of the request body the server uses. */
export interface PublishInput {
  readonly temporaryExposureKeys: readonly PublishKeyInput[];
  readonly healthAuthorityID?: string | null | undefined;
  readonly verificationPayload?: string | null | undefined;
  readonly hmacKey?: string | null | undefined;
  readonly revisionToken?: string | null | undefined;
}

/** What a successful upload answers. */
export interface PublishOutcome {
  readonly revisionToken: string;
  readonly insertedExposures: number;
  /** Set when keys were dropped (Google's `partial_failure`): which and why. */
  readonly partialFailure: string | undefined;
  /** Notes that change nothing for the app (e.g. a key saved without days since onset). */
  readonly warnings: readonly string[];
}

/** A well-formed uploaded key. */
interface UploadedKey extends VerificationExposureKey {
  /** 0-based position in the request, as Google's messages count. */
  readonly index: number;
  readonly keyData: Uint8Array;
  readonly transmissionRiskLevel: number;
  readonly hex: string;
}

const REPORT_TYPE_NAMES: Readonly<Record<number, string>> = {
  [ReportType.CONFIRMED_TEST]: 'confirmed (CONFIRMED_TEST)',
  [ReportType.CONFIRMED_CLINICAL_DIAGNOSIS]: 'likely (CONFIRMED_CLINICAL_DIAGNOSIS)',
  [ReportType.SELF_REPORT]: 'user-report (SELF_REPORT)',
  [ReportType.RECURSIVE]: 'recursive (RECURSIVE)',
};
/**
 * The report types a published key may be revised to, by its present one: towards a stronger
 * diagnosis only. Likely → confirmed as in Google's server; and a contact (F1) who published with
 * a recursive code and is then diagnosed publishes the same keys again as likely or confirmed, so
 * that their contacts are warned as F1, not F2.
 */
const REVISIONS: ReadonlyMap<number, readonly number[]> = new Map([
  [ReportType.CONFIRMED_CLINICAL_DIAGNOSIS, [ReportType.CONFIRMED_TEST]],
  [ReportType.RECURSIVE, [ReportType.CONFIRMED_TEST, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS]],
]);

const reportTypeName = (type: number | undefined) =>
  type === undefined ? 'negative (not published)' : (REPORT_TYPE_NAMES[type] ?? `report type ${type}`);

const badRequest = (message: string) => new ApiError('bad_request', message);

function intIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** Step 2: parses and checks the form of every key. Exact repeats are dropped here. */
export function parseUploadedKeys(input: readonly PublishKeyInput[]): {
  readonly asSent: UploadedKey[];
  readonly unique: UploadedKey[];
} {
  if (input.length === 0) {
    throw badRequest('temporaryExposureKeys is empty: upload at least one Temporary Exposure Key');
  }
  if (input.length > PUBLISH_LIMITS.maxKeys) {
    throw badRequest(
      `too many exposure keys in publish: ${input.length}, at most ${PUBLISH_LIMITS.maxKeys} are allowed; upload the keys of the last 15 days only`,
    );
  }
  const asSent: UploadedKey[] = [];
  const unique: UploadedKey[] = [];
  const seen = new Map<string, UploadedKey>();
  input.forEach((k, index) => {
    let keyData: Uint8Array;
    try {
      keyData = verificationBase64Decode(k.key, `key ${index}`, 16);
    } catch (error) {
      if (error instanceof ProtocolError)
        throw badRequest(`key ${index} cannot be imported: ${error.message}`);
      throw error;
    }
    if (!intIn(k.rollingStartNumber, 0, EXPORT_MAX_ROLLING_START)) {
      throw badRequest(
        `key ${index} cannot be imported: rollingStartNumber must be an ENIntervalNumber from 0 to ${EXPORT_MAX_ROLLING_START}, got ${k.rollingStartNumber}`,
      );
    }
    if (!intIn(k.rollingPeriod, 1, DAY_INTERVALS)) {
      throw badRequest(
        `key ${index} cannot be imported: invalid interval count, ${k.rollingPeriod}, must be >= 1 && <= ${DAY_INTERVALS}`,
      );
    }
    const risk = k.transmissionRisk ?? 0;
    if (!intIn(risk, 0, 8)) {
      throw badRequest(
        `key ${index} cannot be imported: invalid transmission risk: ${risk}, must be >= 0 && <= 8`,
      );
    }
    const key: UploadedKey = {
      index,
      keyData,
      hex: keyHex(keyData),
      rollingStartIntervalNumber: k.rollingStartNumber,
      rollingPeriod: k.rollingPeriod,
      transmissionRiskLevel: risk,
    };
    asSent.push(key);
    const before = seen.get(key.hex);
    if (before === undefined) {
      seen.set(key.hex, key);
      unique.push(key);
    } else if (
      before.rollingStartIntervalNumber !== key.rollingStartIntervalNumber ||
      before.rollingPeriod !== key.rollingPeriod ||
      before.transmissionRiskLevel !== key.transmissionRiskLevel
    ) {
      throw badRequest(
        `key ${index} repeats key ${before.index} with another rolling start, rolling period or transmission risk; send each key once`,
      );
    }
  });
  return { asSent, unique };
}

/** Step 3: the certificate, bound to exactly the keys as sent. */
async function verifyCertificate(
  ctx: AppContext,
  input: PublishInput,
  keys: readonly UploadedKey[],
  now: number,
): Promise<VerifiedCertificate> {
  const invalid = (message: string) =>
    new ApiError('health_authority_verification_certificate_invalid', message);
  if (!input.verificationPayload) {
    throw invalid(
      'unable to validate diagnosis verification: verificationPayload is missing; send the certificate from POST /api/certificate',
    );
  }
  if (!input.hmacKey) {
    throw invalid(
      'unable to validate diagnosis verification: hmacKey is missing; send the base64 hmackey the ekeyhmac was computed with',
    );
  }
  const result = await verifyVerificationCertificate(
    input.verificationPayload,
    { keys, hmacKey: input.hmacKey },
    {
      trustedKeys: await certificateTrustedKeys(ctx),
      audience: CERTIFICATE_AUDIENCE,
      now: Math.floor(now / 1000),
    },
  );
  if (!result.ok) throw invalid(`unable to validate diagnosis verification: ${result.error.message}`);
  return result.value;
}

/** Step 4: drops keys outside the accepted time window; returns the rest and why keys were dropped. */
function screenTiming(keys: readonly UploadedKey[], now: number): { kept: UploadedKey[]; dropped: string[] } {
  const current = Math.floor(now / INTERVAL_MS);
  const oldest = Math.floor((now - PUBLISH_LIMITS.maxKeyAgeMs) / INTERVAL_MS);
  const kept: UploadedKey[] = [];
  const dropped: string[] = [];
  for (const key of keys) {
    const validUntil = key.rollingStartIntervalNumber + key.rollingPeriod;
    if (validUntil <= oldest) {
      dropped.push(
        `key ${key.index} cannot be imported: key expires before minimum window; ${key.rollingStartIntervalNumber} + ${key.rollingPeriod} = ${validUntil} which is too old, must be > ${oldest} (15 days ago)`,
      );
    } else if (key.rollingStartIntervalNumber > current) {
      dropped.push(
        `key ${key.index} cannot be imported: interval number ${key.rollingStartIntervalNumber} is in the future, must be <= ${current}`,
      );
    } else {
      kept.push(key);
    }
  }
  return { kept, dropped };
}

/** Step 5: overlaps only by a shared start interval, and not too many per start interval. */
function checkKeySet(keys: readonly UploadedKey[]): void {
  const sorted = [...keys].sort(
    (a, b) =>
      a.rollingStartIntervalNumber - b.rollingStartIntervalNumber || a.rollingPeriod - b.rollingPeriod,
  );
  const perStart = new Map<number, number>();
  let lastStart = sorted[0]!.rollingStartIntervalNumber;
  let nextFree = lastStart + sorted[0]!.rollingPeriod;
  for (const key of sorted) {
    const start = key.rollingStartIntervalNumber;
    perStart.set(start, (perStart.get(start) ?? 0) + 1);
    if (start !== lastStart && start < nextFree) {
      throw badRequest(
        `exposure keys have non aligned overlapping intervals: key ${key.index} starts at ${start}, inside the previous key valid from ${lastStart} to ${nextFree}; keys may overlap only by sharing a start interval`,
      );
    }
    lastStart = start;
    nextFree = start + key.rollingPeriod;
  }
  for (const [start, count] of perStart) {
    if (count > PUBLISH_LIMITS.maxSameStartKeys) {
      throw badRequest(
        `too many overlapping keys for start interval: ${start} want: <= ${PUBLISH_LIMITS.maxSameStartKeys}, got: ${count}`,
      );
    }
  }
}

/**
 * Days from the onset day to the key's start, rounded to the nearest day as Google's server
 * does (`DaysFromSymptomOnset`): keys start at UTC midnight, so the distance is whole days.
 */
export function daysFromSymptomOnset(onsetInterval: number, keyStart: number): number {
  const distance = keyStart - onsetInterval;
  let days = Math.trunc(distance / DAY_INTERVALS);
  const rem = distance % DAY_INTERVALS;
  if (rem !== 0 && Math.abs(rem) > DAY_INTERVALS / 2) {
    if (days < 0 || rem < 0) days--;
    else days++;
  }
  return days;
}

/** The onset day (start interval of its UTC day) if plausible at `now`, with a warning otherwise. */
function plausibleOnsetDay(onset: number | undefined, now: number, warnings: string[]): number | undefined {
  if (onset === undefined) return undefined;
  const onsetDay = onset - (onset % DAY_INTERVALS);
  const today = Math.floor(now / INTERVAL_MS / DAY_INTERVALS) * DAY_INTERVALS;
  if (onsetDay > today || onsetDay < today - PUBLISH_LIMITS.maxOnsetAgeDays * DAY_INTERVALS) {
    warnings.push(
      `the certificate's symptom onset (interval ${onset}) is in the future or more than ${PUBLISH_LIMITS.maxOnsetAgeDays} days ago - saving without days since symptom onset`,
    );
    return undefined;
  }
  return onsetDay;
}

function onsetDays(onsetDay: number | undefined, key: UploadedKey, warnings: string[]): number | null {
  if (onsetDay === undefined) return null;
  const days = daysFromSymptomOnset(onsetDay, key.rollingStartIntervalNumber);
  if (Math.abs(days) > PUBLISH_LIMITS.maxDaysSinceOnset) {
    warnings.push(
      `key ${key.index} symptom onset is too large, ${Math.abs(days)} > ${PUBLISH_LIMITS.maxDaysSinceOnset} - saving without days since symptom onset`,
    );
    return null;
  }
  return days;
}

/** What step 6 decided for each key before writing anything. */
interface UploadPlan {
  readonly inserts: NewExposure[];
  readonly revisions: {
    readonly row: ExposureRow;
    readonly key: UploadedKey;
    readonly days: number | null;
  }[];
  readonly unchanged: number;
}

function planUpload(
  keys: readonly UploadedKey[],
  existing: ReadonlyMap<string, ExposureRow>,
  reportType: ReportType | undefined,
  token: { readonly keys: readonly RevisableKey[] | undefined; readonly presented: boolean },
  fields: {
    readonly healthAuthority: string;
    readonly region: string;
    readonly now: number;
    readonly caseId: string | null;
  },
  days: (key: UploadedKey) => number | null,
): UploadPlan {
  const inserts: NewExposure[] = [];
  const revisions: UploadPlan['revisions'][number][] = [];
  let unchanged = 0;
  const tokenKeys = new Map((token.keys ?? []).map((k) => [keyHex(k.keyData), k]));
  for (const key of keys) {
    const row = existing.get(key.hex);
    if (row === undefined) {
      // Google's semantics: a negative certificate is accepted, its keys are not published.
      if (reportType === undefined) continue;
      inserts.push({
        key_data: key.keyData,
        rolling_start_interval_number: key.rollingStartIntervalNumber,
        rolling_period: key.rollingPeriod,
        transmission_risk: key.transmissionRiskLevel,
        report_type: reportType,
        days_since_onset: days(key),
        health_authority: fields.healthAuthority,
        region: fields.region,
        created_at: fields.now,
        case_id: fields.caseId,
      });
      continue;
    }
    if (
      row.rolling_start_interval_number !== key.rollingStartIntervalNumber ||
      row.rolling_period !== key.rollingPeriod
    ) {
      throw badRequest(
        `key ${key.index} was published before with rolling start ${row.rolling_start_interval_number} and period ${row.rolling_period}; a key's intervals cannot change`,
      );
    }
    const effective = row.revised_report_type ?? row.report_type;
    if (reportType === effective) {
      unchanged++;
      continue;
    }
    if (token.keys === undefined) {
      if (token.presented) {
        throw new ApiError(
          'invalid_revision_token',
          `revision token is invalid: key ${key.index} was published before and the revisionToken sent is not one this server issued; send the token of that upload unchanged`,
        );
      }
      throw new ApiError(
        'missing_revision_token',
        `no revision token, but sent existing keys: key ${key.index} was published before as ${reportTypeName(effective)}; send the revisionToken of that upload to revise it`,
      );
    }
    const allowed = tokenKeys.get(key.hex);
    if (
      allowed === undefined ||
      allowed.rollingStartIntervalNumber !== row.rolling_start_interval_number ||
      allowed.rollingPeriod !== row.rolling_period
    ) {
      throw new ApiError(
        'invalid_revision_token',
        `revision token is invalid: it does not list key ${key.index}; send the token of the upload that published it`,
      );
    }
    if (row.revised_at !== null) {
      throw new ApiError(
        'key_already_revised',
        `key ${key.index} was already revised to ${reportTypeName(effective)}; a key is revised at most once`,
      );
    }
    if (reportType === undefined || !REVISIONS.get(effective ?? -1)?.includes(reportType)) {
      throw new ApiError(
        'invalid_report_type_transition',
        `invalid report type transition: key ${key.index} cannot change from ${reportTypeName(effective)} to ${reportTypeName(reportType)}; only likely → confirmed and recursive (F1) → likely or confirmed are allowed`,
      );
    }
    revisions.push({ row, key, days: days(key) });
  }
  return { inserts, revisions, unchanged };
}

async function writeAudit(
  db: Kysely<Database>,
  at: number,
  verified: VerifiedCertificate,
  caseId: string | undefined,
  counts: Record<string, number>,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId('aud_'),
      at,
      actor: `certificate:${verified.kid}`,
      action: 'keys.publish',
      subject: caseId === undefined ? null : `case:${caseId}`,
      details: JSON.stringify({
        issuer: verified.issuer,
        kid: verified.kid,
        healthAuthority: verified.healthAuthority,
        reportType: verified.reportType,
        ...counts,
      }),
    })
    .execute();
}

/** Runs steps 1–6 for one upload. Throws {@link ApiError} with the publish API's codes. */
export async function publishKeys(ctx: AppContext, input: PublishInput): Promise<PublishOutcome> {
  const now = ctx.now();
  if (input.healthAuthorityID !== ctx.config.healthAuthorityId) {
    throw new ApiError(
      'unknown_health_authority_id',
      `unauthorized health authority: ${JSON.stringify(String(input.healthAuthorityID ?? '')).slice(0, 80)}; this server publishes for ${JSON.stringify(ctx.config.healthAuthorityId)}`,
    );
  }
  const { asSent, unique } = parseUploadedKeys(input.temporaryExposureKeys);
  const verified = await verifyCertificate(ctx, input, asSent, now);
  const { kept, dropped } = screenTiming(unique, now);
  if (kept.length === 0) {
    throw badRequest(`unable to read request data: no key can be imported: ${dropped.join('; ')}`);
  }
  checkKeySet(kept);

  const warnings: string[] = [];
  const onsetDay = plausibleOnsetDay(verified.symptomOnsetInterval, now, warnings);
  const days = (key: UploadedKey) => onsetDays(onsetDay, key, warnings);
  const presented = typeof input.revisionToken === 'string' && input.revisionToken.length > 0;
  const tokenKeys = presented
    ? openRevisionToken(ctx.secrets.dataEncryptionKey, input.revisionToken as string)
    : undefined;

  const inserted = await ctx.storage.transaction(async (trx) => {
    const existing = await findExposuresByKey(
      trx,
      kept.map((k) => k.keyData),
    );
    // Which case published each key: exposure reports link contacts to it.
    const publishingCase = await certificateCaseId(trx, input.verificationPayload as string);
    const plan = planUpload(
      kept,
      existing,
      verified.keyReportType,
      { keys: tokenKeys, presented },
      {
        healthAuthority: verified.healthAuthority,
        region: ctx.config.region,
        now,
        caseId: publishingCase ?? null,
      },
      days,
    );
    const inserted = await insertExposures(trx, plan.inserts);
    for (const { row, key, days: revisedDays } of plan.revisions) {
      const ok = await reviseExposure(trx, row.id, {
        reportType: ReportType.CONFIRMED_TEST,
        daysSinceOnset: revisedDays,
        transmissionRisk: key.transmissionRiskLevel,
        at: now,
      });
      if (!ok) {
        throw new ApiError(
          'key_already_revised',
          `key ${key.index} was revised a moment ago by another upload; a key is revised at most once`,
        );
      }
    }
    const caseId =
      inserted > 0
        ? await recordKeysPublished(trx, input.verificationPayload as string, inserted)
        : undefined;
    await writeAudit(trx, now, verified, caseId, {
      inserted,
      revised: plan.revisions.length,
      unchanged: plan.unchanged,
      dropped: dropped.length,
    });
    return inserted;
  });

  // Google's semantics: the new token lists the keys of this upload and those of the presented
  // token that may still be revised.
  const oldest = Math.floor((now - PUBLISH_LIMITS.maxKeyAgeMs) / INTERVAL_MS);
  const next = new Map<string, RevisableKey>();
  for (const k of tokenKeys ?? []) {
    if (k.rollingStartIntervalNumber + k.rollingPeriod >= oldest) next.set(keyHex(k.keyData), k);
  }
  for (const k of kept) next.set(k.hex, k);
  return {
    revisionToken: makeRevisionToken(ctx.secrets.dataEncryptionKey, [...next.values()]),
    insertedExposures: inserted,
    partialFailure: dropped.length > 0 ? dropped.join('; ') : undefined,
    warnings,
  };
}
