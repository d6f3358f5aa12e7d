/**
 * The export batcher: turns published keys into signed key export files, one batch per export
 * period (`BLUEZONE_EXPORT_PERIOD_SECONDS`, aligned to the Unix epoch) and region.
 *
 * - **Windows.** Batches are contiguous: each starts where the previous one ended; the first
 *   starts one period before the first run. A batch is made once its period has ended (the job),
 *   or up to now when asked (`includeCurrent`: `bluezone exports run`), in which case the next
 *   batch covers the rest of that period. Every period publishes a file, padded even when nobody
 *   reported, so that files do not reveal whether anyone did.
 * - **Exactly once.** A batch takes every key not yet exported that was published before its end
 *   and is no longer valid at its end (embargo: a key still valid — today's — waits for a later
 *   batch), and marks them in the same transaction that stores its files; marks are conditional
 *   (`exported_batch_id is null`) and windows unique, so a second batcher on the same keys fails
 *   and rolls back instead of publishing a key twice. The job also runs under its leader lock.
 * - **Revisions.** A key revised after it was exported goes out again in `revisedKeys` of the next
 *   batch; one revised before its export goes out once, new, with its revised report type.
 * - **Files.** `exportPlanBatch` pads new keys with random keys up to `BLUEZONE_EXPORT_MIN_KEYS`,
 *   sorts and splits at `BLUEZONE_EXPORT_MAX_KEYS`; each file is signed with the active `export`
 *   signing key and stored (ZIP bytes, strong ETag) under `<region>/<start>-<end>-<nnnnn>.zip`
 *   (Unix seconds, batch number), listed by `index.txt` until the retention job has deleted
 *   every key it holds.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type ExportSigner,
  type ExposureKey,
  exportImportSigningKey,
  exportPlanBatch,
  exportWriteFile,
  type RandomSource,
  type ReportType,
} from '@bluezone/protocol';
import type { Config } from '../../config.js';
import { type AppContext, createContext } from '../../context.js';
import { newId } from '../../ids.js';
import { type Job, type JobOutcome, runJobOnce } from '../../jobs/scheduler.js';
import { loadAdminUnits } from '../../reference/admin-units.js';
import { deriveSecrets, loadMasterKey } from '../../secrets.js';
import type { ExposuresTable } from '../../storage/exposures.table.js';
import type { Storage } from '../../storage/storage.js';
import { activeSigningKey } from '../signing-keys/signing-keys.js';
import {
  type ExportFileRow,
  latestBatchEnd,
  pendingNewKeys,
  pendingRevisedKeys,
  writeBatch,
} from './exports.repository.js';

const INTERVAL_MS = 600_000;
const DAY_MS = 86_400_000;

/** Name of the batcher job (and of its leader lock). */
export const EXPORT_JOB_NAME = 'export-batches';

/**
 * The `verification_key_id` of the files signed by a signing key: its ID with every character a
 * key file does not allow (anything but letters, digits, `_` and `.`) replaced by `_`. Phones
 * match it, with the key version, against `GET /v1/exports/keys`.
 */
export function exportFileKeyId(signingKeyId: string): string {
  return signingKeyId.replace(/[^A-Za-z0-9_.]/g, '_');
}

/** The signer of key files: the active `export` signing key. */
export async function exportSigner(ctx: AppContext): Promise<ExportSigner> {
  const key = await activeSigningKey(ctx, 'export');
  return {
    privateKey: await exportImportSigningKey(key.privateKeyPkcs8),
    keyId: exportFileKeyId(key.id),
    keyVersion: key.version,
  };
}

/** What one batch published. */
export interface ExportBatchSummary {
  /** Window of publication times, Unix ms. */
  readonly startAt: number;
  readonly endAt: number;
  /** Paths below `/v1/exports/`, in batch order. */
  readonly paths: readonly string[];
  /** Real new keys, padding keys, revised keys. */
  readonly keys: number;
  readonly paddingKeys: number;
  readonly revisedKeys: number;
}

/** What a run published. */
export interface ExportRunSummary {
  readonly batches: readonly ExportBatchSummary[];
}

/** Options of a run. */
export interface ExportRunOptions {
  /** Also export the current, incomplete period up to now (default false: complete periods only). */
  readonly includeCurrent?: boolean;
  /** Most batches one run makes (catching up after downtime); default 48. */
  readonly maxBatches?: number;
  /** Source of padding key bytes (default: node:crypto). */
  readonly random?: RandomSource;
}

const cryptoRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

/** The key as published: with its revised report type, onset and risk once revised. */
function toExposureKey(row: ExposuresTable): ExposureKey {
  const useRevised = row.revised_at !== null;
  const reportType = (useRevised ? row.revised_report_type : row.report_type) ?? row.report_type;
  const days = useRevised ? row.revised_days_since_onset : row.days_since_onset;
  const risk = (useRevised ? row.revised_transmission_risk : row.transmission_risk) ?? row.transmission_risk;
  return {
    keyData: new Uint8Array(row.key_data),
    rollingStartIntervalNumber: row.rolling_start_interval_number,
    rollingPeriod: row.rolling_period,
    transmissionRiskLevel: risk,
    reportType: reportType as ReportType,
    ...(days === null ? {} : { daysSinceOnsetOfSymptoms: days }),
  };
}

const etagOf = (bytes: Uint8Array) => `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;

async function buildBatch(
  ctx: AppContext,
  signer: ExportSigner,
  startAt: number,
  endAt: number,
  random: RandomSource,
): Promise<ExportBatchSummary> {
  const { region, exportMinKeys, exportMaxKeys, keyRetentionDays } = ctx.config;
  const db = ctx.storage.db;
  const exportInterval = Math.floor(endAt / INTERVAL_MS);
  const freshRows = await pendingNewKeys(db, region, endAt, exportInterval);
  const revisedRows = await pendingRevisedKeys(db, region, endAt);
  const fresh = freshRows.map((row) => ({ row, key: toExposureKey(row) }));
  const revised = revisedRows.map((row) => ({ row, key: toExposureKey(row) }));
  const plan = exportPlanBatch({
    keys: fresh.map((f) => f.key),
    revisedKeys: revised.map((r) => r.key),
    exportInterval,
    minKeys: exportMinKeys,
    maxKeysPerFile: exportMaxKeys,
    random,
  });
  // The query applies the embargo already; whatever the plan still holds back stays unmarked.
  const held = new Set<ExposureKey>(plan.embargoed);
  const published = fresh.filter((f) => !held.has(f.key));
  const publishedRevised = revised.filter((r) => !held.has(r.key));

  const batchId = newId('eb_');
  const now = ctx.now();
  const startSeconds = Math.floor(startAt / 1000);
  const endSeconds = Math.floor(endAt / 1000);
  const batchSize = plan.files.length;
  const files: ExportFileRow[] = [];
  for (let i = 0; i < batchSize; i++) {
    const { keys, revisedKeys } = plan.files[i]!;
    const bytes = await exportWriteFile(
      {
        region,
        startTimestamp: startSeconds,
        endTimestamp: endSeconds,
        batchNum: i + 1,
        batchSize,
        keys,
        revisedKeys,
      },
      signer,
      { maxKeysPerFile: exportMaxKeys },
    );
    let newest = -1;
    for (const k of keys) newest = Math.max(newest, k.rollingStartIntervalNumber);
    for (const k of revisedKeys) newest = Math.max(newest, k.rollingStartIntervalNumber);
    // The retention job deletes a key once its rolling start is older than the retention period.
    const keysExpireAt = (newest < 0 ? endAt : (newest + 1) * INTERVAL_MS) + keyRetentionDays * DAY_MS;
    files.push({
      id: newId('ef_'),
      batch_id: batchId,
      path: `${region}/${startSeconds}-${endSeconds}-${String(i + 1).padStart(5, '0')}.zip`,
      batch_num: i + 1,
      batch_size: batchSize,
      key_count: keys.length,
      revised_key_count: revisedKeys.length,
      bytes,
      etag: etagOf(bytes),
      created_at: now,
      keys_expire_at: keysExpireAt,
    });
  }
  await ctx.storage.transaction((trx) =>
    writeBatch(
      trx,
      {
        id: batchId,
        region,
        start_at: startAt,
        end_at: endAt,
        created_at: now,
        file_count: batchSize,
        key_count: published.length,
        padding_key_count: plan.paddingKeyCount,
        revised_key_count: publishedRevised.length,
      },
      files,
      {
        fresh: published.map((f) => f.row.id),
        freshRevised: published.filter((f) => f.row.revised_at !== null).map((f) => f.row.id),
        revised: publishedRevised.map((r) => r.row.id),
      },
    ),
  );
  return {
    startAt,
    endAt,
    paths: files.map((f) => f.path),
    keys: published.length,
    paddingKeys: plan.paddingKeyCount,
    revisedKeys: publishedRevised.length,
  };
}

/**
 * Makes every batch due at `ctx.now()`: one per complete period since the last batch (at most
 * `maxBatches`, never for periods whose keys have all been deleted), and with `includeCurrent`
 * one more up to now. Each batch is written in its own transaction.
 */
export async function runExportBatches(
  ctx: AppContext,
  options: ExportRunOptions = {},
): Promise<ExportRunSummary> {
  const { region, exportPeriodSeconds, keyRetentionDays } = ctx.config;
  const period = exportPeriodSeconds * 1000;
  const now = ctx.now();
  const align = (t: number) => Math.floor(t / period) * period;
  const last = await latestBatchEnd(ctx.storage.db, region);
  let start = Math.max(last ?? align(now) - period, align(now - keyRetentionDays * DAY_MS));
  const maxBatches = options.maxBatches ?? 48;
  const random = options.random ?? cryptoRandom;
  const batches: ExportBatchSummary[] = [];
  let signer: ExportSigner | undefined;
  while (batches.length < maxBatches) {
    let end = align(start) + period;
    let partial = false;
    if (end > now) {
      if (!options.includeCurrent || start > now) break;
      // Up to and including now, rounded up to a whole second (file headers hold seconds).
      end = Math.ceil((now + 1) / 1000) * 1000;
      partial = true;
    }
    signer ??= await exportSigner(ctx);
    batches.push(await buildBatch(ctx, signer, start, end, random));
    start = end;
    if (partial) break;
  }
  return { batches };
}

/** Counts of a run, as the job reports them. */
function runCounts(summary: ExportRunSummary): Record<string, number> {
  const sum = (f: (b: ExportBatchSummary) => number) => summary.batches.reduce((n, b) => n + f(b), 0);
  return {
    batches: summary.batches.length,
    files: sum((b) => b.paths.length),
    keys: sum((b) => b.keys),
    paddingKeys: sum((b) => b.paddingKeys),
    revisedKeys: sum((b) => b.revisedKeys),
  };
}

/** The batcher as a scheduled job: checks every `intervalMs` (default 1 minute) for a complete period. */
export function exportBatchJob(options: ExportRunOptions & { intervalMs?: number } = {}): Job {
  return {
    name: EXPORT_JOB_NAME,
    intervalMs: options.intervalMs ?? 60_000,
    run: async (ctx) => runCounts(await runExportBatches(ctx, options)),
  };
}

/** The outcome of {@link runExportsNow}. */
export type ExportsNowOutcome =
  | { readonly status: 'ok'; readonly summary: ExportRunSummary }
  | { readonly status: 'skipped' }
  | { readonly status: 'error'; readonly error: string };

/**
 * `bluezone exports run`: runs the batcher once now, under the job's leader lock, exporting every
 * eligible key not yet exported — the current, incomplete period included. Uses the master key
 * of `config` (the signing keys are encrypted with it) and records the run in `job_runs`.
 */
export async function runExportsNow(
  config: Config,
  storage: Storage,
  now: () => number = Date.now,
): Promise<ExportsNowOutcome> {
  const ctx = createContext(config, {
    storage,
    secrets: deriveSecrets(loadMasterKey(config)),
    adminUnits: loadAdminUnits(),
    now,
  });
  let summary: ExportRunSummary = { batches: [] };
  const job: Job = {
    name: EXPORT_JOB_NAME,
    intervalMs: 0,
    run: async (jobCtx) => {
      summary = await runExportBatches(jobCtx, { includeCurrent: true });
      return runCounts(summary);
    },
  };
  const outcome: JobOutcome = await runJobOnce(ctx, job);
  if (outcome.status === 'ok') return { status: 'ok', summary };
  if (outcome.status === 'skipped') return { status: 'skipped' };
  return { status: 'error', error: outcome.error };
}
