/**
 * Health declarations (docs/declarations.md): the domestic health declaration, the entry
 * declaration of arrivals and the daily symptom reports of people under monitoring.
 *
 * - Only an install with a verified phone number declares (`phone_not_verified`); the person is
 *   the phone number, so QR codes and partners see the latest declaration of the number.
 * - Every personal field is stored encrypted (AES-256-GCM, purpose "declaration"; daily reports
 *   "daily-report"); the province and district stay in clear for the admin scope and the lists.
 * - Status: an entry declaration, or a domestic one with symptoms or contact with a confirmed or
 *   suspected case, puts the person under monitoring for {@link MONITORING_DAYS} days (from the
 *   arrival day for entries); otherwise `declared`. A health officer may set `cleared`,
 *   `monitoring` or `revoked`. Every change of a person's status is sent to the partners the
 *   person consented to (partners/webhooks.ts), in the same transaction.
 * - Every read of personal fields writes an audit entry in the same transaction.
 *
 * @module
 */
import type { AdminScope, AuditActor } from '../../auth.js';
import { actorOf, inAdminScope } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { decryptTextAtRest, encryptAtRest } from '../../encryption.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { consume } from '../../rate-limit.js';
import { VIETNAM_OFFSET_MS, vietnamDay } from '../../time.js';
import { calendarDateMs } from '../cases/cases.service.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { enqueueStatusChange } from '../partners/webhooks.js';
import {
  type DeclarationListRow,
  type DeclarationPosition,
  dailyReportCounts,
  findDeclaration,
  findPersonalFields,
  insertDeclaration,
  latestDeclaration,
  listDailyReports,
  listDeclarations,
  updateDeclarationStatus,
  upsertDailyReport,
} from './declarations.repository.js';
import type {
  DailyReportInput,
  DeclarationStatus,
  DomesticDeclarationInput,
  EntryDeclarationInput,
} from './declarations.schemas.js';
import { entryPoints } from './entry-points.js';

const DAY_MS = 86_400_000;

/** Days a person stays under monitoring. */
export const MONITORING_DAYS = 14;
/** Days a declaration without monitoring counts for QR codes and partners. */
export const DECLARATION_VALID_DAYS = 14;
/** How far back places, journeys and arrivals may be, days. */
export const LOOKBACK_DAYS = 14;
/** How far ahead an arrival may be declared, days. */
export const ARRIVAL_AHEAD_DAYS = 7;
/** Declarations per install per hour. */
export const DECLARATIONS_PER_INSTALL_PER_HOUR = 10;

/** Encryption purposes. */
export const DECLARATION_PURPOSE = 'declaration';
export const DAILY_REPORT_PURPOSE = 'daily-report';

/** A declaration kind. */
export type DeclarationKind = 'domestic' | 'entry';

/** The API view of a declaration without personal fields. */
export interface DeclarationView {
  readonly declarationId: string;
  readonly kind: string;
  readonly status: string;
  readonly provinceCode: string;
  readonly districtCode: string | null;
  readonly declaredOn: string;
  readonly declaredAt: string;
  readonly validUntil: string;
  readonly monitoringUntil: string | null;
  readonly source: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The view of a row. */
export function declarationView(row: DeclarationListRow): DeclarationView {
  return {
    declarationId: row.id,
    kind: row.kind,
    status: row.status,
    provinceCode: row.province_code,
    districtCode: row.district_code,
    declaredOn: row.declared_on,
    declaredAt: iso(row.created_at),
    validUntil: iso(row.valid_until),
    monitoringUntil: row.monitoring_until === null ? null : iso(row.monitoring_until),
    source: row.source,
  };
}

/** The phone ID of `install`'s verified number, or `phone_not_verified`. */
export async function verifiedPhoneOf(ctx: AppContext, install: InstallRow): Promise<string> {
  const phoneId = install.phone_verified_at === null ? null : install.phone_id;
  const phone =
    phoneId === null
      ? undefined
      : await ctx.storage.db.selectFrom('phones').select('id').where('id', '=', phoneId).executeTakeFirst();
  if (!phone) {
    throw new ApiError(
      'phone_not_verified',
      'health declarations need a verified phone number, so that the health authority can reach you; register one with POST /v1/phone/otp and /v1/phone/verify, then declare again',
    );
  }
  return phone.id;
}

function invalid(message: string): ApiError {
  return new ApiError('invalid_request', message);
}

/** Days from `today` to `date` (negative: in the past), or undefined for a non-date. */
function daysFrom(date: string, today: string): number | undefined {
  const d = calendarDateMs(date);
  const t = calendarDateMs(today);
  if (d === undefined || t === undefined) return undefined;
  return Math.round((d - t) / DAY_MS);
}

function checkPastDay(field: string, date: string, today: string): void {
  const offset = daysFrom(date, today);
  if (offset === undefined) throw invalid(`${field} ${date} is not a calendar date`);
  if (offset > 0) throw invalid(`${field} ${date} is in the future (today in Vietnam is ${today})`);
  if (offset < -LOOKBACK_DAYS)
    throw invalid(
      `${field} ${date} is more than ${LOOKBACK_DAYS} days ago; list only the last ${LOOKBACK_DAYS} days`,
    );
}

function checkUnit(
  ctx: AppContext,
  field: string,
  province: string,
  district: string | null | undefined,
): void {
  const reason = ctx.adminUnits.check(province, district);
  if (reason !== undefined) throw invalid(`${field}: ${reason}`);
}

function checkYearOfBirth(year: number, today: string): void {
  if (year > Number(today.slice(0, 4))) throw invalid(`body.yearOfBirth ${year} is in the future`);
}

function checkCountry(field: string, code: string): void {
  if (!entryPoints().countries.has(code))
    throw invalid(`${field} ${code} is not an ISO 3166-1 alpha-2 country code`);
}

/** Checks what the schema cannot: admin units, dates, reference codes. Throws `invalid_request`. */
export function checkDomestic(ctx: AppContext, input: DomesticDeclarationInput, now: number): void {
  const today = vietnamDay(now);
  checkYearOfBirth(input.yearOfBirth, today);
  checkUnit(ctx, 'body.address', input.address.provinceCode, input.address.districtCode);
  input.places.forEach((place, i) => {
    checkPastDay(`body.places.${i}.date`, place.date, today);
    checkUnit(ctx, `body.places.${i}`, place.provinceCode, place.districtCode);
  });
  input.travel.forEach((trip, i) => {
    checkPastDay(`body.travel.${i}.date`, trip.date, today);
    checkUnit(ctx, `body.travel.${i}.fromProvinceCode`, trip.fromProvinceCode, null);
    checkUnit(ctx, `body.travel.${i}.toProvinceCode`, trip.toProvinceCode, null);
  });
}

/** Checks an entry declaration (see {@link checkDomestic}). */
export function checkEntry(ctx: AppContext, input: EntryDeclarationInput, now: number): void {
  const today = vietnamDay(now);
  checkYearOfBirth(input.yearOfBirth, today);
  checkCountry('body.nationality', input.nationality);
  checkCountry('body.arrival.fromCountry', input.arrival.fromCountry);
  input.countriesVisited.forEach((c, i) => {
    checkCountry(`body.countriesVisited.${i}`, c);
  });
  const arrival = input.arrival;
  const offset = daysFrom(arrival.date, today);
  if (offset === undefined) throw invalid(`body.arrival.date ${arrival.date} is not a calendar date`);
  if (offset < -LOOKBACK_DAYS || offset > ARRIVAL_AHEAD_DAYS) {
    throw invalid(
      `body.arrival.date ${arrival.date} must be from ${LOOKBACK_DAYS} days ago to ${ARRIVAL_AHEAD_DAYS} days ahead (today in Vietnam is ${today})`,
    );
  }
  if (arrival.by === 'air') {
    if (arrival.flightNumber === undefined || arrival.airport === undefined)
      throw invalid('body.arrival by air needs flightNumber and airport');
    if (arrival.borderGate !== undefined) throw invalid('body.arrival by air has no borderGate');
    if (!entryPoints().airports.has(arrival.airport))
      throw invalid(
        `body.arrival.airport ${arrival.airport} is not a Vietnamese airport (IATA code, e.g. HAN, SGN)`,
      );
  } else {
    if (arrival.borderGate === undefined) throw invalid('body.arrival by land needs borderGate');
    if (arrival.flightNumber !== undefined || arrival.airport !== undefined)
      throw invalid('body.arrival by land has no flightNumber or airport');
    if (!entryPoints().borderGates.has(arrival.borderGate))
      throw invalid(
        `body.arrival.borderGate ${arrival.borderGate} is not a known border gate (GET /v1/declarations/entry-points)`,
      );
  }
  checkUnit(ctx, 'body.stay', input.stay.provinceCode, input.stay.districtCode);
}

/** A new declaration's status, monitoring end and validity end. */
function initialStatus(
  kind: DeclarationKind,
  input: DomesticDeclarationInput | EntryDeclarationInput,
  now: number,
): { status: DeclarationStatus; monitoringUntil: number | null; validUntil: number } {
  if (kind === 'entry') {
    const arrival = calendarDateMs((input as EntryDeclarationInput).arrival.date)! - VIETNAM_OFFSET_MS;
    const until = arrival + MONITORING_DAYS * DAY_MS;
    return { status: 'monitoring', monitoringUntil: until, validUntil: until };
  }
  const domestic = input as DomesticDeclarationInput;
  if (
    domestic.symptoms.length > 0 ||
    domestic.contactWithConfirmedCase ||
    domestic.contactWithSuspectedCase
  ) {
    const until = now + MONITORING_DAYS * DAY_MS;
    return { status: 'monitoring', monitoringUntil: until, validUntil: until };
  }
  return { status: 'declared', monitoringUntil: null, validUntil: now + DECLARATION_VALID_DAYS * DAY_MS };
}

/**
 * Stores a declaration of `kind` for the person with phone `phoneId` (made through `install`,
 * or by a partner: `source`), with its audit entry and the partners' webhooks, in one
 * transaction. The input must have passed {@link checkDomestic} / {@link checkEntry}.
 */
export async function storeDeclaration(
  ctx: AppContext,
  actor: string,
  target: { readonly phoneId: string; readonly installId: string | null; readonly source: string },
  kind: DeclarationKind,
  input: DomesticDeclarationInput | EntryDeclarationInput,
): Promise<DeclarationView> {
  const now = ctx.now();
  const { status, monitoringUntil, validUntil } = initialStatus(kind, input, now);
  const address =
    kind === 'entry' ? (input as EntryDeclarationInput).stay : (input as DomesticDeclarationInput).address;
  const row = {
    id: newId('dec_'),
    install_id: target.installId,
    phone_id: target.phoneId,
    kind,
    status,
    province_code: address.provinceCode,
    district_code: address.districtCode,
    personal_enc: encryptAtRest(ctx.secrets.dataEncryptionKey, DECLARATION_PURPOSE, JSON.stringify(input)),
    declared_on: vietnamDay(now),
    monitoring_until: monitoringUntil,
    valid_until: validUntil,
    source: target.source,
    created_at: now,
    status_changed_at: now,
  };
  await ctx.storage.transaction(async (trx) => {
    // The latest declaration of a person is the one created last: keep creation times strictly
    // increasing per person, even for two declarations within one millisecond.
    const previous = await latestDeclaration(trx, target.phoneId);
    if (previous !== undefined && previous.created_at >= row.created_at) {
      row.created_at = previous.created_at + 1;
      row.status_changed_at = row.created_at;
    }
    await insertDeclaration(trx, row);
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor,
        action: 'declaration.submit',
        subject: `declaration:${row.id}`,
        details: JSON.stringify({ kind, status, source: target.source }),
      })
      .execute();
    await enqueueStatusChange(trx, ctx, target.phoneId, row, now);
  });
  return declarationView(row);
}

/** `POST /v1/declarations/{kind}`: checks, limits and stores a declaration of `install`. */
export async function submitDeclaration(
  ctx: AppContext,
  install: InstallRow,
  kind: DeclarationKind,
  input: DomesticDeclarationInput | EntryDeclarationInput,
): Promise<DeclarationView> {
  const phoneId = await verifiedPhoneOf(ctx, install);
  if (kind === 'entry') checkEntry(ctx, input as EntryDeclarationInput, ctx.now());
  else checkDomestic(ctx, input as DomesticDeclarationInput, ctx.now());
  await consume(
    ctx,
    `declaration:install:${install.id}`,
    DECLARATIONS_PER_INSTALL_PER_HOUR,
    3_600_000,
    'declarations from this app',
  );
  return storeDeclaration(
    ctx,
    `install:${install.id}`,
    { phoneId, installId: install.id, source: 'device' },
    kind,
    input,
  );
}

/**
 * The declaration that counts for the person with phone `phoneId` at `now`: the latest one, if
 * it is not revoked and still valid; else undefined.
 */
export async function currentDeclaration(
  ctx: AppContext,
  phoneId: string,
  now: number,
): Promise<DeclarationListRow | undefined> {
  const row = await latestDeclaration(ctx.storage.db, phoneId);
  if (row === undefined || row.status === 'revoked' || row.valid_until <= now) return undefined;
  return row;
}

/** {@link currentDeclaration}, or `declaration_required`. */
export async function requireCurrentDeclaration(
  ctx: AppContext,
  phoneId: string,
  now: number,
): Promise<DeclarationListRow> {
  const row = await currentDeclaration(ctx, phoneId, now);
  if (row === undefined) {
    throw new ApiError(
      'declaration_required',
      'there is no valid health declaration for this phone number (none yet, older than its validity, or revoked by the health authority); declare with POST /v1/declarations/domestic or /v1/declarations/entry',
    );
  }
  return row;
}

/** `GET /v1/declarations/current`: the install's current declaration (no personal fields). */
export async function deviceCurrentDeclaration(
  ctx: AppContext,
  install: InstallRow,
): Promise<DeclarationView> {
  const phoneId = await verifiedPhoneOf(ctx, install);
  return declarationView(await requireCurrentDeclaration(ctx, phoneId, ctx.now()));
}

/** `POST /v1/declarations/daily-reports`: stores (or replaces) the report of a day. */
export async function submitDailyReport(
  ctx: AppContext,
  install: InstallRow,
  input: DailyReportInput,
): Promise<{ declarationId: string; day: string; replaced: boolean }> {
  const phoneId = await verifiedPhoneOf(ctx, install);
  const now = ctx.now();
  const declaration = await requireCurrentDeclaration(ctx, phoneId, now);
  if (declaration.status !== 'monitoring' || (declaration.monitoring_until ?? 0) <= now) {
    throw new ApiError(
      'not_under_monitoring',
      `daily reports are for people under health monitoring; your current declaration is ${declaration.status}`,
    );
  }
  const today = vietnamDay(now);
  const offset = daysFrom(input.day, today);
  if (offset === undefined) throw invalid(`body.day ${input.day} is not a calendar date`);
  if (offset > 0 || offset < -1) throw invalid(`body.day ${input.day} must be today (${today}) or yesterday`);
  if (input.day < declaration.declared_on)
    throw invalid(`body.day ${input.day} is before the declaration (${declaration.declared_on})`);
  await consume(ctx, `daily-report:install:${install.id}`, 20, 3_600_000, 'daily reports from this app');
  const id = newId('drp_');
  const replaced = await ctx.storage.transaction(async (trx) => {
    const replacedOne = await upsertDailyReport(trx, {
      id,
      declaration_id: declaration.id,
      day: input.day,
      report_enc: encryptAtRest(ctx.secrets.dataEncryptionKey, DAILY_REPORT_PURPOSE, JSON.stringify(input)),
      created_at: now,
    });
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: `install:${install.id}`,
        action: 'declaration.daily_report',
        subject: `declaration:${declaration.id}`,
        details: JSON.stringify({ day: input.day, replaced: replacedOne }),
      })
      .execute();
    return replacedOne;
  });
  return { declarationId: declaration.id, day: input.day, replaced };
}

function notFound(id: string): ApiError {
  return new ApiError('not_found', `no declaration ${id}`);
}

/** Declaration `id` if it exists and lies in `scope`; `not_found` otherwise (also outside the scope). */
export async function requireDeclaration(
  ctx: AppContext,
  id: string,
  scope: AdminScope,
): Promise<DeclarationListRow> {
  const row = await findDeclaration(ctx.storage.db, id);
  if (!row || !inAdminScope(scope, row.province_code, row.district_code)) throw notFound(id);
  return row;
}

/** One page of the admin list (no personal fields), with daily-report counts for monitored ones. */
export async function listDeclarationViews(
  ctx: AppContext,
  scope: AdminScope,
  filter: { kind?: string | undefined; status?: string | undefined; monitoring?: boolean },
  options: { limit: number; after?: DeclarationPosition | undefined },
): Promise<{
  declarations: (DeclarationView & { dailyReports: number; lastReportOn: string | null })[];
  next: DeclarationPosition | undefined;
}> {
  const rows = await listDeclarations(
    ctx.storage.db,
    scope,
    { kind: filter.kind, status: filter.status, monitoringAt: filter.monitoring ? ctx.now() : undefined },
    { limit: options.limit + 1, after: options.after },
  );
  const page = rows.slice(0, options.limit);
  const counts = await dailyReportCounts(
    ctx.storage.db,
    page.map((r) => r.id),
  );
  const last = page[page.length - 1];
  return {
    declarations: page.map((r) => ({
      ...declarationView(r),
      dailyReports: counts.get(r.id)?.count ?? 0,
      lastReportOn: counts.get(r.id)?.lastDay ?? null,
    })),
    next: rows.length > options.limit && last ? { createdAt: last.created_at, id: last.id } : undefined,
  };
}

/**
 * Declaration `id` with its personal fields, decrypted; the read and its audit entry
 * (`declaration.read`) happen in one transaction.
 */
export async function readDeclaration(
  ctx: AppContext,
  principal: AuditActor,
  id: string,
  scope: AdminScope,
): Promise<DeclarationView & { personal: unknown }> {
  return ctx.storage.transaction(async (trx) => {
    const row = await findDeclaration(trx, id);
    if (!row || !inAdminScope(scope, row.province_code, row.district_code)) throw notFound(id);
    const enc = await findPersonalFields(trx, id);
    if (!enc) throw notFound(id);
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: ctx.now(),
        actor: actorOf(principal),
        action: 'declaration.read',
        subject: `declaration:${id}`,
        details: JSON.stringify({ kind: row.kind }),
      })
      .execute();
    const personal: unknown = JSON.parse(
      decryptTextAtRest(ctx.secrets.dataEncryptionKey, DECLARATION_PURPOSE, enc),
    );
    return { ...declarationView(row), personal };
  });
}

/** The daily reports of declaration `id`, decrypted, audited (`declaration.daily_reports.read`) in the same transaction. */
export async function readDailyReports(
  ctx: AppContext,
  principal: AuditActor,
  id: string,
  scope: AdminScope,
): Promise<{ declarationId: string; reports: { day: string; reportedAt: string; report: unknown }[] }> {
  return ctx.storage.transaction(async (trx) => {
    const row = await findDeclaration(trx, id);
    if (!row || !inAdminScope(scope, row.province_code, row.district_code)) throw notFound(id);
    const reports = await listDailyReports(trx, id);
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: ctx.now(),
        actor: actorOf(principal),
        action: 'declaration.daily_reports.read',
        subject: `declaration:${id}`,
        details: JSON.stringify({ reports: reports.length }),
      })
      .execute();
    return {
      declarationId: id,
      reports: reports.map((r) => ({
        day: r.day,
        reportedAt: iso(r.created_at),
        report: JSON.parse(
          decryptTextAtRest(ctx.secrets.dataEncryptionKey, DAILY_REPORT_PURPOSE, r.report_enc),
        ),
      })),
    };
  });
}

/**
 * Sets the status of declaration `id` (a health officer's decision), with the audit entry
 * `declaration.status` and the partners' webhooks, in one transaction. Unchanged status: no-op.
 */
export async function changeDeclarationStatus(
  ctx: AppContext,
  principal: AuditActor,
  id: string,
  status: Exclude<DeclarationStatus, 'declared'>,
  scope: AdminScope,
): Promise<DeclarationView> {
  const now = ctx.now();
  return ctx.storage.transaction(async (trx) => {
    const row = await findDeclaration(trx, id);
    if (!row || !inAdminScope(scope, row.province_code, row.district_code)) throw notFound(id);
    // Back under monitoring after it ended: another MONITORING_DAYS from now.
    const restart =
      status === 'monitoring' && (row.monitoring_until === null || row.monitoring_until <= now)
        ? {
            monitoringUntil: now + MONITORING_DAYS * DAY_MS,
            validUntil: Math.max(row.valid_until, now + MONITORING_DAYS * DAY_MS),
          }
        : undefined;
    if (await updateDeclarationStatus(trx, id, status, now, restart)) {
      await trx
        .insertInto('audit_log')
        .values({
          id: newId('aud_'),
          at: now,
          actor: actorOf(principal),
          action: 'declaration.status',
          subject: `declaration:${id}`,
          details: JSON.stringify({ from: row.status, to: status }),
        })
        .execute();
      const latest = await latestDeclaration(trx, row.phone_id);
      // Partners see the person's current status: only a change of the latest declaration is one.
      if (latest?.id === id)
        await enqueueStatusChange(
          trx,
          ctx,
          row.phone_id,
          { ...row, status, valid_until: restart?.validUntil ?? row.valid_until },
          now,
        );
    }
    const updated = await findDeclaration(trx, id);
    return declarationView(updated ?? row);
  });
}
