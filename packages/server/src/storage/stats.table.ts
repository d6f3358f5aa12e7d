/**
 * Tables of the installation statistics (docs/statistics.md): pre-aggregated counters kept in the
 * same transaction as installs register, phones verify and heartbeats check in; the smartphone
 * denominators with their effective dates; the log of CSV imports. Added by migration `0012-stats`,
 * which also adds `import_id` to `installs`.
 *
 * Periods are integers, not dates, so that windows are arithmetic: a **day** is the Vietnamese
 * calendar day number (days since 1970-01-01 in UTC+7); an **hour** bucket `k` holds the events of
 * the Vietnamese-time interval ((k − 1) h, k h] since the epoch, so that "as of" a whole hour `K`
 * is exactly the buckets up to `K`.
 *
 * @module
 */

/** The hour buckets of a day, `01` (00:00–01:00] … `24` (23:00–24:00] Vietnamese time. */
export type HourOfDay =
  | '01'
  | '02'
  | '03'
  | '04'
  | '05'
  | '06'
  | '07'
  | '08'
  | '09'
  | '10'
  | '11'
  | '12'
  | '13'
  | '14'
  | '15'
  | '16'
  | '17'
  | '18'
  | '19'
  | '20'
  | '21'
  | '22'
  | '23'
  | '24';

/** Installs (`iHH`) and phone registrations (`pHH`) of each hour bucket of a day row. */
export type HourCounts = { [H in HourOfDay as `i${H}` | `p${H}`]: number };

/**
 * Counts of installs and phone-registered installs per day and grain (migration `0016`; before it
 * a day row and an hour row per event). `grain` says which dimension columns are set; the others
 * are "": `province` (province_code), `district` (province_code, district_code — "" for installs
 * without a district), `carrier` (carrier: a carrier ID or `other`), `platform` (platform). The
 * hour columns split the day's totals by hour bucket, so that "as of" an hour sums the whole days
 * before it and the first hours of its day.
 */
export type StatsCountersTable = HourCounts & {
  grain: string;
  /** The Vietnamese day number. */
  period: number;
  province_code: string;
  district_code: string;
  carrier: string;
  platform: string;
  /** Installs created in the day (the sum of the `iHH`). */
  installs: number;
  /** Phone numbers first verified in the day (one per number; one per imported row; the sum of the `pHH`). */
  phone_registered: number;
};

/**
 * Check-ins (the first of an install's Vietnamese day) per day, gap and grain: `gap` is the days
 * since the install's previous check-in (1…90), or 91 for "91 or more, or none before". An install
 * is active in the window [a, b] exactly when one of its check-ins c in the window has c − gap < a,
 * so the active count of any window of up to 90 days is a sum over these rows. `carrier` of the
 * `carrier` grain is the install's carrier, `other`, or `none` (no verified number).
 */
export interface StatsActivityTable {
  grain: string;
  day: number;
  gap: number;
  province_code: string;
  district_code: string;
  carrier: string;
  platform: string;
  installs: number;
}

/**
 * Smartphone (subscriber) counts, from imports. One row per effective date and area; a later
 * import of the same date and area replaces the figure (the import log keeps who and when).
 * `district_code` and `carrier` are "" for province or all-carrier totals.
 */
export interface StatsDenominatorsTable {
  effective_date: string;
  province_code: string;
  district_code: string;
  carrier: string;
  smartphones: number;
  import_id: string;
}

/** One accepted CSV import (all or nothing: a rejected file leaves no row here or anywhere). */
export interface StatsImportsTable {
  id: string;
  /** `denominators` or `installs`. */
  kind: string;
  rows: number;
  imported_at: number;
  /** `user:<id>`, `apikey:<id>` or `cli`. */
  imported_by: string;
  /** Base name of the file (CLI) or null (API upload). */
  file_name: string | null;
}

/** Column `0012-stats` adds to `installs` (merged into {@link Database} `installs`). */
export interface InstallStatsColumns {
  /**
   * Unused since `0016`: imported installs were installs rows from `0012` to `0016`; they are
   * {@link ImportedInstallsTable} rows now. Always null.
   */
  import_id: string | null;
}

/**
 * Installs imported from another system (`bluezone import installs`), one row per source install
 * ID, clustered on it. They are not devices: no token, no phone row; the check-in is the row's
 * `last_active_at`. The counters and `stats rebuild` count them with the app installs.
 */
export interface ImportedInstallsTable {
  /** The source system's install ID (unique across imports). */
  id: string;
  import_id: string;
  created_at: number;
  platform: string;
  province_code: string;
  district_code: string | null;
  phone_verified_at: number | null;
  carrier: string | null;
  last_active_at: number | null;
}

export interface StatsTables {
  stats_counters: StatsCountersTable;
  stats_activity: StatsActivityTable;
  stats_denominators: StatsDenominatorsTable;
  stats_imports: StatsImportsTable;
  imported_installs: ImportedInstallsTable;
}
