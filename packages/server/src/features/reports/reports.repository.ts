/**
 * Queries of the register of issued reports, written once for SQLite and PostgreSQL: the next
 * number of a series, the issued report with its files (one transaction, with the audit entry),
 * the register's pages, single reports and files, and drafts.
 *
 * @module
 */
import type { Kysely, Selectable } from 'kysely';
import type { AdminScope } from '../../auth.js';
import type { Database } from '../../storage/database.js';
import type { ReportDraftsTable, ReportFilesTable, ReportsTable } from '../../storage/reports.table.js';

export type ReportRow = Selectable<ReportsTable>;
export type ReportFileRow = Selectable<ReportFilesTable>;
export type ReportFileInfo = Omit<ReportFileRow, 'bytes'>;
export type ReportDraftRow = Selectable<ReportDraftsTable>;

/** The next number of `series` in `year` (1 for the first). */
export async function nextReportSeq(db: Kysely<Database>, series: string, year: number): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('series', '=', series)
    .where('year', '=', year)
    .executeTakeFirst();
  return Number(row?.seq ?? 0) + 1;
}

/** Whether `series`/`year` already has number `seq`. */
export async function reportSeqTaken(
  db: Kysely<Database>,
  series: string,
  year: number,
  seq: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('reports')
    .select('id')
    .where('series', '=', series)
    .where('year', '=', year)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts a report and its files (call inside a transaction). */
export async function insertReport(
  db: Kysely<Database>,
  report: ReportRow,
  files: readonly ReportFileRow[],
): Promise<void> {
  await db.insertInto('reports').values(report).execute();
  for (const file of files) await db.insertInto('report_files').values(file).execute();
}

const REPORT_COLUMNS = [
  'id',
  'kind',
  'series',
  'year',
  'seq',
  'number',
  'province_code',
  'report_date',
  'as_of',
  'params',
  'content',
  'figures',
  'author',
  'created_at',
] as const;

export async function findReport(db: Kysely<Database>, id: string): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').select(REPORT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** The files of reports `ids` without their bytes, by report id. */
export async function reportFileInfos(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, ReportFileInfo[]>> {
  const byReport = new Map<string, ReportFileInfo[]>();
  if (ids.length === 0) return byReport;
  const rows = await db
    .selectFrom('report_files')
    .select(['report_id', 'format', 'content_type', 'sha256', 'size'])
    .where('report_id', 'in', [...ids])
    .orderBy('report_id')
    .orderBy('format')
    .execute();
  for (const r of rows) {
    const list = byReport.get(r.report_id) ?? [];
    list.push({ ...r, size: Number(r.size) });
    byReport.set(r.report_id, list);
  }
  return byReport;
}

export async function findReportFile(
  db: Kysely<Database>,
  id: string,
  format: string,
): Promise<ReportFileRow | undefined> {
  const row = await db
    .selectFrom('report_files')
    .selectAll()
    .where('report_id', '=', id)
    .where('format', '=', format)
    .executeTakeFirst();
  return row && { ...row, bytes: new Uint8Array(row.bytes), size: Number(row.size) };
}

/** Position of the last row of a page (newest first). */
export interface ReportListPosition {
  readonly createdAt: number;
  readonly id: string;
}

/** Filters of the register. */
export interface ReportListFilter {
  readonly kind?: string | undefined;
  readonly provinceCode?: string | undefined;
  readonly year?: number | undefined;
  readonly scope: AdminScope;
  readonly limit: number;
  readonly after?: ReportListPosition | undefined;
}

/**
 * A page of the register, newest first. A caller scoped to a province sees only that province's
 * quick reports.
 */
export async function listReports(db: Kysely<Database>, filter: ReportListFilter): Promise<ReportRow[]> {
  let q = db.selectFrom('reports').select(REPORT_COLUMNS);
  if (filter.scope.provinceCode !== undefined)
    q = q.where('province_code', '=', filter.scope.provinceCode).where('kind', '=', 'quick');
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
  if (filter.provinceCode !== undefined) q = q.where('province_code', '=', filter.provinceCode);
  if (filter.year !== undefined) q = q.where('year', '=', filter.year);
  const after = filter.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({ ...r, as_of: Number(r.as_of), created_at: Number(r.created_at) }));
}

export async function insertDraft(db: Kysely<Database>, draft: ReportDraftRow): Promise<void> {
  await db.insertInto('report_drafts').values(draft).execute();
}

export async function updateDraft(
  db: Kysely<Database>,
  id: string,
  changes: Pick<ReportDraftRow, 'kind' | 'province_code' | 'body' | 'author' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('report_drafts').set(changes).where('id', '=', id).execute();
}

export async function findDraft(db: Kysely<Database>, id: string): Promise<ReportDraftRow | undefined> {
  return db.selectFrom('report_drafts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteDraft(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('report_drafts').where('id', '=', id).execute();
}

/** Drafts visible in `scope`, most recently saved first. */
export async function listDrafts(
  db: Kysely<Database>,
  scope: AdminScope,
  limit: number,
): Promise<ReportDraftRow[]> {
  let q = db.selectFrom('report_drafts').selectAll();
  if (scope.provinceCode !== undefined)
    q = q.where('province_code', '=', scope.provinceCode).where('kind', '=', 'quick');
  return q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Display names of audit actors: the username of `user:<id>`, the name of `apikey:<id>`, `cli` as
 * is. Actors that no longer exist keep their actor text.
 */
export async function authorNames(
  db: Kysely<Database>,
  authors: readonly string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>(authors.map((a) => [a, a]));
  const ids = (prefix: string) => [
    ...new Set(authors.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length))),
  ];
  const users = ids('user:');
  const keys = ids('apikey:');
  if (users.length > 0)
    for (const u of await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', 'in', users)
      .execute())
      names.set(`user:${u.id}`, u.username);
  if (keys.length > 0)
    for (const k of await db.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', keys).execute())
      names.set(`apikey:${k.id}`, `API key ${k.name}`);
  return names;
}
