/**
 * Legacy Bluezone import (docs/PROTOCOL.md §4): a contact log exported by the original app
 * (`data_trace.txt`) is matched against a confirmed case's legacy F0 record (its daily keys,
 * `{"data":[{"daily_key","time_start","max","time_end"}]}`) with the protocol's legacy module,
 * and the sightings of the case are recorded for it (`legacy_matches`: line, contact ID, time,
 * slot; a log imported twice records each sighting once). Malformed lines are reported with
 * their line numbers and skipped. Used by `POST /admin/v1/cases/:id/legacy-import` and by
 * `bluezone legacy import`.
 *
 * @module
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type LegacyF0Record,
  type MalformedLine,
  matchLegacyTrace,
  parseLegacyF0Record,
  parseLegacyTrace,
  SECONDS_PER_DAY,
} from '@bluezone/protocol';
import type { Kysely } from 'kysely';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import type { Storage } from '../../storage/storage.js';

/** The limits of one import. */
export const LEGACY_IMPORT_LIMITS = {
  /** Largest request body of the HTTP import: a 14-day log of a busy phone is a few MB. */
  bodyLimitBytes: 16 * 1024 * 1024,
  /** Most legacy IDs one F0 record may expand to (days × IDs a day, summed): bounds the hashing. */
  maxRecordIds: 200_000,
  /** Malformed lines listed in the answer (all are counted). */
  maxMalformedListed: 1000,
  /** Default and largest slot tolerance. */
  defaultTolerance: 1,
  maxTolerance: 96,
} as const;

/** What to import. */
export interface LegacyImportInput {
  readonly caseId: string;
  /** The text of `data_trace.txt`. */
  readonly trace: string;
  /** The parsed JSON of the F0 record. */
  readonly infoF: unknown;
  /** Slots of clock skew tolerated either side (default 1). */
  readonly tolerance?: number | undefined;
  /** Who imports: `apikey:<id>`, or `cli` for the command line. */
  readonly actor: string;
  /** Unix ms. */
  readonly now: number;
}

/** One recorded sighting, as the CLI's `legacy match --json` prints it. */
export interface LegacyMatchView {
  readonly line: number;
  readonly contactId: string;
  /** Unix ms. */
  readonly timestamp: number;
  readonly slot: number;
}

/** The outcome of an import. */
export interface LegacyImportResult {
  readonly caseId: string;
  readonly importId: string;
  /** Well-formed sightings in the log. */
  readonly rows: number;
  /** Sightings of the case. */
  readonly matches: LegacyMatchView[];
  /** Of those, how many were new (not recorded by an earlier import). */
  readonly recorded: number;
  /** Malformed lines (the first {@link LEGACY_IMPORT_LIMITS}.maxMalformedListed). */
  readonly malformed: MalformedLine[];
  /** How many lines were malformed. */
  readonly malformedLines: number;
}

/** Validates the F0 record and its size; throws `invalid_request`. */
export function checkLegacyRecord(infoF: unknown): LegacyF0Record {
  const record = parseLegacyF0Record(infoF);
  if (!record.ok) throw new ApiError('invalid_request', `infoF: ${record.error.message}`);
  let ids = 0;
  for (const p of record.value.periods)
    ids += Math.ceil((p.timeEnd - p.timeStart) / SECONDS_PER_DAY) * p.slots;
  if (ids > LEGACY_IMPORT_LIMITS.maxRecordIds) {
    throw new ApiError(
      'invalid_request',
      `infoF expands to ${ids} legacy IDs (days × max, summed over its entries); at most ${LEGACY_IMPORT_LIMITS.maxRecordIds} are matched in one import: split the record`,
    );
  }
  return record.value;
}

const INSERT_CHUNK = 400;

async function recordMatches(
  db: Kysely<Database>,
  caseId: string,
  importId: string,
  matches: readonly LegacyMatchView[],
  now: number,
): Promise<number> {
  let recorded = 0;
  for (let i = 0; i < matches.length; i += INSERT_CHUNK) {
    const rows = matches.slice(i, i + INSERT_CHUNK).map((m) => ({
      id: newId('lm_'),
      case_id: caseId,
      import_id: importId,
      line: m.line,
      contact_id: m.contactId,
      seen_at: m.timestamp,
      slot: m.slot,
      created_at: now,
    }));
    const inserted = await db
      .insertInto('legacy_matches')
      .values(rows)
      .onConflict((oc) => oc.columns(['case_id', 'line', 'contact_id', 'seen_at']).doNothing())
      .returning('id')
      .execute();
    recorded += inserted.length;
  }
  return recorded;
}

/**
 * Matches `input.trace` against `input.infoF` and records the case's sightings, with the audit
 * entry `case.legacy.import` (counts only), in one transaction. Throws `not_found` (unknown
 * case) and `invalid_request` (record, tolerance).
 */
export async function importLegacyTrace(
  storage: Storage,
  input: LegacyImportInput,
): Promise<LegacyImportResult> {
  const tolerance = input.tolerance ?? LEGACY_IMPORT_LIMITS.defaultTolerance;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > LEGACY_IMPORT_LIMITS.maxTolerance) {
    throw new ApiError(
      'invalid_request',
      `tolerance must be a whole number of slots from 0 to ${LEGACY_IMPORT_LIMITS.maxTolerance}, got ${tolerance}`,
    );
  }
  const found = await storage.db
    .selectFrom('cases')
    .select('id')
    .where('id', '=', input.caseId)
    .executeTakeFirst();
  if (!found) {
    throw new ApiError(
      'not_found',
      `no case ${JSON.stringify(input.caseId)}; check the caseId returned when it was entered`,
    );
  }
  const record = checkLegacyRecord(input.infoF);
  const trace = parseLegacyTrace(input.trace);
  const matches: LegacyMatchView[] = matchLegacyTrace(record, trace.rows, {
    tolerance,
    crypto: nodeCrypto,
  }).map((m) => ({ line: m.line, contactId: m.contactId, timestamp: m.timestamp, slot: m.slot }));
  const importId = newId('li_');
  const recorded = await storage.transaction(async (trx) => {
    const n = await recordMatches(trx, input.caseId, importId, matches, input.now);
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: input.now,
        actor: input.actor,
        action: 'case.legacy.import',
        subject: `case:${input.caseId}`,
        details: JSON.stringify({
          importId,
          rows: trace.rows.length,
          matches: matches.length,
          recorded: n,
          malformedLines: trace.malformed.length,
          tolerance,
        }),
      })
      .execute();
    return n;
  });
  return {
    caseId: input.caseId,
    importId,
    rows: trace.rows.length,
    matches,
    recorded,
    malformed: trace.malformed.slice(0, LEGACY_IMPORT_LIMITS.maxMalformedListed),
    malformedLines: trace.malformed.length,
  };
}

/** Deletes the legacy matches of cases closed before `closedBefore`; returns how many. */
export async function purgeLegacyMatchesOfClosedCases(
  db: Kysely<Database>,
  closedBefore: number,
): Promise<number> {
  const result = await db
    .deleteFrom('legacy_matches')
    .where('case_id', 'in', (eb) =>
      eb.selectFrom('cases').select('cases.id').where('cases.closed_at', '<', closedBefore),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
