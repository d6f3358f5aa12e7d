/**
 * The last run of each background job.
 *
 * @module
 */

export interface JobRunsTable {
  name: string;
  last_started_at: number;
  last_finished_at: number;
  /** `ok` or `error`. */
  last_status: string;
  /** JSON counts of the last successful run, or the error message. */
  last_detail: string | null;
}

export interface JobTables {
  job_runs: JobRunsTable;
}
