/**
 * What the health authority reads of contact lists: a case's contacts (the phone number only on
 * request, decrypted and audited per contact), the transmission graph from a case down through
 * its contacts' recursive cases, and the closing of a case, which starts the contact retention.
 * Every read of personal data writes an audit entry; no number is ever written to the audit log
 * or the logs.
 *
 * @module
 */
import { type AuditActor, actorOf } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { decryptTextAtRest } from '../../encryption.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { PHONE_ENCRYPTION_PURPOSE } from '../phones/phones.service.js';
import {
  type AdminScope,
  type CaseSummary,
  type ContactLevel,
  type ContactListPosition,
  type ContactWithCase,
  closeCase,
  contactsOfCases,
  findCaseSummary,
  listContacts,
} from './contacts.repository.js';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A contact as the admin API shows it. */
export interface ContactView {
  readonly id: string;
  readonly caseId: string;
  readonly level: ContactLevel;
  /** `reported`, or `recursive_case` once made a recursive case. */
  readonly status: string;
  /** Reported exposure days (YYYY-MM-DD); null once deleted by retention. */
  readonly exposureDays: string[] | null;
  readonly maxRiskLevel: number | null;
  readonly matchedKeys: number;
  readonly reportCount: number;
  readonly reportedAt: string;
  readonly updatedAt: string;
  readonly recursiveCaseId: string | null;
  /** When retention deleted the personal data; null before. */
  readonly purgedAt: string | null;
  /** E.164, only with `reveal=phone`; null when deleted. */
  readonly phoneNumber?: string | null;
}

/** The admin view of a stored contact (no phone number). */
export function contactView(row: ContactWithCase): ContactView {
  return {
    id: row.id,
    caseId: row.case_id,
    level: row.level as ContactLevel,
    status: row.status,
    exposureDays: row.exposure_days === null ? null : (JSON.parse(row.exposure_days) as string[]),
    maxRiskLevel: row.max_risk_level,
    matchedKeys: row.matched_keys,
    reportCount: row.report_count,
    reportedAt: iso(row.reported_at),
    updatedAt: iso(row.updated_at),
    recursiveCaseId: row.recursive_case_id,
    purgedAt: row.purged_at === null ? null : iso(row.purged_at),
  };
}

/** The level of the person a case stands for: F0 for a confirmed or likely case, F1 for a recursive one. */
export function caseLevel(testType: string): 'F0' | 'F1' {
  return testType === 'recursive' ? 'F1' : 'F0';
}

const caseNotFound = (id: string) =>
  new ApiError('not_found', `no case ${JSON.stringify(id)}; check the caseId returned when it was entered`);

/** The case `id` in `scope`, or 404. */
export async function requireCase(ctx: AppContext, id: string, scope: AdminScope): Promise<CaseSummary> {
  const found = await findCaseSummary(ctx.storage.db, id, scope);
  if (!found) throw caseNotFound(id);
  return found;
}

/** Options of a contact list read. */
export interface ListContactsOptions {
  readonly limit: number;
  readonly after?: ContactListPosition | undefined;
  /** Decrypt and show the phone numbers (audited per contact). */
  readonly revealPhone: boolean;
}

/**
 * A page of case `caseId`'s contacts, oldest report first. Writes `case.contacts.read` and, with
 * {@link ListContactsOptions.revealPhone}, one `contact.phone.reveal` per number shown.
 */
export async function readCaseContacts(
  ctx: AppContext,
  principal: AuditActor,
  caseId: string,
  options: ListContactsOptions,
  scope: AdminScope = {},
): Promise<{ contacts: ContactView[]; next: ContactListPosition | undefined }> {
  await requireCase(ctx, caseId, scope);
  const rows = await listContacts(ctx.storage.db, caseId, { limit: options.limit + 1, after: options.after });
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  const next =
    rows.length > options.limit && last !== undefined
      ? { reportedAt: last.reported_at, id: last.id }
      : undefined;
  const views: ContactView[] = page.map(contactView);
  const now = ctx.now();
  const actor = actorOf(principal);
  const audit: { id: string; at: number; actor: string; action: string; subject: string; details: string }[] =
    [
      {
        id: newId('aud_'),
        at: now,
        actor,
        action: 'case.contacts.read',
        subject: `case:${caseId}`,
        details: JSON.stringify({ contacts: page.length, revealPhone: options.revealPhone }),
      },
    ];
  if (options.revealPhone) {
    const phoneIds = [...new Set(page.flatMap((r) => (r.phone_id === null ? [] : [r.phone_id])))];
    const phones =
      phoneIds.length === 0
        ? []
        : await ctx.storage.db
            .selectFrom('phones')
            .select(['id', 'phone_enc'])
            .where('id', 'in', phoneIds)
            .execute();
    const numbers = new Map(
      phones.map((p) => [
        p.id,
        decryptTextAtRest(
          ctx.secrets.dataEncryptionKey,
          PHONE_ENCRYPTION_PURPOSE,
          new Uint8Array(p.phone_enc),
        ),
      ]),
    );
    page.forEach((row, i) => {
      const number = row.phone_id === null ? undefined : numbers.get(row.phone_id);
      views[i] = { ...views[i]!, phoneNumber: number ?? null };
      if (number !== undefined) {
        audit.push({
          id: newId('aud_'),
          at: now,
          actor,
          action: 'contact.phone.reveal',
          subject: `contact:${row.id}`,
          details: JSON.stringify({ caseId, level: row.level }),
        });
      }
    });
  }
  await ctx.storage.transaction((trx) => trx.insertInto('audit_log').values(audit).execute());
  return { contacts: views, next };
}

/** A node of the contact graph: a case, or a contact on a case's list. */
export interface GraphNode {
  readonly id: string;
  readonly kind: 'case' | 'contact';
  readonly level: 'F0' | 'F1' | 'F2';
}

/**
 * An edge: case → contact (an exposure: the contact's reported days and risk), or contact → the
 * recursive case made from it (the same person: no days, risk null).
 */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly exposureDays: string[];
  readonly maxRiskLevel: number | null;
}

/** The transmission graph below a case. */
export interface ContactGraph {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

/** Cases below the root, at most (F0 → recursive cases of F1s; a recursive case's contacts are F2, the end). */
const MAX_GRAPH_DEPTH = 4;

/**
 * The graph from case `caseId` down: its contacts, the recursive cases made from them, their
 * contacts, and so on. Writes the audit entry `case.graph.read` (counts only).
 */
export async function readContactGraph(
  ctx: AppContext,
  principal: AuditActor,
  caseId: string,
  scope: AdminScope = {},
): Promise<ContactGraph> {
  const root = await requireCase(ctx, caseId, scope);
  const nodes: GraphNode[] = [{ id: root.id, kind: 'case', level: caseLevel(root.test_type) }];
  const edges: GraphEdge[] = [];
  const seen = new Set<string>([root.id]);
  let frontier = [root.id];
  for (let depth = 0; depth < MAX_GRAPH_DEPTH && frontier.length > 0; depth++) {
    const contacts = await contactsOfCases(ctx.storage.db, frontier);
    const next: string[] = [];
    for (const contact of contacts) {
      if (seen.has(contact.id)) continue;
      seen.add(contact.id);
      const level = contact.level as ContactLevel;
      nodes.push({ id: contact.id, kind: 'contact', level });
      edges.push({
        from: contact.case_id,
        to: contact.id,
        exposureDays: contact.exposure_days === null ? [] : (JSON.parse(contact.exposure_days) as string[]),
        maxRiskLevel: contact.max_risk_level,
      });
      const recursive = contact.recursive_case_id;
      if (recursive !== null && !seen.has(recursive)) {
        seen.add(recursive);
        nodes.push({ id: recursive, kind: 'case', level: level === 'F1' ? 'F1' : 'F2' });
        edges.push({ from: contact.id, to: recursive, exposureDays: [], maxRiskLevel: null });
        next.push(recursive);
      }
    }
    // A recursive case entered in another province is shown but not expanded for a province user.
    frontier = [];
    for (const id of next)
      if (scope.provinceCode === undefined || (await findCaseSummary(ctx.storage.db, id, scope)))
        frontier.push(id);
  }
  await ctx.storage.db
    .insertInto('audit_log')
    .values({
      id: newId('aud_'),
      at: ctx.now(),
      actor: actorOf(principal),
      action: 'case.graph.read',
      subject: `case:${caseId}`,
      details: JSON.stringify({ nodes: nodes.length, edges: edges.length }),
    })
    .execute();
  return { nodes, edges };
}

/** The answer to closing a case. */
export interface ClosedCase {
  readonly caseId: string;
  readonly closedAt: string;
  /** When the retention job deletes the contact list's personal data and legacy matches. */
  readonly contactDataDeletedAfter: string;
}

/**
 * Closes case `caseId` (idempotent: a closed case keeps its first closing time), with the audit
 * entry `case.close` when it changed.
 */
export async function closeCaseById(
  ctx: AppContext,
  principal: AuditActor,
  caseId: string,
  scope: AdminScope = {},
): Promise<ClosedCase> {
  await requireCase(ctx, caseId, scope);
  const now = ctx.now();
  const closed = await ctx.storage.transaction(async (trx) => {
    const result = await closeCase(trx, caseId, now);
    if (!result) throw caseNotFound(caseId);
    if (result.closedNow) {
      await trx
        .insertInto('audit_log')
        .values({
          id: newId('aud_'),
          at: now,
          actor: actorOf(principal),
          action: 'case.close',
          subject: `case:${caseId}`,
          details: JSON.stringify({ contactRetentionDays: ctx.config.contactRetentionDays }),
        })
        .execute();
    }
    return result.closedAt;
  });
  return {
    caseId,
    closedAt: iso(closed),
    contactDataDeletedAfter: iso(closed + ctx.config.contactRetentionDays * DAY_MS),
  };
}
