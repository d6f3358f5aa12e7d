/**
 * Installs: registration, lookup by device token, daily activity.
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { InstallsTable } from '../../storage/foundation.table.js';

export type InstallRow = InstallsTable;

/** Inserts a new install. */
export async function insertInstall(db: Kysely<Database>, row: InstallRow): Promise<void> {
  await db.insertInto('installs').values(row).execute();
}

/** The install whose device token hashes to `tokenHash`, if any. */
export async function findInstallByTokenHash(
  db: Kysely<Database>,
  tokenHash: Uint8Array,
): Promise<InstallRow | undefined> {
  return db.selectFrom('installs').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The install with `id`, if any. */
export async function findInstall(db: Kysely<Database>, id: string): Promise<InstallRow | undefined> {
  return db.selectFrom('installs').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Records that the install was active on `day` (YYYY-MM-DD) at `at`. Idempotent per day: returns
 * true only the first time for that day, and only then updates `last_active_at` (activity is
 * counted in days, so later heartbeats of the same day need no second write). The day row is the
 * record of activity; `last_active_at` is a convenience copy, at worst a day stale after a crash
 * between the two statements.
 */
export async function markInstallActive(
  db: Kysely<Database>,
  installId: string,
  day: string,
  at: number,
): Promise<boolean> {
  const inserted = await db
    .insertInto('install_days')
    .values({ install_id: installId, day })
    .onConflict((oc) => oc.columns(['install_id', 'day']).doNothing())
    .executeTakeFirst();
  const first = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  if (first)
    await db.updateTable('installs').set({ last_active_at: at }).where('id', '=', installId).execute();
  return first;
}
