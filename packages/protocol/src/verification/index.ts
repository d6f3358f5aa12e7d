/**
 * Verification certificates, the upload authorization: the exposure-key HMAC (Google's canonical
 * form), ES256 certificate JWTs binding it, and the strict base64 both use. See
 * docs/verification.md.
 *
 * @module
 */
export * from './base64.js';
export * from './certificate.js';
export * from './hmac.js';
