/**
 * Exposure Notification key export files (ZIP of `export.bin` and `export.sig`): format
 * constants and validation, batch rules (embargo, padding, order, split), protobuf codecs,
 * ECDSA P-256 signing keys and DER signatures, and the file writer, parser and verifier.
 * See docs/export-files.md.
 *
 * The generated protobuf code (`./gen`) is internal: its type names would clash with the
 * protocol's own `TemporaryExposureKey`.
 *
 * @module
 */
export * from './batch.js';
export * from './codec.js';
export * from './der.js';
export * from './file.js';
export * from './format.js';
export * from './signing.js';
