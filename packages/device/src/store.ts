/**
 * The storage port: everything the SDK keeps on the phone, owned here and implemented by
 * adapters — memory (`createMemoryDeviceStore`, this package), SQLite on Node
 * (`@bluezone/device/sqlite`, better-sqlite3), and on React Native an adapter over the app's
 * SQLite library (docs/device-sdk.md shows one). One contract test suite runs on every adapter
 * of this package (`test/store-contract.test.ts`); an app's own adapter should run it too.
 *
 * The port is asynchronous (React Native SQLite libraries are), and small: five kinds of record
 * and one atomic write.
 *
 * | record | key | what |
 * |---|---|---|
 * | {@link StoredKey} | rolling start interval | the phone's Temporary Exposure Keys, one per UTC day |
 * | {@link StoredSighting} | (append only) | advertisements heard |
 * | {@link ProcessedFile} | path | key files of `index.txt` already handled: never processed twice |
 * | {@link StoredExposureMatch} | key hash | a published key that matched, with its exposure windows |
 * | settings | name ({@link DeviceSettings}) | JSON values: registration, config, check state, consents, … |
 *
 * **Atomicity.** {@link DeviceStore.apply} applies a list of {@link DeviceStoreMutation}s all or
 * nothing. The exposure check commits a key file's matches and its processed marker in one call,
 * so that a crash or a lost connection leaves either both or neither: the check then resumes
 * with the next unprocessed file and never counts a file twice.
 *
 * **Values** given to the store are copied (a caller may reuse its buffers) and values returned
 * are the caller's to keep. Settings are JSON: adapters store them as JSON text.
 *
 * @module
 */
import type { ExposureWindow, ReportType, SourceLevel } from '@bluezone/protocol';
import type { DeviceConfig, TrustedConfigKey } from './config.js';
import type { ExposureCheckState } from './exposure-check.js';
import type { ExposureReportReceipt } from './exposure-report.js';
import type { Registration } from './registration.js';
import type { PendingSubmission, SubmissionRecord } from './submission.js';

/** One of the phone's Temporary Exposure Keys. */
export interface StoredKey {
  /** First ENIntervalNumber of validity (a multiple of 144: the key's UTC day). */
  readonly rollingStartIntervalNumber: number;
  /** Intervals of validity, 1–144 (144 for every key this SDK makes). */
  readonly rollingPeriod: number;
  /** The 16 key bytes. */
  readonly keyData: Uint8Array;
  /** When the key was made, Unix ms. */
  readonly createdAt: number;
}

/** One advertisement heard. */
export interface StoredSighting {
  /** Rolling Proximity Identifier, 16 bytes. */
  readonly rpi: Uint8Array;
  /** Associated Encrypted Metadata, 4 bytes. */
  readonly aem: Uint8Array;
  /** When it was heard, Unix ms. */
  readonly timeMs: number;
  /** RSSI, integer dBm −128 … 127. */
  readonly rssiDbm: number;
  /** Model of the receiving phone, for calibration; `''` when unknown. */
  readonly receiverModel: string;
}

/** What became of a key file: matched and committed, refused, or left out without download. */
export type ProcessedFileStatus = 'processed' | 'rejected' | 'skipped';

/** A key file of `index.txt` the exposure check has handled. */
export interface ProcessedFile {
  /** Its path as `index.txt` lists it. */
  readonly path: string;
  readonly status: ProcessedFileStatus;
  /** When it was handled (last attempt), Unix ms. */
  readonly processedAt: number;
  /** Attempts made (a rejected file is tried again on later checks, up to a limit). */
  readonly attempts: number;
  /** Why it was rejected or skipped (an error code), else null. */
  readonly reason: string | null;
  /** Keys in the file (new and revised), 0 if not read. */
  readonly keyCount: number;
  /** Keys of the file that matched the sighting log. */
  readonly matchedKeyCount: number;
}

/** A published key that matched the sighting log. */
export interface StoredExposureMatch {
  /** Standard base64 of SHA-256 of the 16 key bytes: identifies the key (and goes into the consented report). */
  readonly keyHash: string;
  readonly rollingStartIntervalNumber: number;
  readonly rollingPeriod: number;
  /** The key's report type (UNKNOWN resolved as the matcher does). */
  readonly reportType: ReportType;
  /** F0 (confirmed case: the phone's owner is F1), F1 (recursive: the owner is F2), or null. */
  readonly sourceLevel: SourceLevel | null;
  /** Its exposure windows (the input of risk scoring). */
  readonly windows: readonly ExposureWindow[];
  /** When the matched sightings were heard, Unix ms, ascending (for the time of day shown). */
  readonly sightingTimesMs: readonly number[];
  /** The key file it came from. */
  readonly sourcePath: string;
  /** When it was matched, Unix ms. */
  readonly matchedAt: number;
  /** Start of the UTC day of its latest window, Unix ms (retention). */
  readonly lastDayMs: number;
}

/** Settings the SDK keeps (JSON values), by name. */
export interface DeviceSettings {
  /** The install's registration (device token included). */
  readonly registration: Registration;
  /** The adopted signed configuration. */
  readonly config: { readonly jws: string; readonly config: DeviceConfig };
  /** Configuration keys adopted from the last verified configuration (else the build's). */
  readonly trustedConfigKeys: readonly TrustedConfigKey[];
  /** State of the exposure check. */
  readonly checkState: ExposureCheckState;
  /** Key hashes already sent in an exposure report. */
  readonly reportedKeyHashes: readonly string[];
  /** The last exposure report the server acknowledged. */
  readonly lastExposureReport: ExposureReportReceipt;
  /** The standing consent to report exposures automatically, if the user gave it. */
  readonly standingReportConsent: { readonly confirmedAt: number; readonly shownText: string };
  /** A key upload in progress (resumable). */
  readonly pendingSubmission: PendingSubmission;
  /** Completed key uploads, newest last. */
  readonly submissions: readonly SubmissionRecord[];
  /** `createdAt` of the newest inbox message seen, Unix ms. */
  readonly inboxSince: number;
  /** The last heartbeat, Unix ms. */
  readonly lastHeartbeatAt: number;
}

/** A setting's name. */
export type DeviceSettingName = keyof DeviceSettings;

/** One write of an atomic {@link DeviceStore.apply}. */
export type DeviceStoreMutation =
  | {
      [K in DeviceSettingName]: {
        readonly type: 'putSetting';
        readonly name: K;
        readonly value: DeviceSettings[K];
      };
    }[DeviceSettingName]
  | { readonly type: 'deleteSetting'; readonly name: DeviceSettingName }
  | { readonly type: 'putProcessedFile'; readonly file: ProcessedFile }
  | { readonly type: 'deleteProcessedFiles'; readonly paths: readonly string[] }
  | { readonly type: 'putExposureMatch'; readonly match: StoredExposureMatch }
  | { readonly type: 'deleteExposureMatch'; readonly keyHash: string };

/** What {@link DeviceStore.purge} deletes: records older than each limit. */
export interface DeviceStorePurge {
  /** Keys whose validity ended at or before this ENIntervalNumber (start + period ≤ it). */
  readonly keysEndingBy: number;
  /** Sightings heard before this time, Unix ms. */
  readonly sightingsBefore: number;
  /** Matches whose latest window's day starts before this time, Unix ms. */
  readonly matchesBefore: number;
  /** Processed-file markers handled before this time, Unix ms. */
  readonly processedFilesBefore: number;
}

/** How many records {@link DeviceStore.purge} deleted. */
export interface DeviceStorePurgeCounts {
  readonly keys: number;
  readonly sightings: number;
  readonly matches: number;
  readonly processedFiles: number;
}

/** The storage port (see the module comment). */
export interface DeviceStore {
  /** Adapter name, for diagnostics. */
  readonly kind: string;
  /** The key starting at `rollingStartIntervalNumber`, if any. */
  getKey(rollingStartIntervalNumber: number): Promise<StoredKey | undefined>;
  /**
   * Stores `key` unless a key with the same rolling start exists, and returns the stored one:
   * two callers racing to make a day's key both get the same key.
   */
  insertKeyIfAbsent(key: StoredKey): Promise<StoredKey>;
  /** Every key, by rolling start ascending. */
  listKeys(): Promise<StoredKey[]>;
  /** Appends sightings (in one transaction). */
  addSightings(sightings: readonly StoredSighting[]): Promise<void>;
  /** Every sighting, by time ascending (ties in insertion order). */
  listSightings(): Promise<StoredSighting[]>;
  /** Number of sightings. */
  countSightings(): Promise<number>;
  /** Every processed-file marker, by path. */
  listProcessedFiles(): Promise<ProcessedFile[]>;
  /** Every stored match, by key hash. */
  listExposureMatches(): Promise<StoredExposureMatch[]>;
  /** A setting, or undefined. */
  getSetting<K extends DeviceSettingName>(name: K): Promise<DeviceSettings[K] | undefined>;
  /** Applies every mutation, in order, atomically: all or none. */
  apply(mutations: readonly DeviceStoreMutation[]): Promise<void>;
  /** Deletes old records (retention); see {@link DeviceStorePurge}. */
  purge(limits: DeviceStorePurge): Promise<DeviceStorePurgeCounts>;
  /** Releases the adapter's resources; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Writes one setting (a one-mutation {@link DeviceStore.apply}). */
export function putSetting<K extends DeviceSettingName>(
  store: DeviceStore,
  name: K,
  value: DeviceSettings[K],
): Promise<void> {
  return store.apply([settingMutation(name, value)]);
}

/** The mutation that writes one setting. */
export function settingMutation<K extends DeviceSettingName>(
  name: K,
  value: DeviceSettings[K],
): DeviceStoreMutation {
  return { type: 'putSetting', name, value } as DeviceStoreMutation;
}
