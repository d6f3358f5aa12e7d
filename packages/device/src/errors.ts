/**
 * Typed errors of the device SDK.
 *
 * Every failure the SDK reports is a {@link DeviceError} with a stable snake_case `code` (part of
 * the public contract: apps branch on it to choose what to show) and a message for developers.
 * Failures that come from the server keep what the server said: the HTTP `status`, the server's
 * own error code (`serverCode`, whichever of the API's three error shapes carried it) and, for
 * 429/503, how long it asked to wait (`retryAfterMs`).
 *
 * @module
 */

/** The SDK's error codes and what each means. */
export const DEVICE_ERROR_CODES = {
  invalid_argument: 'An argument is out of range or inconsistent (a programming error in the app).',
  random_unavailable:
    'No cryptographically secure random source: pass `random`, or install a getRandomValues polyfill.',
  not_registered: 'The install has no device token yet: call register() first.',
  consent_invalid:
    'The consent object was not made by recordUploadConsent / recordReportConsent / recordStandingReportConsent (forged, copied or of the wrong kind).',
  consent_expired: 'The consent was given too long ago, or is dated in the future.',
  consent_used: 'The consent was already used for a completed upload; ask the user again.',
  network_error: 'The server could not be reached (after the retries).',
  timeout: 'The server did not answer in time (after the retries).',
  rate_limited: 'The server asked to wait longer than the SDK waits by itself (see retryAfterMs).',
  http_error: 'The server answered with an error status (see status and serverCode).',
  invalid_response: 'The server answered with a body of an unexpected shape.',
  config_unavailable: 'No verified device configuration is available yet.',
  config_signature_invalid: 'The device configuration is not signed by a trusted configuration key.',
  config_invalid: 'The signed device configuration does not have the expected shape.',
  config_rollback: 'The server sent a configuration issued before the one already adopted (a replay).',
  verification_failed: 'The verification server refused the code or the token (see serverCode).',
  unsupported_test_type: 'The verification server returned a test type this SDK cannot upload.',
  publish_failed: 'The key server refused the upload (see serverCode).',
  no_keys: 'The phone has no keys for the days the diagnosis covers.',
  nothing_to_report: 'There is no pending exposure report.',
  matching_worker_failed:
    'A matching worker thread died or could not start (@bluezone/device/node-workers); the pool starts new workers on the next call.',
} as const satisfies Record<string, string>;

/** A stable error code of the device SDK. */
export type DeviceErrorCode = keyof typeof DEVICE_ERROR_CODES;

/** Details a {@link DeviceError} may carry. */
export interface DeviceErrorDetails {
  /** HTTP status of the server's answer, when the failure is one. */
  readonly status?: number;
  /** The server's own error code (`error.code`, `errorCode` or `code` of its body). */
  readonly serverCode?: string;
  /** How long the server asked to wait before trying again, ms. */
  readonly retryAfterMs?: number;
  /** Attempts made before giving up (HTTP requests). */
  readonly attempts?: number;
  readonly cause?: unknown;
}

/** A failure of the device SDK, with a stable code. */
export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  readonly code: DeviceErrorCode;
  readonly status: number | undefined;
  readonly serverCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number | undefined;

  constructor(code: DeviceErrorCode, message: string, details: DeviceErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.serverCode = details.serverCode;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts;
  }
}

/** True when `error` is a {@link DeviceError}, optionally of one of `codes`. */
export function isDeviceError(error: unknown, ...codes: readonly DeviceErrorCode[]): error is DeviceError {
  return error instanceof DeviceError && (codes.length === 0 || codes.includes(error.code));
}

/** `{code, message}` of any thrown value, for recording in state the app shows later. */
export function describeError(error: unknown): { readonly code: string; readonly message: string } {
  if (error instanceof DeviceError) return { code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'internal', message: error.message };
  }
  return { code: 'internal', message: String(error) };
}
