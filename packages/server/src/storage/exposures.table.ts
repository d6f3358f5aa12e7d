/**
 * Published exposure keys (`POST /v1/publish`) and the signed key files made from them (the
 * export batcher): one row per key, one row per export period (batch), one row per file with its
 * ZIP bytes. See docs/api.md, "Key publishing" and "Key files".
 *
 * @module
 */

/** One published key (a TEK) with what the certificate said about it. */
export interface ExposuresTable {
  id: string;
  /** The 16 key bytes (TEK); unique: a key is stored once however often it is uploaded. */
  key_data: Uint8Array;
  /** ENIntervalNumber at which the key became valid. */
  rolling_start_interval_number: number;
  /** Intervals the key was valid for, 1–144. */
  rolling_period: number;
  /** Transmission risk level 0–8, as uploaded (and bound by the certificate's HMAC). */
  transmission_risk: number;
  /** `ReportType` of the export format (1 confirmed test, 2 clinical diagnosis, …), from the certificate. */
  report_type: number;
  /** Days from the certificate's symptom onset to the key's day (−14…14), or null when unknown. */
  days_since_onset: number | null;
  /** The certificate's `healthAuthority` claim. */
  health_authority: string;
  /** Region of the key files it goes into (`BLUEZONE_REGION`). */
  region: string;
  /** When it was published, Unix ms. */
  created_at: number;
  /** Report type after a revision (likely → confirmed), null when never revised. */
  revised_report_type: number | null;
  /** When it was revised, Unix ms. */
  revised_at: number | null;
  revised_days_since_onset: number | null;
  revised_transmission_risk: number | null;
  /** The batch that published it as a new key; null until then. */
  exported_batch_id: string | null;
  /** The batch that published its revision (or published it new, already revised); null until then. */
  revised_exported_batch_id: string | null;
}

/** One export batch: the files of one window of publication times. */
export interface ExportBatchesTable {
  id: string;
  region: string;
  /** Start of the window of publication times it covers, Unix ms (the previous batch's end). */
  start_at: number;
  /** End of the window (exclusive), Unix ms: the export time, reference of the embargo. */
  end_at: number;
  created_at: number;
  file_count: number;
  /** Real new keys in the batch (without padding). */
  key_count: number;
  padding_key_count: number;
  revised_key_count: number;
}

/** One signed key export file of a batch. */
export interface ExportFilesTable {
  id: string;
  batch_id: string;
  /** Path below `/v1/exports/`, e.g. `VN/1596877200-1596880800-00001.zip`; unique. */
  path: string;
  /** Position in the batch, 1-based, and files in the batch. */
  batch_num: number;
  batch_size: number;
  /** New keys in the file, padding included. */
  key_count: number;
  revised_key_count: number;
  /** The signed ZIP archive. */
  bytes: Uint8Array;
  /** Strong ETag (quoted) of the bytes. */
  etag: string;
  created_at: number;
  /** When the retention job will have deleted every key the file holds, Unix ms. */
  keys_expire_at: number;
}

/** The tables of key publishing and key files. */
export interface ExposureTables {
  exposures: ExposuresTable;
  export_batches: ExportBatchesTable;
  export_files: ExportFilesTable;
}
