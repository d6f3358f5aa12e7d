/**
 * Test harness: storages on both engines and an in-process app.
 *
 * PostgreSQL tests use `DATABASE_URL` (CI sets it to the local server) with a fresh schema per
 * storage, dropped afterwards, so runs never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type App, buildApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { deriveSecrets } from '../src/secrets.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { openPostgres, openSqlite, type Storage } from '../src/storage/storage.js';

export const DATABASE_URL = process.env['DATABASE_URL'];

/** The engines every contract and HTTP suite runs on. PostgreSQL needs DATABASE_URL. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Whether an engine can run here. Without DATABASE_URL the PostgreSQL suites are skipped — a
 * developer machine without PostgreSQL still runs everything else; CI always sets it.
 */
export const engineAvailable = (engine: Engine): boolean => engine === 'sqlite' || DATABASE_URL !== undefined;

/** A migrated storage on `engine`, and a function that removes it. */
export async function createTestStorage(
  engine: Engine,
): Promise<{ storage: Storage; destroy: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bluezone-test-'));
    const storage = openSqlite(join(dir, 'test.db'));
    await migrateToLatest(storage);
    return { storage, destroy: () => storage.close() };
  }
  if (!DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const schema = `bz_test_${randomBytes(6).toString('hex')}`;
  const storage = await openPostgres(DATABASE_URL, schema, 4);
  await migrateToLatest(storage);
  return {
    storage,
    destroy: async () => {
      await storage.close();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/** A fixed master key for tests. */
export const TEST_SECRETS = deriveSecrets(new Uint8Array(32).fill(7));

/** Test configuration: defaults, quiet, no background jobs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_DATA_DIR: tmpdir(),
    ...overrides,
  });
}

/** A controllable clock (Unix ms). */
export function testClock(start = Date.UTC(2020, 7, 8, 9, 0, 0)): {
  now: () => number;
  set: (ms: number) => void;
  advance: (ms: number) => void;
} {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

/** An app on a fresh storage. */
export async function createTestApp(
  engine: Engine,
  options: { config?: Record<string, string>; now?: () => number } = {},
): Promise<{ app: App; storage: Storage; close: () => Promise<void> }> {
  const { storage, destroy } = await createTestStorage(engine);
  const app = await buildApp(
    testConfig(options.config),
    { storage, secrets: TEST_SECRETS, adminUnits: loadAdminUnits(), now: options.now ?? Date.now },
    { logger: false },
  );
  await app.ready();
  return {
    app,
    storage,
    close: async () => {
      await app.close();
      await destroy();
    },
  };
}
