/**
 * Tables of the foundation: installs and their activity, API keys, the audit log, job leases.
 *
 * @module
 */

export interface InstallsTable {
  id: string;
  /** SHA-256 of the device token; the token itself is never stored. */
  token_hash: Uint8Array;
  platform: string;
  app_version: string;
  province_code: string;
  district_code: string | null;
  /** Reference date of the administrative codes, YYYY-MM-DD. */
  admin_units_as_of: string;
  locale: string;
  created_at: number;
  last_active_at: number | null;
  phone_id: string | null;
  phone_verified_at: number | null;
  carrier: string | null;
}

export interface InstallDaysTable {
  install_id: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
}

export interface ApiKeysTable {
  id: string;
  /** SHA-256 of the key; the key is shown once at creation. */
  key_hash: Uint8Array;
  role: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: string;
  at: number;
  /** Who: `apikey:<id>`, `install:<id>`, `system`, later `user:<id>`. */
  actor: string;
  action: string;
  /** What it was done to, e.g. `case:<id>`. */
  subject: string | null;
  /** JSON with no personal data. */
  details: string | null;
}

export interface FoundationTables {
  installs: InstallsTable;
  install_days: InstallDaysTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
}
