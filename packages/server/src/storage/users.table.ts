/**
 * Health-authority users of the portal and the admin API, and their login sessions.
 *
 * @module
 */

/** A user account. */
export interface UsersTable {
  id: string;
  /** Lower-case, unique. */
  username: string;
  /** argon2id, PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
  password_hash: string;
  /** `national_admin`, `province_admin`, `health_officer` or `viewer`. */
  role: string;
  /** GSO province code; `null` = the whole country (national scope). */
  province_code: string | null;
  /** JSON array of GSO district codes the user is limited to; `null` = the whole province. */
  district_codes: string | null;
  /** Consecutive failed logins since the last success or lock. */
  failed_attempts: number;
  /** Logins are refused until this time (Unix ms); `null` = not locked. */
  locked_until: number | null;
  created_at: number;
  updated_at: number;
  /** When an admin disabled the account; `null` = active. */
  disabled_at: number | null;
}

/** A login session; the cookie carries the secret, the table only its SHA-256. */
export interface UserSessionsTable {
  /** SHA-256 of the session ID in the cookie. */
  id_hash: Uint8Array;
  user_id: string;
  /** The CSRF token bound to this session (sent back in `X-CSRF-Token`). */
  csrf_token: string;
  created_at: number;
  /** Last authenticated request (idle expiry counts from here). */
  last_seen_at: number;
  /** Absolute expiry (Unix ms). */
  expires_at: number;
}

export interface UserTables {
  users: UsersTable;
  user_sessions: UserSessionsTable;
}
