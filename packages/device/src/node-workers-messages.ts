/**
 * What the worker pool of `@bluezone/device/node-workers` and its worker threads say to each
 * other, and the packing of published keys into typed arrays for the trip.
 *
 * - `log` (pool → worker, once per sighting index): the log's columns in `SharedArrayBuffer`s
 *   (one copy shared by every worker), its receiver models and the index's hash multiplier. The
 *   worker builds its own `SightingIndex` from them and keeps it for the `match` requests that
 *   follow; it answers `ready`.
 * - `match` (pool → worker): the worker's share of the keys, packed ({@link PackedKeys}, the
 *   buffers transferred, not copied), and the data options of matching. The worker answers
 *   `result`: per matched key its position in the share, report type, infectiousness, accepted
 *   sightings (row, interval, TX power) and rejected count — not the attenuation or windows,
 *   which depend on the caller's attenuation callback and are computed by the pool — and the
 *   share's stats.
 * - `error` (worker → pool): a request failed; `code` and `message` of what was thrown.
 *
 * Pure: no Node module (the pool and the worker script are the Node parts).
 *
 * @module
 */
import type {
  ExposureKey,
  Infectiousness,
  MatchingInfectiousnessMapping,
  MatchingStats,
  MatchingTxPowerBounds,
  ReportType,
} from '@bluezone/protocol';

/** The options a worker matches with: the data fields of `MatchingOptions` (no callback, no crypto). */
export interface WorkerMatchingOptions {
  readonly toleranceSeconds?: number;
  readonly infectiousness?: MatchingInfectiousnessMapping;
  readonly keepNonInfectious?: boolean;
  readonly reportTypeWhenMissing?: ReportType;
  readonly txPowerBoundsDbm?: MatchingTxPowerBounds;
}

/**
 * Validated published keys as columns: key `i` is `keyData[16 i … 16 i + 16)`, its rolling
 * start, period, report type (−1: none) and days since onset (NaN: none).
 */
export interface PackedKeys {
  readonly count: number;
  readonly keyData: Uint8Array;
  readonly starts: Uint32Array;
  readonly periods: Uint8Array;
  readonly reportTypes: Int8Array;
  readonly daysSinceOnset: Float64Array;
}

/** A sighting log's columns, as sent to a worker. */
export interface WorkerLog {
  readonly count: number;
  readonly rpis: Uint8Array;
  readonly aems: Uint8Array;
  readonly times: Float64Array;
  readonly rssi: Int8Array;
  readonly modelIndices: Uint16Array;
  readonly models: readonly string[];
}

/** Pool → worker. */
export type ToWorker =
  | {
      readonly type: 'log';
      readonly requestId: number;
      readonly logId: number;
      readonly log: WorkerLog;
      readonly multiplier: number;
    }
  | {
      readonly type: 'match';
      readonly requestId: number;
      readonly logId: number;
      readonly options: WorkerMatchingOptions;
      readonly keys: PackedKeys;
    };

/** One matched key of a worker's share. */
export interface WorkerMatch {
  /** Position of the key in the worker's share. */
  readonly keyIndex: number;
  readonly reportType: ReportType;
  readonly infectiousness: Infectiousness;
  /** Accepted sightings in time order, as triples (sighting row, interval, TX power dBm). */
  readonly sightings: readonly number[];
  readonly rejectedSightings: number;
}

/** Worker → pool. */
export type FromWorker =
  | { readonly type: 'ready'; readonly requestId: number }
  | {
      readonly type: 'result';
      readonly requestId: number;
      readonly matches: readonly WorkerMatch[];
      readonly stats: MatchingStats;
    }
  | { readonly type: 'error'; readonly requestId: number; readonly code: string; readonly message: string };

/** Which of `workers` shares a key goes to: by its bytes, so that copies of a key meet in one worker. */
export function workerOfKey(keyData: Uint8Array, workers: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < keyData.length; i++) h = Math.imul(h ^ keyData[i]!, 0x01000193);
  return (h >>> 0) % workers;
}

/**
 * Splits validated keys into `workers` shares by {@link workerOfKey}, keeping their order in
 * each share: the positions (into `keys`) and the packed keys of every share.
 */
export function partitionKeys(
  keys: readonly ExposureKey[],
  workers: number,
): { readonly positions: Int32Array[]; readonly shares: PackedKeys[] } {
  const of = new Int32Array(keys.length);
  const counts = new Int32Array(workers);
  for (let i = 0; i < keys.length; i++) {
    const w = workerOfKey(keys[i]!.keyData, workers);
    of[i] = w;
    counts[w]!++;
  }
  const positions: Int32Array[] = [];
  const shares: PackedKeys[] = [];
  for (let w = 0; w < workers; w++) {
    const n = counts[w]!;
    positions.push(new Int32Array(n));
    shares.push({
      count: n,
      keyData: new Uint8Array(16 * n),
      starts: new Uint32Array(n),
      periods: new Uint8Array(n),
      reportTypes: new Int8Array(n),
      daysSinceOnset: new Float64Array(n),
    });
  }
  const filled = new Int32Array(workers);
  for (let i = 0; i < keys.length; i++) {
    const w = of[i]!;
    const j = filled[w]!++;
    const key = keys[i]!;
    const share = shares[w]!;
    positions[w]![j] = i;
    share.keyData.set(key.keyData, 16 * j);
    share.starts[j] = key.rollingStartIntervalNumber;
    share.periods[j] = key.rollingPeriod;
    share.reportTypes[j] = key.reportType ?? -1;
    share.daysSinceOnset[j] = key.daysSinceOnsetOfSymptoms ?? Number.NaN;
  }
  return { positions, shares };
}

/** The keys of a share again (their `keyData` are views into the share's buffer). */
export function unpackKeys(packed: PackedKeys): ExposureKey[] {
  const keys: ExposureKey[] = new Array(packed.count);
  for (let i = 0; i < packed.count; i++) {
    const reportType = packed.reportTypes[i]!;
    const dsos = packed.daysSinceOnset[i]!;
    const key: {
      keyData: Uint8Array;
      rollingStartIntervalNumber: number;
      rollingPeriod: number;
      reportType?: ReportType;
      daysSinceOnsetOfSymptoms?: number;
    } = {
      keyData: packed.keyData.subarray(16 * i, 16 * i + 16),
      rollingStartIntervalNumber: packed.starts[i]!,
      rollingPeriod: packed.periods[i]!,
    };
    if (reportType >= 0) key.reportType = reportType as ReportType;
    if (!Number.isNaN(dsos)) key.daysSinceOnsetOfSymptoms = dsos;
    keys[i] = key;
  }
  return keys;
}

/** The buffers of a share, to transfer rather than copy. */
export function packedBuffers(packed: PackedKeys): ArrayBuffer[] {
  return [
    packed.keyData.buffer,
    packed.starts.buffer,
    packed.periods.buffer,
    packed.reportTypes.buffer,
    packed.daysSinceOnset.buffer,
  ] as ArrayBuffer[];
}
