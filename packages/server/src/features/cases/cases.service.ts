/**
 * Confirmed cases: entering one, issuing (and re-issuing) its verification codes, and its upload
 * status. Each write is one transaction with its audit log entries; codes leave this module only
 * in the result of {@link createCase} / {@link reissueCodes}, for the authority to hand over.
 *
 * @module
 */

import type { Kysely } from 'kysely';
import { type AuditActor, actorOf } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { keyedHash, newId } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import { vietnamDay } from '../../time.js';
import { type CaseRow, insertAuditEntry, releaseCodeHashes, replaceCaseCodes } from './cases.repository.js';
import {
  generateLongCode,
  generateShortCode,
  LONG_CODE_LIFETIME_MS,
  type RandomIntSource,
  SHORT_CODE_LIFETIME_MS,
} from './codes.js';

/** Test types a case can have: the certificate's report types `confirmed` and `likely`. */
export const CASE_TEST_TYPES = ['confirmed', 'likely'] as const;
export type CaseTestType = (typeof CASE_TEST_TYPES)[number];

/** Most days the symptom date may precede the test date. */
export const MAX_SYMPTOM_DAYS_BEFORE_TEST = 28;
/** Earliest date accepted for symptoms and tests: the pandemic's start (a sanity bound). */
export const EARLIEST_CASE_DATE = '2020-01-01';

/** What the authority enters for a case. */
export interface NewCase {
  readonly provinceCode: string;
  readonly districtCode?: string | null | undefined;
  readonly testType: CaseTestType;
  readonly symptomDate?: string | null | undefined;
  readonly testDate: string;
}

/** Freshly issued codes: shown once to the authority, stored only as keyed hashes. */
export interface IssuedCodes {
  readonly caseId: string;
  readonly shortCode: string;
  readonly longCode: string;
  /** When the short code expires, ISO 8601 UTC (Google's `expiresAt`). */
  readonly expiresAt: string;
  /** When the long code expires, ISO 8601 UTC (Google's `longExpiresAt`). */
  readonly longExpiresAt: string;
}

const DAY_MS = 86_400_000;

/** Unix ms of UTC midnight of a YYYY-MM-DD calendar date, or undefined if there is no such day. */
export function calendarDateMs(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === date ? ms : undefined;
}

/**
 * Why the case's dates are unacceptable at `now`, or undefined when they are fine: both must
 * be calendar dates from {@link EARLIEST_CASE_DATE} to today in Vietnam (UTC+7), the symptom
 * date not after the test date nor more than {@link MAX_SYMPTOM_DAYS_BEFORE_TEST} days before it.
 */
export function checkCaseDates(
  input: Pick<NewCase, 'symptomDate' | 'testDate'>,
  now: number,
): string | undefined {
  const today = vietnamDay(now);
  const earliest = calendarDateMs(EARLIEST_CASE_DATE)!;
  const check = (name: string, date: string): number | string => {
    const ms = calendarDateMs(date);
    if (ms === undefined) return `${name} ${date} is not a calendar date; send YYYY-MM-DD`;
    if (date > today) return `${name} ${date} is in the future (today is ${today} in Vietnam)`;
    if (ms < earliest) return `${name} ${date} is before ${EARLIEST_CASE_DATE}; check the year`;
    return ms;
  };
  const test = check('testDate', input.testDate);
  if (typeof test === 'string') return test;
  if (input.symptomDate === undefined || input.symptomDate === null) return undefined;
  const symptom = check('symptomDate', input.symptomDate);
  if (typeof symptom === 'string') return symptom;
  if (symptom > test)
    return `symptomDate ${input.symptomDate} is after testDate ${input.testDate}; symptoms start on or before the test`;
  if (test - symptom > MAX_SYMPTOM_DAYS_BEFORE_TEST * DAY_MS) {
    return `symptomDate ${input.symptomDate} is more than ${MAX_SYMPTOM_DAYS_BEFORE_TEST} days before testDate ${input.testDate}; check both dates`;
  }
  return undefined;
}

const MAX_CODE_DRAWS = 8;

/**
 * Draws and stores new codes for case `caseId` in transaction `trx`, replacing its unclaimed
 * ones. Run it inside {@link withCodeRetry}. Also used for recursive cases (features/contacts).
 */
export async function issueCodes(
  ctx: AppContext,
  trx: Kysely<Database>,
  caseId: string,
  now: number,
  random: RandomIntSource | undefined,
): Promise<IssuedCodes> {
  for (let draw = 0; draw < MAX_CODE_DRAWS; draw++) {
    const shortCode = generateShortCode(random);
    const longCode = generateLongCode(random);
    const shortHash = keyedHash(ctx.secrets.codeHashKey, shortCode);
    const longHash = keyedHash(ctx.secrets.codeHashKey, longCode);
    if (await releaseCodeHashes(trx, [shortHash, longHash], now)) continue;
    const row = (kind: 'short' | 'long', code_hash: Uint8Array, lifetime: number) => ({
      id: newId('vc_'),
      case_id: caseId,
      kind,
      code_hash,
      created_at: now,
      expires_at: now + lifetime,
      claimed_at: null,
      invalidated_at: null,
    });
    const short = row('short', shortHash, SHORT_CODE_LIFETIME_MS);
    const long = row('long', longHash, LONG_CODE_LIFETIME_MS);
    await replaceCaseCodes(trx, caseId, { short, long }, now);
    return {
      caseId,
      shortCode,
      longCode,
      expiresAt: new Date(short.expires_at).toISOString(),
      longExpiresAt: new Date(long.expires_at).toISOString(),
    };
  }
  throw new Error(`no free verification code after ${MAX_CODE_DRAWS} draws; purge dead codes`);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /unique|duplicate key/i.test(error.message);
}

/**
 * Runs `fn` (a transaction that issues codes) again when a concurrent issue drew the same code
 * (PostgreSQL): the unique index refuses the second, which then draws again.
 */
export async function withCodeRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 3 || !isUniqueViolation(error)) throw error;
    }
  }
}

/** Options for tests: a deterministic code source. */
export interface IssueOptions {
  readonly random?: RandomIntSource;
}

/**
 * Enters a case and issues its codes, in one transaction with two audit entries
 * (`case.create`, `case.codes.issue`). The input must have been validated
 * ({@link checkCaseDates}, admin units).
 */
export async function createCase(
  ctx: AppContext,
  principal: AuditActor,
  input: NewCase,
  options: IssueOptions = {},
): Promise<IssuedCodes> {
  const now = ctx.now();
  const caseId = newId('case_');
  const actor = actorOf(principal);
  return withCodeRetry(() =>
    ctx.storage.transaction((trx) =>
      insertCaseWithCodes(ctx, trx, caseId, {
        record: {
          provinceCode: input.provinceCode,
          districtCode: input.districtCode ?? null,
          testType: input.testType,
          symptomDate: input.symptomDate ?? null,
          testDate: input.testDate,
        },
        actor,
        now,
        ...(options.random ? { random: options.random } : {}),
      }),
    ),
  );
}

/** The fields of a new case; codes, status and counters start empty. */
export interface CaseRecord {
  readonly provinceCode: string;
  readonly districtCode: string | null;
  readonly testType: string;
  readonly symptomDate: string | null;
  readonly testDate: string;
  /** For a recursive case: the case on whose contact list it was found. */
  readonly parentCaseId?: string;
  /** For a recursive case: the contact it was made from. */
  readonly sourceContactId?: string;
}

/**
 * Inserts case `caseId` and issues its codes inside `trx`, with the audit entries `case.create`
 * (province, district, test type and `auditDetails`) and `case.codes.issue`. Shared by
 * `createCase`, recursive cases and contacts entered as confirmed cases; run it inside
 * {@link withCodeRetry}.
 */
export async function insertCaseWithCodes(
  ctx: AppContext,
  trx: Kysely<Database>,
  caseId: string,
  input: {
    readonly record: CaseRecord;
    readonly actor: string;
    readonly now: number;
    readonly random?: RandomIntSource;
    readonly auditDetails?: Readonly<Record<string, unknown>>;
  },
): Promise<IssuedCodes> {
  const { record, actor, now } = input;
  await trx
    .insertInto('cases')
    .values({
      id: caseId,
      province_code: record.provinceCode,
      district_code: record.districtCode,
      admin_units_as_of: ctx.adminUnits.asOf,
      test_type: record.testType,
      symptom_date: record.symptomDate,
      test_date: record.testDate,
      health_authority: ctx.config.healthAuthorityId,
      created_at: now,
      created_by: actor,
      codes_issued_at: now,
      short_code_expires_at: now,
      long_code_expires_at: now,
      codes_claimed_at: null,
      token_exchanged_at: null,
      certificate_issued_at: null,
      keys_published: 0,
      closed_at: null,
      parent_case_id: record.parentCaseId ?? null,
      source_contact_id: record.sourceContactId ?? null,
    })
    .execute();
  const issued = await issueCodes(ctx, trx, caseId, now, input.random);
  const audit = (action: string, details: Record<string, unknown>) =>
    insertAuditEntry(trx, { id: newId('aud_'), at: now, actor, action, subject: `case:${caseId}`, details });
  await audit('case.create', {
    provinceCode: record.provinceCode,
    districtCode: record.districtCode,
    testType: record.testType,
    ...input.auditDetails,
  });
  await audit('case.codes.issue', {
    reissue: false,
    expiresAt: issued.expiresAt,
    longExpiresAt: issued.longExpiresAt,
  });
  return issued;
}

/**
 * Issues new codes for an existing case, invalidating its unclaimed ones, with an audit entry
 * (`case.codes.issue`). Returns undefined for an unknown case.
 */
export async function reissueCodes(
  ctx: AppContext,
  principal: AuditActor,
  caseId: string,
  options: IssueOptions = {},
): Promise<IssuedCodes | undefined> {
  const now = ctx.now();
  const actor = actorOf(principal);
  return withCodeRetry(() =>
    ctx.storage.transaction(async (trx) => {
      const exists = await trx.selectFrom('cases').select('id').where('id', '=', caseId).executeTakeFirst();
      if (!exists) return undefined;
      const issued = await issueCodes(ctx, trx, caseId, now, options.random);
      await insertAuditEntry(trx, {
        id: newId('aud_'),
        at: now,
        actor,
        action: 'case.codes.issue',
        subject: `case:${caseId}`,
        details: { reissue: true, expiresAt: issued.expiresAt, longExpiresAt: issued.longExpiresAt },
      });
      return issued;
    }),
  );
}

/** Where a case's upload stands, furthest step reached. */
export type CaseUploadState =
  | 'codes_issued'
  | 'codes_expired'
  | 'codes_claimed'
  | 'certificate_issued'
  | 'keys_published';

/** A case and its upload status, as the admin API shows it (times ISO 8601 UTC). */
export interface CaseStatus {
  readonly caseId: string;
  readonly provinceCode: string;
  readonly districtCode: string | null;
  readonly testType: string;
  readonly symptomDate: string | null;
  readonly testDate: string;
  readonly healthAuthority: string;
  readonly createdAt: string;
  readonly state: CaseUploadState;
  readonly codesIssuedAt: string;
  readonly expiresAt: string;
  readonly longExpiresAt: string;
  readonly codesClaimedAt: string | null;
  readonly tokenExchangedAt: string | null;
  readonly certificateIssuedAt: string | null;
  readonly keysPublished: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** The admin view of a case at `now`. */
export function caseStatus(row: CaseRow, now: number): CaseStatus {
  const keysPublished = Number(row.keys_published);
  const state: CaseUploadState =
    keysPublished > 0
      ? 'keys_published'
      : row.certificate_issued_at !== null
        ? 'certificate_issued'
        : row.codes_claimed_at !== null
          ? 'codes_claimed'
          : Math.max(row.short_code_expires_at, row.long_code_expires_at) <= now
            ? 'codes_expired'
            : 'codes_issued';
  return {
    caseId: row.id,
    provinceCode: row.province_code,
    districtCode: row.district_code,
    testType: row.test_type,
    symptomDate: row.symptom_date,
    testDate: row.test_date,
    healthAuthority: row.health_authority,
    createdAt: iso(row.created_at),
    state,
    codesIssuedAt: iso(row.codes_issued_at),
    expiresAt: iso(row.short_code_expires_at),
    longExpiresAt: iso(row.long_code_expires_at),
    codesClaimedAt: isoOrNull(row.codes_claimed_at),
    tokenExchangedAt: isoOrNull(row.token_exchanged_at),
    certificateIssuedAt: isoOrNull(row.certificate_issued_at),
    keysPublished,
  };
}
