import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type AppContext, createContext } from '../src/context.js';
import { activeSigningKey, publishedSigningKeys } from '../src/features/signing-keys/signing-keys.js';
import { keyRotationJob } from '../src/jobs/key-rotation.js';
import { retentionJob } from '../src/jobs/retention.js';
import { type Job, runJobOnce, startScheduler } from '../src/jobs/scheduler.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { createTestStorage, ENGINES, engineAvailable, TEST_SECRETS, testClock } from './harness.js';

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`background jobs on ${engine}`, () => {
    let ctx: AppContext;
    let destroy: () => Promise<void>;
    const clock = testClock();
    beforeAll(async () => {
      const created = await createTestStorage(engine);
      destroy = created.destroy;
      ctx = createContext(loadConfig({}), {
        storage: created.storage,
        secrets: TEST_SECRETS,
        adminUnits: loadAdminUnits(),
        now: clock.now,
      });
    });
    afterAll(() => destroy());

    const lastRun = (name: string) =>
      ctx.storage.db.selectFrom('job_runs').selectAll().where('name', '=', name).executeTakeFirst();

    it('records a successful run and a failed one', async () => {
      const ok: Job = { name: 'ok-job', intervalMs: 1000, run: async () => ({ purged: 3 }) };
      expect(await runJobOnce(ctx, ok)).toMatchObject({ status: 'ok', result: { purged: 3 } });
      expect(await lastRun('ok-job')).toMatchObject({ last_status: 'ok', last_detail: '{"purged":3}' });
      const bad: Job = {
        name: 'bad-job',
        intervalMs: 1000,
        run: async () => {
          throw new Error('disk full');
        },
      };
      expect(await runJobOnce(ctx, bad)).toMatchObject({ status: 'error', error: 'disk full' });
      expect(await lastRun('bad-job')).toMatchObject({ last_status: 'error', last_detail: 'disk full' });
    });

    it('skips a run while another holder has the job lock', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow: Job = {
        name: 'slow-job',
        intervalMs: 1000,
        run: async () => {
          await gate;
          return { done: true };
        },
      };
      const first = runJobOnce(ctx, slow);
      await new Promise((r) => setTimeout(r, 30));
      expect(await runJobOnce(ctx, slow)).toEqual({ status: 'skipped' });
      release();
      expect((await first).status).toBe('ok');
    });

    it('runs jobs repeatedly in the background and stops cleanly', async () => {
      let runs = 0;
      const job: Job = { name: 'tick-job', intervalMs: 5, run: async () => ({ runs: ++runs }) };
      const scheduler = startScheduler(ctx, [job], { initialDelayMs: 0 });
      await new Promise((r) => setTimeout(r, 150));
      await scheduler.stop();
      const after = runs;
      expect(after).toBeGreaterThan(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(runs).toBe(after);
    });

    it('runs every retention task and reports each count', async () => {
      const job = retentionJob([
        { name: 'a', purge: async () => 2 },
        { name: 'b', purge: async (_ctx, now) => (now === clock.now() ? 5 : -1) },
      ]);
      expect(await runJobOnce(ctx, job)).toMatchObject({ status: 'ok', result: { a: 2, b: 5 } });
    });

    it('rotates signing keys after their maximum age and retires the old ones after the grace period', async () => {
      const job = keyRotationJob({ maxAgeMs: 10_000, graceMs: 5_000 });
      const before = await activeSigningKey(ctx, 'config');
      expect(await runJobOnce(ctx, job)).toMatchObject({ status: 'ok', result: { rotated: 0, retired: 0 } });
      clock.advance(10_000);
      await runJobOnce(ctx, job);
      const after = await activeSigningKey(ctx, 'config');
      expect(after.id).not.toBe(before.id);
      expect((await publishedSigningKeys(ctx, 'config')).map((k) => k.id)).toContain(before.id);
      clock.advance(5_000);
      await runJobOnce(ctx, job);
      expect((await publishedSigningKeys(ctx, 'config')).map((k) => k.id)).toEqual([after.id]);
    });
  });
}
