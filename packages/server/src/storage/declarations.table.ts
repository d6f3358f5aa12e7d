/**
 * Tables of health declarations (docs/declarations.md): declarations with their personal fields
 * encrypted, daily symptom reports of people under monitoring, and the personal QR tokens issued.
 *
 * @module
 */

export interface DeclarationsTable {
  /** `dec_…`, random. */
  id: string;
  /** The install that declared (null once the install is gone). */
  install_id: string | null;
  /** The verified phone number of the declarant: the person whose status QR codes and partners see. */
  phone_id: string;
  /** `domestic` or `entry`. */
  kind: string;
  /** `declared`, `monitoring`, `cleared` or `revoked`. */
  status: string;
  /** Province (GSO) of the address (domestic) or of the quarantine/stay address (entry): the admin scope. */
  province_code: string;
  district_code: string | null;
  /** Every personal field as JSON, encrypted at rest (AES-256-GCM, purpose "declaration"). */
  personal_enc: Uint8Array;
  /** Day of the declaration in Vietnam, YYYY-MM-DD. */
  declared_on: string;
  /** End of health monitoring, Unix ms; null when not monitored. */
  monitoring_until: number | null;
  /** Until when the declaration counts for QR codes and partners, Unix ms. */
  valid_until: number;
  /** `device` or `partner:<id>`. */
  source: string;
  created_at: number;
  status_changed_at: number;
}

export interface DailyReportsTable {
  id: string;
  declaration_id: string;
  /** Day reported, YYYY-MM-DD (Vietnam); one report per declaration and day (a resend replaces it). */
  day: string;
  /** The report (symptoms, temperature, note) as JSON, encrypted (purpose "daily-report"). */
  report_enc: Uint8Array;
  created_at: number;
}

export interface QrTokensTable {
  /** SHA-256 of the token's `jti`. */
  jti_hash: Uint8Array;
  declaration_id: string;
  phone_id: string;
  /** The status the token shows. */
  status: string;
  created_at: number;
  expires_at: number;
}

export interface DeclarationTables {
  declarations: DeclarationsTable;
  daily_reports: DailyReportsTable;
  qr_tokens: QrTokensTable;
}
