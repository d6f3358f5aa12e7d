/**
 * Published exposure keys: a TEK with the fields the key server and export files add
 * (Exposure Notification key export format, `TemporaryExposureKey` message), and the F-level a
 * match against it means.
 *
 * @module
 */
import type { TemporaryExposureKey } from './keys.js';

/** Report type of a published key; values as in the export protobuf and the EN API. */
export const ReportType = {
  UNKNOWN: 0,
  CONFIRMED_TEST: 1,
  CONFIRMED_CLINICAL_DIAGNOSIS: 2,
  SELF_REPORT: 3,
  /** Keys of a contact (F1), published by the authority to find that contact's contacts (F2). */
  RECURSIVE: 4,
  /** A key withdrawn after publication. */
  REVOKED: 5,
} as const;
export type ReportType = (typeof ReportType)[keyof typeof ReportType];

/** A TEK as published by the key server. */
export interface ExposureKey extends TemporaryExposureKey {
  /** Transmission risk level 0–8 (deprecated in EN v1.5+, still carried by export files). */
  readonly transmissionRiskLevel?: number;
  readonly reportType?: ReportType;
  /** Days from symptom onset to the key's day, −14 … 14. */
  readonly daysSinceOnsetOfSymptoms?: number;
}

/** An {@link ExposureKey} under construction (decoders fill in the optional fields one by one). */
export type MutableExposureKey = { -readonly [K in keyof ExposureKey]: ExposureKey[K] };

/** Contact level of the key's owner: F0 for a confirmed case, F1 for a recursive (contact) key. */
export type SourceLevel = 'F0' | 'F1';

/**
 * What matching a key of this report type makes the phone's owner: a match with an F0 key makes
 * an F1, a match with a RECURSIVE key an F2. Other report types (self-report, revoked, unknown)
 * carry no level.
 */
export function sourceLevelOfReportType(reportType: ReportType | undefined): SourceLevel | undefined {
  if (reportType === ReportType.CONFIRMED_TEST || reportType === ReportType.CONFIRMED_CLINICAL_DIAGNOSIS)
    return 'F0';
  if (reportType === ReportType.RECURSIVE) return 'F1';
  return undefined;
}
