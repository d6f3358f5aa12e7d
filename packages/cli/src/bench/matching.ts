/**
 * Benchmark `matching` (SYSTEM.md §8): published keys matched per second against a 14-day
 * sighting log (~2,000 sightings a day), against the floor any matcher must pay, measured in the
 * same run: the HKDF and AES calls alone for the same keys (RPIK derivation through the same
 * batched port method, then one AES-ECB call over 144 blocks per key).
 *
 * Ours is `buildSightingIndex` + `matchKeysToSightings` with `nodeCrypto`: validation, time-range
 * filter, batched HKDF, one AES call per key, 144 index probes per key, then AEM decryption and
 * windows for the few planted matches — which every run checks (exactly the planted keys, with
 * their sightings and TX powers, and none of the sightings planted outside the tolerance). Runs of
 * the two alternate (and alternate which goes first) so that they share the machine's noise; the
 * figures are medians of CPU time ("on one core": the machines are shared), with wall-clock
 * medians in the notes. Peak memory of a whole exposure check (the log, then the keys file by
 * file through one matcher) is the `maxRSS` of a child process that does only that, with Node's
 * default flags and with `--optimize-for-size`.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  buildSightingIndex,
  type CryptoPrimitives,
  createSightingMatcher,
  deriveAssociatedEncryptedMetadataKey,
  deriveHkdfSha256Batch,
  deriveRollingProximityIdentifierKey,
  EN_RPIK_INFO,
  type ExposureKey,
  encodeMetadata,
  encryptAssociatedMetadata,
  MATCHING_BATCH_KEYS,
  type MatchingResult,
  matchKeysToSightings,
  nobleCrypto,
  ReportType,
  rollingProximityIdentifiers,
  rpiPaddedData,
  type SightingLog,
  SightingLogBuilder,
} from '@bluezone/protocol';
import { median, nowMs, peakRssMb } from './stats.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './types.js';

const DEFAULT_KEYS = 100_000;
const LOG_DAYS = 14;
/** A scan every 5 minutes hearing 7 phones: 2,016 sightings a day. */
const SCANS_PER_DAY = 288;
const PHONES_PER_SCAN = 7;
/** 2020-08-26T00:00Z, the log's first day. */
export const FIRST_DAY = 18_500;
const PLANTED_KEYS = 5;
const GOAL_KEYS_PER_SECOND = 200_000;
const GOAL_RATIO = 1.5;
const GOAL_PEAK_MB = 128;

/** splitmix32: a small seeded generator, so that every run matches the same workload. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function fillRandom(next: () => number, bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i += 4) {
    const r = next();
    for (let k = 0; k < 4 && i + k < bytes.length; k++) bytes[i + k] = (r >>> (8 * k)) & 0xff;
  }
  return bytes;
}

export interface Planted {
  readonly keyIndex: number;
  readonly txPowerDbm: number;
  /** Sightings planted within the tolerance. */
  readonly inside: number;
}

export interface Workload {
  readonly count: number;
  readonly log: SightingLog;
  readonly planted: readonly Planted[];
}

/**
 * Published keys `from … to − 1` of the workload, as a key file parser would hand them over: one
 * object and one 16-byte array per key, the days of the 14-day log interleaved. Key `i` is the
 * same whatever the batch (its bytes come from a generator seeded with `i`).
 */
export function makeKeys(from: number, to: number): { keys: ExposureKey[]; teks: Uint8Array } {
  const teks = new Uint8Array((to - from) * 16);
  const keys: ExposureKey[] = new Array(to - from);
  for (let i = from; i < to; i++) {
    const keyData = fillRandom(
      generator(Math.imul(i, 0x2545f491) ^ 0x5eed),
      teks.subarray((i - from) * 16, (i - from) * 16 + 16),
    );
    keys[i - from] = {
      keyData,
      rollingStartIntervalNumber: (FIRST_DAY + (i % LOG_DAYS)) * 144,
      rollingPeriod: 144,
      reportType: i % 10 === 0 ? ReportType.RECURSIVE : ReportType.CONFIRMED_TEST,
      daysSinceOnsetOfSymptoms: (i % 6) - 2,
    };
  }
  return { keys, teks };
}

/**
 * The log of a workload of `count` published keys: 7 phones heard every 5 minutes for 14 days
 * (each RPI about twice), plus 3 sightings of each planted key within the tolerance and 1 just
 * outside it.
 */
export function makeWorkload(count: number): Workload {
  const next = generator(0x5eed);
  const builder = new SightingLogBuilder(LOG_DAYS * SCANS_PER_DAY * PHONES_PER_SCAN + 4 * PLANTED_KEYS);
  const rpi = new Uint8Array(16);
  const aem = new Uint8Array(4);
  for (let day = 0; day < LOG_DAYS; day++) {
    for (let scan = 0; scan < SCANS_PER_DAY; scan++) {
      const t = (FIRST_DAY + day) * 86_400 + scan * 300 + (next() % 60);
      const interval = Math.floor(t / 600);
      for (let phone = 0; phone < PHONES_PER_SCAN; phone++) {
        // The phones nearby change every 3 hours; a phone's RPI changes every interval.
        const id = (day * 8 + Math.floor(scan / 36)) * PHONES_PER_SCAN + phone;
        fillRandom(generator(Math.imul(id, 0x01000193) ^ interval), rpi);
        fillRandom(next, aem);
        builder.add(rpi, aem, t + phone, -45 - (next() % 55), 'SM-A515F');
      }
    }
  }
  const planted: Planted[] = [];
  const plantCount = Math.min(PLANTED_KEYS, count);
  for (let p = 0; p < plantCount; p++) {
    const keyIndex = Math.floor(((p + 0.5) * count) / plantCount);
    const key = makeKeys(keyIndex, keyIndex + 1).keys[0]!;
    const txPowerDbm = -30 + 4 * p;
    const start = key.rollingStartIntervalNumber;
    const rpis = rollingProximityIdentifiers(
      deriveRollingProximityIdentifierKey(key.keyData, nodeCrypto),
      start,
      144,
      nodeCrypto,
    );
    const aemk = deriveAssociatedEncryptedMetadataKey(key.keyData, nodeCrypto);
    const metadata = encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm });
    const plant = (b: number, t: number) => {
      const r = rpis.subarray(16 * b, 16 * b + 16);
      builder.add(r, encryptAssociatedMetadata(aemk, r, metadata, nodeCrypto), t, -62, 'SM-A515F');
    };
    for (let k = 0; k < 3; k++) plant(60 + 2 * p + k, (start + 60 + 2 * p + k) * 600 + 120 + 7 * k);
    // 2 h + 1 s after the validity of the interval: outside the tolerance.
    plant(100, (start + 101) * 600 + 7_201);
    planted.push({ keyIndex, txPowerDbm, inside: 3 });
  }
  return { count, log: builder.build(), planted };
}

/** Checks that the run found exactly the planted matches. */
export function verifyPlanted(result: MatchingResult, planted: readonly Planted[]): MatchingResult {
  const problem = (what: string) => new Error(`matching benchmark: ${what}`);
  const found = result.matches.map((m) => m.keyIndex);
  const wanted = planted.map((p) => p.keyIndex);
  if (found.join() !== wanted.join()) {
    throw problem(`expected matches with keys [${wanted.join(', ')}], got [${found.join(', ')}]`);
  }
  result.matches.forEach((m, i) => {
    const p = planted[i]!;
    if (m.sightings.length !== p.inside || m.sightings.some((s) => s.txPowerDbm !== p.txPowerDbm)) {
      throw problem(
        `key ${p.keyIndex}: expected ${p.inside} sightings at ${p.txPowerDbm} dBm, got ${m.sightings.map((s) => s.txPowerDbm).join(', ')}`,
      );
    }
    if (m.windows.length === 0) throw problem(`key ${p.keyIndex}: no exposure window`);
  });
  return result;
}

/** The floor: RPIK derivation (batched, as the matcher does) and one AES-ECB call per key. */
function rawCrypto(
  keys: readonly ExposureKey[],
  teks: Uint8Array,
  crypto: CryptoPrimitives,
  padded: Map<number, Uint8Array>,
): number {
  let sink = 0;
  for (let from = 0; from < keys.length; from += MATCHING_BATCH_KEYS) {
    const to = Math.min(keys.length, from + MATCHING_BATCH_KEYS);
    const rpiks = deriveHkdfSha256Batch(
      crypto,
      teks.subarray(from * 16, to * 16),
      16,
      undefined,
      EN_RPIK_INFO,
      16,
    );
    for (let j = from; j < to; j++) {
      const k = (j - from) * 16;
      const blocks = padded.get(keys[j]!.rollingStartIntervalNumber)!;
      sink ^= crypto.aes128EcbEncrypt(rpiks.subarray(k, k + 16), blocks)[0]!;
    }
  }
  return sink;
}

function matchAll(log: SightingLog, keys: readonly ExposureKey[], crypto: CryptoPrimitives): MatchingResult {
  return matchKeysToSightings(buildSightingIndex(log), keys, { crypto });
}

/** CPU time of this process, ms (user + system, every thread: GC helpers count too). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Timing<T> {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly value: T;
}

function timed<T>(fn: () => T): Timing<T> {
  const cpu = cpuMs();
  const wall = nowMs();
  const value = fn();
  return { cpuMs: cpuMs() - cpu, wallMs: nowMs() - wall, value };
}

/** Keys per batch in the memory measurement: one key file's worth. */
const MEMORY_BATCH_KEYS = 10_000;

/**
 * The child process of the memory measurement: one whole exposure check of `count` keys — the
 * log, then the keys file by file ({@link MEMORY_BATCH_KEYS} each) through one matcher, as a phone
 * processes downloaded key files — then its peak RSS as JSON on stdout, with the RSS before any
 * work and the live heap and external memory at the end.
 */
export function matchingMemoryChild(count: number): void {
  const baselineMb = process.memoryUsage().rss / 1024 / 1024;
  const workload = makeWorkload(count);
  const matcher = createSightingMatcher(buildSightingIndex(workload.log), { crypto: nodeCrypto });
  for (let from = 0; from < count; from += MEMORY_BATCH_KEYS) {
    matcher.addKeys(makeKeys(from, Math.min(count, from + MEMORY_BATCH_KEYS)).keys);
  }
  verifyPlanted(matcher.result(), workload.planted);
  const { heapUsed, external } = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ peakMb: peakRssMb(), baselineMb, liveMb: (heapUsed + external) / 1024 / 1024 })}\n`,
  );
}

interface MemoryFigures {
  readonly peakMb: number;
  readonly baselineMb: number;
  readonly liveMb: number;
}

/**
 * Peak RSS of a child process running one exposure check (with extra V8 flags), or undefined when
 * running from the TypeScript sources (tests), where the child cannot import this module.
 */
function childPeakMemory(count: number, flags: readonly string[] = []): MemoryFigures | undefined {
  const self = import.meta.url;
  if (!self.endsWith('.js')) return undefined;
  const code = 'const m = await import(process.argv[1]); m.matchingMemoryChild(Number(process.argv[2]));';
  const child = spawnSync(
    process.execPath,
    [...flags, '--input-type=module', '-e', code, self, String(count)],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) {
    throw new Error(
      `matching benchmark: the memory child failed: ${child.stderr.trim() || child.error?.message}`,
    );
  }
  return JSON.parse(child.stdout) as MemoryFigures;
}

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const count = options.size ?? DEFAULT_KEYS;
  const runs = options.quick ? 2 : 7;
  const extras = options.quick ? 0 : 4;
  const total = 2 * (runs + 1) + extras;
  let done = 0;
  const step = () => options.progress?.(++done, total);

  const setup = timed(() => ({ workload: makeWorkload(count), ...makeKeys(0, count) }));
  const { workload, keys, teks } = setup.value;
  const padded = new Map<number, Uint8Array>();
  for (const key of keys) {
    const start = key.rollingStartIntervalNumber;
    if (!padded.has(start)) padded.set(start, rpiPaddedData(start, 144));
  }
  const ours: Timing<unknown>[] = [];
  const floor: Timing<unknown>[] = [];
  const indexing: number[] = [];
  const oursRun = (record: boolean) => {
    const t = timed(() => verifyPlanted(matchAll(workload.log, keys, nodeCrypto), workload.planted));
    if (record) ours.push(t);
    step();
  };
  const floorRun = (record: boolean) => {
    const t = timed(() => rawCrypto(keys, teks, nodeCrypto, padded));
    if (record) floor.push(t);
    step();
  };
  // Warm-up, then alternate which goes first.
  oursRun(false);
  floorRun(false);
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      oursRun(true);
      floorRun(true);
    } else {
      floorRun(true);
      oursRun(true);
    }
    indexing.push(timed(() => buildSightingIndex(workload.log)).cpuMs);
  }
  const oursMs = median(ours.map((t) => t.cpuMs));
  const floorMs = median(floor.map((t) => t.cpuMs));
  const oursWallMs = median(ours.map((t) => t.wallMs));
  const floorWallMs = median(floor.map((t) => t.wallMs));
  const keysPerSecond = (count / oursMs) * 1000;
  const rawCryptoKeysPerSecond = (count / floorMs) * 1000;
  const ratio = oursMs / floorMs;
  const perSecond = (ms: number, n = count) => (n / ms) * 1000;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

  const figures = [
    { label: 'matching (CPU time)', value: keysPerSecond, unit: 'keys/s' },
    { label: 'matching (wall clock)', value: perSecond(oursWallMs), unit: 'keys/s' },
    { label: 'index build (once per check)', value: median(indexing), unit: 'ms' },
  ];
  const notes = [
    `Keys/s are per CPU-second of this process (process.cpuUsage: user + system, GC threads included), i.e. "on one core": the machines are shared, and wall time also counts the time the process waits for a core. Wall clock, same runs: matching ${fmt(perSecond(oursWallMs))} keys/s, floor ${fmt(perSecond(floorWallMs))} keys/s (ratio ${(oursWallMs / floorWallMs).toFixed(2)}).`,
    `Every timed run was verified: the ${workload.planted.length} planted keys and only they matched, with their 3 sightings and TX powers each; the sightings planted 2 h + 1 s outside the tolerance did not. Workload generation: ${setup.wallMs.toFixed(0)} ms (not timed).`,
    'The floor is the same batched HKDF plus one AES-128-ECB call (createCipheriv + update over 144 blocks) per key; the ratio is what matching adds: validation, the time filter, copying key bytes, 144 filter probes per key (~3 % go on to the hash table) and the result.',
  ];
  if (!options.quick) {
    // What the batched HKDF buys: the same matching with one hkdfSync call per key.
    const { hkdfSha256Batch: _batched, ...perCall } = nodeCrypto;
    const unbatched: CryptoPrimitives = { ...perCall, name: 'node-per-call' };
    const perCallRun = timed(() => verifyPlanted(matchAll(workload.log, keys, unbatched), workload.planted));
    step();
    // The pure TypeScript adapter (what a phone runs without a native crypto module), on a sample.
    const sample = keys.slice(0, Math.min(count, 20_000));
    const nobleRun = timed(() => matchAll(workload.log, sample, nobleCrypto));
    step();
    figures.push(
      {
        label: 'without the batched HKDF (hkdfSync per key)',
        value: perSecond(perCallRun.cpuMs),
        unit: 'keys/s',
      },
      {
        label: 'noble adapter (pure TypeScript)',
        value: perSecond(nobleRun.cpuMs, sample.length),
        unit: 'keys/s',
      },
    );
  }
  const memory = options.quick ? undefined : childPeakMemory(count);
  step();
  const compact = options.quick ? undefined : childPeakMemory(count, ['--optimize-for-size']);
  step();
  if (memory && compact) {
    figures.push(
      { label: `peak RSS, check of ${fmt(count)} keys`, value: memory.peakMb, unit: 'MB' },
      { label: 'peak RSS, same with --optimize-for-size', value: compact.peakMb, unit: 'MB' },
    );
    notes.push(
      `Peak memory: maxRSS of a child process that builds the log, then generates and matches the ${fmt(count)} keys in files of ${fmt(MEMORY_BATCH_KEYS)} through one matcher. Of its ${memory.peakMb.toFixed(0)} MB, ${memory.baselineMb.toFixed(0)} MB is Node with the loaded packages before any work and ${memory.liveMb.toFixed(0)} MB the live heap and external memory at the end; the rest is garbage awaiting collection — mostly the AES outputs and cipher objects (one per key) that V8 collects only when its young generation fills. V8's --optimize-for-size (its mode for memory-constrained devices) brings the peak to ${compact.peakMb.toFixed(0)} MB.`,
    );
  } else {
    notes.push(
      `Peak memory not measured (--quick, or running from the TypeScript sources); this process's peak RSS: ${peakRssMb().toFixed(0)} MB.`,
    );
  }
  const met =
    keysPerSecond >= GOAL_KEYS_PER_SECOND &&
    ratio <= GOAL_RATIO &&
    (memory === undefined || memory.peakMb < GOAL_PEAK_MB);
  return {
    id: 'matching',
    title: 'Exposure matching',
    workload: `${fmt(count)} published keys (14 days) against a 14-day log of ${fmt(workload.log.count)} sightings (${SCANS_PER_DAY * PHONES_PER_SCAN}/day), node crypto adapter; medians of ${runs} interleaved runs.`,
    figures,
    baseline: { label: 'HKDF + AES calls alone', value: rawCryptoKeysPerSecond, unit: 'keys/s' },
    ratio,
    goal: `≥ ${fmt(GOAL_KEYS_PER_SECOND)} keys/s on one core, ≤ ${GOAL_RATIO}× the raw HKDF + AES cost, peak RSS < ${GOAL_PEAK_MB} MB`,
    met,
    notes,
    json: {
      keys: count,
      sightings: workload.log.count,
      keysPerSecond: Math.round(keysPerSecond),
      rawCryptoKeysPerSecond: Math.round(rawCryptoKeysPerSecond),
      ratio: Math.round(ratio * 1000) / 1000,
    },
  };
}

/** `bluezone bench matching [--keys N] [--quick] [--json]`. */
export const matchingBenchmark: Benchmark = {
  id: 'matching',
  description: 'Exposure matching: published keys per second against a 14-day sighting log',
  sizeOption: { name: 'keys', description: 'published keys to match (default 100,000)', max: 5_000_000 },
  run,
};
