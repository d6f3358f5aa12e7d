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

/**
 * Stable error codes of the protocol package and what each means; `docs/errors.md` lists exactly
 * these (a test checks it).
 */
export const PROTOCOL_ERROR_CODES = {
  invalid_hex: 'A value that must be hex is not.',
  invalid_length: 'A byte string has the wrong length.',
  invalid_argument: 'An argument is out of range or inconsistent (a programming or configuration error).',
  invalid_base64: 'A value that must be standard base64 is not.',
  advertisement_malformed: 'Bluetooth advertising data whose AD structures are truncated or too long.',
  advertisement_missing_service_data: 'Advertising data without 16-bit service data.',
  advertisement_wrong_service_uuid: 'Service data for a UUID other than 0x4E56.',
  advertisement_wrong_length: 'Service data that is not RPI (16) + AEM (4) bytes.',
  legacy_record_malformed: 'A legacy Bluezone F0 record that does not have the expected shape.',
  certificate_malformed: 'A verification certificate that is not a well-formed JWT with the expected claims.',
  certificate_unsupported_algorithm: 'A certificate not signed with ES256.',
  certificate_unknown_key: 'A certificate signed with a key the key server does not trust (now).',
  certificate_invalid_signature: 'A certificate whose signature does not verify.',
  certificate_wrong_issuer: 'A certificate from an issuer the key server does not trust.',
  certificate_wrong_audience: 'A certificate meant for another key server.',
  certificate_expired: 'A certificate past its expiry.',
  certificate_not_yet_valid: 'A certificate issued in the future (clock skew beyond tolerance).',
  certificate_hmac_mismatch: "The uploaded keys and hmacKey do not match the certificate's HMAC.",
  export_zip_invalid: 'A key file that is not a readable ZIP.',
  export_file_missing: 'A key file without export.bin or export.sig.',
  export_header_invalid: 'export.bin without the "EK Export v1" header.',
  export_protobuf_invalid: 'export.bin or export.sig whose protobuf is truncated or invalid.',
  export_key_invalid: 'A key whose fields are out of range (length, interval, period, risk, onset).',
  export_too_many_keys: 'More keys than one key file may hold.',
  export_signature_missing: 'A key file without a signature for the expected key.',
  export_signature_algorithm_unsupported:
    'A key file signature with an algorithm other than ECDSA P-256/SHA-256.',
  export_signature_invalid: 'A key file signature that does not verify.',
  export_signing_key_invalid: 'A signing or verification key that is not an ECDSA P-256 key.',
  risk_config_invalid: 'A risk scoring configuration with a missing or out-of-range field.',
  risk_window_invalid: 'An exposure window with a missing or out-of-range field.',
  matching_invalid_key: 'A published key that cannot be matched (wrong length or interval fields).',
  matching_invalid_sighting: 'A sighting with a wrong RPI/AEM length, time or RSSI.',
  qr_malformed:
    'A personal QR code that is not a well-formed Bluezone QR token (ES256 JWT, type bluezone-qr+jwt).',
  qr_unknown_key: 'A QR token signed with a key that is not among the published QR keys.',
  qr_invalid_signature: 'A QR token whose signature does not verify (altered or forged).',
  qr_wrong_issuer: 'A QR token from another health authority.',
  qr_expired: 'A QR token past its expiry.',
  qr_not_yet_valid: 'A QR token issued in the future (clock skew beyond tolerance).',
} as const satisfies Record<string, string>;

/** A stable error code of the protocol package. */
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;

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
