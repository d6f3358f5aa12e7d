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
