/**
 * Consented exposure reports (`POST /v1/exposure-reports`): a phone that matched published keys
 * tells the health authority — only because its user consented (design brief §2) — which days it
 * was exposed, how risky it was, and the SHA-256 of each key it matched. The server finds the
 * cases that published those keys and puts the install's verified phone number on each case's
 * contact list: **F1** for a key of an F0 case (report type confirmed or likely), **F2** for a key
 * of a recursive case (RECURSIVE, an F1 whose keys the authority published). One contact per
 * case and number: a repeat report merges into it (union of the days, the higher risk).
 *
 * Unknown hashes are ignored and a report that links no case answers `linkedCases: 0` — the same
 * shape, no error — so the endpoint tells nothing about which keys exist beyond what the public
 * key files already do. Cases closed longer ago than the contact retention take no new contacts.
 *
 * @module
 */
import { ReportType, verificationBase64Decode } from '@bluezone/protocol';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { consume } from '../../rate-limit.js';
import { vietnamDay } from '../../time.js';
import { calendarDateMs } from '../cases/cases.service.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { type ContactLevel, findReportedKeys, upsertContact } from './contacts.repository.js';

const DAY_MS = 86_400_000;

/** The limits of one exposure report. */
export const EXPOSURE_REPORT_LIMITS = {
  /** Most exposure days in a report, and how far back a day may be: phones keep 14 days of sightings. */
  maxDays: 14,
  /** Most key hashes in a report. */
  maxKeys: 1000,
  /** Reports one install may send per hour (a retry or a new exposure needs a few; a loop is cut off). */
  perInstallPerHour: 30,
} as const;

/** The request body. */
export interface ExposureReportInput {
  readonly exposureDays: readonly string[];
  readonly maxRiskLevel: number;
  readonly matchedKeys: readonly string[];
}

/** The answer. */
export interface ExposureReportOutcome {
  readonly reportId: string;
  /** F1 if any linked case is an F0 case; else F2 (also when nothing was linked). */
  readonly contactLevel: ContactLevel;
  /** Cases whose contact list the person is now on. */
  readonly linkedCases: number;
}

/**
 * Checks the days a report names: real calendar dates, none in the future (the Vietnamese day
 * is the latest accepted: phones count UTC days, which never run ahead of it) and none more
 * than {@link EXPOSURE_REPORT_LIMITS}.maxDays days before today's UTC day. Returns them sorted.
 */
export function checkExposureDays(days: readonly string[], now: number): string[] {
  const latest = vietnamDay(now);
  const earliest = new Date(now - EXPOSURE_REPORT_LIMITS.maxDays * DAY_MS).toISOString().slice(0, 10);
  days.forEach((day, i) => {
    if (calendarDateMs(day) === undefined)
      throw new ApiError(
        'invalid_request',
        `exposureDays[${i}] ${day} is not a calendar date; send YYYY-MM-DD`,
      );
    if (day > latest)
      throw new ApiError(
        'invalid_request',
        `exposureDays[${i}] ${day} is in the future (today is ${latest})`,
      );
    if (day < earliest) {
      throw new ApiError(
        'invalid_request',
        `exposureDays[${i}] ${day} is more than ${EXPOSURE_REPORT_LIMITS.maxDays} days ago (the earliest accepted day is ${earliest}); report only the days of the last ${EXPOSURE_REPORT_LIMITS.maxDays} days`,
      );
    }
  });
  return [...days].sort();
}

/** Decodes the key hashes: each strict standard base64 of 32 bytes. */
export function decodeKeyHashes(hashes: readonly string[]): Uint8Array[] {
  return hashes.map((text, i) => {
    try {
      return verificationBase64Decode(text, `matchedKeys[${i}]`, 32);
    } catch {
      throw new ApiError(
        'invalid_request',
        `matchedKeys[${i}] must be the standard base64 (44 characters, with padding) of the 32-byte SHA-256 of a 16-byte key`,
      );
    }
  });
}

/** The contact level a key of `reportType` gives the person who met it; undefined for other types. */
export function contactLevelOf(reportType: number): ContactLevel | undefined {
  if (reportType === ReportType.CONFIRMED_TEST || reportType === ReportType.CONFIRMED_CLINICAL_DIAGNOSIS)
    return 'F1';
  if (reportType === ReportType.RECURSIVE) return 'F2';
  return undefined;
}

/**
 * Files one exposure report of `install`: validates it, links it to the cases of the matched
 * keys and writes the contacts and one audit entry (`contact.report`: counts only) in one
 * transaction. Throws `phone_not_verified`, `invalid_request`, `rate_limited`.
 */
export async function fileExposureReport(
  ctx: AppContext,
  install: InstallRow,
  input: ExposureReportInput,
): Promise<ExposureReportOutcome> {
  const now = ctx.now();
  const phoneId = install.phone_verified_at === null ? null : install.phone_id;
  const phone =
    phoneId === null
      ? undefined
      : await ctx.storage.db.selectFrom('phones').select('id').where('id', '=', phoneId).executeTakeFirst();
  if (!phone) {
    throw new ApiError(
      'phone_not_verified',
      'this install has no verified phone number, so the health authority could not reach you; register one with POST /v1/phone/otp and /v1/phone/verify, then send the report again',
    );
  }
  const days = checkExposureDays(input.exposureDays, now);
  const hashes = decodeKeyHashes(input.matchedKeys);
  await consume(
    ctx,
    `exposure-report:install:${install.id}`,
    EXPOSURE_REPORT_LIMITS.perInstallPerHour,
    3_600_000,
    'exposure reports from this install',
  );

  const closedAfter = now - ctx.config.contactRetentionDays * DAY_MS;
  const keys = await findReportedKeys(ctx.storage.db, hashes, closedAfter);
  // Per case: its level (F1 wins should a case's keys differ) and how many of its keys matched.
  const perCase = new Map<string, { level: ContactLevel; keys: number }>();
  for (const key of keys) {
    const level = contactLevelOf(key.reportType);
    if (level === undefined) continue;
    const entry = perCase.get(key.caseId);
    if (entry === undefined) perCase.set(key.caseId, { level, keys: 1 });
    else {
      entry.keys++;
      if (level === 'F1') entry.level = 'F1';
    }
  }

  const reportId = newId('rep_');
  const counts = { F1: 0, F2: 0, newContacts: 0 };
  await ctx.storage.transaction(async (trx) => {
    // Cases in ID order: concurrent reports lock their contact rows in the same order (no deadlock).
    for (const [caseId, { level, keys: matched }] of [...perCase].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const contact = await upsertContact(
        trx,
        ctx.storage.dialect,
        {
          caseId,
          level,
          phoneId: phone.id,
          exposureDays: days,
          maxRiskLevel: input.maxRiskLevel,
          matchedKeys: matched,
          reportId,
          now,
        },
        newId('ct_'),
      );
      counts[level]++;
      if (contact.created) counts.newContacts++;
    }
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: `install:${install.id}`,
        action: 'contact.report',
        subject: `report:${reportId}`,
        details: JSON.stringify({
          linkedCases: perCase.size,
          f1Cases: counts.F1,
          f2Cases: counts.F2,
          newContacts: counts.newContacts,
          exposureDays: days.length,
          matchedKeys: hashes.length,
          knownKeys: keys.length,
        }),
      })
      .execute();
  });
  return { reportId, contactLevel: counts.F1 > 0 ? 'F1' : 'F2', linkedCases: perCase.size };
}
