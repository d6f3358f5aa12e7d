/**
 * @bluezone/device: the phone-side SDK. Daily keys and the current advertisement, the sighting
 * log, exposure checks against the signed key files, results per day with the source's F-level,
 * the consented key upload and exposure report, registration, inbox, heartbeat and chaff.
 *
 * Runs unchanged in React Native, browsers and Node: no platform module is imported; the
 * network (`fetch`), time, randomness and crypto are injected, and storage is a port with a
 * memory adapter here and a SQLite one in `@bluezone/device/sqlite`; matching is a port too,
 * in-thread here and on worker threads in `@bluezone/device/node-workers`. See
 * docs/device-sdk.md.
 *
 * @module
 */

// Offline verification of personal QR codes for checkpoint apps (docs/declarations.md §4).
export {
  QR_AUDIENCE,
  type QrStatus,
  type QrVerifyOptions,
  type VerifiedQrToken,
  verifyQrToken,
} from '@bluezone/protocol';
export * from './chaff.js';
export * from './config.js';
export * from './consent.js';
export {
  type DailyReport,
  DECLARATION_CONSENT_MAX_AGE_MS,
  type DeclarationAddress,
  DeclarationConsent,
  type DeclarationReceipt,
  type DomesticDeclaration,
  type EntryDeclaration,
  PartnerConsent,
  type PartnerConsentToken,
  type PartnerScope,
  type QrCodeToken,
  recordDeclarationConsent,
  recordPartnerConsent,
  type Symptom,
} from './declarations.js';
export * from './device.js';
export * from './errors.js';
export {
  type ExposureCheckOptions,
  type ExposureCheckOutcome,
  type ExposureCheckState,
  type ExposureCheckStatus,
  inThreadMatcher,
  keyFileEndMs,
  MAX_FILE_ATTEMPTS,
  NEVER_CHECKED,
  type ParallelMatcher,
  parseKeyFileIndex,
  type RejectedFile,
} from './exposure-check.js';
export type { ExposureReportReceipt, PendingExposureReport } from './exposure-report.js';
export * from './http.js';
export type { CurrentAdvertisement } from './key-store.js';
export * from './memory-store.js';
export type {
  HeartbeatResult,
  InboxMessage,
  PhoneCodeRequest,
  PhoneVerification,
  Registration,
  RegistrationInput,
} from './registration.js';
export * from './results.js';
export * from './runtime.js';
export {
  type MalformedSightingReason,
  SIGHTING_DEDUP_MS,
  type SightingCounters,
  type SightingOutcome,
} from './sightings.js';
export * from './store.js';
export type {
  DiagnosisRequest,
  PendingSubmission,
  SubmissionOptions,
  SubmissionRecord,
  SubmissionResult,
} from './submission.js';
export { UPLOADABLE_TEST_TYPES } from './submission.js';
