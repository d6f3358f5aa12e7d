/**
 * The contact workflow (docs/api.md, "Contact workflow"): each contact's follow-up status, the
 * officer it is assigned to, the confirmed case it became, and its notes. Added by migration
 * `0010-contact-workflow`.
 *
 * @module
 */
import type { Generated } from 'kysely';

/** Columns `0010-contact-workflow` adds to `contacts` (merged into {@link Database} `contacts`). */
export interface ContactWorkflowColumns {
  /** `new`, `contacted`, `quarantined`, `tested_negative`, `tested_positive` or `closed`. */
  workflow_status: Generated<string>;
  /** The user (health officer or province admin of the case's province) following the contact up. */
  assigned_to: string | null;
  /** When the status or the assignment last changed, Unix ms; null before. */
  workflow_updated_at: number | null;
  /** The confirmed (F0) case the contact became after a positive test; null before. */
  confirmed_case_id: string | null;
}

/** One note on a contact: append-only, the text encrypted at rest (it holds personal data). */
export interface ContactNotesTable {
  id: string;
  contact_id: string;
  /** Who wrote it: `user:<id>` or `apikey:<id>`. */
  author: string;
  created_at: number;
  /** `encryptAtRest(dataEncryptionKey, "contact-note", text)`. */
  text_enc: Uint8Array;
}

/** The tables of the contact workflow. */
export interface ContactWorkflowTables {
  contact_notes: ContactNotesTable;
}
