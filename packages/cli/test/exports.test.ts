import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { exportParseFile, exportVerifyFile } from '@bluezone/protocol';
import { migrateToLatest, openSqlite } from '@bluezone/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const NOW = new Date(Date.UTC(2020, 7, 8, 9, 30, 0));
const HOUR = 3_600_000;
const sec = (ms: number) => Math.floor(ms / 1000);
const today = Math.floor(NOW.getTime() / 600_000 / 144) * 144;

type Batches = {
  batches: {
    start: string;
    end: string;
    paths: string[];
    keys: number;
    paddingKeys: number;
    revisedKeys: number;
  }[];
};

/** Stores keys as the publish endpoint would (published at `createdAt`). */
async function storeKeys(db: string, keys: { keyData: Uint8Array; daysAgo: number }[], createdAt: number) {
  const storage = openSqlite(db);
  try {
    await migrateToLatest(storage);
    await storage.db
      .insertInto('exposures')
      .values(
        keys.map((k, i) => ({
          id: `exp_test_${randomBytes(8).toString('hex')}_${i}`,
          key_data: k.keyData,
          rolling_start_interval_number: today - 144 * k.daysAgo,
          rolling_period: 144,
          transmission_risk: 0,
          report_type: 1,
          days_since_onset: null,
          health_authority: 'vn-moh',
          region: 'VN',
          created_at: createdAt,
          revised_report_type: null,
          revised_at: null,
          revised_days_since_onset: null,
          revised_transmission_risk: null,
          exported_batch_id: null,
          revised_exported_batch_id: null,
        })),
      )
      .execute();
  } finally {
    await storage.close();
  }
}

/** The stored files, parsed and verified against the stored public signing key. */
async function filesOf(db: string) {
  const storage = openSqlite(db);
  try {
    const files = await storage.db
      .selectFrom('export_files')
      .select(['path', 'bytes'])
      .orderBy('path')
      .execute();
    const [signing] = await storage.db
      .selectFrom('signing_keys')
      .select('public_key_spki')
      .where('purpose', '=', 'export')
      .execute();
    return Promise.all(
      files.map(async (f) => {
        const parsed = exportParseFile(new Uint8Array(f.bytes));
        if (!parsed.ok) throw parsed.error;
        const verified = await exportVerifyFile(parsed.value, new Uint8Array(signing!.public_key_spki));
        return { path: f.path, contents: parsed.value.contents, verified: verified.ok };
      }),
    );
  } finally {
    await storage.close();
  }
}

describe('bluezone exports run', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // The master key (it encrypts the signing keys) lives in the data directory of these tests.
    process.env['BLUEZONE_DATA_DIR'] = tempDir().dir;
    process.env['BLUEZONE_EXPORT_MIN_KEYS'] = '20';
  });
  afterAll(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('exports every key not yet exported, the current period included, into signed padded files', async () => {
    const db = join(tempDir().dir, 'bz.db');
    const keys = [1, 2, 3].map((daysAgo) => ({ keyData: new Uint8Array(randomBytes(16)), daysAgo }));
    await storeKeys(db, keys, NOW.getTime() - 10 * 60_000);
    const r = await runCli(['exports', 'run', '--db', db, '--json'], { now: NOW });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { batches } = JSON.parse(r.stdout) as Batches;
    // The last complete period (08:00-09:00), then the current one up to now.
    const periodStart = Date.UTC(2020, 7, 8, 9, 0, 0);
    expect(batches).toEqual([
      {
        start: new Date(periodStart - HOUR).toISOString(),
        end: new Date(periodStart).toISOString(),
        paths: [`VN/${sec(periodStart - HOUR)}-${sec(periodStart)}-00001.zip`],
        keys: 0,
        paddingKeys: 20,
        revisedKeys: 0,
      },
      {
        start: new Date(periodStart).toISOString(),
        end: new Date(NOW.getTime() + 1000).toISOString(),
        paths: [`VN/${sec(periodStart)}-${sec(NOW.getTime()) + 1}-00001.zip`],
        keys: 3,
        paddingKeys: 17,
        revisedKeys: 0,
      },
    ]);
    const files = await filesOf(db);
    expect(files.every((f) => f.verified)).toBe(true);
    const current = files.find((f) => f.path === batches[1]!.paths[0])!;
    expect(current.contents.keys).toHaveLength(20);
    const inFile = new Set(current.contents.keys.map((k) => Buffer.from(k.keyData).toString('hex')));
    for (const k of keys) expect(inFile.has(Buffer.from(k.keyData).toString('hex'))).toBe(true);

    // Nothing is exported twice: a second run at the same time finds nothing to do.
    const again = await runCli(['exports', 'run', '--db', db], { now: NOW });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to export/);
  });

  it('prints the files it wrote', async () => {
    const db = join(tempDir().dir, 'bz.db');
    await storeKeys(db, [{ keyData: new Uint8Array(randomBytes(16)), daysAgo: 2 }], NOW.getTime() - 60_000);
    const r = await runCli(['exports', 'run', '--db', db], { now: NOW });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 2 batches, 2 files, 1 new key, 0 revised\n/);
    expect(r.stdout).toContain(`  /v1/exports/VN/${sec(NOW.getTime() - 30 * 60_000)}-`);
  });

  it('refuses bad options with exit code 2 and a bad configuration with 78', async () => {
    const db = join(tempDir().dir, 'bz.db');
    const unknown = await runCli(['exports', 'run', '--db', db, '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    process.env['BLUEZONE_EXPORT_MIN_KEYS'] = 'many';
    try {
      const bad = await runCli(['exports', 'run', '--db', db]);
      expect(bad.code).toBe(78);
      expect(bad.stderr).toBe(
        'bluezone: BLUEZONE_EXPORT_MIN_KEYS must be a whole number from 0 to 750000, got "many"\n',
      );
    } finally {
      process.env['BLUEZONE_EXPORT_MIN_KEYS'] = '20';
    }
  });
});
