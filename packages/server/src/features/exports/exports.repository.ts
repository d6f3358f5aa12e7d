/**
 * Storage of export batches and key files, and the export state of published keys. A batch is
 * written by {@link writeBatch} in one transaction: its row, its files, and the marks on the keys
 * it published — each mark conditional on the key not being marked yet, so that two batchers
 * racing on the same keys cannot both publish one (the loser's transaction fails and rolls back).
 *
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { ExportBatchesTable, ExportFilesTable, ExposuresTable } from '../../storage/exposures.table.js';

/** A stored batch. */
export type ExportBatchRow = ExportBatchesTable;
/** A stored key file. */
export type ExportFileRow = ExportFilesTable;

/** Another batcher published some of these keys first; nothing of this batch was written. */
export class ExportConflictError extends Error {
  override readonly name = 'ExportConflictError';
}

/** End of the newest batch of `region` (Unix ms), or undefined before the first batch. */
export async function latestBatchEnd(db: Kysely<Database>, region: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('export_batches')
    .select('end_at')
    .where('region', '=', region)
    .orderBy('end_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.end_at;
}

/**
 * Keys of `region` never exported, published before `end` and no longer valid at
 * `exportInterval` (the embargo has lifted), oldest first.
 */
export async function pendingNewKeys(
  db: Kysely<Database>,
  region: string,
  end: number,
  exportInterval: number,
): Promise<ExposuresTable[]> {
  return db
    .selectFrom('exposures')
    .selectAll()
    .where('region', '=', region)
    .where('exported_batch_id', 'is', null)
    .where('created_at', '<', end)
    .where(sql<number>`rolling_start_interval_number + rolling_period`, '<=', exportInterval)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/** Keys of `region` exported before and revised since, before `end`, whose revision is unpublished. */
export async function pendingRevisedKeys(
  db: Kysely<Database>,
  region: string,
  end: number,
): Promise<ExposuresTable[]> {
  return db
    .selectFrom('exposures')
    .selectAll()
    .where('region', '=', region)
    .where('exported_batch_id', 'is not', null)
    .where('revised_exported_batch_id', 'is', null)
    .where('revised_at', '<', end)
    .orderBy('revised_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/** Which keys a batch publishes. */
export interface BatchMarks {
  /** Keys published as new. */
  readonly fresh: readonly string[];
  /** Of those, the ones already revised when selected (their revision goes out with them). */
  readonly freshRevised: readonly string[];
  /** Keys whose revision is published (in `revisedKeys`). */
  readonly revised: readonly string[];
}

const CHUNK = 500;

async function markChunked(
  ids: readonly string[],
  mark: (chunk: string[]) => Promise<{ numUpdatedRows: bigint }>,
): Promise<number> {
  let marked = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    marked += Number((await mark(ids.slice(i, i + CHUNK))).numUpdatedRows);
  }
  return marked;
}

/**
 * Writes a batch, its files and the marks on its keys. Run it in a transaction. Throws
 * {@link ExportConflictError} when a key was marked by another batch meanwhile, and the
 * database's unique violation when another batch of the same window was written first.
 */
export async function writeBatch(
  db: Kysely<Database>,
  batch: ExportBatchRow,
  files: readonly ExportFileRow[],
  marks: BatchMarks,
): Promise<void> {
  await db.insertInto('export_batches').values(batch).execute();
  for (const file of files) await db.insertInto('export_files').values(file).execute();
  const fresh = await markChunked(marks.fresh, (chunk) =>
    db
      .updateTable('exposures')
      .set({ exported_batch_id: batch.id })
      .where('id', 'in', chunk)
      .where('exported_batch_id', 'is', null)
      .executeTakeFirst(),
  );
  if (fresh !== marks.fresh.length) {
    throw new ExportConflictError(
      `${marks.fresh.length - fresh} of ${marks.fresh.length} keys were exported by another batch meanwhile; the batch was rolled back and the next run exports what remains`,
    );
  }
  await markChunked(marks.freshRevised, (chunk) =>
    db
      .updateTable('exposures')
      .set({ revised_exported_batch_id: batch.id })
      .where('id', 'in', chunk)
      .where('revised_exported_batch_id', 'is', null)
      .executeTakeFirst(),
  );
  const revised = await markChunked(marks.revised, (chunk) =>
    db
      .updateTable('exposures')
      .set({ revised_exported_batch_id: batch.id })
      .where('id', 'in', chunk)
      .where('revised_exported_batch_id', 'is', null)
      .executeTakeFirst(),
  );
  if (revised !== marks.revised.length) {
    throw new ExportConflictError(
      `${marks.revised.length - revised} revised keys were exported by another batch meanwhile; the batch was rolled back`,
    );
  }
}

/** Paths of the files whose keys are still kept at `now`, oldest batch first. */
export async function indexPaths(db: Kysely<Database>, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('export_files')
    .innerJoin('export_batches', 'export_batches.id', 'export_files.batch_id')
    .select('export_files.path')
    .where('export_files.keys_expire_at', '>', now)
    .orderBy('export_batches.end_at', 'asc')
    .orderBy('export_batches.start_at', 'asc')
    .orderBy('export_batches.region', 'asc')
    .orderBy('export_files.batch_num', 'asc')
    .execute();
  return rows.map((r) => r.path);
}

/** The file at `path` (below `/v1/exports/`) still listed at `now`, if any. */
export async function findFile(
  db: Kysely<Database>,
  path: string,
  now: number,
): Promise<Pick<ExportFileRow, 'bytes' | 'etag'> | undefined> {
  return db
    .selectFrom('export_files')
    .select(['bytes', 'etag'])
    .where('path', '=', path)
    .where('keys_expire_at', '>', now)
    .executeTakeFirst();
}

/**
 * Deletes the files whose keys have all been deleted by `now`, then the batches left without
 * files — except the newest of each region, where the next batch starts. Returns files deleted.
 */
export async function purgeExpiredFiles(db: Kysely<Database>, now: number): Promise<number> {
  const files = await db.deleteFrom('export_files').where('keys_expire_at', '<=', now).executeTakeFirst();
  const newest = await db
    .selectFrom('export_batches')
    .select(['region', (eb) => eb.fn.max('end_at').as('end_at')])
    .groupBy('region')
    .execute();
  let query = db
    .deleteFrom('export_batches')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('export_files')
            .select('export_files.id')
            .whereRef('export_files.batch_id', '=', 'export_batches.id'),
        ),
      ),
    );
  for (const n of newest) {
    query = query.where((eb) => eb.or([eb('region', '!=', n.region), eb('end_at', '!=', Number(n.end_at))]));
  }
  await query.execute();
  return Number(files.numDeletedRows);
}
