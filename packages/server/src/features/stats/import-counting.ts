/**
 * Summing the counter increments of an installs file on a second thread (docs/statistics.md,
 * "Imports"). Writing the rows and summing the counters each take about half of a large import's
 * time on one thread; the machine has two cores. The counting worker reads the same bytes; the
 * importing thread validates and writes, then waits for the sums and writes them in its
 * transaction. Small files (an API upload) are counted in the importing thread.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CounterRows } from './counters.js';
import { CsvSyntaxError, csvRecords } from './csv-records.js';
import {
  type CounterSums,
  ImportCounters,
  ImportCounts,
  type ImportCountsData,
  StagedImportCounts,
} from './import-counters.js';
import { parseImportInstant } from './import-times.js';

/**
 * Files from this size (about 500,000 lines) are counted by the worker. Measured here, one whole
 * import, worker vs this thread: 8 MB 2.09 s vs 1.42 s, 24.5 MB 3.64 s vs 3.40 s, 82 MB 7.11 s vs
 * 8.11 s — below, starting the worker and its staging file costs more than it saves.
 */
export const WORKER_MIN_BYTES = 40_000_000;

/**
 * Sums the counter increments of an installs file's data lines (the header skipped). Counts every
 * line of 8 fields whose times parse; the caller only keeps the sums of a file whose every line
 * was valid.
 */
export async function countInstallLines(input: string | Uint8Array): Promise<ImportCounters> {
  const counters = new ImportCounters();
  let header = true;
  try {
    for await (const batch of csvRecords(input)) {
      for (const { fields: f } of batch) {
        if (header) {
          header = false;
          continue;
        }
        if (f.length !== 8) continue;
        const createdAt = parseImportInstant(f[1]!);
        const verified = f[5] === '' ? null : parseImportInstant(f[5]!);
        const lastActive = f[7] === '' ? null : parseImportInstant(f[7]!);
        if (createdAt === undefined || verified === undefined || lastActive === undefined) continue;
        const district = f[4] === '' ? null : f[4]!;
        const carrier = f[6] === '' ? null : f[6]!;
        counters.add(f[3]!, district, f[2]!, createdAt, verified, carrier, lastActive);
      }
    }
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
  }
  return counters;
}

/** Counting in progress. */
export interface CountingJob {
  /** The sums (rejects when the worker failed). */
  result(): Promise<CounterSums>;
  /** Stops the worker (idempotent; the file was rejected or the import failed). */
  cancel(): Promise<void>;
}

function workerUrl(): URL {
  const here = import.meta.url;
  // From the TypeScript sources (tests), the compiled worker of `tsc -b`.
  return new URL(
    here.endsWith('.ts')
      ? '../../../dist/features/stats/import-counters.worker.js'
      : './import-counters.worker.js',
    here,
  );
}

/** A SQLite file for the worker's sums, attached to the importing connection as `schema`. */
export interface StagingFile {
  readonly path: string;
  readonly schema: string;
}

/**
 * Starts summing the counter increments of `input` on a worker thread; with `stage`, the worker
 * writes the sums into that file (see {@link StagedImportCounts}). Without the compiled worker
 * script (sources not built) the sums are computed in this thread when asked for.
 */
export function countInWorker(input: string | Uint8Array, stage?: StagingFile): CountingJob {
  const url = workerUrl();
  if (!existsSync(fileURLToPath(url))) {
    return { result: async () => (await countInstallLines(input)).counts(), cancel: async () => {} };
  }
  // The bytes go in shared memory: one copy here instead of serializing the file for the worker.
  const shared = new SharedArrayBuffer(typeof input === 'string' ? input.length * 3 : input.length);
  let length = input.length;
  if (typeof input === 'string') length = new TextEncoder().encodeInto(input, new Uint8Array(shared)).written;
  else new Uint8Array(shared).set(input);
  const worker = new Worker(url, { workerData: { shared, length, stageFile: stage?.path } });
  const sums = new Promise<CounterSums>((resolve, reject) => {
    worker.once('message', (message: ImportCountsData | { staged: true; outliers: CounterRows }) =>
      resolve(
        'staged' in message
          ? new StagedImportCounts(stage!.schema, message.outliers)
          : new ImportCounts(message),
      ),
    );
    worker.once('error', reject);
    // After a message this changes nothing (a promise settles once).
    worker.once('exit', (code) =>
      reject(new Error(`the import's counting worker stopped (exit code ${code})`)),
    );
  });
  // A cancelled job's rejection is nobody's concern unless it asks for the result.
  sums.catch(() => {});
  return {
    result: () => sums,
    cancel: async () => {
      await worker.terminate();
    },
  };
}
