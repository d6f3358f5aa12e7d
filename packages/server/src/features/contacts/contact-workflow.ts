/**
 * The contact workflow (docs/api.md, "Contact workflow"): the follow-up status of a contact
 * (mới → đã liên hệ → cách ly → xét nghiệm âm tính / dương tính → đóng) with its allowed
 * transitions, assignment to an officer of the contact's province, append-only notes (text
 * encrypted at rest, every read audited), and turning a positive contact into a confirmed (F0)
 * case with the cases feature's code issuing. Every change writes its audit entries in the same
 * transaction; no note text, phone number or code reaches the audit log or the logs.
 *
 * @module
 */
import { type AdminPrincipal, type AdminScope, actorOf, inAdminScope } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { decryptTextAtRest, encryptAtRest } from '../../encryption.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { RetentionTask } from '../../jobs/retention.js';
import { insertAuditEntry } from '../cases/cases.repository.js';
import { type IssuedCodes, insertCaseWithCodes, withCodeRetry } from '../cases/cases.service.js';
import {
  type ContactListFilter,
  type ContactListPosition,
  type ContactWithCase,
  findContact,
  listContactsInScope,
} from './contacts.repository.js';
import { type ContactView, contactView } from './contacts.service.js';
import { type CaseFieldsInput, caseFieldsFromParent } from './recursive-cases.js';

/** The follow-up statuses, in workflow order. */
export const CONTACT_STATUSES = [
  'new',
  'contacted',
  'quarantined',
  'tested_negative',
  'tested_positive',
  'closed',
] as const;
/** A follow-up status. */
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** One allowed status change; `adminOnly` changes need a national or province admin (or an admin key). */
interface Transition {
  readonly to: ContactStatus;
  readonly adminOnly: boolean;
}

/**
 * The allowed changes from each status: each step forward, one step back to correct a mistake
 * (a retest goes back to quarantine), and re-opening a closed contact — admins only.
 */
export const STATUS_TRANSITIONS: Readonly<Record<ContactStatus, readonly Transition[]>> = {
  new: [{ to: 'contacted', adminOnly: false }],
  contacted: [
    { to: 'quarantined', adminOnly: false },
    { to: 'new', adminOnly: false },
  ],
  quarantined: [
    { to: 'tested_negative', adminOnly: false },
    { to: 'tested_positive', adminOnly: false },
    { to: 'contacted', adminOnly: false },
  ],
  tested_negative: [
    { to: 'closed', adminOnly: false },
    { to: 'quarantined', adminOnly: false },
  ],
  tested_positive: [
    { to: 'closed', adminOnly: false },
    { to: 'quarantined', adminOnly: false },
  ],
  closed: [{ to: 'contacted', adminOnly: true }],
};

/** Whether `principal` is an admin of the workflow (may re-open): national or province admin, admin key. */
export function isWorkflowAdmin(principal: AdminPrincipal): boolean {
  return (
    principal.role === 'national_admin' || principal.role === 'province_admin' || principal.role === 'admin'
  );
}

/** Why `from` → `to` is refused for `principal`, or undefined when it is allowed. */
export function transitionProblem(
  from: ContactStatus,
  to: ContactStatus,
  principal: AdminPrincipal,
): string | undefined {
  const allowed = STATUS_TRANSITIONS[from];
  const step = allowed.find((t) => t.to === to);
  const list = allowed
    .filter((t) => !t.adminOnly || isWorkflowAdmin(principal))
    .map((t) => t.to)
    .join(', ');
  if (step === undefined)
    return `a ${from} contact cannot become ${to}; from ${from} it may become ${list || 'nothing'}`;
  if (step.adminOnly && !isWorkflowAdmin(principal))
    return `only a national or province admin may re-open a ${from} contact; ask one, or add a note`;
  return undefined;
}

/** Purpose (associated data) of encrypted note texts. */
export const NOTE_ENCRYPTION_PURPOSE = 'contact-note';

/** Longest note, in characters. */
export const MAX_NOTE_LENGTH = 4000;

/** Roles a contact may be assigned to. */
export const ASSIGNEE_ROLES = ['health_officer', 'province_admin'] as const;

/** A note as the API shows it. */
export interface NoteView {
  readonly id: string;
  readonly author: string;
  readonly createdAt: string;
  readonly text: string;
}

/** A contact with its workflow, as `GET /admin/v1/contacts/:id` shows it. */
export interface ContactDetail extends ContactView {
  readonly workflowStatus: ContactStatus;
  readonly assignedTo: string | null;
  readonly workflowUpdatedAt: string | null;
  readonly confirmedCaseId: string | null;
  /** Only for callers who may read personal data (reading them is audited). */
  readonly notes?: NoteView[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A contact with its case and its workflow columns. */
export interface WorkflowContact extends ContactWithCase {
  readonly workflow_status: string;
  readonly assigned_to: string | null;
  readonly workflow_updated_at: number | null;
  readonly confirmed_case_id: string | null;
}

function detailView(row: WorkflowContact): ContactDetail {
  return {
    ...contactView(row),
    workflowStatus: row.workflow_status as ContactStatus,
    assignedTo: row.assigned_to,
    workflowUpdatedAt: row.workflow_updated_at === null ? null : iso(row.workflow_updated_at),
    confirmedCaseId: row.confirmed_case_id,
  };
}

/** A contact of the province-wide list: its workflow view (no notes, no phone number) and its case's place. */
export interface ContactListItem extends ContactDetail {
  readonly provinceCode: string;
  readonly districtCode: string | null;
}

/** Most contact IDs one `contacts.list` audit entry names (a page holds at most 100). */
const MAX_AUDITED_IDS = 100;

/**
 * A page of the contacts in the caller's scope matching `filter`, newest report first, read in
 * one transaction with the audit entry `contacts.list` (the filter, the count and the IDs shown —
 * never exposure days or numbers). A filter outside the scope gives an empty page, not an error:
 * the list answers what the caller may see, like `GET /admin/v1/cases?provinceCode=`.
 */
export async function listContactsPage(
  ctx: AppContext,
  principal: AdminPrincipal,
  filter: ContactListFilter,
  options: { readonly limit: number; readonly after?: ContactListPosition | undefined },
): Promise<{ contacts: ContactListItem[]; next: ContactListPosition | undefined }> {
  const now = ctx.now();
  return ctx.storage.transaction(async (trx) => {
    const rows = await listContactsInScope(trx, ctx.storage.dialect, principal.scope, filter, {
      limit: options.limit + 1,
      after: options.after,
    });
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    const next =
      rows.length > options.limit && last !== undefined
        ? { reportedAt: last.reported_at, id: last.id }
        : undefined;
    // No subject: the entry is about many contacts, which its details name.
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: actorOf(principal),
        action: 'contacts.list',
        subject: null,
        details: JSON.stringify({
          filter,
          contacts: page.length,
          contactIds: page.slice(0, MAX_AUDITED_IDS).map((r) => r.id),
        }),
      })
      .execute();
    return {
      contacts: page.map((row) => ({
        ...detailView(row),
        provinceCode: row.province_code,
        districtCode: row.district_code,
      })),
      next,
    };
  });
}

/** The contact `id` in `scope`, or 404 (also outside the scope: IDs cannot be probed). */
export async function requireContact(
  ctx: AppContext,
  id: string,
  scope: AdminScope,
): Promise<WorkflowContact> {
  const contact = await findContact(ctx.storage.db, id, scope);
  if (!contact) {
    throw new ApiError(
      'not_found',
      `no contact ${JSON.stringify(id)}; take the contact’s id from GET /admin/v1/cases/{id}/contacts`,
    );
  }
  const workflow = await ctx.storage.db
    .selectFrom('contacts')
    .select(['workflow_status', 'assigned_to', 'workflow_updated_at', 'confirmed_case_id'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { ...contact, ...workflow };
}

/** A change of status and/or assignment; absent fields stay. */
export interface ContactChange {
  readonly status?: ContactStatus | undefined;
  /** A user ID, or null to unassign. */
  readonly assignedTo?: string | null | undefined;
}

async function checkAssignee(ctx: AppContext, contact: WorkflowContact, userId: string): Promise<void> {
  const user = await ctx.storage.db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('province_code', '=', contact.province_code)
    .where('role', 'in', [...ASSIGNEE_ROLES])
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!user) {
    // Unknown users and users of other provinces get the same answer: IDs cannot be probed.
    throw new ApiError(
      'invalid_assignee',
      `assignedTo ${JSON.stringify(userId)} is not an active health_officer or province_admin of province ${contact.province_code}; pick one from GET /admin/v1/users, or send null`,
    );
  }
}

/**
 * Changes a contact's status and/or assignment, checking the transition
 * ({@link STATUS_TRANSITIONS}) and the assignee, with the audit entries `contact.status` and
 * `contact.assign` in the same transaction. Setting the present value changes nothing. Throws
 * `not_found`, `invalid_status_transition`, `invalid_assignee`.
 */
export async function changeContact(
  ctx: AppContext,
  principal: AdminPrincipal,
  id: string,
  change: ContactChange,
): Promise<ContactDetail> {
  const contact = await requireContact(ctx, id, principal.scope);
  const from = contact.workflow_status as ContactStatus;
  const to = change.status !== undefined && change.status !== from ? change.status : undefined;
  if (to !== undefined) {
    const problem = transitionProblem(from, to, principal);
    if (problem) throw new ApiError('invalid_status_transition', problem);
  }
  const assign =
    change.assignedTo !== undefined && change.assignedTo !== contact.assigned_to
      ? change.assignedTo
      : undefined;
  if (typeof assign === 'string') await checkAssignee(ctx, contact, assign);
  if (to === undefined && assign === undefined) return detailView(contact);

  const now = ctx.now();
  const actor = actorOf(principal);
  await ctx.storage.transaction(async (trx) => {
    let update = trx.updateTable('contacts').set({ workflow_updated_at: now }).where('id', '=', id);
    if (to !== undefined) update = update.set({ workflow_status: to }).where('workflow_status', '=', from);
    if (assign !== undefined) update = update.set({ assigned_to: assign });
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new ApiError(
        'invalid_status_transition',
        `contact ${id} is no longer ${from} (it changed a moment ago); reload it and try again`,
      );
    }
    if (to !== undefined)
      await insertAuditEntry(trx, {
        id: newId('aud_'),
        at: now,
        actor,
        action: 'contact.status',
        subject: `contact:${id}`,
        details: { caseId: contact.case_id, from, to },
      });
    if (assign !== undefined)
      await insertAuditEntry(trx, {
        id: newId('aud_'),
        at: now,
        actor,
        action: 'contact.assign',
        subject: `contact:${id}`,
        details: { caseId: contact.case_id, from: contact.assigned_to, to: assign },
      });
  });
  return detailView(await requireContact(ctx, id, principal.scope));
}

/**
 * Appends a note to a contact, its text encrypted at rest, with the audit entry
 * `contact.note.add` (the note's ID and length, never its text). Notes cannot be edited or deleted.
 */
export async function addContactNote(
  ctx: AppContext,
  principal: AdminPrincipal,
  id: string,
  text: string,
): Promise<NoteView> {
  const contact = await requireContact(ctx, id, principal.scope);
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NOTE_LENGTH)
    throw new ApiError(
      'invalid_request',
      `body.text must be 1 to ${MAX_NOTE_LENGTH} characters (not only spaces)`,
    );
  const now = ctx.now();
  const author = actorOf(principal);
  const noteId = newId('note_');
  await ctx.storage.transaction(async (trx) => {
    await trx
      .insertInto('contact_notes')
      .values({
        id: noteId,
        contact_id: id,
        author,
        created_at: now,
        text_enc: encryptAtRest(ctx.secrets.dataEncryptionKey, NOTE_ENCRYPTION_PURPOSE, trimmed),
      })
      .execute();
    await insertAuditEntry(trx, {
      id: newId('aud_'),
      at: now,
      actor: author,
      action: 'contact.note.add',
      subject: `contact:${id}`,
      details: { caseId: contact.case_id, noteId, length: trimmed.length },
    });
  });
  return { id: noteId, author, createdAt: iso(now), text: trimmed };
}

/**
 * The contact with its workflow and, when `withNotes`, its notes (oldest first, decrypted).
 * Writes `contact.read` and, with the notes, `contact.notes.read` (the count), in one transaction.
 */
export async function readContactDetail(
  ctx: AppContext,
  principal: AdminPrincipal,
  id: string,
  withNotes: boolean,
): Promise<ContactDetail> {
  const contact = await requireContact(ctx, id, principal.scope);
  const now = ctx.now();
  const actor = actorOf(principal);
  return ctx.storage.transaction(async (trx) => {
    const detail = detailView(contact);
    await insertAuditEntry(trx, {
      id: newId('aud_'),
      at: now,
      actor,
      action: 'contact.read',
      subject: `contact:${id}`,
      details: { caseId: contact.case_id, notes: withNotes },
    });
    if (!withNotes) return detail;
    const rows = await trx
      .selectFrom('contact_notes')
      .selectAll()
      .where('contact_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const notes = rows.map((r) => ({
      id: r.id,
      author: r.author,
      createdAt: iso(r.created_at),
      text: decryptTextAtRest(
        ctx.secrets.dataEncryptionKey,
        NOTE_ENCRYPTION_PURPOSE,
        new Uint8Array(r.text_enc),
      ),
    }));
    await insertAuditEntry(trx, {
      id: newId('aud_'),
      at: now,
      actor,
      action: 'contact.notes.read',
      subject: `contact:${id}`,
      details: { caseId: contact.case_id, notes: notes.length },
    });
    return { ...detail, notes };
  });
}

/** What the authority may set for the confirmed case; the rest comes from the contact's case. */
export type NewConfirmedCase = CaseFieldsInput;

/** The codes of the confirmed case made from a contact. */
export interface IssuedConfirmedCase extends IssuedCodes {
  readonly contactId: string;
  /** The case on whose list the contact was. */
  readonly sourceCaseId: string;
}

/**
 * Turns a `tested_positive` contact into a new confirmed (F0) case and issues its codes (the
 * cases feature's `issueCodes`), linking the contact (`confirmed_case_id`), in one transaction
 * with `case.create`, `case.codes.issue` and `contact.confirmed_case`. Throws `not_found`,
 * `forbidden` (a province outside the scope), `invalid_request`, `contact_not_positive`,
 * `confirmed_case_exists`.
 */
export async function createConfirmedCaseFromContact(
  ctx: AppContext,
  principal: AdminPrincipal,
  id: string,
  input: NewConfirmedCase,
): Promise<IssuedConfirmedCase> {
  const contact = await requireContact(ctx, id, principal.scope);
  const exists = (caseId: string) =>
    new ApiError(
      'confirmed_case_exists',
      `contact ${id} is confirmed case ${caseId} already; issue new codes with POST /admin/v1/cases/${caseId}/codes`,
    );
  if (contact.confirmed_case_id !== null) throw exists(contact.confirmed_case_id);
  if (contact.workflow_status !== 'tested_positive') {
    throw new ApiError(
      'contact_not_positive',
      `contact ${id} is ${contact.workflow_status}; set its status to tested_positive (PATCH /admin/v1/contacts/${id}) before entering it as a case`,
    );
  }
  const now = ctx.now();
  const { provinceCode, districtCode, testDate, symptomDate } = await caseFieldsFromParent(
    ctx,
    contact.case_id,
    input,
    now,
  );
  if (!inAdminScope(principal.scope, provinceCode, districtCode)) {
    throw new ApiError(
      'forbidden',
      `you may enter cases only in your province ${principal.scope.provinceCode}`,
    );
  }

  const caseId = newId('case_');
  const actor = actorOf(principal);
  return withCodeRetry(() =>
    ctx.storage.transaction(async (trx) => {
      const claimed = await trx
        .updateTable('contacts')
        .set({ confirmed_case_id: caseId, workflow_updated_at: now })
        .where('id', '=', id)
        .where('confirmed_case_id', 'is', null)
        .where('workflow_status', '=', 'tested_positive')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) {
        const again = await trx
          .selectFrom('contacts')
          .select('confirmed_case_id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (again?.confirmed_case_id) throw exists(again.confirmed_case_id);
        throw new ApiError(
          'contact_not_positive',
          `contact ${id} is no longer tested_positive (it changed a moment ago); reload it`,
        );
      }
      const issued = await insertCaseWithCodes(ctx, trx, caseId, {
        record: {
          provinceCode,
          districtCode,
          testType: 'confirmed',
          symptomDate,
          testDate,
        },
        actor,
        now,
        auditDetails: { sourceContactId: id },
      });
      const audit = (action: string, subject: string, details: Record<string, unknown>) =>
        insertAuditEntry(trx, { id: newId('aud_'), at: now, actor, action, subject, details });
      await audit('contact.confirmed_case', `contact:${id}`, { caseId, sourceCaseId: contact.case_id });
      return { ...issued, contactId: id, sourceCaseId: contact.case_id };
    }),
  );
}

/** Deletes the notes of contacts whose personal data retention deleted (notes hold personal data). */
export const contactNotesRetentionTask: RetentionTask = {
  name: 'contactNotes',
  async purge(ctx) {
    const result = await ctx.storage.db
      .deleteFrom('contact_notes')
      .where('contact_id', 'in', (eb) =>
        eb.selectFrom('contacts').select('contacts.id').where('contacts.purged_at', 'is not', null),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};
