/**
 * Schema migrations, applied in name order by `bluezone migrate` and at server start. Each
 * feature adds its own numbered migration file and one line to {@link migrationsFor}.
 *
 * @module
 */
import { type Migration, type MigrationResult, Migrator } from 'kysely';
import { foundation } from './migrations/0001-foundation.js';
import { signingKeys } from './migrations/0002-signing-keys.js';
import { phones } from './migrations/0003-phones.js';
import { cases } from './migrations/0004-cases.js';
import { jobs } from './migrations/0005-jobs.js';
import { inbox } from './migrations/0006-inbox.js';
import { exposures } from './migrations/0007-exposures.js';
import { contacts } from './migrations/0008-contacts.js';
import { users } from './migrations/0009-users.js';
import { contactWorkflow } from './migrations/0010-contact-workflow.js';
import { adminLists } from './migrations/0011-admin-lists.js';
import { stats } from './migrations/0012-stats.js';
import { declarations } from './migrations/0013-declarations.js';
import { partners } from './migrations/0014-partners.js';
import { reports } from './migrations/0015-reports.js';
import { statsDayRows } from './migrations/0016-stats-day-rows.js';
import type { Dialect, Storage } from './storage.js';

/** All migrations for a dialect, by name (applied in name order). */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-foundation': foundation(dialect),
    '0002-signing-keys': signingKeys(dialect),
    '0003-phones': phones(dialect),
    '0004-cases': cases(dialect),
    '0005-jobs': jobs(dialect),
    '0006-inbox': inbox(dialect),
    '0007-exposures': exposures(dialect),
    '0008-contacts': contacts(dialect),
    '0009-users': users(dialect),
    '0010-contact-workflow': contactWorkflow(dialect),
    '0011-admin-lists': adminLists(dialect),
    '0013-declarations': declarations(dialect),
    '0014-partners': partners(dialect),
    '0015-reports': reports(dialect),
    '0012-stats': stats(dialect),
    '0016-stats-day-rows': statsDayRows(dialect),
  };
}

/** The outcome of a migration run. */
export interface MigrationReport {
  readonly applied: readonly string[];
  readonly current: readonly string[];
}

function migrator(storage: Storage): Migrator {
  return new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => migrationsFor(storage.dialect) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    // Without an explicit schema Kysely finds a migration table in any schema of the database.
    ...(storage.schema === undefined ? {} : { migrationTableSchema: storage.schema }),
  });
}

/** Brings the schema to the latest version. Throws with the failing migration's name. */
export async function migrateToLatest(storage: Storage): Promise<MigrationReport> {
  return migrateWith(storage, (m) => m.migrateToLatest());
}

/**
 * Brings the schema to migration `name`, undoing the later ones (their `down`) when they were
 * applied. For upgrade tests and for going back after a failed release.
 */
export async function migrateTo(storage: Storage, name: string): Promise<MigrationReport> {
  if (!(name in migrationsFor(storage.dialect))) throw new RangeError(`no migration named ${name}`);
  return migrateWith(storage, (m) => m.migrateTo(name));
}

async function migrateWith(
  storage: Storage,
  run: (m: Migrator) => ReturnType<Migrator['migrateToLatest']>,
): Promise<MigrationReport> {
  const m = migrator(storage);
  const { error, results } = await run(m);
  const failed = results?.find((r: MigrationResult) => r.status === 'Error');
  if (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, { cause: error });
  }
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const current = (await m.getMigrations()).filter((x) => x.executedAt !== undefined).map((x) => x.name);
  return { applied, current };
}
