/**
 * Confirmed cases and their upload authorization: verification codes (short and long, stored as
 * keyed hashes), verification tokens (stored as SHA-256), and the private counter of wrong codes
 * behind the verify lock-out. See docs/api.md, "Upload authorization".
 *
 * @module
 */

export interface CasesTable {
  id: string;
  province_code: string;
  district_code: string | null;
  /** Reference date of the administrative codes, YYYY-MM-DD. */
  admin_units_as_of: string;
  /** `confirmed` or `likely` (the certificate's reportType). */
  test_type: string;
  /** YYYY-MM-DD, or null when the case has no symptoms (or none were reported). */
  symptom_date: string | null;
  /** YYYY-MM-DD. */
  test_date: string;
  /** The certificate's `healthAuthority` claim: the authority that entered the case. */
  health_authority: string;
  created_at: number;
  /** Who entered it: `apikey:<id>`. */
  created_by: string;
  /** When the current codes were issued (creation or the latest re-issue). */
  codes_issued_at: number;
  short_code_expires_at: number;
  long_code_expires_at: number;
  /** When the current codes were claimed (exchanged for a token); null while unclaimed. */
  codes_claimed_at: number | null;
  /** When a token of this case was last exchanged for a certificate. */
  token_exchanged_at: number | null;
  /** When a certificate for this case was last issued. */
  certificate_issued_at: number | null;
  /** Keys published with this case's certificates; incremented by the publish endpoint. */
  keys_published: number;
}

export interface VerificationCodesTable {
  id: string;
  case_id: string;
  /** `short` (digits with a check digit, 1 h) or `long` (16 characters, 24 h). */
  kind: string;
  /** HMAC-SHA256 of the code under the code-hash key; the code itself is never stored. */
  code_hash: Uint8Array;
  created_at: number;
  expires_at: number;
  /** Set on both codes of a case when either is exchanged for a token. */
  claimed_at: number | null;
  /** Set when the codes were replaced by a re-issue. */
  invalidated_at: number | null;
}

export interface VerificationTokensTable {
  id: string;
  case_id: string;
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: Uint8Array;
  created_at: number;
  expires_at: number;
  /** When it was exchanged for a certificate (single use). */
  exchanged_at: number | null;
  /** SHA-256 of the certificate it was exchanged for: lets the publish endpoint find the case. */
  certificate_hash: Uint8Array | null;
}

/** One wrong code presented to `POST /api/verify`, for the lock-out (rows older than 1 h are pruned). */
export interface VerificationFailuresTable {
  /** HMAC of `verify/<api key id>/<client network>` under the bucket key: no address in clear. */
  bucket: Uint8Array;
  /** `short` or `long`: the kind of code that was looked up and not found. */
  kind: string;
  at: number;
}

export interface CaseTables {
  cases: CasesTable;
  verification_codes: VerificationCodesTable;
  verification_tokens: VerificationTokensTable;
  verification_failures: VerificationFailuresTable;
}
