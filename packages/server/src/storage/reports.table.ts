/**
 * Tables of the register of issued reports (docs/reports.md, "The register"): one row per issued
 * report with its number, parameters, the narrative written for it and the figures it printed;
 * the exact bytes of every format rendered at issue time with their SHA-256; and the drafts of
 * narrative saved before issuing. Added by migration `0015-reports`.
 *
 * @module
 */

/** One issued report. Never updated or deleted: a re-download returns what was issued. */
export interface ReportsTable {
  /** `rpt_…`, random. */
  id: string;
  /** `quick`, `national` or `tracing`. */
  kind: string;
  /**
   * The numbering series: the issuing body. `p:<province code>` for a province's quick reports
   * (its Department of Information and Communications), `national` for national and tracing reports.
   */
  series: string;
  /** Year of the report date (Vietnam time): numbers restart at 1 each year. */
  year: number;
  /** The number within the series and year, from 1. */
  seq: number;
  /** As printed: "05/BC-STTTT". */
  number: string;
  /** The province of a quick report; null for national and tracing reports. */
  province_code: string | null;
  /** Report date, YYYY-MM-DD (the date line "…, ngày … tháng … năm …"). */
  report_date: string;
  /** The as-of instant of the figures, Unix ms (tracing: the end of the period). */
  as_of: number;
  /** JSON: the parameters (province, round, period, as-of, active days, target, …). */
  params: string;
  /** JSON: the narrative, campaign figures, issuer, signer and recipients as issued. */
  content: string;
  /** JSON: the figures the report printed (the reports package's input tables). */
  figures: string;
  /** `user:<id>`, `apikey:<id>` or `cli`. */
  author: string;
  created_at: number;
}

/** One rendered format of an issued report. */
export interface ReportFilesTable {
  report_id: string;
  /** `docx`, `pdf` or `xlsx`. */
  format: string;
  content_type: string;
  bytes: Uint8Array;
  /** Lower-case hex SHA-256 of `bytes` (the download's strong ETag). */
  sha256: string;
  size: number;
}

/** A draft: narrative and parameters saved before issuing (replaced as a whole by PUT). */
export interface ReportDraftsTable {
  /** `rdf_…`, random. */
  id: string;
  kind: string;
  /** The province of a quick report's draft (scope); null for national and tracing drafts. */
  province_code: string | null;
  /** JSON: the issue request body (kind excepted) as last saved. */
  body: string;
  author: string;
  created_at: number;
  updated_at: number;
}

export interface ReportTables {
  reports: ReportsTable;
  report_files: ReportFilesTable;
  report_drafts: ReportDraftsTable;
}
