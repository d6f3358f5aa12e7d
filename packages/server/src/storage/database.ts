/**
 * The database schema as TypeScript types (one interface per table, snake_case columns as
 * stored). Each feature declares its tables in its own `*.table.ts`; {@link Database} joins them.
 *
 * Portable conventions, so that one query runs on SQLite and PostgreSQL alike:
 * - times are integer Unix milliseconds (`bigint` in PostgreSQL, parsed to `number`);
 * - dates are `YYYY-MM-DD` text; booleans are nullable timestamps (`verified_at`) or 0/1 integers;
 * - binary is `Uint8Array` (`bytea` / `blob`); IDs are random text, never sequential.
 *
 * @module
 */
import type { CasesTable, CaseTables } from './cases.table.js';
import type { ContactWorkflowColumns, ContactWorkflowTables } from './contact-workflow.table.js';
import type {
  CaseContactColumns,
  ContactsTable,
  ContactTables,
  ExposureContactColumns,
} from './contacts.table.js';
import type { DeclarationTables } from './declarations.table.js';
import type { ExposuresTable, ExposureTables } from './exposures.table.js';
import type { ApiKeysTable, FoundationTables, InstallsTable } from './foundation.table.js';
import type { InboxTables } from './inbox.table.js';
import type { JobTables } from './jobs.table.js';
import type { ApiKeyPartnerColumns, PartnerTables } from './partners.table.js';
import type { PhoneTables } from './phones.table.js';
import type { ReportTables } from './reports.table.js';
import type { SigningKeyTables } from './signing-keys.table.js';
import type { InstallStatsColumns, StatsTables } from './stats.table.js';
import type { UserTables } from './users.table.js';

/** Every table. */
export interface Database
  extends CaseTables,
    FoundationTables,
    SigningKeyTables,
    JobTables,
    InboxTables,
    PhoneTables,
    ExposureTables,
    ContactTables,
    ContactWorkflowTables,
    UserTables,
    StatsTables,
    DeclarationTables,
    PartnerTables,
    ReportTables {
  /** With the columns `0008-contacts` adds (closing, recursive-case links). */
  cases: CasesTable & CaseContactColumns;
  /** With the columns `0008-contacts` adds (key hash, publishing case). */
  exposures: ExposuresTable & ExposureContactColumns;
  /** With the columns `0010-contact-workflow` adds (status, assignment, confirmed case). */
  contacts: ContactsTable & ContactWorkflowColumns;
  /** With the column `0012-stats` adds (the import an install came from). */
  installs: InstallsTable & InstallStatsColumns;
  /** With the columns `0014-partners` adds (partner, scopes). */
  api_keys: ApiKeysTable & ApiKeyPartnerColumns;
}
