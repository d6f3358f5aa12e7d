/**
 * Tables of the partner interop API (docs/declarations.md §5): partner health apps (NCOVI, VHD,
 * …), the consents people gave them, and the webhook deliveries of status changes. Partner API
 * keys are rows of `api_keys` with role `partner`, a `partner_id` and `scopes` (columns added by
 * `0014-partners`).
 *
 * @module
 */

export interface PartnersTable {
  /** `ptn_…`, random; the `aud` of consent tokens for this partner. */
  id: string;
  name: string;
  /** JSON array of the scopes the partner may be given. */
  scopes: string;
  /** Where status changes are POSTed; null = no webhooks. */
  webhook_url: string | null;
  /** The webhook signing secret, encrypted (purpose "webhook-secret"); shown once at creation. */
  webhook_secret_enc: Uint8Array | null;
  created_at: number;
  disabled_at: number | null;
}

export interface ConsentsTable {
  /** `cns_…`: the consent token's `jti`. */
  id: string;
  partner_id: string;
  /** The person who consented (their verified phone number). */
  phone_id: string;
  install_id: string | null;
  /** JSON array of the scopes granted. */
  scopes: string;
  created_at: number;
  expires_at: number;
  /** Withdrawn by the person, or replaced by a newer consent for the same partner. */
  revoked_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  partner_id: string;
  consent_id: string;
  /** The JSON body sent (no personal data: consent ID, status, kind, time). */
  body: string;
  attempts: number;
  next_attempt_at: number;
  delivered_at: number | null;
  /** Set when the delivery was given up after the last attempt. */
  failed_at: number | null;
  /** Last failure: HTTP status or network error class, never the response body. */
  last_error: string | null;
  created_at: number;
}

/** Columns `0014-partners` adds to `api_keys`. */
export interface ApiKeyPartnerColumns {
  partner_id: string | null;
  /** JSON array of scopes (partner keys only). */
  scopes: string | null;
}

export interface PartnerTables {
  partners: PartnersTable;
  consents: ConsentsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
