/**
 * Storage of published exposure keys. Every function takes a Kysely handle — the database or a
 * transaction; the publish endpoint passes its transaction so that an upload is written whole or
 * not at all.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import type { ExposuresTable } from '../../storage/exposures.table.js';

/** A stored key. */
export type ExposureRow = ExposuresTable;

/** Hex of key bytes: how keys are matched in memory (PostgreSQL returns Buffers, SQLite Uint8Arrays). */
export function keyHex(keyData: Uint8Array): string {
  return Buffer.from(keyData.buffer, keyData.byteOffset, keyData.byteLength).toString('hex');
}

/** The stored rows of the given keys, by {@link keyHex}. */
export async function findExposuresByKey(
  db: Kysely<Database>,
  keys: readonly Uint8Array[],
): Promise<Map<string, ExposureRow>> {
  const found = new Map<string, ExposureRow>();
  if (keys.length === 0) return found;
  const rows = await db
    .selectFrom('exposures')
    .selectAll()
    .where('key_data', 'in', [...keys])
    .execute();
  for (const row of rows) found.set(keyHex(new Uint8Array(row.key_data)), row);
  return found;
}

/**
 * A key to insert (the row without its ID and the fields set later), with the case whose
 * certificate published it (null when the certificate's token is gone).
 */
export type NewExposure = Omit<
  ExposureRow,
  | 'id'
  | 'revised_report_type'
  | 'revised_at'
  | 'revised_days_since_onset'
  | 'revised_transmission_risk'
  | 'exported_batch_id'
  | 'revised_exported_batch_id'
> & { readonly case_id: string | null };

/** SHA-256 of a key's 16 bytes: how exposure reports name the keys a phone matched. */
export function exposureKeyHash(keyData: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(keyData).digest());
}

/**
 * Inserts keys, each with its {@link exposureKeyHash}; a key already stored (a concurrent upload
 * of the same keys) is skipped. Returns how many were inserted.
 */
export async function insertExposures(db: Kysely<Database>, rows: readonly NewExposure[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insertInto('exposures')
    .values(
      rows.map((row) => ({
        ...row,
        id: newId('exp_'),
        key_hash: exposureKeyHash(row.key_data),
        revised_report_type: null,
        revised_at: null,
        revised_days_since_onset: null,
        revised_transmission_risk: null,
        exported_batch_id: null,
        revised_exported_batch_id: null,
      })),
    )
    .onConflict((oc) => oc.column('key_data').doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

/** The revised fields of a key. */
export interface ExposureRevision {
  readonly reportType: number;
  readonly daysSinceOnset: number | null;
  readonly transmissionRisk: number;
  readonly at: number;
}

/** Records the one revision a key may have. Returns false when it was revised already. */
export async function reviseExposure(
  db: Kysely<Database>,
  id: string,
  revision: ExposureRevision,
): Promise<boolean> {
  const result = await db
    .updateTable('exposures')
    .set({
      revised_report_type: revision.reportType,
      revised_at: revision.at,
      revised_days_since_onset: revision.daysSinceOnset,
      revised_transmission_risk: revision.transmissionRisk,
    })
    .where('id', '=', id)
    .where('revised_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes keys whose rolling start is before `intervalCutoff`. Returns how many. */
export async function purgeExposuresBefore(db: Kysely<Database>, intervalCutoff: number): Promise<number> {
  const result = await db
    .deleteFrom('exposures')
    .where('rolling_start_interval_number', '<', intervalCutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
