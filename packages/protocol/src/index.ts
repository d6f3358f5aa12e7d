/**
 * @bluezone/protocol: the pure protocol core shared by phones, servers, the portal and the
 * simulator. No I/O and no platform imports; time, randomness and crypto are passed in.
 *
 * @module
 */
export * from './ble/advertisement.js';
export * from './bytes.js';
export * from './crypto.js';
export * from './en/exposure-key.js';
export * from './en/interval.js';
export * from './en/keys.js';
export * from './en/metadata.js';
export * from './errors.js';
export * from './export/index.js';
export * from './exposure-check.js';
export * from './legacy/ids.js';
export * from './legacy/match.js';
export * from './legacy/trace.js';
export * from './matching/index.js';
export * from './qr/qr-token.js';
export * from './risk/index.js';
export * from './verification/index.js';
