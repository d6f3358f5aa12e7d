/**
 * `@bluezone/device/node-workers`: the {@link ParallelMatcher} port on Node's `worker_threads`,
 * so that an exposure check on Node (the simulator, desktop tools, benchmarks) matches large key
 * files on every core. The main entry never imports it.
 *
 * - **Pool.** Up to `workers` threads (default `os.availableParallelism()`), started lazily on
 *   the first call that uses them (or on `prepare`), reused across calls and checks, stopped by
 *   `close()`. Idle workers do not keep the process alive.
 * - **When it pays off.** A call with fewer than `minKeys` keys (default
 *   {@link NODE_WORKER_MIN_KEYS}, the measured crossover; docs/matching.md §8) runs in the
 *   calling thread: below it, handing keys to the workers costs more than it saves.
 * - **The log, once.** The first call (or `prepare`) with a sighting index copies the log's
 *   columns into `SharedArrayBuffer`s once and posts them to every worker, which builds its own
 *   `SightingIndex` with the same hash multiplier and keeps it until another index comes.
 * - **Keys.** The calling thread validates the batches exactly as `createSightingMatcher` does
 *   (same errors, same key numbers), splits the keys by a hash of their bytes — copies of a key
 *   meet in one worker, so "a sighting counts for the first key that matches it" holds inside
 *   each worker as in one run — and transfers each share packed in typed arrays. Workers match
 *   with `nodeCrypto` (OpenSSL).
 * - **Merge.** Matches come back with their sightings' rows, intervals and TX powers; the pool
 *   orders them by key, applies the caller's attenuation callback (which cannot cross threads)
 *   in the order the single-thread matcher calls it, builds the windows on the caller's index
 *   and sums the stats: the result equals the single-thread one (property-tested).
 * - **Failures.** A worker that dies (or cannot start) fails the calls under way with
 *   `DeviceError` `matching_worker_failed`; the pool stops its other workers and starts new ones
 *   on the next call.
 *
 * The worker script is `node-workers-worker.js` next to this module in `dist/`; run from the
 * TypeScript sources (vitest), the pool uses the build's (`npx tsc -b` first).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  buildSightingIndex,
  createSightingMatcher,
  type ExposureKey,
  type MatchingAttenuationFunction,
  type MatchingKeyMatch,
  type MatchingMatchedSighting,
  type MatchingOptions,
  type MatchingResult,
  matchingCheckedAttenuation,
  matchingDefaultAttenuation,
  matchingWindowsOfSightings,
  type SightingIndex,
  type SightingLog,
  SightingLogBuilder,
  sourceLevelOfReportType,
} from '@bluezone/protocol';
import { DeviceError } from './errors.js';
import { inThreadMatcher, type ParallelMatcher } from './exposure-check.js';
import {
  type FromWorker,
  packedBuffers,
  partitionKeys,
  type ToWorker,
  type WorkerLog,
  type WorkerMatch,
  type WorkerMatchingOptions,
} from './node-workers-messages.js';

/**
 * Calls with fewer keys than this run in the calling thread (the default of
 * {@link NodeWorkerMatcherOptions.minKeys}). Measured on 2 shared vCPUs against a 14-day log of
 * 28,244 sightings, workers started and holding the log: a call costs the pool ~0.3–0.5 ms more
 * than its matching, so with the second core free two workers win from ~250–500 keys (1.4–1.7×
 * from 750 keys); with the machine loaded by other processes they broke even only at
 * 1,500–2,000 keys. 2,000 keeps the pool from losing under load (docs/matching.md §8).
 */
export const NODE_WORKER_MIN_KEYS = 2_000;

/** Most workers a pool may have. */
export const NODE_WORKER_MAX_WORKERS = 64;

/** Options of {@link createNodeWorkerMatcher}. */
export interface NodeWorkerMatcherOptions {
  /** Worker threads (default `os.availableParallelism()`), 1 … {@link NODE_WORKER_MAX_WORKERS}. */
  readonly workers?: number;
  /** Calls with fewer keys run in the calling thread (default {@link NODE_WORKER_MIN_KEYS}; 0: never). */
  readonly minKeys?: number;
  /**
   * The worker script (default `node-workers-worker.js` next to this module; the build's in
   * `dist/` when this module runs from its TypeScript source). For bundlers, and for tests.
   */
  readonly workerUrl?: URL;
}

/** What a pool has done, for diagnostics and tests. */
export interface NodeWorkerMatcherCounters {
  /** Workers running now. */
  readonly workersRunning: number;
  /** Workers started since the pool was made. */
  readonly workersStarted: number;
  /** Calls matched by the workers. */
  readonly workerCalls: number;
  /** Calls matched in the calling thread (below `minKeys`, or no sighting). */
  readonly inThreadCalls: number;
  /** Times a worker died or could not start (each stopped the pool's workers). */
  readonly failures: number;
}

/** A {@link ParallelMatcher} on worker threads (see the module comment). */
export interface NodeWorkerMatcher extends ParallelMatcher {
  /** Worker threads the pool runs when it uses them. */
  readonly workers: number;
  /** Calls with fewer keys run in the calling thread. */
  readonly minKeys: number;
  /** Starts the workers and hands them `index`'s log, without waiting (see {@link NodeWorkerMatcher.warmUp}). */
  prepare(index: SightingIndex): void;
  /**
   * Starts the workers and hands them `index`'s log; resolves once every worker holds its index.
   *
   * @throws {DeviceError} `matching_worker_failed` when a worker cannot start or dies.
   */
  warmUp(index: SightingIndex): Promise<void>;
  counters(): NodeWorkerMatcherCounters;
  /** Stops the workers; calls under way and later fail with `matching_worker_failed`. */
  close(): Promise<void>;
}

interface PoolWorker {
  readonly worker: Worker;
  /** The log this worker was sent last (0: none). */
  logId: number;
  /** Requests not answered yet (the worker keeps the process alive only while it has some). */
  pending: number;
}

interface PendingRequest {
  readonly entry: PoolWorker;
  resolve(reply: FromWorker): void;
  reject(error: unknown): void;
}

type MatchReply = Extract<FromWorker, { type: 'result' }>;

const noop = () => undefined;

/** The worker script: next to this module, or the build's when this module is the TypeScript source. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? '../dist/node-workers-worker.js' : './node-workers-worker.js', here);
}

let emptyIndex: SightingIndex | undefined;

/** An index of no sighting: `addKeys` on it validates and counts, and matches nothing (no crypto). */
function validationIndex(): SightingIndex {
  emptyIndex ??= buildSightingIndex(new SightingLogBuilder(0).build());
  return emptyIndex;
}

/** The log's columns copied into shared memory (one copy for every worker). */
function sharedColumns(log: SightingLog): WorkerLog {
  const buffer = (bytes: number) =>
    typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const rpis = new Uint8Array(buffer(log.rpis.byteLength));
  rpis.set(log.rpis);
  const aems = new Uint8Array(buffer(log.aems.byteLength));
  aems.set(log.aems);
  const times = new Float64Array(buffer(log.times.byteLength));
  times.set(log.times);
  const rssi = new Int8Array(buffer(log.rssi.byteLength));
  rssi.set(log.rssi);
  const modelIndices = new Uint16Array(buffer(log.modelIndices.byteLength));
  modelIndices.set(log.modelIndices);
  return { count: log.count, rpis, aems, times, rssi, modelIndices, models: [...log.models] };
}

/** The data options, without the callback and the crypto adapter (which cannot cross threads). */
function workerOptions(options: MatchingOptions): WorkerMatchingOptions {
  const { toleranceSeconds, infectiousness, keepNonInfectious, reportTypeWhenMissing, txPowerBoundsDbm } =
    options;
  return { toleranceSeconds, infectiousness, keepNonInfectious, reportTypeWhenMissing, txPowerBoundsDbm };
}

/**
 * A worker's match completed as the single-thread matcher completes it: the attenuation
 * callback on each accepted sighting (checked, rounded and clamped the same way), then the
 * windows on the caller's index.
 */
function completeMatch(
  index: SightingIndex,
  key: ExposureKey,
  keyIndex: number,
  match: WorkerMatch,
  attenuate: MatchingAttenuationFunction,
): MatchingKeyMatch {
  const { log } = index;
  const sightings: MatchingMatchedSighting[] = [];
  const triples = match.sightings;
  for (let i = 0; i < triples.length; i += 3) {
    const s = triples[i]!;
    const tx = triples[i + 2]!;
    const rssi = log.rssi[s]!;
    const a = matchingCheckedAttenuation(attenuate, tx, rssi, log.models[log.modelIndices[s]!]!);
    sightings.push({
      sightingIndex: s,
      interval: triples[i + 1]!,
      timeSeconds: log.times[s]!,
      rssiDbm: rssi,
      txPowerDbm: tx,
      attenuation: a.attenuation,
      calibrationConfidence: a.calibrationConfidence,
    });
  }
  const { reportType, infectiousness } = match;
  return {
    keyIndex,
    key,
    reportType,
    sourceLevel: sourceLevelOfReportType(reportType),
    infectiousness,
    windows: matchingWindowsOfSightings(index, sightings, reportType, infectiousness),
    sightings,
    rejectedSightings: match.rejectedSightings,
  };
}

/** The workers' replies as one result, in key order. */
function mergeReplies(
  index: SightingIndex,
  keys: readonly ExposureKey[],
  positions: readonly Int32Array[],
  replies: readonly (MatchReply | undefined)[],
  options: MatchingOptions,
): MatchingResult {
  const attenuate = options.attenuation ?? matchingDefaultAttenuation;
  const found: { readonly at: number; readonly match: WorkerMatch }[] = [];
  let keysChecked = 0;
  let keysRevoked = 0;
  let keysNonInfectious = 0;
  let keysOutOfRange = 0;
  let matchedSightings = 0;
  let rejectedSightings = 0;
  let duplicateSightings = 0;
  replies.forEach((reply, w) => {
    if (reply === undefined) return;
    for (const match of reply.matches) found.push({ at: positions[w]![match.keyIndex]!, match });
    const { stats } = reply;
    keysChecked += stats.keysChecked;
    keysRevoked += stats.keysRevoked;
    keysNonInfectious += stats.keysNonInfectious;
    keysOutOfRange += stats.keysOutOfRange;
    matchedSightings += stats.matchedSightings;
    rejectedSightings += stats.rejectedSightings;
    duplicateSightings += stats.duplicateSightings;
  });
  found.sort((a, b) => a.at - b.at);
  const matches = found.map(({ at, match }) => completeMatch(index, keys[at]!, at, match, attenuate));
  return {
    matches,
    windows: matches.flatMap((m) => m.windows),
    stats: {
      keys: keys.length,
      keysChecked,
      keysRevoked,
      keysNonInfectious,
      keysOutOfRange,
      keysMatched: matches.length,
      sightings: index.log.count,
      matchedSightings,
      rejectedSightings,
      duplicateSightings,
    },
  };
}

class NodeWorkerPool implements NodeWorkerMatcher {
  readonly workers: number;
  readonly minKeys: number;
  readonly #url: URL;
  #pool: PoolWorker[] = [];
  readonly #requests = new Map<number, PendingRequest>();
  #nextRequest = 1;
  #nextLog = 1;
  #log:
    | {
        readonly index: WeakRef<SightingIndex>;
        readonly logId: number;
        readonly columns: WorkerLog;
        readonly multiplier: number;
      }
    | undefined;
  #closed = false;
  #workersStarted = 0;
  #workerCalls = 0;
  #inThreadCalls = 0;
  #failures = 0;

  constructor(options: NodeWorkerMatcherOptions) {
    const workers = options.workers ?? Math.min(NODE_WORKER_MAX_WORKERS, Math.max(1, availableParallelism()));
    if (!Number.isInteger(workers) || workers < 1 || workers > NODE_WORKER_MAX_WORKERS) {
      throw new DeviceError(
        'invalid_argument',
        `workers must be an integer from 1 to ${NODE_WORKER_MAX_WORKERS}, got ${String(workers)}`,
      );
    }
    const minKeys = options.minKeys ?? NODE_WORKER_MIN_KEYS;
    if (!Number.isSafeInteger(minKeys) || minKeys < 0) {
      throw new DeviceError('invalid_argument', `minKeys must be an integer ≥ 0, got ${String(minKeys)}`);
    }
    if (options.workerUrl !== undefined && !(options.workerUrl instanceof URL)) {
      throw new DeviceError('invalid_argument', 'workerUrl must be a URL');
    }
    this.workers = workers;
    this.minKeys = minKeys;
    this.#url = options.workerUrl ?? defaultWorkerUrl();
  }

  async match(
    index: SightingIndex,
    keyBatches: readonly (readonly ExposureKey[])[],
    options: MatchingOptions,
  ): Promise<MatchingResult> {
    this.#assertOpen();
    let total = 0;
    for (const batch of keyBatches) total += Array.isArray(batch) ? batch.length : 0;
    if (total < this.minKeys || index.log.count === 0) {
      this.#inThreadCalls++;
      return inThreadMatcher.match(index, keyBatches, options);
    }
    // Validate here, batch by batch, as the single-thread run would: its errors name keys by
    // their position among all keys. As there, the batches before a bad one are matched first
    // (their attenuation callbacks run), then the error is thrown.
    const validator = createSightingMatcher(validationIndex(), options);
    const keys: ExposureKey[] = [];
    let invalid: { readonly error: unknown } | undefined;
    for (const batch of keyBatches) {
      try {
        validator.addKeys(batch);
      } catch (error) {
        invalid = { error };
        break;
      }
      for (const key of batch) keys.push(key);
    }
    if (keys.length === 0) {
      if (invalid !== undefined) throw invalid.error;
      return inThreadMatcher.match(index, keyBatches, options);
    }
    const result = await this.#matchInWorkers(index, keys, options);
    if (invalid !== undefined) throw invalid.error;
    return result;
  }

  prepare(index: SightingIndex): void {
    if (this.#closed) return;
    this.warmUp(index).catch(noop);
  }

  async warmUp(index: SightingIndex): Promise<void> {
    this.#assertOpen();
    this.#start();
    await Promise.all(this.#sendLog(index).acks);
  }

  counters(): NodeWorkerMatcherCounters {
    return {
      workersRunning: this.#pool.length,
      workersStarted: this.#workersStarted,
      workerCalls: this.#workerCalls,
      inThreadCalls: this.#inThreadCalls,
      failures: this.#failures,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#stopAll(new DeviceError('matching_worker_failed', 'the matching pool was closed'));
    this.#log = undefined;
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  #assertOpen(): void {
    if (this.#closed) throw new DeviceError('matching_worker_failed', 'the matching pool is closed');
  }

  async #matchInWorkers(
    index: SightingIndex,
    keys: readonly ExposureKey[],
    options: MatchingOptions,
  ): Promise<MatchingResult> {
    this.#start();
    const { logId } = this.#sendLog(index);
    const workers = this.#pool;
    const { positions, shares } = partitionKeys(keys, workers.length);
    const data = workerOptions(options);
    this.#workerCalls++;
    const replies = await Promise.all(
      workers.map(async (entry, w): Promise<MatchReply | undefined> => {
        const keys = shares[w]!;
        if (keys.count === 0) return undefined;
        const reply = await this.#request(
          entry,
          (requestId) => ({ type: 'match', requestId, logId, options: data, keys }),
          packedBuffers(keys),
        );
        if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type} to a match`);
        return reply;
      }),
    );
    return mergeReplies(index, keys, positions, replies, options);
  }

  /** Starts the missing workers. */
  #start(): void {
    if (this.#pool.length >= this.workers) return;
    if (!existsSync(this.#url)) {
      throw new DeviceError(
        'matching_worker_failed',
        `the matching worker script is missing: ${fileURLToPath(this.#url)} (build the package: npx tsc -b)`,
      );
    }
    while (this.#pool.length < this.workers) {
      const worker = new Worker(this.#url);
      const entry: PoolWorker = { worker, logId: 0, pending: 0 };
      worker.unref();
      worker.on('message', (reply: FromWorker) => this.#answer(entry, reply));
      worker.on('error', (error: unknown) => this.#fail(entry, error));
      worker.on('messageerror', (error: unknown) => this.#fail(entry, error));
      worker.on('exit', (code: number) =>
        this.#fail(entry, new Error(`the worker exited with code ${code}`)),
      );
      this.#pool.push(entry);
      this.#workersStarted++;
    }
  }

  /** Sends `index`'s log to the workers that do not hold it: its id, and their acknowledgements (handled). */
  #sendLog(index: SightingIndex): { readonly logId: number; readonly acks: Promise<FromWorker>[] } {
    if (this.#log?.index.deref() !== index) {
      this.#log = {
        index: new WeakRef(index),
        logId: this.#nextLog++,
        columns: sharedColumns(index.log),
        multiplier: index.multiplier,
      };
    }
    const { logId, columns: log, multiplier } = this.#log;
    const acks: Promise<FromWorker>[] = [];
    for (const entry of this.#pool) {
      if (entry.logId === logId) continue;
      entry.logId = logId;
      const ack = this.#request(entry, (requestId) => ({ type: 'log', requestId, logId, log, multiplier }));
      ack.catch(noop);
      acks.push(ack);
    }
    return { logId, acks };
  }

  #request(
    entry: PoolWorker,
    message: (requestId: number) => ToWorker,
    transfer: ArrayBuffer[] = [],
  ): Promise<FromWorker> {
    const requestId = this.#nextRequest++;
    return new Promise<FromWorker>((resolve, reject) => {
      this.#requests.set(requestId, { entry, resolve, reject });
      if (entry.pending++ === 0) entry.worker.ref();
      try {
        entry.worker.postMessage(message(requestId), transfer);
      } catch (error) {
        this.#settle(requestId);
        reject(error);
      }
    });
  }

  /** Forgets an answered request; the worker stops holding the process when it has none left. */
  #settle(requestId: number): PendingRequest | undefined {
    const request = this.#requests.get(requestId);
    if (request === undefined) return undefined;
    this.#requests.delete(requestId);
    if (--request.entry.pending === 0) request.entry.worker.unref();
    return request;
  }

  #answer(entry: PoolWorker, reply: FromWorker): void {
    if (!this.#pool.includes(entry)) return;
    const request = this.#settle(reply.requestId);
    if (request === undefined) return;
    if (reply.type === 'error') {
      request.reject(
        new DeviceError(
          'matching_worker_failed',
          `a matching worker failed: ${reply.code}: ${reply.message}`,
        ),
      );
    } else {
      request.resolve(reply);
    }
  }

  /** A worker died: fail every call under way, stop the other workers; the next call starts new ones. */
  #fail(entry: PoolWorker, cause: unknown): void {
    if (!this.#pool.includes(entry)) return;
    this.#failures++;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const workers = this.#stopAll(
      new DeviceError(
        'matching_worker_failed',
        `a matching worker died (${reason}); the pool starts new workers on the next call`,
        { cause },
      ),
    );
    for (const w of workers) w.worker.terminate().catch(noop);
  }

  /** Empties the pool and rejects every request under way with `error`; the workers it held. */
  #stopAll(error: DeviceError): PoolWorker[] {
    const workers = this.#pool;
    this.#pool = [];
    const requests = [...this.#requests.values()];
    this.#requests.clear();
    for (const w of workers) {
      w.pending = 0;
      w.worker.unref();
    }
    for (const request of requests) request.reject(error);
    return workers;
  }
}

/**
 * Creates a pool of matching worker threads (started on first use; see the module comment).
 * Pass it as `matcher` to `createBluezoneDevice`, and `close()` it when done.
 *
 * @throws {DeviceError} `invalid_argument` for a bad option.
 */
export function createNodeWorkerMatcher(options: NodeWorkerMatcherOptions = {}): NodeWorkerMatcher {
  return new NodeWorkerPool(options);
}
