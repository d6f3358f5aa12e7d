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

/**
 * Counts of installs and phone-registered installs per period and grain. `grain` says which
 * dimension columns are set; the others are "": `province` (province_code), `district`
 * (province_code, district_code — "" for installs without a district), `carrier` (carrier: a
 * carrier ID or `other`), `platform` (platform).
 */
export interface StatsCountersTable {
  grain: string;
  /** `day` (period = Vietnamese day number) or `hour` (period = hour bucket, see the module). */
  res: string;
  period: number;
  province_code: string;
  district_code: string;
  carrier: string;
  platform: string;
  /** Installs created in the period. */
  installs: number;
  /** Phone numbers first verified in the period (one per number; one per imported row). */
  phone_registered: number;
}

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
  /** The import that created the install (installs from another system); null for app installs. */
  import_id: string | null;
}

export interface StatsTables {
  stats_counters: StatsCountersTable;
  stats_activity: StatsActivityTable;
  stats_denominators: StatsDenominatorsTable;
  stats_imports: StatsImportsTable;
}
