/**
 * Storage of contact lists: published keys by hash, contacts (one per case and phone number),
 * recursive-case links, case closing, and the retention purge. Every function takes a Kysely
 * handle — the database or a transaction; writes of more than one row run in the caller's
 * transaction.
 *
 * Queries that read a case's data take an {@link AdminScope} (auth.ts): the caller's province
 * and districts (`cases.province_code`, `district_code`), so that an authority sees only its own cases.
 *
 * @module
 */
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { AdminScope } from '../../auth.js';
import type { ContactsTable } from '../../storage/contacts.table.js';
import type { Database } from '../../storage/database.js';
import type { Dialect } from '../../storage/storage.js';

/** A stored contact. */
export type ContactRow = ContactsTable;

/** Contact levels. */
export type ContactLevel = 'F1' | 'F2';

export type { AdminScope } from '../../auth.js';

/** Restricts a query over `cases` to `scope`. */
function inScope<O>(
  query: SelectQueryBuilder<Database, 'cases', O>,
  scope: AdminScope,
): SelectQueryBuilder<Database, 'cases', O> {
  if (scope.provinceCode === undefined) return query;
  const inProvince = query.where('cases.province_code', '=', scope.provinceCode);
  return scope.districtCodes === undefined
    ? inProvince
    : inProvince.where('cases.district_code', 'in', [...scope.districtCodes, '']);
}

/** A published key that an exposure report named, with what decides the contact's level. */
export interface ReportedKey {
  readonly caseId: string;
  /** The key's report type now (the revised one if it was revised). */
  readonly reportType: number;
}

/** Most hashes in one `in (…)` list (SQLite's variable limit is far above it). */
const IN_CHUNK = 500;

/**
 * The published keys whose SHA-256 is among `hashes` and whose case is open or closed after
 * `closedAfter` (a case past its contact retention takes no new contacts). Keys published
 * before migration 0008 have no case and are not returned.
 */
export async function findReportedKeys(
  db: Kysely<Database>,
  hashes: readonly Uint8Array[],
  closedAfter: number,
): Promise<ReportedKey[]> {
  const found: ReportedKey[] = [];
  for (let i = 0; i < hashes.length; i += IN_CHUNK) {
    const chunk = hashes.slice(i, i + IN_CHUNK);
    const rows = await db
      .selectFrom('exposures')
      .innerJoin('cases', 'cases.id', 'exposures.case_id')
      .select(['exposures.case_id', 'exposures.report_type', 'exposures.revised_report_type'])
      .where('exposures.key_hash', 'in', chunk)
      .where((eb) => eb.or([eb('cases.closed_at', 'is', null), eb('cases.closed_at', '>', closedAfter)]))
      .execute();
    for (const row of rows) {
      if (row.case_id === null) continue;
      found.push({ caseId: row.case_id, reportType: row.revised_report_type ?? row.report_type });
    }
  }
  return found;
}

/** What one report adds to one case's list. */
export interface ContactReport {
  readonly caseId: string;
  readonly level: ContactLevel;
  readonly phoneId: string;
  /** YYYY-MM-DD, ascending, unique. */
  readonly exposureDays: readonly string[];
  readonly maxRiskLevel: number;
  /** Keys of this case the report matched. */
  readonly matchedKeys: number;
  readonly reportId: string;
  readonly now: number;
}

/**
 * Adds the reporting number to a case's list, or — when it is on the list already — merges the
 * report into its row: the union of the exposure days, the higher risk, the report count. Run it
 * in a transaction; concurrent reports of one number for one case serialize on the row (PostgreSQL
 * row lock; SQLite has one writer). Returns the contact's ID and whether it is new.
 */
export async function upsertContact(
  db: Kysely<Database>,
  dialect: Dialect,
  report: ContactReport,
  newContactId: string,
): Promise<{ readonly id: string; readonly created: boolean }> {
  const inserted = await db
    .insertInto('contacts')
    .values({
      id: newContactId,
      case_id: report.caseId,
      level: report.level,
      phone_id: report.phoneId,
      exposure_days: JSON.stringify(report.exposureDays),
      max_risk_level: report.maxRiskLevel,
      status: 'reported',
      matched_keys: report.matchedKeys,
      report_count: 1,
      reported_at: report.now,
      updated_at: report.now,
      last_report_id: report.reportId,
      purged_at: null,
    })
    .onConflict((oc) => oc.columns(['case_id', 'phone_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };

  let query = db
    .selectFrom('contacts')
    .select(['id', 'exposure_days', 'max_risk_level', 'matched_keys', 'report_count'])
    .where('case_id', '=', report.caseId)
    .where('phone_id', '=', report.phoneId);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirstOrThrow();
  const days = new Set<string>(row.exposure_days === null ? [] : (JSON.parse(row.exposure_days) as string[]));
  for (const day of report.exposureDays) days.add(day);
  await db
    .updateTable('contacts')
    .set({
      exposure_days: JSON.stringify([...days].sort()),
      max_risk_level: Math.max(row.max_risk_level ?? 0, report.maxRiskLevel),
      matched_keys: Math.max(row.matched_keys, report.matchedKeys),
      report_count: row.report_count + 1,
      updated_at: report.now,
      last_report_id: report.reportId,
    })
    .where('id', '=', row.id)
    .execute();
  return { id: row.id, created: false };
}

/** A contact with its case's province, closing time and recursive case. */
export interface ContactWithCase extends ContactRow {
  readonly province_code: string;
  readonly case_closed_at: number | null;
  readonly recursive_case_id: string | null;
}

function contactsWithCase(db: Kysely<Database>) {
  return db
    .selectFrom('cases')
    .innerJoin('contacts', 'contacts.case_id', 'cases.id')
    .leftJoin('cases as recursive', 'recursive.source_contact_id', 'contacts.id')
    .selectAll('contacts')
    .select([
      'cases.province_code',
      'cases.closed_at as case_closed_at',
      'recursive.id as recursive_case_id',
    ]);
}

/** The contact with `id` in `scope`, if any. */
export async function findContact(
  db: Kysely<Database>,
  id: string,
  scope: AdminScope,
): Promise<ContactWithCase | undefined> {
  let query = contactsWithCase(db).where('contacts.id', '=', id);
  if (scope.provinceCode !== undefined) query = query.where('cases.province_code', '=', scope.provinceCode);
  if (scope.provinceCode !== undefined && scope.districtCodes !== undefined)
    query = query.where('cases.district_code', 'in', [...scope.districtCodes, '']);
  return query.executeTakeFirst();
}

/** Position in a contact list (oldest first): the last contact of the previous page. */
export interface ContactListPosition {
  readonly reportedAt: number;
  readonly id: string;
}

/** A case's contacts, oldest report first (ties by ID), after `after`, at most `limit`. */
export async function listContacts(
  db: Kysely<Database>,
  caseId: string,
  options: { readonly limit: number; readonly after?: ContactListPosition | undefined },
): Promise<ContactWithCase[]> {
  let query = contactsWithCase(db).where('contacts.case_id', '=', caseId);
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('contacts.reported_at', '>', after.reportedAt),
        eb.and([eb('contacts.reported_at', '=', after.reportedAt), eb('contacts.id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('contacts.reported_at').orderBy('contacts.id').limit(options.limit).execute();
}

/** Every contact of the given cases (for the graph), oldest first. */
export async function contactsOfCases(
  db: Kysely<Database>,
  caseIds: readonly string[],
): Promise<ContactWithCase[]> {
  if (caseIds.length === 0) return [];
  const out: ContactWithCase[] = [];
  for (let i = 0; i < caseIds.length; i += IN_CHUNK) {
    out.push(
      ...(await contactsWithCase(db)
        .where('contacts.case_id', 'in', caseIds.slice(i, i + IN_CHUNK))
        .orderBy('contacts.reported_at')
        .orderBy('contacts.id')
        .execute()),
    );
  }
  return out;
}

/** A contact with its case's place and its workflow columns, as the province-wide list reads it. */
export interface ListedContact extends ContactWithCase {
  readonly district_code: string | null;
  readonly workflow_status: string;
  readonly assigned_to: string | null;
  readonly workflow_updated_at: number | null;
  readonly confirmed_case_id: string | null;
}

/** Filters of the province-wide contact list; all optional, combined with AND. */
export interface ContactListFilter {
  readonly provinceCode?: string | undefined;
  readonly districtCode?: string | undefined;
  readonly level?: ContactLevel | undefined;
  /** A workflow status (contact-workflow.ts `CONTACT_STATUSES`). */
  readonly workflowStatus?: string | undefined;
  /** At least one exposure day on or after this day (YYYY-MM-DD). */
  readonly exposureFrom?: string | undefined;
  /** At least one exposure day on or before this day (YYYY-MM-DD). */
  readonly exposureTo?: string | undefined;
  /** A user ID, or null for the contacts assigned to nobody. */
  readonly assignedTo?: string | null | undefined;
  readonly caseId?: string | undefined;
}

/**
 * Whether one of a contact's exposure days (a JSON array of YYYY-MM-DD) lies in [from, to]: the
 * days are JSON text, so each engine unpacks them its own way. Days deleted by retention (null)
 * match nothing.
 */
function exposureDayBetween(dialect: Dialect, from: string, to: string) {
  return dialect === 'postgres'
    ? sql<boolean>`exists (select 1 from jsonb_array_elements_text(contacts.exposure_days::jsonb) as d(day) where d.day >= ${from} and d.day <= ${to})`
    : sql<boolean>`exists (select 1 from json_each(contacts.exposure_days) as d where d.value >= ${from} and d.value <= ${to})`;
}

/**
 * The contacts of the cases in `scope` matching `filter`, newest report first (ties by ID,
 * descending), after `after`, at most `limit`. A filter outside the scope simply matches nothing.
 */
export async function listContactsInScope(
  db: Kysely<Database>,
  dialect: Dialect,
  scope: AdminScope,
  filter: ContactListFilter,
  options: { readonly limit: number; readonly after?: ContactListPosition | undefined },
): Promise<ListedContact[]> {
  let query = db
    .selectFrom('cases')
    .innerJoin('contacts', 'contacts.case_id', 'cases.id')
    .leftJoin('cases as recursive', 'recursive.source_contact_id', 'contacts.id')
    .selectAll('contacts')
    .select([
      'cases.province_code',
      'cases.district_code',
      'cases.closed_at as case_closed_at',
      'recursive.id as recursive_case_id',
    ]);
  if (scope.provinceCode !== undefined) query = query.where('cases.province_code', '=', scope.provinceCode);
  if (scope.provinceCode !== undefined && scope.districtCodes !== undefined)
    query = query.where('cases.district_code', 'in', [...scope.districtCodes, '']);
  if (filter.provinceCode !== undefined) query = query.where('cases.province_code', '=', filter.provinceCode);
  if (filter.districtCode !== undefined) query = query.where('cases.district_code', '=', filter.districtCode);
  if (filter.caseId !== undefined) query = query.where('contacts.case_id', '=', filter.caseId);
  if (filter.level !== undefined) query = query.where('contacts.level', '=', filter.level);
  if (filter.workflowStatus !== undefined)
    query = query.where('contacts.workflow_status', '=', filter.workflowStatus);
  if (filter.assignedTo === null) query = query.where('contacts.assigned_to', 'is', null);
  else if (filter.assignedTo !== undefined)
    query = query.where('contacts.assigned_to', '=', filter.assignedTo);
  if (filter.exposureFrom !== undefined || filter.exposureTo !== undefined) {
    query = query.where(
      exposureDayBetween(dialect, filter.exposureFrom ?? '0000-00-00', filter.exposureTo ?? '9999-99-99'),
    );
  }
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('contacts.reported_at', '<', after.reportedAt),
        eb.and([eb('contacts.reported_at', '=', after.reportedAt), eb('contacts.id', '<', after.id)]),
      ]),
    );
  }
  return query
    .orderBy('contacts.reported_at', 'desc')
    .orderBy('contacts.id', 'desc')
    .limit(options.limit)
    .execute();
}

/** The fields of a case the contact features read. */
export interface CaseSummary {
  readonly id: string;
  readonly test_type: string;
  readonly province_code: string;
  readonly district_code: string | null;
  readonly closed_at: number | null;
  readonly parent_case_id: string | null;
  readonly source_contact_id: string | null;
}

/** The case with `id` in `scope`, if any. */
export async function findCaseSummary(
  db: Kysely<Database>,
  id: string,
  scope: AdminScope,
): Promise<CaseSummary | undefined> {
  return inScope(
    db
      .selectFrom('cases')
      .select([
        'cases.id',
        'cases.test_type',
        'cases.province_code',
        'cases.district_code',
        'cases.closed_at',
        'cases.parent_case_id',
        'cases.source_contact_id',
      ]),
    scope,
  )
    .where('cases.id', '=', id)
    .executeTakeFirst();
}

/**
 * Marks contact `id` as made into a recursive case, if it is still an F1 contact with its
 * personal data and no recursive case. Returns false, changing nothing, otherwise. Concurrent
 * calls for one contact: one wins (the row is locked by the update until its transaction ends).
 */
export async function claimContactForRecursiveCase(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('contacts')
    .set({ status: 'recursive_case' })
    .where('id', '=', id)
    .where('status', '=', 'reported')
    .where('level', '=', 'F1')
    .where('purged_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Closes case `id` at `now` unless it is closed already. Returns its closing time (the earlier
 * one for a case closed before) and whether this call closed it; undefined for an unknown case.
 */
export async function closeCase(
  db: Kysely<Database>,
  id: string,
  now: number,
): Promise<{ readonly closedAt: number; readonly closedNow: boolean } | undefined> {
  const updated = await db
    .updateTable('cases')
    .set({ closed_at: now })
    .where('id', '=', id)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return { closedAt: now, closedNow: true };
  const row = await db.selectFrom('cases').select('closed_at').where('id', '=', id).executeTakeFirst();
  if (!row || row.closed_at === null) return undefined;
  return { closedAt: row.closed_at, closedNow: false };
}

/**
 * Deletes the personal data of the contacts of cases closed before `closedBefore`: the phone
 * link, exposure days, risk and report ID. The row stays, anonymous (level, status, times and
 * counts), so that tracing statistics and recursive-case links survive. Returns how many
 * contacts were purged.
 */
export async function purgeContactsOfClosedCases(
  db: Kysely<Database>,
  closedBefore: number,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('contacts')
    .set({ phone_id: null, exposure_days: null, max_risk_level: null, last_report_id: null, purged_at: now })
    .where('purged_at', 'is', null)
    .where('case_id', 'in', (eb) =>
      eb.selectFrom('cases').select('cases.id').where('cases.closed_at', '<', closedBefore),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
