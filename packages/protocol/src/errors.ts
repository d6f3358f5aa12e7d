/**
 * Typed protocol errors.
 *
 * Every failure the protocol package reports carries a stable snake_case `code` (part of the
 * public contract: callers and the HTTP layer branch on it) and a message that says what was
 * wrong and how to fix it. Decoders return results (see {@link Result}); the `…OrThrow`
 * variants and argument validation throw {@link ProtocolError}.
 *
 * @module
 */

/** Stable error codes of the protocol package. */
export type ProtocolErrorCode =
  | 'invalid_hex'
  | 'invalid_length'
  | 'invalid_argument'
  | 'advertisement_malformed'
  | 'advertisement_missing_service_data'
  | 'advertisement_wrong_service_uuid'
  | 'advertisement_wrong_length'
  | 'invalid_base64'
  | 'certificate_malformed'
  | 'certificate_unsupported_algorithm'
  | 'certificate_unknown_key'
  | 'certificate_invalid_signature'
  | 'certificate_wrong_issuer'
  | 'certificate_wrong_audience'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'certificate_hmac_mismatch'
  | 'legacy_record_malformed'
  | 'matching_invalid_key'
  | 'matching_invalid_sighting'
  | 'risk_config_invalid'
  | 'risk_window_invalid'
  | 'export_zip_invalid'
  | 'export_file_missing'
  | 'export_header_invalid'
  | 'export_protobuf_invalid'
  | 'export_key_invalid'
  | 'export_too_many_keys'
  | 'export_signature_missing'
  | 'export_signature_algorithm_unsupported'
  | 'export_signature_invalid'
  | 'export_signing_key_invalid';

/** A protocol failure with a stable code. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The outcome of an operation whose failure is expected input, not a bug. */
export type Result<T, E = ProtocolError> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a successful {@link Result}. */
export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

/** Builds a failed {@link Result}. */
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** Returns the value of a result or throws its error. */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (result.ok) return result.value;
  throw result.error;
}
