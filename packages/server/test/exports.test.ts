/**
 * The export batcher and the key file endpoints on both engines: one batch per export period,
 * padding to the minimum, the split at the maximum per file, the embargo of still-valid keys,
 * exactly-once export (also of revisions, and with two batchers on one PostgreSQL schema), the
 * current period on demand, `index.txt` and files with ETag / 304 / Cache-Control, the signing
 * keys, and retention of keys and files. Every test has its own database.
 */
import { type ExportParsedFile, exportParseFile, exportVerifyFile, ReportType } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import {
  EXPORT_JOB_NAME,
  exportBatchJob,
  runExportBatches,
} from '../src/features/exports/exports.batcher.js';
import { ExportConflictError, writeBatch } from '../src/features/exports/exports.repository.js';
import { retentionJob } from '../src/jobs/retention.js';
import { runJobOnce } from '../src/jobs/scheduler.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { openPostgres } from '../src/storage/storage.js';
import { DATABASE_URL, ENGINES, type Engine, engineAvailable, TEST_SECRETS, testConfig } from './harness.js';
import {
  caseBody,
  certify,
  certifyAndPublish,
  createPublishTestApp,
  DAY_MS,
  dayStart,
  HOUR_MS,
  hex,
  keyAt,
  type PublishTestApp,
  pastKeys,
  publish,
  publishBody,
  rows,
  type TestKey,
} from './publish-helpers.js';

const START = Date.UTC(2020, 7, 8, 9, 0, 0);
const seconds = (ms: number) => Math.floor(ms / 1000);

async function withApp(
  engine: Engine,
  config: Record<string, string>,
  fn: (t: PublishTestApp) => Promise<void>,
): Promise<void> {
  const t = await createPublishTestApp(engine, { BLUEZONE_EXPORT_MIN_KEYS: '10', ...config });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

/** Every stored file, parsed, in batch order. */
async function storedFiles(t: PublishTestApp): Promise<{ path: string; file: ExportParsedFile }[]> {
  const files = await t.storage.db
    .selectFrom('export_files')
    .innerJoin('export_batches', 'export_batches.id', 'export_files.batch_id')
    .select(['export_files.path', 'export_files.bytes'])
    .orderBy('export_batches.end_at')
    .orderBy('export_files.batch_num')
    .execute();
  return files.map((f) => {
    const parsed = exportParseFile(new Uint8Array(f.bytes));
    if (!parsed.ok) throw parsed.error;
    return { path: f.path, file: parsed.value };
  });
}

/** How often each of `keys` appears as a new key and as a revised key across all files. */
async function occurrences(
  t: PublishTestApp,
  keys: readonly TestKey[],
): Promise<{ fresh: number[]; revised: number[] }> {
  const fresh = new Map<string, number>();
  const revised = new Map<string, number>();
  for (const { file } of await storedFiles(t)) {
    for (const k of file.contents.keys) fresh.set(hex(k.keyData), (fresh.get(hex(k.keyData)) ?? 0) + 1);
    for (const k of file.contents.revisedKeys)
      revised.set(hex(k.keyData), (revised.get(hex(k.keyData)) ?? 0) + 1);
  }
  return {
    fresh: keys.map((k) => fresh.get(hex(k.keyData)) ?? 0),
    revised: keys.map((k) => revised.get(hex(k.keyData)) ?? 0),
  };
}

async function runJob(t: PublishTestApp) {
  const outcome = await runJobOnce(t.ctx, exportBatchJob());
  if (outcome.status !== 'ok') throw new Error(`export job: ${JSON.stringify(outcome)}`);
  return outcome.result;
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`key export batches and files on ${engine}`, () => {
    it('makes one signed batch per ended period, with the keys published before its end', async () => {
      await withApp(engine, {}, async (t) => {
        const keys = pastKeys(START, [1, 2, 3]);
        await certifyAndPublish(t, keys);
        // The first run covers the last complete period, 08:00-09:00: the keys came at 09:00.
        expect(await runJob(t)).toMatchObject({ batches: 1, keys: 0, paddingKeys: 10 });
        expect((await occurrences(t, keys)).fresh).toEqual([0, 0, 0]);
        t.clock.advance(30 * 60_000);
        expect(await runJob(t)).toMatchObject({ batches: 0 });
        t.clock.set(START + HOUR_MS);
        expect(await runJob(t)).toMatchObject({ batches: 1, files: 1, keys: 3, paddingKeys: 7 });
        expect((await occurrences(t, keys)).fresh).toEqual([1, 1, 1]);
        const files = await storedFiles(t);
        const last = files[files.length - 1]!;
        expect(last.path).toBe(`VN/${seconds(START)}-${seconds(START + HOUR_MS)}-00001.zip`);
        expect(last.file.contents).toMatchObject({
          region: 'VN',
          startTimestamp: seconds(START),
          endTimestamp: seconds(START + HOUR_MS),
          batchNum: 1,
          batchSize: 1,
        });
        expect(last.file.contents.keys).toHaveLength(10);
        const mine = last.file.contents.keys.filter((k) =>
          keys.some((m) => hex(m.keyData) === hex(k.keyData)),
        );
        expect(mine.map((k) => k.reportType)).toEqual([1, 1, 1]);
        // Periods without keys still publish a padded file, contiguous with the previous one.
        t.clock.advance(3 * HOUR_MS + 5 * 60_000);
        expect(await runJob(t)).toMatchObject({ batches: 3, keys: 0, paddingKeys: 30 });
        const batches = await t.storage.db
          .selectFrom('export_batches')
          .select(['start_at', 'end_at'])
          .orderBy('start_at')
          .execute();
        expect(batches.map((b) => [b.start_at, b.end_at])).toEqual(
          [-1, 0, 1, 2, 3].map((h) => [START + h * HOUR_MS, START + (h + 1) * HOUR_MS]),
        );
        const run = await t.storage.db
          .selectFrom('job_runs')
          .selectAll()
          .where('name', '=', EXPORT_JOB_NAME)
          .executeTakeFirstOrThrow();
        expect(run.last_status).toBe('ok');
      });
    });

    it('pads files to the minimum with random keys shaped like the real ones', async () => {
      await withApp(engine, { BLUEZONE_EXPORT_MIN_KEYS: '50' }, async (t) => {
        const keys = pastKeys(START, [2, 5]);
        await certifyAndPublish(t, keys, caseBody('likely'));
        t.clock.set(START + HOUR_MS);
        await runJob(t);
        const files = await storedFiles(t);
        const { keys: inFile } = files[files.length - 1]!.file.contents;
        expect(inFile).toHaveLength(50);
        const starts = new Set(keys.map((k) => k.rollingStartIntervalNumber));
        for (const k of inFile) {
          expect(starts.has(k.rollingStartIntervalNumber)).toBe(true);
          expect(k.reportType).toBe(ReportType.CONFIRMED_CLINICAL_DIAGNOSIS);
          expect(k.rollingPeriod).toBe(144);
        }
        expect(new Set(inFile.map((k) => hex(k.keyData))).size).toBe(50);
        // Sorted by key bytes: the real keys are not recognisable by their position.
        const sorted = [...inFile].map((k) => hex(k.keyData)).sort();
        expect(inFile.map((k) => hex(k.keyData))).toEqual(sorted);
      });
    });

    it('splits a batch into files of at most BLUEZONE_EXPORT_MAX_KEYS keys', async () => {
      await withApp(engine, { BLUEZONE_EXPORT_MIN_KEYS: '0', BLUEZONE_EXPORT_MAX_KEYS: '5' }, async (t) => {
        const keys = pastKeys(START, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        await certifyAndPublish(t, keys);
        t.clock.set(START + HOUR_MS);
        expect(await runJob(t)).toMatchObject({ batches: 1, files: 3, keys: 12, paddingKeys: 0 });
        const files = await storedFiles(t);
        expect(files.map((f) => f.path)).toEqual(
          [1, 2, 3].map((n) => `VN/${seconds(START)}-${seconds(START + HOUR_MS)}-0000${n}.zip`),
        );
        expect(files.map((f) => f.file.contents.keys.length)).toEqual([5, 5, 2]);
        expect(files.map((f) => [f.file.contents.batchNum, f.file.contents.batchSize])).toEqual([
          [1, 3],
          [2, 3],
          [3, 3],
        ]);
        expect((await occurrences(t, keys)).fresh).toEqual(keys.map(() => 1));
      });
    });

    it('holds keys back until they are no longer valid, then exports each once', async () => {
      await withApp(engine, {}, async (t) => {
        const today = dayStart(START);
        const fullDay = keyAt(today, 144);
        const cutShort = keyAt(today, 50); // valid until 08:20, before the 09:00 upload
        const [yesterday] = pastKeys(START, [1]);
        const keys = [fullDay, cutShort, yesterday!];
        await certifyAndPublish(t, keys);
        t.clock.set(START + HOUR_MS);
        await runJob(t);
        expect((await occurrences(t, keys)).fresh).toEqual([0, 1, 1]);
        // Midnight UTC ends today's key: the batch ending at 00:00 publishes it.
        t.clock.set(Date.UTC(2020, 7, 9, 0, 0, 0));
        expect(await runJob(t)).toMatchObject({ batches: 14, keys: 1 });
        expect((await occurrences(t, keys)).fresh).toEqual([1, 1, 1]);
        const files = await storedFiles(t);
        const withKey = files.find((f) =>
          f.file.contents.keys.some((k) => hex(k.keyData) === hex(fullDay.keyData)),
        );
        expect(withKey?.file.contents.endTimestamp).toBe(seconds(Date.UTC(2020, 7, 9)));
        t.clock.advance(5 * HOUR_MS);
        await runJob(t);
        expect((await occurrences(t, keys)).fresh).toEqual([1, 1, 1]);
      });
    });

    it('exports a revision once in revisedKeys, or with the key when it came first', async () => {
      await withApp(engine, {}, async (t) => {
        const early = pastKeys(START, [1, 2]);
        const { response: earlyToken } = await certifyAndPublish(t, early, caseBody('likely'));
        t.clock.set(START + HOUR_MS);
        await runJob(t);
        // Revised after its export: goes out again as revised.
        const late = pastKeys(START + HOUR_MS, [3, 4]);
        const { response: lateToken } = await certifyAndPublish(t, late, caseBody('likely'));
        const reviseEarly = await certify(t, early, caseBody('confirmed'));
        expect(
          (await publish(t, publishBody(early, reviseEarly, { revisionToken: earlyToken.revisionToken })))
            .statusCode,
        ).toBe(200);
        // Revised before its export: goes out once, new, as confirmed.
        const reviseLate = await certify(t, late, caseBody('confirmed'));
        expect(
          (await publish(t, publishBody(late, reviseLate, { revisionToken: lateToken.revisionToken })))
            .statusCode,
        ).toBe(200);
        t.clock.set(START + 2 * HOUR_MS);
        expect(await runJob(t)).toMatchObject({ batches: 1, keys: 2, revisedKeys: 2 });
        t.clock.set(START + 3 * HOUR_MS);
        expect(await runJob(t)).toMatchObject({ batches: 1, keys: 0, revisedKeys: 0 });
        expect(await occurrences(t, early)).toEqual({ fresh: [1, 1], revised: [1, 1] });
        expect(await occurrences(t, late)).toEqual({ fresh: [1, 1], revised: [0, 0] });
        const files = await storedFiles(t);
        const batch2 = files.find((f) => f.file.contents.startTimestamp === seconds(START + HOUR_MS))!;
        expect(batch2.file.contents.revisedKeys.map((k) => k.reportType)).toEqual([1, 1]);
        const lateInFile = batch2.file.contents.keys.filter((k) =>
          late.some((l) => hex(l.keyData) === hex(k.keyData)),
        );
        expect(lateInFile.map((k) => k.reportType)).toEqual([1, 1]);
      });
    });

    it('exports the current period on demand, and the next batch takes the rest of it', async () => {
      await withApp(engine, {}, async (t) => {
        const first = pastKeys(START, [1, 2]);
        await certifyAndPublish(t, first);
        t.clock.set(START + 30 * 60_000);
        const summary = await runExportBatches(t.ctx, { includeCurrent: true });
        expect(summary.batches.map((b) => [b.startAt, b.endAt, b.keys])).toEqual([
          [START - HOUR_MS, START, 0],
          [START, START + 30 * 60_000 + 1000, 2],
        ]);
        expect((await runExportBatches(t.ctx, { includeCurrent: true })).batches).toEqual([]);
        t.clock.set(START + 45 * 60_000);
        const second = pastKeys(START, [3]);
        await certifyAndPublish(t, second);
        t.clock.set(START + HOUR_MS);
        const next = await runExportBatches(t.ctx);
        expect(next.batches.map((b) => [b.startAt, b.endAt, b.keys])).toEqual([
          [START + 30 * 60_000 + 1000, START + HOUR_MS, 1],
        ]);
        expect((await occurrences(t, [...first, ...second])).fresh).toEqual([1, 1, 1]);
      });
    });

    it('rolls a batch back whole when one of its keys was exported by another batch meanwhile', async () => {
      await withApp(engine, {}, async (t) => {
        await certifyAndPublish(t, pastKeys(START, [1, 2]));
        t.clock.set(START + HOUR_MS);
        await runJob(t);
        const exported = await t.storage.db.selectFrom('exposures').select('id').execute();
        const [batches, files] = [
          await rows(t.storage, 'export_batches'),
          await rows(t.storage, 'export_files'),
        ];
        const batch = {
          id: 'eb_conflict',
          region: 'VN',
          start_at: START + HOUR_MS,
          end_at: START + 2 * HOUR_MS,
          created_at: START,
          file_count: 1,
          key_count: 2,
          padding_key_count: 0,
          revised_key_count: 0,
        };
        const file = {
          id: 'ef_conflict',
          batch_id: batch.id,
          path: 'VN/conflict.zip',
          batch_num: 1,
          batch_size: 1,
          key_count: 2,
          revised_key_count: 0,
          bytes: new Uint8Array([1, 2, 3]),
          etag: '"x"',
          created_at: START,
          keys_expire_at: START + DAY_MS,
        };
        await expect(
          t.storage.transaction((trx) =>
            writeBatch(trx, batch, [file], {
              fresh: exported.map((r) => r.id),
              freshRevised: [],
              revised: [],
            }),
          ),
        ).rejects.toBeInstanceOf(ExportConflictError);
        expect(await rows(t.storage, 'export_batches')).toBe(batches);
        expect(await rows(t.storage, 'export_files')).toBe(files);
      });
    });

    it('serves index.txt, the files and the signing keys with ETags and cache headers', async () => {
      await withApp(engine, {}, async (t) => {
        const keys = pastKeys(START, [1, 2, 3]);
        await certifyAndPublish(t, keys);
        t.clock.set(START + HOUR_MS);
        await runJob(t);
        const index = await t.app.inject('/v1/exports/index.txt');
        expect(index.statusCode).toBe(200);
        expect(index.headers['content-type']).toMatch(/^text\/plain/);
        expect(index.headers['cache-control']).toBe('public, max-age=300');
        // The first run (at 10:00) covers the last complete period, 09:00-10:00.
        t.clock.set(START + 2 * HOUR_MS);
        await runJob(t);
        const paths = (await t.app.inject('/v1/exports/index.txt')).body.trimEnd().split('\n');
        expect(paths).toEqual([
          `VN/${seconds(START)}-${seconds(START + HOUR_MS)}-00001.zip`,
          `VN/${seconds(START + HOUR_MS)}-${seconds(START + 2 * HOUR_MS)}-00001.zip`,
        ]);
        const etag = (await t.app.inject('/v1/exports/index.txt')).headers.etag as string;
        expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
        expect(etag).not.toBe(index.headers.etag);
        const cached = await t.app.inject({
          url: '/v1/exports/index.txt',
          headers: { 'if-none-match': etag },
        });
        expect(cached.statusCode).toBe(304);
        expect(cached.body).toBe('');

        const res = await t.app.inject(`/v1/exports/${paths[0]}`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('application/zip');
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        const fileEtag = res.headers.etag as string;
        for (const header of [fileEtag, `W/${fileEtag}`, `"nope", ${fileEtag}`, '*']) {
          const again = await t.app.inject({
            url: `/v1/exports/${paths[0]}`,
            headers: { 'if-none-match': header },
          });
          expect(again.statusCode, header).toBe(304);
        }
        expect(
          (await t.app.inject({ url: `/v1/exports/${paths[0]}`, headers: { 'if-none-match': '"other"' } }))
            .statusCode,
        ).toBe(200);
        const head = await t.app.inject({ method: 'HEAD', url: `/v1/exports/${paths[0]}` });
        expect(head.statusCode).toBe(200);

        const published = await t.app.inject('/v1/exports/keys');
        expect(published.statusCode).toBe(200);
        const { keys: signing } = published.json<{
          keys: { id: string; version: string; publicKey: string; algorithm: string }[];
        }>();
        expect(signing).toHaveLength(1);
        expect(signing[0]).toMatchObject({ version: 'v1', algorithm: '1.2.840.10045.4.3.2' });
        const parsed = exportParseFile(new Uint8Array(res.rawPayload));
        if (!parsed.ok) throw parsed.error;
        const verified = await exportVerifyFile(
          parsed.value,
          new Uint8Array(Buffer.from(signing[0]!.publicKey, 'base64')),
        );
        expect(verified).toMatchObject({ ok: true, value: { keyId: signing[0]!.id, keyVersion: 'v1' } });

        for (const bad of ['VN/1-2-00009.zip', '../secret', 'VN/../../x.zip', 'index.txt/x', 'VN/%00.zip']) {
          const missing = await t.app.inject(`/v1/exports/${bad}`);
          expect(missing.statusCode, bad).toBe(404);
          expect(missing.json().error.code).toBe('not_found');
        }
      });
    });

    it('deletes keys after the retention period, then the files whose keys are all gone', async () => {
      await withApp(engine, {}, async (t) => {
        const old = pastKeys(START, [13]);
        await certifyAndPublish(t, old);
        t.clock.set(START + HOUR_MS);
        await runJob(t);
        const recent = pastKeys(START, [1]);
        await certifyAndPublish(t, recent);
        t.clock.set(START + 2 * HOUR_MS);
        await runJob(t);
        const oldPath = `VN/${seconds(START)}-${seconds(START + HOUR_MS)}-00001.zip`;
        const recentPath = `VN/${seconds(START + HOUR_MS)}-${seconds(START + 2 * HOUR_MS)}-00001.zip`;
        expect((await t.app.inject('/v1/exports/index.txt')).body).toContain(oldPath);

        // Two days on, the key of 13 days ago is 15 days old: deleted, and its file with it.
        t.clock.set(START + 2 * DAY_MS);
        const outcome = await runJobOnce(t.ctx, retentionJob());
        expect(outcome.status).toBe('ok');
        const result = outcome.status === 'ok' ? outcome.result : {};
        expect(result['exposures']).toBeGreaterThanOrEqual(1);
        expect(result['export-files']).toBeGreaterThanOrEqual(1);
        const stored = await t.storage.db.selectFrom('exposures').select('key_data').execute();
        const storedHex = stored.map((r) => hex(new Uint8Array(r.key_data)));
        expect(storedHex).not.toContain(hex(old[0]!.keyData));
        expect(storedHex).toContain(hex(recent[0]!.keyData));
        const index = (await t.app.inject('/v1/exports/index.txt')).body;
        expect(index).not.toContain(oldPath);
        expect(index).toContain(recentPath);
        expect((await t.app.inject(`/v1/exports/${oldPath}`)).statusCode).toBe(404);
        expect((await t.app.inject(`/v1/exports/${recentPath}`)).statusCode).toBe(200);
        // The newest batch row stays: the next batch starts where it ended.
        expect(await rows(t.storage, 'export_batches')).toBeGreaterThanOrEqual(1);
        // Much later everything is gone, and the batcher starts again at the retention horizon.
        t.clock.set(START + 30 * DAY_MS);
        await runJobOnce(t.ctx, retentionJob());
        expect(await rows(t.storage, 'exposures')).toBe(0);
        expect(await rows(t.storage, 'export_files')).toBe(0);
        expect((await t.app.inject('/v1/exports/index.txt')).body).toBe('');
        expect(await rows(t.storage, 'export_batches')).toBe(1);
        expect(await runJob(t)).toMatchObject({ batches: 48 });
      });
    });
  });
}

describe.runIf(DATABASE_URL !== undefined)('two batchers on one PostgreSQL schema', () => {
  it('export each key exactly once, under the leader lock or racing without it', async () => {
    await withApp('postgres', {}, async (t) => {
      const other = await openPostgres(DATABASE_URL!, t.storage.schema, 4);
      try {
        const ctx2 = createContext(testConfig({ BLUEZONE_EXPORT_MIN_KEYS: '10' }), {
          storage: other,
          secrets: TEST_SECRETS,
          adminUnits: loadAdminUnits(),
          now: t.clock.now,
        });
        const first = pastKeys(START, [1, 2, 3, 4, 5]);
        await certifyAndPublish(t, first);
        t.clock.set(START + HOUR_MS);
        const outcomes = await Promise.all([
          runJobOnce(t.ctx, exportBatchJob()),
          runJobOnce(ctx2, exportBatchJob()),
        ]);
        expect(outcomes.map((o) => o.status).sort()).toEqual(expect.arrayContaining(['ok']));
        expect((await occurrences(t, first)).fresh).toEqual([1, 1, 1, 1, 1]);

        // Without the lock (e.g. a CLI run racing the job): the database still refuses doubles.
        const second = pastKeys(START, [6, 7, 8]);
        await certifyAndPublish(t, second);
        t.clock.set(START + 3 * HOUR_MS);
        const raced = await Promise.allSettled([runExportBatches(t.ctx), runExportBatches(ctx2)]);
        expect(raced.some((r) => r.status === 'fulfilled')).toBe(true);
        await runExportBatches(t.ctx);
        expect((await occurrences(t, [...first, ...second])).fresh).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
        const batches = await t.storage.db
          .selectFrom('export_batches')
          .select(['start_at', 'end_at'])
          .orderBy('start_at')
          .execute();
        for (let i = 1; i < batches.length; i++) expect(batches[i]!.start_at).toBe(batches[i - 1]!.end_at);
        expect(batches[batches.length - 1]!.end_at).toBe(START + 3 * HOUR_MS);
      } finally {
        await other.close();
      }
    });
  });
});
