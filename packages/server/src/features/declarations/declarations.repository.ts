/**
 * Queries of health declarations: declarations, daily reports, and the retention purges. One
 * statement each; the service combines them in transactions.
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { AdminScope } from '../../auth.js';
import type { Database } from '../../storage/database.js';
import type { DailyReportsTable, DeclarationsTable } from '../../storage/declarations.table.js';

export type DeclarationRow = DeclarationsTable;
export type DailyReportRow = DailyReportsTable;

/** Columns of a declaration without its personal fields (lists). */
export type DeclarationListRow = Omit<DeclarationRow, 'personal_enc'>;

const LIST_COLUMNS = [
  'id',
  'install_id',
  'phone_id',
  'kind',
  'status',
  'province_code',
  'district_code',
  'declared_on',
  'monitoring_until',
  'valid_until',
  'source',
  'created_at',
  'status_changed_at',
] as const;

const numeric = <T extends DeclarationListRow>(row: T): T => ({
  ...row,
  created_at: Number(row.created_at),
  status_changed_at: Number(row.status_changed_at),
  valid_until: Number(row.valid_until),
  monitoring_until: row.monitoring_until === null ? null : Number(row.monitoring_until),
});

/** Stores a declaration. */
export async function insertDeclaration(db: Kysely<Database>, row: DeclarationRow): Promise<void> {
  await db.insertInto('declarations').values(row).execute();
}

/** The latest declaration of the person with phone `phoneId` (without personal fields). */
export async function latestDeclaration(
  db: Kysely<Database>,
  phoneId: string,
): Promise<DeclarationListRow | undefined> {
  const row = await db
    .selectFrom('declarations')
    .select(LIST_COLUMNS)
    .where('phone_id', '=', phoneId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : numeric(row);
}

/** Declaration `id` without personal fields, if it exists. */
export async function findDeclaration(
  db: Kysely<Database>,
  id: string,
): Promise<DeclarationListRow | undefined> {
  const row = await db
    .selectFrom('declarations')
    .select(LIST_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : numeric(row);
}

/** The encrypted personal fields of declaration `id`. */
export async function findPersonalFields(db: Kysely<Database>, id: string): Promise<Uint8Array | undefined> {
  const row = await db
    .selectFrom('declarations')
    .select('personal_enc')
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : new Uint8Array(row.personal_enc);
}

/** Filters of the admin list. */
export interface DeclarationFilter {
  readonly kind?: string | undefined;
  readonly status?: string | undefined;
  /** Only people under monitoring at this time (status monitoring, monitoring not over). */
  readonly monitoringAt?: number | undefined;
}

/** A position in a list (newest first). */
export interface DeclarationPosition {
  readonly createdAt: number;
  readonly id: string;
}

/** Declarations in `scope` matching `filter`, newest first, after `after`, at most `limit`. */
export async function listDeclarations(
  db: Kysely<Database>,
  scope: AdminScope,
  filter: DeclarationFilter,
  options: { readonly limit: number; readonly after?: DeclarationPosition | undefined },
): Promise<DeclarationListRow[]> {
  let query = db.selectFrom('declarations').select(LIST_COLUMNS);
  if (scope.provinceCode !== undefined) query = query.where('province_code', '=', scope.provinceCode);
  if (scope.districtCodes !== undefined) {
    if (scope.districtCodes.length === 0) return [];
    query = query.where('district_code', 'in', [...scope.districtCodes]);
  }
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.monitoringAt !== undefined)
    query = query.where('status', '=', 'monitoring').where('monitoring_until', '>', filter.monitoringAt);
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map(numeric);
}

/** Sets the status of declaration `id` (and, when given, its monitoring and validity ends); true if it changed. */
export async function updateDeclarationStatus(
  db: Kysely<Database>,
  id: string,
  status: string,
  now: number,
  monitoring?: { readonly monitoringUntil: number; readonly validUntil: number },
): Promise<boolean> {
  const result = await db
    .updateTable('declarations')
    .set({
      status,
      status_changed_at: now,
      ...(monitoring === undefined
        ? {}
        : { monitoring_until: monitoring.monitoringUntil, valid_until: monitoring.validUntil }),
    })
    .where('id', '=', id)
    .where('status', '!=', status)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Stores the report of a day, replacing an earlier one of the same declaration and day. Returns true if it replaced one. */
export async function upsertDailyReport(db: Kysely<Database>, row: DailyReportRow): Promise<boolean> {
  const stored = await db
    .insertInto('daily_reports')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['declaration_id', 'day'])
        .doUpdateSet({ report_enc: row.report_enc, created_at: row.created_at }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return stored.id !== row.id;
}

/** The daily reports of declaration `id`, by day. */
export async function listDailyReports(
  db: Kysely<Database>,
  declarationId: string,
): Promise<DailyReportRow[]> {
  const rows = await db
    .selectFrom('daily_reports')
    .selectAll()
    .where('declaration_id', '=', declarationId)
    .orderBy('day', 'asc')
    .execute();
  return rows.map((r) => ({
    ...r,
    created_at: Number(r.created_at),
    report_enc: new Uint8Array(r.report_enc),
  }));
}

/** Per declaration of `ids`: how many daily reports and the last day reported. */
export async function dailyReportCounts(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, { count: number; lastDay: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('daily_reports')
    .select((eb) => ['declaration_id', eb.fn.countAll<number>().as('n'), eb.fn.max('day').as('last')])
    .where('declaration_id', 'in', [...ids])
    .groupBy('declaration_id')
    .execute();
  return new Map(rows.map((r) => [r.declaration_id, { count: Number(r.n), lastDay: String(r.last) }]));
}

/**
 * Deletes the declarations (and their daily reports and QR tokens) made before `before` whose
 * monitoring, if any, ended before it too. Returns how many declarations.
 */
export async function purgeDeclarations(db: Kysely<Database>, before: number): Promise<number> {
  const expired = (eb: Kysely<Database>) =>
    eb
      .selectFrom('declarations')
      .select('id')
      .where('created_at', '<', before)
      .where((w) => w.or([w('monitoring_until', 'is', null), w('monitoring_until', '<', before)]));
  await db.deleteFrom('daily_reports').where('declaration_id', 'in', expired(db)).execute();
  await db.deleteFrom('qr_tokens').where('declaration_id', 'in', expired(db)).execute();
  const result = await db.deleteFrom('declarations').where('id', 'in', expired(db)).executeTakeFirst();
  return Number(result.numDeletedRows);
}
