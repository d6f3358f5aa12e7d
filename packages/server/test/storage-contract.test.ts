/**
 * The storage contract: the same behaviour on SQLite and PostgreSQL. Every query a feature adds
 * gets a case here or in its feature's contract file, run on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/features/api-keys.js';
import {
  findInstall,
  findInstallByTokenHash,
  insertInstall,
  markInstallActive,
} from '../src/features/installs/installs.repository.js';
import { hashSecret } from '../src/ids.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestStorage, ENGINES, engineAvailable } from './harness.js';

const install = (id: string, token: string) => ({
  id,
  token_hash: hashSecret(token),
  platform: 'android',
  app_version: '1.0.0',
  province_code: '01',
  district_code: '001',
  admin_units_as_of: '2020-11-01',
  locale: 'vi',
  created_at: 1_596_877_200_123,
  last_active_at: null,
  phone_id: null,
  phone_verified_at: null,
  carrier: null,
});

for (const engine of ENGINES) {
  // PostgreSQL runs wherever DATABASE_URL is set (always in CI); see harness.ts.
  describe.runIf(engineAvailable(engine))(`storage contract on ${engine}`, () => {
    let storage: Storage;
    let destroy: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, destroy } = await createTestStorage(engine));
    });
    afterAll(() => destroy());

    it('answers ping and reports its dialect', async () => {
      await storage.ping();
      expect(storage.dialect).toBe(engine);
    });

    it('migrates idempotently', async () => {
      const again = await migrateToLatest(storage);
      expect(again.applied).toEqual([]);
      expect(again.current).toContain('0001-foundation');
    });

    it('stores and finds installs, with binary hashes and millisecond times intact', async () => {
      await insertInstall(storage.db, install('ins_a', 'token-a'));
      const byToken = await findInstallByTokenHash(storage.db, hashSecret('token-a'));
      expect(byToken?.id).toBe('ins_a');
      expect(byToken?.created_at).toBe(1_596_877_200_123);
      expect(typeof byToken?.created_at).toBe('number');
      expect(new Uint8Array(byToken!.token_hash)).toEqual(hashSecret('token-a'));
      expect(await findInstallByTokenHash(storage.db, hashSecret('token-never-issued'))).toBeUndefined();
      expect(await findInstall(storage.db, 'missing')).toBeUndefined();
    });

    it('rejects a second install with the same token hash', async () => {
      await insertInstall(storage.db, install('ins_first', 'token-dup'));
      await expect(insertInstall(storage.db, install('ins_dup', 'token-dup'))).rejects.toThrow();
      expect(await findInstall(storage.db, 'ins_dup')).toBeUndefined();
    });

    it('marks activity once per day', async () => {
      await insertInstall(storage.db, install('ins_b', 'token-b'));
      expect(await markInstallActive(storage.db, 'ins_b', '2020-08-08', 1_596_877_300_000)).toBe(true);
      expect(await markInstallActive(storage.db, 'ins_b', '2020-08-08', 1_596_877_400_000)).toBe(false);
      expect(await markInstallActive(storage.db, 'ins_b', '2020-08-09', 1_596_963_700_000)).toBe(true);
      const row = await findInstall(storage.db, 'ins_b');
      expect(row?.last_active_at).toBe(1_596_963_700_000);
      const days = await storage.db
        .selectFrom('install_days')
        .select('day')
        .where('install_id', '=', 'ins_b')
        .orderBy('day')
        .execute();
      expect(days.map((d) => d.day)).toEqual(['2020-08-08', '2020-08-09']);
    });

    it('rolls a transaction back when it throws, and commits when it resolves', async () => {
      await expect(
        storage.transaction(async (trx) => {
          await insertInstall(trx, install('ins_tx', 'token-tx'));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await findInstall(storage.db, 'ins_tx')).toBeUndefined();
      await storage.transaction((trx) => insertInstall(trx, install('ins_tx', 'token-tx')));
      expect(await findInstall(storage.db, 'ins_tx')).toBeDefined();
    });

    it('stores API keys as hashes only', async () => {
      const created = await createApiKey(storage.db, 'admin', 'test', 1);
      expect(created.key).toMatch(/^bz_[A-Za-z0-9_-]{43}$/);
      const rows = await storage.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(created.key.slice(3));
      expect(new Uint8Array(rows[0]!.key_hash)).toEqual(hashSecret(created.key));
    });

    it('lets one holder at a time run under a leader lock', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = storage.withLeaderLock('job', async () => {
        await held;
        return 'first';
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(await storage.withLeaderLock('job', async () => 'second')).toBeUndefined();
      expect(await storage.withLeaderLock('other-job', async () => 'other')).toBe('other');
      release();
      expect(await first).toBe('first');
      expect(await storage.withLeaderLock('job', async () => 'third')).toBe('third');
    });
  });
}
