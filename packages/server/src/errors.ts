/**
 * The API error catalogue: every error the HTTP API returns has a stable code, an HTTP status and
 * a message that says what was wrong and how to fix it. Responses carry `{error: {code, message}}`
 * — except the two Google-compatible APIs (`/api/verify`, `/api/certificate`: `{error,
 * errorCode}`; `/v1/publish`: `{code, error}`), whose shapes existing clients rely on; their codes
 * are in this catalogue too. `docs/errors.md` lists exactly these codes (a test checks it).
 *
 * @module
 */

/** Every API error code with its HTTP status and the default message. */
export const API_ERRORS = {
  invalid_request: {
    status: 400,
    message: 'The request is malformed; see the message for the field at fault.',
  },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  body_too_large: { status: 413, message: 'The request body is larger than the server accepts.' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials.' },
  forbidden: { status: 403, message: 'These credentials may not do this.' },
  not_found: { status: 404, message: 'No such resource.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  rate_limited: { status: 429, message: 'Too many requests; wait and try again.' },
  internal: { status: 500, message: 'Internal error. It has been logged; please try again later.' },
  unavailable: { status: 503, message: 'The service is not ready; please try again shortly.' },
  // Verification API (/api/verify, /api/certificate): Google's errorCode values and statuses.
  unparsable_request: {
    status: 400,
    message: 'The request cannot be parsed; send a JSON object with the fields the API defines.',
  },
  code_invalid: {
    status: 400,
    message: 'The code is mistyped, already used or replaced; check it or ask for a new one.',
  },
  code_expired: { status: 400, message: 'The code has expired; ask the health authority for a new one.' },
  code_not_found: { status: 400, message: 'There is no such code; check it with the health authority.' },
  invalid_test_type: {
    status: 400,
    message: 'accept lists an unknown test type; use confirmed, likely, negative, user-report or recursive.',
  },
  unsupported_test_type: {
    status: 412,
    message: 'The code is valid but of a test type this app does not accept; update the app.',
  },
  token_invalid: { status: 400, message: 'The token is unknown or already used; verify a new code.' },
  token_expired: { status: 400, message: 'The token has expired; verify a new code.' },
  hmac_invalid: {
    status: 400,
    message: 'ekeyhmac must be the standard base64 of a 32-byte HMAC-SHA256 of the keys.',
  },
  code_attempts_exceeded: {
    status: 429,
    message: 'Too many wrong verification codes; wait for Retry-After and check the code.',
  },
  // Phone registration (POST /v1/phone/otp, /v1/phone/verify).
  phone_invalid: {
    status: 400,
    message: 'Not a Vietnamese mobile number; send 0 and 9 digits (0912345678) or +84 and 9 digits.',
  },
  otp_invalid: { status: 400, message: 'The code is wrong; check the digits in the SMS and try again.' },
  otp_expired: {
    status: 400,
    message: 'No valid code for this number (expired, used or replaced); request a new one.',
  },
  otp_attempts_exceeded: {
    status: 400,
    message: 'Too many wrong codes; this code no longer works, request a new one.',
  },
  // Exposure reports and contact lists (/v1/exposure-reports, /admin/v1/contacts).
  phone_not_verified: {
    status: 403,
    message:
      'Exposure reports need a verified phone number; register one with POST /v1/phone/otp and /v1/phone/verify.',
  },
  recursive_case_exists: {
    status: 409,
    message:
      'This contact already has a recursive case; issue new codes for that case with POST /admin/v1/cases/{id}/codes.',
  },
  contact_not_eligible: {
    status: 409,
    message: 'Only an F1 contact whose personal data is still kept can become a recursive case.',
  },
  // Publish API (/v1/publish): Google's exposure-notifications-server `code` values and statuses.
  bad_request: {
    status: 400,
    message:
      'The upload is malformed or no key is acceptable; see the message for the key and rule at fault.',
  },
  unknown_health_authority_id: {
    status: 401,
    message:
      'healthAuthorityID is not this server’s health authority; send the ID the app was configured with.',
  },
  health_authority_verification_certificate_invalid: {
    status: 401,
    message:
      'The certificate is invalid, expired or not for exactly these keys and hmacKey; verify a new code.',
  },
  missing_revision_token: {
    status: 400,
    message: 'These keys were published before; send the revisionToken of that upload to revise them.',
  },
  invalid_revision_token: {
    status: 400,
    message:
      'The revisionToken is not one this server issued for these keys; send the latest token unchanged.',
  },
  key_already_revised: {
    status: 400,
    message: 'A key was already revised once and cannot be revised again.',
  },
  invalid_report_type_transition: {
    status: 400,
    message:
      'A published key may only be revised towards a stronger diagnosis: likely → confirmed, recursive → likely or confirmed.',
  },
  internal_error: {
    status: 500,
    message: 'Internal error. It has been logged; please try the upload again later.',
  },
  // Users and sessions (/admin/v1/session, /admin/v1/users).
  login_failed: {
    status: 401,
    message: 'The username or password is wrong; check both and try again.',
  },
  account_locked: {
    status: 429,
    message: 'Too many failed logins; wait for Retry-After before trying again, or ask an admin.',
  },
  session_expired: {
    status: 401,
    message: 'The session has expired (idle too long or past its maximum age); log in again.',
  },
  csrf_invalid: {
    status: 403,
    message: 'Missing or wrong X-CSRF-Token; send the csrfToken of GET /admin/v1/session with every change.',
  },
  password_too_weak: {
    status: 400,
    message: 'The new password must be 12 to 256 characters and not contain the username.',
  },
  // Contact workflow (/admin/v1/contacts/:id, …/notes, …/confirmed-case).
  invalid_status_transition: {
    status: 409,
    message:
      'This status change is not allowed from the contact’s current status; see the workflow in docs/api.md.',
  },
  invalid_assignee: {
    status: 400,
    message:
      'assignedTo must be an active health_officer or province_admin of the contact’s province (or null).',
  },
  contact_not_positive: {
    status: 409,
    message:
      'Only a contact with status tested_positive can become a confirmed case; record the result first.',
  },
  confirmed_case_exists: {
    status: 409,
    message:
      'This contact is a confirmed case already; issue new codes with POST /admin/v1/cases/{id}/codes.',
  },
  // Health declarations, personal QR codes and the partner API (/v1/declarations, /v1/qr, /v1/consents, /partner/v1).
  declaration_required: {
    status: 409,
    message:
      'There is no valid health declaration (none yet, expired or revoked); declare first with POST /v1/declarations.',
  },
  not_under_monitoring: {
    status: 409,
    message: 'Daily symptom reports are for people under health monitoring; the current declaration is not.',
  },
  qr_invalid: {
    status: 400,
    message:
      'The QR code is not a valid Bluezone code (malformed, altered, forged or signed with an unknown key).',
  },
  qr_expired: {
    status: 400,
    message: 'The QR code has expired; ask the holder to open it again in the app.',
  },
  qr_replayed: {
    status: 409,
    message: 'A newer QR code was issued for this person; this one is an old copy or a screenshot.',
  },
  qr_revoked: {
    status: 409,
    message:
      'The holder’s declaration status changed or was revoked since the code was made; ask them to open it again.',
  },
  consent_invalid: {
    status: 403,
    message:
      'No valid consent: the consent token is missing, malformed, forged or for another partner or scope; ask the person to issue one in the Bluezone app.',
  },
  consent_expired: { status: 403, message: 'The consent token has expired; ask the person for a new one.' },
  consent_revoked: {
    status: 403,
    message: 'The person withdrew this consent or replaced it with a newer one; ask for a new one.',
  },
  // Statistics imports (POST /admin/v1/stats/denominators, /admin/v1/stats/installs).
  import_invalid: {
    status: 400,
    message:
      'The CSV file has invalid lines and nothing was imported; fix the lines named in the message and upload it again.',
  },
  // Issued reports (POST /admin/v1/reports, /admin/v1/reports/preview).
  report_figures_missing: {
    status: 409,
    message:
      'The statistics this report prints do not exist yet (no smartphone denominator in effect on its as-of date); import the denominators first.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable API error code. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error to return to the client. Throw it from a handler; the error handler renders it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ApiErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(message ?? API_ERRORS[code].message);
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.headers = headers;
  }
}

/** The JSON body of an error response. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
