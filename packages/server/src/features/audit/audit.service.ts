/**
 * Reading the audit log (docs/api.md, "Audit log"): filtered, newest first, in pages, and as
 * CSV. The log is append-only: this module — like the whole API — only reads it. National
 * callers see every entry; a province admin sees the entries about the objects of their
 * province — its cases, the contacts on those cases, its users — and the entries its users
 * wrote. Entries about nothing of a province (e.g. failed logins of unknown usernames, key
 * rotation) are national only.
 *
 * @module
 */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { AdminScope } from '../../auth.js';
import type { Database } from '../../storage/database.js';
import type { AuditLogTable } from '../../storage/foundation.table.js';

/** Filters of an audit log read; all optional, combined with AND. */
export interface AuditFilter {
  /** Exact actor, e.g. `user:usr_…`. */
  readonly actor?: string | undefined;
  /** Exact action, e.g. `contact.phone.reveal`. */
  readonly action?: string | undefined;
  /** Exact subject, e.g. `contact:con_…`. */
  readonly subject?: string | undefined;
  /** From this time on (Unix ms, inclusive). */
  readonly from?: number | undefined;
  /** Before this time (Unix ms, exclusive). */
  readonly to?: number | undefined;
}

/** Position in the log (newest first): the last entry of the previous page. */
export interface AuditPosition {
  readonly at: number;
  readonly id: string;
}

function provinceEntries(eb: ExpressionBuilder<Database, 'audit_log'>, province: string) {
  const prefixed = (prefix: string, column: string) => sql<string>`${sql.lit(prefix)} || ${sql.ref(column)}`;
  return eb.or([
    eb(
      'audit_log.subject',
      'in',
      eb
        .selectFrom('cases')
        .select(prefixed('case:', 'cases.id').as('s'))
        .where('cases.province_code', '=', province),
    ),
    eb(
      'audit_log.subject',
      'in',
      eb
        .selectFrom('contacts')
        .innerJoin('cases', 'cases.id', 'contacts.case_id')
        .select(prefixed('contact:', 'contacts.id').as('s'))
        .where('cases.province_code', '=', province),
    ),
    eb(
      'audit_log.subject',
      'in',
      eb
        .selectFrom('users')
        .select(prefixed('user:', 'users.id').as('s'))
        .where('users.province_code', '=', province),
    ),
    eb(
      'audit_log.actor',
      'in',
      eb
        .selectFrom('users')
        .select(prefixed('user:', 'users.id').as('s'))
        .where('users.province_code', '=', province),
    ),
  ]);
}

/**
 * The entries matching `filter` in `scope`, newest first (ties by ID, descending), after
 * `after`, at most `limit`.
 */
export async function listAuditEntries(
  db: Kysely<Database>,
  scope: AdminScope,
  filter: AuditFilter,
  options: { readonly limit: number; readonly after?: AuditPosition | undefined },
): Promise<AuditLogTable[]> {
  let query = db.selectFrom('audit_log').selectAll('audit_log');
  if (filter.actor !== undefined) query = query.where('audit_log.actor', '=', filter.actor);
  if (filter.action !== undefined) query = query.where('audit_log.action', '=', filter.action);
  if (filter.subject !== undefined) query = query.where('audit_log.subject', '=', filter.subject);
  if (filter.from !== undefined) query = query.where('audit_log.at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('audit_log.at', '<', filter.to);
  const province = scope.provinceCode;
  if (province !== undefined) query = query.where((eb) => provinceEntries(eb, province));
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('audit_log.at', '<', after.at),
        eb.and([eb('audit_log.at', '=', after.at), eb('audit_log.id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

/** An entry as the API shows it (`details` parsed). */
export interface AuditEntryView {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly details: unknown;
}

/** The API view of an entry. */
export function auditEntryView(row: AuditLogTable): AuditEntryView {
  let details: unknown = row.details;
  if (row.details !== null) {
    try {
      details = JSON.parse(row.details);
    } catch {
      details = row.details;
    }
  }
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details,
  };
}
