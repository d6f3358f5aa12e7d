/**
 * Benchmark `export` (SYSTEM.md §8): the time to build and sign the key export files for N keys
 * (default 100,000), against the floor any writer must pay, measured in the same run: the
 * protobuf encoding of the same keys plus one ECDSA P-256 signature.
 *
 * Ours is `exportWriteBatch`: validate every key, apply the embargo, sort by key bytes, encode
 * `export.bin`, sign it (WebCrypto), encode `export.sig` and deflate both into a ZIP. The floor is
 * `exportEncodeBin` on the unsorted keys (the generated protobuf-es code, no validation) and one
 * signature of its output. Runs of the two alternate (and alternate which goes first) so that
 * they share the machine's noise; the figures are medians. One more pass times the stages alone,
 * for the notes.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nodeRandom } from '@bluezone/crypto-node';
import {
  EXPORT_SIGNATURE_ALGORITHM,
  type ExposureKey,
  exportEncodeBin,
  exportGenerateSigningKeyPair,
  exportPlanBatch,
  exportSignBytes,
  exportWriteBatch,
} from '@bluezone/protocol';
import { median, nowMs, peakRssMb } from './stats.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './types.js';

const DEFAULT_KEYS = 100_000;
const GOAL_RATIO = 2;
/** 2020-04-15T00:00Z: every key of the 14 days before is released (none embargoed). */
const EXPORT_END_INTERVAL = 2_644_848;

/** `count` keys of the 14 days before the export, shaped like real uploads. */
function makeKeys(count: number): ExposureKey[] {
  const bytes = nodeRandom(count * 16);
  const keys: ExposureKey[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const daysAgo = 1 + (i % 14);
    keys[i] = {
      keyData: bytes.subarray(i * 16, i * 16 + 16),
      rollingStartIntervalNumber: EXPORT_END_INTERVAL - 144 * daysAgo,
      rollingPeriod: 144,
      transmissionRiskLevel: i % 8,
      reportType: i % 10 === 0 ? 4 : 1,
      daysSinceOnsetOfSymptoms: Math.min(14, Math.max(-14, 3 - daysAgo)),
    };
  }
  return keys;
}

/**
 * A full garbage collection before each timed run, so that neither alternative pays for the
 * other's garbage (both allocate ~100,000 protobuf messages a run; which one a major GC happens
 * to land in otherwise decides the ratio on a busy machine). `gc` is exposed at run time.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? (gc as () => void) : () => {};
})();

async function time(fn: () => Promise<unknown>): Promise<number> {
  collectGarbage();
  const start = nowMs();
  await fn();
  return nowMs() - start;
}

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const count = options.size ?? DEFAULT_KEYS;
  const runs = options.quick ? 3 : 9;
  const keys = makeKeys(count);
  const pair = await exportGenerateSigningKeyPair();
  const signer = { privateKey: pair.privateKey, keyId: '452', keyVersion: 'v1' };
  const endTimestamp = EXPORT_END_INTERVAL * 600;
  const header = { region: 'VN', startTimestamp: endTimestamp - 86_400, endTimestamp };

  let fileBytes = 0;
  let files = 0;
  const ours = async () => {
    const batch = await exportWriteBatch({ ...header, keys, signers: signer, random: nodeRandom });
    files = batch.files.length;
    fileBytes = batch.files.reduce((n, f) => n + f.zip.length, 0);
  };
  const floor = async () => {
    const bin = exportEncodeBin({
      ...header,
      batchNum: 1,
      batchSize: 1,
      signatureInfos: [
        {
          verificationKeyId: '452',
          verificationKeyVersion: 'v1',
          signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
        },
      ],
      keys,
      revisedKeys: [],
    });
    await exportSignBytes(bin, pair.privateKey);
  };

  const total = 2 * (runs + 1) + 1;
  let done = 0;
  const step = () => options.progress?.(++done, total);
  await ours();
  step();
  await floor();
  step();
  const oursMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      floorMs.push(await time(floor));
      step();
      oursMs.push(await time(ours));
      step();
    } else {
      oursMs.push(await time(ours));
      step();
      floorMs.push(await time(floor));
      step();
    }
  }

  // The stages alone (medians of 3), for the notes.
  const stageRuns = options.quick ? 1 : 3;
  const plans: number[] = [];
  const encodes: number[] = [];
  const signs: number[] = [];
  for (let i = 0; i < stageRuns; i++) {
    let planned: ReturnType<typeof exportPlanBatch> | undefined;
    plans.push(
      await time(async () => {
        planned = exportPlanBatch({ keys, exportInterval: EXPORT_END_INTERVAL });
      }),
    );
    let bin: Uint8Array = new Uint8Array(0);
    encodes.push(
      await time(async () => {
        bin = exportEncodeBin({
          ...header,
          batchNum: 1,
          batchSize: 1,
          signatureInfos: [],
          keys: planned!.files[0]!.keys,
          revisedKeys: [],
        });
      }),
    );
    signs.push(await time(() => exportSignBytes(bin, pair.privateKey)));
  }
  const planMs = median(plans);
  const encodeMs = median(encodes);
  const signMs = median(signs);
  step();

  const build = median(oursMs);
  const base = median(floorMs);
  const ratio = build / base;
  const rest = Math.max(0, build - planMs - encodeMs - signMs);
  return {
    id: 'export',
    title: 'Key export files',
    workload: `${count.toLocaleString('en-US')} keys of 14 days (none embargoed, no padding) into ${files} signed file(s), ${runs} interleaved runs each`,
    figures: [
      { label: 'build + sign', value: build, unit: 'ms' },
      { label: 'throughput', value: (count / build) * 1000, unit: 'keys/s' },
      { label: 'files', value: fileBytes / 1e6, unit: 'MB' },
    ],
    baseline: { label: 'protobuf encoding + one ECDSA signature', value: base, unit: 'ms' },
    ratio,
    goal: `≤ ${GOAL_RATIO}× protobuf encoding + one ECDSA signature`,
    met: ratio <= GOAL_RATIO,
    notes: [
      `stages alone (sorted keys): validate + embargo + sort ${planMs.toFixed(1)} ms, protobuf encoding ${encodeMs.toFixed(1)} ms, ECDSA signature ${signMs.toFixed(1)} ms, the rest (ZIP deflate, export.sig) about ${rest.toFixed(1)} ms`,
      'the protobuf encoding is protobuf-es (generated code); it dominates both figures, so the ratio measures what the writer adds on top of it',
      `peak resident memory ${peakRssMb().toFixed(0)} MB`,
    ],
    json: {
      id: 'export',
      keys: count,
      runs,
      files,
      fileBytes,
      buildMs: build,
      floorMs: base,
      ratio,
      keysPerSecond: (count / build) * 1000,
      goalRatio: GOAL_RATIO,
      met: ratio <= GOAL_RATIO,
      stagesMs: { plan: planMs, encode: encodeMs, sign: signMs, rest },
    },
  };
}

/** The `export` benchmark: `bluezone bench export [--keys N] [--json]`. */
export const exportBenchmark: Benchmark = {
  id: 'export',
  description: 'Key export: build and sign the files for N keys vs protobuf encoding + one ECDSA signature',
  sizeOption: {
    name: 'keys',
    description: `keys to export (default ${DEFAULT_KEYS.toLocaleString('en-US')})`,
    max: 5_000_000,
  },
  run,
};
