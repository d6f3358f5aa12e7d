/**
 * Tables of phone registration: verified phone numbers, pending one-time codes, and the
 * rate-limit counters (shared by every server instance).
 *
 * @module
 */

export interface PhonesTable {
  id: string;
  /** HMAC-SHA256 of the E.164 number under the phone-hash key: one row per number. */
  phone_hash: Uint8Array;
  /** The E.164 number, encrypted at rest (AES-256-GCM, purpose "phone"). */
  phone_enc: Uint8Array;
  /** Carrier ID from the prefix (`viettel`, …), null when unknown. */
  carrier: string | null;
  created_at: number;
  /** Last successful verification by any install. */
  verified_at: number;
}

export interface OtpChallengesTable {
  /** Random; a resend replaces it, so a verification in flight on the old code fails. */
  id: string;
  install_id: string;
  /** Same keyed hash as `phones.phone_hash`; one challenge per install and number. */
  phone_hash: Uint8Array;
  /** HMAC-SHA256 of `otp|<id>|<code>` under the code-hash key; the code itself is never stored. */
  code_hash: Uint8Array;
  sent_at: number;
  expires_at: number;
  /** Verification attempts so far (each claims one atomically before the code is compared). */
  attempts: number;
}

export interface RateLimitsTable {
  /** HMAC-SHA256 of the bucket name (e.g. `otp:ip:…`) under the bucket-hash key. */
  bucket: Uint8Array;
  /** Start of the fixed window, Unix ms. */
  window_start: number;
  /** End of the window; the row can be deleted after it. */
  expires_at: number;
  count: number;
}

export interface PhoneTables {
  phones: PhonesTable;
  otp_challenges: OtpChallengesTable;
  rate_limits: RateLimitsTable;
}
