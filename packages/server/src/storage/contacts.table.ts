/**
 * Contact lists (consented exposure reports linked to the cases whose keys they matched), the
 * links of recursive cases, case closing, and legacy Bluezone log matches. Added by migration
 * `0008-contacts`, which also adds `key_hash` and `case_id` to `exposures`. See docs/api.md,
 * "Exposure reports and contact lists", "Recursive cases" and "Legacy import".
 *
 * @module
 */

/** One person (a verified phone number) on one case's contact list. */
export interface ContactsTable {
  id: string;
  /** The case whose published keys the person's phone matched. */
  case_id: string;
  /** `F1` (the case is F0: confirmed or likely) or `F2` (the case is a recursive case of an F1). */
  level: string;
  /**
   * The verified number (`phones.id`) that reported; de-duplicates the list (one row per case and
   * number). Null once the retention job deleted the contact's personal data, or when the number
   * itself was deleted.
   */
  phone_id: string | null;
  /** JSON array of the reported exposure days (YYYY-MM-DD, ascending, union of all reports); null once deleted. */
  exposure_days: string | null;
  /** Highest risk level reported (1 low, 2 high); null once deleted. */
  max_risk_level: number | null;
  /** `reported`, or `recursive_case` once the authority made the contact a recursive case. */
  status: string;
  /** Keys of this case the reports matched (the highest count of one report). */
  matched_keys: number;
  /** Reports received for this case from this number. */
  report_count: number;
  /** First report, Unix ms. */
  reported_at: number;
  /** Latest report, Unix ms. */
  updated_at: number;
  /** The latest report's ID (as answered to the phone); null once deleted. */
  last_report_id: string | null;
  /** When the retention job deleted the personal data, Unix ms; null before. */
  purged_at: number | null;
}

/** One sighting of a case's legacy Bluezone ID in an imported `data_trace.txt`. */
export interface LegacyMatchesTable {
  id: string;
  case_id: string;
  /** The import that first recorded it. */
  import_id: string;
  /** 1-based line of the sighting in the imported log. */
  line: number;
  /** The legacy ID heard (the case's ID at that time), upper-case hex. */
  contact_id: string;
  /** Time of the sighting, Unix ms. */
  seen_at: number;
  /** Slot of the case's ID within its day. */
  slot: number;
  created_at: number;
}

/** Columns `0008-contacts` adds to `cases` (merged into {@link Database} `cases`). */
export interface CaseContactColumns {
  /** When the authority closed the case (contact data is deleted a retention period later); null while open. */
  closed_at: number | null;
  /** For a recursive case: the case on whose contact list the person was. */
  parent_case_id: string | null;
  /** For a recursive case: the contact it was made from (unique). */
  source_contact_id: string | null;
}

/** Columns `0008-contacts` adds to `exposures` (merged into {@link Database} `exposures`). */
export interface ExposureContactColumns {
  /** SHA-256 of the 16 key bytes: how exposure reports name the keys they matched. */
  key_hash: Uint8Array | null;
  /** The case whose certificate published the key; null for keys published before `0008`. */
  case_id: string | null;
}

/** The tables of contact lists and legacy imports. */
export interface ContactTables {
  contacts: ContactsTable;
  legacy_matches: LegacyMatchesTable;
}
