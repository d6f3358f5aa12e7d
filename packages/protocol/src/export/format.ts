/**
 * Exposure Notification key export files: constants, the file model and key validation.
 *
 * A key export file is a ZIP archive with two entries (Google/Apple "Exposure Key Export File
 * Format and Verification"):
 *
 * - `export.bin`: the 16-byte header `"EK Export v1"` right-padded with spaces, then a
 *   `TemporaryExposureKeyExport` protobuf (proto2) carrying the keys;
 * - `export.sig`: a `TEKSignatureList` protobuf whose `TEKSignature.signature` is an ECDSA P-256
 *   SHA-256 signature over the whole of `export.bin`, DER encoded.
 *
 * The schema is `packages/protocol/proto/exposure_key_export.proto` (field numbers of the public
 * definition); the code generated from it lives in `./gen`. This module holds what every other
 * export module shares: the constants, the {@link ExportFileContents} model and
 * {@link exportValidateKey}.
 *
 * @module
 */
import { ascii } from '../bytes.js';
import { type ExposureKey, ReportType } from '../en/exposure-key.js';
import { KEY_LENGTH } from '../en/keys.js';
import { ProtocolError } from '../errors.js';

/** The header text of `export.bin`, before padding. */
export const EXPORT_HEADER_TEXT = 'EK Export v1';
/** Length of the `export.bin` header in bytes. */
export const EXPORT_HEADER_LENGTH = 16;
/** The 16 header bytes: {@link EXPORT_HEADER_TEXT} right-padded with spaces (0x20). */
export const EXPORT_HEADER: Uint8Array = ascii(EXPORT_HEADER_TEXT.padEnd(EXPORT_HEADER_LENGTH, ' '));
/** Name of the key entry in the ZIP archive. */
export const EXPORT_BIN_NAME = 'export.bin';
/** Name of the signature entry in the ZIP archive. */
export const EXPORT_SIG_NAME = 'export.sig';
/** ASN.1 OID of ECDSA with SHA-256, the only signature algorithm Exposure Notification accepts. */
export const EXPORT_SIGNATURE_ALGORITHM = '1.2.840.10045.4.3.2';
/** Most keys one file may hold (new and revised together), as the phone platforms require. */
export const EXPORT_MAX_KEYS_PER_FILE = 750_000;
/** Largest `rolling_start_interval_number`: the field is an `int32`. */
export const EXPORT_MAX_ROLLING_START = 0x7fff_ffff;
/** Highest transmission risk level. */
export const EXPORT_MAX_TRANSMISSION_RISK_LEVEL = 8;
/** Largest magnitude of `days_since_onset_of_symptoms`. */
export const EXPORT_MAX_DAYS_SINCE_ONSET = 14;

/** Identifies the key that signs a file (`SignatureInfo`). */
export interface ExportSignatureInfo {
  /** Key version, changed on rotation, e.g. `"v1"`. Empty when absent from the file. */
  readonly verificationKeyVersion: string;
  /** Key name as registered with the phone platforms (often the region's MCC, e.g. `"452"`). */
  readonly verificationKeyId: string;
  /** ASN.1 OID of the algorithm; {@link EXPORT_SIGNATURE_ALGORITHM} for files this package writes. */
  readonly signatureAlgorithm: string;
}

/** The decoded contents of `export.bin` (the `TemporaryExposureKeyExport` message). */
export interface ExportFileContents {
  /** Start of the window of server arrival times of the keys, Unix seconds. */
  readonly startTimestamp: number;
  /** End of that window, Unix seconds. */
  readonly endTimestamp: number;
  /** Region the keys come from, e.g. `"VN"`. */
  readonly region: string;
  /** Position of the file in its batch, 1-based (0 when absent from a file read). */
  readonly batchNum: number;
  /** Number of files in the batch (0 when absent from a file read). */
  readonly batchSize: number;
  /** The keys that sign the file, as repeated inside `export.bin`. */
  readonly signatureInfos: readonly ExportSignatureInfo[];
  /** Keys published for the first time. */
  readonly keys: readonly ExposureKey[];
  /** Keys published before whose status changed (e.g. revoked). */
  readonly revisedKeys: readonly ExposureKey[];
}

/** One entry of `export.sig` (a `TEKSignature`). */
export interface ExportSignature extends ExportSignatureInfo {
  readonly batchNum: number;
  readonly batchSize: number;
  /** The signature over `export.bin`, DER encoded (X9.62 `SEQUENCE { r INTEGER, s INTEGER }`). */
  readonly signature: Uint8Array;
}

const REPORT_TYPE_MAX = Math.max(...Object.values(ReportType));

/**
 * Why `key` cannot be published, or `undefined` when it can: key data of 16 bytes, rolling start
 * an `int32` interval number ≥ 0, rolling period 1–144, transmission risk level 0–8, report type
 * 0–5 and days since onset −14…14 (the last three only when present).
 */
export function exportKeyProblem(key: ExposureKey): string | undefined {
  if (!(key.keyData instanceof Uint8Array) || key.keyData.length !== KEY_LENGTH) {
    const length = key.keyData instanceof Uint8Array ? `${key.keyData.length} bytes` : typeof key.keyData;
    return `key_data must be ${KEY_LENGTH} bytes, got ${length}`;
  }
  const start = key.rollingStartIntervalNumber;
  if (!Number.isInteger(start) || start < 0 || start > EXPORT_MAX_ROLLING_START) {
    return `rolling_start_interval_number must be a whole number from 0 to ${EXPORT_MAX_ROLLING_START}, got ${start}`;
  }
  const period = key.rollingPeriod;
  if (!Number.isInteger(period) || period < 1 || period > 144) {
    return `rolling_period must be a whole number from 1 to 144, got ${period}`;
  }
  const trl = key.transmissionRiskLevel;
  if (trl !== undefined && (!Number.isInteger(trl) || trl < 0 || trl > EXPORT_MAX_TRANSMISSION_RISK_LEVEL)) {
    return `transmission_risk_level must be a whole number from 0 to ${EXPORT_MAX_TRANSMISSION_RISK_LEVEL}, got ${trl}`;
  }
  const type = key.reportType;
  if (type !== undefined && (!Number.isInteger(type) || type < 0 || type > REPORT_TYPE_MAX)) {
    return `report_type must be a whole number from 0 to ${REPORT_TYPE_MAX}, got ${type}`;
  }
  const onset = key.daysSinceOnsetOfSymptoms;
  if (
    onset !== undefined &&
    (!Number.isInteger(onset) || onset < -EXPORT_MAX_DAYS_SINCE_ONSET || onset > EXPORT_MAX_DAYS_SINCE_ONSET)
  ) {
    return `days_since_onset_of_symptoms must be a whole number from -${EXPORT_MAX_DAYS_SINCE_ONSET} to ${EXPORT_MAX_DAYS_SINCE_ONSET}, got ${onset}`;
  }
  return undefined;
}

/**
 * Checks that `key` can be published (see {@link exportKeyProblem}).
 *
 * @param what names the key in the message, e.g. `"keys[3]"`.
 * @throws {ProtocolError} `export_key_invalid`.
 */
export function exportValidateKey(key: ExposureKey, what = 'key'): void {
  const problem = exportKeyProblem(key);
  if (problem !== undefined) throw new ProtocolError('export_key_invalid', `${what}: ${problem}`);
}
