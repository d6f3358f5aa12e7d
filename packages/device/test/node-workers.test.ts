/**
 * The worker-thread matcher (`@bluezone/device/node-workers`): for random logs, keys (duplicates
 * across batches, every report type, onsets, TX powers outside the bounds) and options, the
 * result of 2 or 3 workers equals the single-thread one — matches with the caller's key objects,
 * windows, stats — and the attenuation callback sees the same calls in the same order; errors
 * are the single-thread ones; small calls stay in the thread; workers start lazily, are reused,
 * and a worker that dies fails the call with `matching_worker_failed` and is replaced on the next
 * one; `close()` stops them. In the SDK's exposure check the pool gives the in-thread results,
 * and a worker that dies stops the check without marking the file, which the next check
 * matches exactly once.
 *
 * The workers run the build's script (`dist/`), so `npx tsc -b` must have run (as `npm test`
 * does); a fixture worker (test/fixtures/crashing-worker.mjs) dies on a poison key.
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  buildSightingIndex,
  type CalibrationConfidence,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  type ExposureKey,
  encodeMetadata,
  encryptAssociatedMetadata,
  type MatchingAttenuationFunction,
  type MatchingOptions,
  matchingDefaultAttenuation,
  ProtocolError,
  type ReportType,
  riskAttenuationFunction,
  rollingProximityIdentifiers,
  type SightingIndex,
  type SightingRecord,
  sightingLogFromRecords,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceError, inThreadMatcher } from '../src/index.js';
import { createNodeWorkerMatcher, NODE_WORKER_MIN_KEYS } from '../src/node-workers.js';
import { partitionKeys, unpackKeys, workerOfKey } from '../src/node-workers-messages.js';
import {
  createFakeBluezone,
  DAY_MS,
  deviceOn,
  HOUR_MS,
  MINUTE_MS,
  meet,
  otherPhone,
  seededRandom,
  T0,
} from './helpers.js';

/** 2020-08-26, interval 2,664,000. */
const DAY0 = 18_500;
const startOfDay = (day: number) => day * 144;
const CRASHING_WORKER = new URL('./fixtures/crashing-worker.mjs', import.meta.url);
const POISON: ExposureKey = {
  keyData: new Uint8Array(16).fill(0xee),
  rollingStartIntervalNumber: startOfDay(DAY0),
  rollingPeriod: 144,
};

const pools = {
  two: createNodeWorkerMatcher({ workers: 2, minKeys: 0 }),
  three: createNodeWorkerMatcher({ workers: 3, minKeys: 0 }),
};
afterAll(async () => {
  await pools.two.close();
  await pools.three.close();
});

/** A sighting of `tek`'s RPI of `interval` heard at `timeSeconds`, with `txPowerDbm` in its AEM. */
function sightingOf(
  tek: Uint8Array,
  interval: number,
  timeSeconds: number,
  txPowerDbm: number,
  rssiDbm: number,
  receiverModel: string,
): SightingRecord {
  const rpi = rollingProximityIdentifiers(
    deriveRollingProximityIdentifierKey(tek, nodeCrypto),
    interval,
    1,
    nodeCrypto,
  );
  const aem = encryptAssociatedMetadata(
    deriveAssociatedEncryptedMetadataKey(tek, nodeCrypto),
    rpi,
    encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm }),
    nodeCrypto,
  );
  return { rpi, aem, timeSeconds, rssiDbm, receiverModel };
}

/** An attenuation callback that records its calls. */
function recording(inner: MatchingAttenuationFunction, calls: unknown[][]): MatchingAttenuationFunction {
  return (tx, rssi, model) => {
    calls.push([tx, rssi, model]);
    return inner(tx, rssi, model);
  };
}

/** Runs `fn` and returns what it threw. */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const tek16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

const scenario = fc.record({
  teks: fc.uniqueArray(tek16, {
    minLength: 1,
    maxLength: 6,
    selector: (t) => Array.from(t).join(','),
  }),
  keys: fc.array(
    fc.record({
      tek: fc.nat(),
      day: fc.integer({ min: 0, max: 4 }),
      period: fc.oneof(fc.constant(144), fc.integer({ min: 1, max: 144 })),
      reportType: fc.constantFrom(undefined, 0, 1, 2, 3, 4, 5),
      dsos: fc.option(fc.integer({ min: -14, max: 14 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  plants: fc.array(
    fc.record({
      key: fc.nat(),
      slot: fc.integer({ min: 0, max: 143 }),
      offset: fc.integer({ min: -9_000, max: 9_600 }),
      tx: fc.integer({ min: -60, max: 30 }),
      rssi: fc.integer({ min: -110, max: -30 }),
      model: fc.constantFrom('Pixel 4', 'SM-G973F', ''),
    }),
    { maxLength: 30 },
  ),
  noise: fc.array(fc.tuple(tek16, fc.integer({ min: 0, max: 5 * 86_400 })), { maxLength: 20 }),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  tolerance: fc.constantFrom(undefined, 0, 600, 3_600),
  keepNonInfectious: fc.boolean(),
  reportTypeWhenMissing: fc.constantFrom(undefined, 1, 2, 3, 4),
  txBounds: fc.constantFrom(undefined, { min: -40, max: 10 }),
  attenuation: fc.constantFrom('default', 'calibrated', 'custom'),
  pool: fc.constantFrom('two' as const, 'three' as const),
  seed: fc.nat(),
});

describe('node worker matcher: same result as one thread', () => {
  it('gives the single-thread matches, windows and stats, and the same callback calls, for random logs and keys', async () => {
    let matched = 0;
    let duplicates = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const keys: ExposureKey[] = s.keys.map((k) => ({
          keyData: s.teks[k.tek % s.teks.length]!,
          rollingStartIntervalNumber: startOfDay(DAY0 + k.day),
          rollingPeriod: k.period,
          ...(k.reportType === undefined ? {} : { reportType: k.reportType as ReportType }),
          ...(k.dsos === undefined ? {} : { daysSinceOnsetOfSymptoms: k.dsos }),
        }));
        // Sightings of the keys' RPIs (within their periods), around the tolerance.
        const records: SightingRecord[] = s.plants.map((p) => {
          const key = keys[p.key % keys.length]!;
          const interval = key.rollingStartIntervalNumber + (p.slot % key.rollingPeriod);
          return sightingOf(key.keyData, interval, interval * 600 + p.offset, p.tx, p.rssi, p.model);
        });
        for (const [bytes, at] of s.noise) {
          records.push({
            rpi: bytes,
            aem: bytes.subarray(0, 4),
            timeSeconds: DAY0 * 86_400 + at,
            rssiDbm: -80,
          });
        }
        // Shuffle the rows deterministically, so that planted rows are not in key order.
        const order = records
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919 + s.seed) % 101) - ((b * 7919 + s.seed) % 101) || a - b);
        const index = buildSightingIndex(sightingLogFromRecords(order.map((i) => records[i]!)));
        const cuts = [...new Set(s.cuts.map((c) => c % (keys.length + 1)))].sort((a, b) => a - b);
        const batches: ExposureKey[][] = [];
        let from = 0;
        for (const cut of [...cuts, keys.length]) {
          batches.push(keys.slice(from, Math.max(from, cut)));
          from = Math.max(from, cut);
        }
        const base: MatchingAttenuationFunction =
          s.attenuation === 'calibrated'
            ? riskAttenuationFunction()
            : s.attenuation === 'custom'
              ? (tx, rssi, model) => ({
                  attenuation: (tx - rssi) * 1.37 - model.length,
                  calibrationConfidence: (model.length % 4) as CalibrationConfidence,
                })
              : matchingDefaultAttenuation;
        const options = (calls: unknown[][]): MatchingOptions => ({
          crypto: nodeCrypto,
          attenuation: recording(base, calls),
          keepNonInfectious: s.keepNonInfectious,
          ...(s.tolerance === undefined ? {} : { toleranceSeconds: s.tolerance }),
          ...(s.reportTypeWhenMissing === undefined
            ? {}
            : { reportTypeWhenMissing: s.reportTypeWhenMissing as ReportType }),
          ...(s.txBounds === undefined ? {} : { txPowerBoundsDbm: s.txBounds }),
        });
        const singleCalls: unknown[][] = [];
        const single = await inThreadMatcher.match(index, batches, options(singleCalls));
        const pooledCalls: unknown[][] = [];
        const pooled = await pools[s.pool].match(index, batches, options(pooledCalls));
        expect(pooled).toEqual(single);
        expect(pooledCalls).toEqual(singleCalls);
        pooled.matches.forEach((m, i) => {
          expect(m.key).toBe(single.matches[i]!.key);
        });
        matched += single.stats.keysMatched;
        duplicates += single.stats.duplicateSightings;
        rejected += single.stats.rejectedSightings;
      }),
      { numRuns: 150 },
    );
    // The generator reaches the interesting cases.
    expect(matched).toBeGreaterThan(30);
    expect(duplicates).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    expect(pools.two.counters().workerCalls + pools.three.counters().workerCalls).toBeGreaterThan(0);
  });

  it('counts a sighting for the first copy of a key, across batches, as one thread does', async () => {
    const tek = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const interval = startOfDay(DAY0) + 30;
    const index = buildSightingIndex(
      sightingLogFromRecords([
        sightingOf(tek, interval, interval * 600 + 5, -20, -60, 'Pixel 4'),
        sightingOf(tek, interval, interval * 600 + 65, 60, -60, 'Pixel 4'),
      ]),
    );
    const key: ExposureKey = {
      keyData: tek,
      rollingStartIntervalNumber: startOfDay(DAY0),
      rollingPeriod: 144,
    };
    const again: ExposureKey = { ...key, reportType: 4 };
    const filler = (n: number): ExposureKey[] =>
      Array.from({ length: n }, (_, i) => ({
        keyData: Uint8Array.from({ length: 16 }, (_, j) => (i * 31 + j * 7 + 100) & 0xff),
        rollingStartIntervalNumber: startOfDay(DAY0),
        rollingPeriod: 144,
      }));
    // Copies at 20 and 27: in different workers if keys were dealt by position.
    const batches = [[...filler(20), key], filler(6), [again, ...filler(3)]];
    const single = await inThreadMatcher.match(index, batches, { crypto: nodeCrypto });
    expect(single.stats).toMatchObject({
      keysMatched: 1,
      matchedSightings: 1,
      rejectedSightings: 1,
      duplicateSightings: 2,
    });
    expect(single.matches[0]!.keyIndex).toBe(20);
    expect(await pools.two.match(index, batches, { crypto: nodeCrypto })).toEqual(single);
    expect(await pools.three.match(index, batches, { crypto: nodeCrypto })).toEqual(single);
  });

  it('throws the single-thread errors: a bad key (numbered among all keys), a bad option, a bad attenuation result', async () => {
    const tek = Uint8Array.from({ length: 16 }, (_, i) => 200 - i);
    const interval = startOfDay(DAY0) + 3;
    const index = buildSightingIndex(
      sightingLogFromRecords([sightingOf(tek, interval, interval * 600, -10, -50, 'Pixel 4')]),
    );
    const good: ExposureKey = {
      keyData: tek,
      rollingStartIntervalNumber: startOfDay(DAY0),
      rollingPeriod: 144,
    };
    const bad = { ...good, rollingPeriod: 145 };
    const cases: [readonly (readonly ExposureKey[])[], MatchingOptions][] = [
      [
        [
          [good, good],
          [good, bad],
        ],
        {},
      ],
      [[[good]], { toleranceSeconds: -1 }],
      [[[good]], { attenuation: () => ({ attenuation: Number.NaN, calibrationConfidence: 0 }) }],
      [
        [[good]],
        { attenuation: () => ({ attenuation: 3, calibrationConfidence: 7 as CalibrationConfidence }) },
      ],
    ];
    for (const [batches, options] of cases) {
      const want = await thrown(() => inThreadMatcher.match(index, batches, options));
      const got = await thrown(() => pools.two.match(index, batches, options));
      expect(want).toBeInstanceOf(ProtocolError);
      expect(got).toBeInstanceOf(ProtocolError);
      expect([(got as ProtocolError).code, (got as ProtocolError).message]).toEqual([
        (want as ProtocolError).code,
        (want as ProtocolError).message,
      ]);
    }
    const error = (await thrown(() => pools.two.match(index, [[good], [good, bad]], {}))) as ProtocolError;
    expect(error.message).toMatch(/^key 2: rollingPeriod/);
    const first = (await thrown(() => pools.two.match(index, [[], [bad]], {}))) as ProtocolError;
    expect(first.message).toMatch(/^key 0: rollingPeriod/);
    // No keys at all: the empty result.
    expect(await pools.two.match(index, [[], []], {})).toEqual(
      await inThreadMatcher.match(index, [[], []], {}),
    );
    expect(await pools.two.match(index, [], {})).toEqual(await inThreadMatcher.match(index, [], {}));
  });

  it('packs keys losslessly, and sends every copy of a key to the same worker', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            keyData: tek16,
            rollingStartIntervalNumber: fc.integer({ min: 0, max: 0xffff_ff00 }),
            rollingPeriod: fc.integer({ min: 1, max: 144 }),
            reportType: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
            daysSinceOnsetOfSymptoms: fc.option(fc.integer({ min: -1_000_000, max: 1_000_000 }), {
              nil: undefined,
            }),
          }),
          { maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 5 }),
        (raw, workers) => {
          const keys = raw.map((k) => {
            const { reportType, daysSinceOnsetOfSymptoms, ...rest } = k;
            return {
              ...rest,
              ...(reportType === undefined ? {} : { reportType: reportType as ReportType }),
              ...(daysSinceOnsetOfSymptoms === undefined ? {} : { daysSinceOnsetOfSymptoms }),
            };
          });
          const { positions, shares } = partitionKeys(keys, workers);
          const back: ExposureKey[] = new Array(keys.length);
          shares.forEach((share, w) => {
            const unpacked = unpackKeys(share);
            const at = positions[w]!;
            expect([...at]).toEqual([...at].sort((a, b) => a - b));
            unpacked.forEach((key, j) => {
              expect(workerOfKey(key.keyData, workers)).toBe(w);
              back[at[j]!] = key;
            });
          });
          expect(back).toEqual(keys);
        },
      ),
    );
  });
});

describe('node worker matcher: pool life cycle', () => {
  const tek = Uint8Array.from({ length: 16 }, (_, i) => 3 * i + 1);
  const interval = startOfDay(DAY0) + 77;
  const makeIndex = (): SightingIndex =>
    buildSightingIndex(
      sightingLogFromRecords([sightingOf(tek, interval, interval * 600 + 30, 0, -55, 'Pixel 4')]),
    );
  const keysOf = (n: number, withMatch = true): ExposureKey[] => [
    ...Array.from({ length: n - (withMatch ? 1 : 0) }, (_, i) => ({
      keyData: Uint8Array.from({ length: 16 }, (_, j) => (i * 13 + j * 29 + (i >> 8)) & 0xff),
      rollingStartIntervalNumber: startOfDay(DAY0),
      rollingPeriod: 144,
    })),
    ...(withMatch
      ? [{ keyData: tek, rollingStartIntervalNumber: startOfDay(DAY0), rollingPeriod: 144 }]
      : []),
  ];

  it('matches small calls in the thread without starting workers, larger ones on workers started once and reused', async () => {
    const pool = createNodeWorkerMatcher({ workers: 2, minKeys: 50 });
    try {
      expect(pool.counters()).toMatchObject({ workersRunning: 0, workersStarted: 0 });
      const index = makeIndex();
      const small = await pool.match(index, [keysOf(20), keysOf(29, false)], { crypto: nodeCrypto });
      expect(small.stats.keysMatched).toBe(1);
      expect(pool.counters()).toMatchObject({ workersStarted: 0, inThreadCalls: 1, workerCalls: 0 });
      const batches = [keysOf(30), keysOf(20, false)];
      const want = await inThreadMatcher.match(index, batches, { crypto: nodeCrypto });
      for (let i = 0; i < 3; i++) {
        expect(await pool.match(index, batches, { crypto: nodeCrypto })).toEqual(want);
      }
      // A new index (a new check) is sent to the same workers.
      const next = makeIndex();
      expect((await pool.match(next, [keysOf(60)], {})).stats.keysMatched).toBe(1);
      expect(pool.counters()).toMatchObject({
        workersRunning: 2,
        workersStarted: 2,
        inThreadCalls: 1,
        workerCalls: 4,
        failures: 0,
      });
    } finally {
      await pool.close();
    }
  });

  it('fails a call whose worker dies with matching_worker_failed, and starts new workers for the next call', async () => {
    const pool = createNodeWorkerMatcher({ workers: 2, minKeys: 0, workerUrl: CRASHING_WORKER });
    try {
      const index = makeIndex();
      await pool.warmUp(index);
      const keys = keysOf(40);
      const want = await inThreadMatcher.match(index, [keys], {});
      expect(await pool.match(index, [keys], {})).toEqual(want);
      const error = await thrown(() =>
        pool.match(index, [keys.slice(0, 10), [POISON, ...keys.slice(10)]], {}),
      );
      expect(error).toBeInstanceOf(DeviceError);
      expect(error).toMatchObject({ code: 'matching_worker_failed' });
      expect((error as DeviceError).message).toMatch(/exited with code 70/);
      expect(pool.counters()).toMatchObject({ workersRunning: 0, failures: 1 });
      // Recovered: new workers, the log sent again, the same answer.
      expect(await pool.match(index, [keys], {})).toEqual(want);
      expect(await pool.match(makeIndex(), [keys], {})).toEqual(want);
      expect(pool.counters()).toMatchObject({ workersRunning: 2, workersStarted: 4, failures: 1 });
    } finally {
      await pool.close();
    }
  });

  it('fails with matching_worker_failed when the worker script is missing, and refuses bad options', async () => {
    const pool = createNodeWorkerMatcher({
      minKeys: 0,
      workerUrl: new URL('./fixtures/no-such-worker.mjs', import.meta.url),
    });
    await expect(pool.match(makeIndex(), [keysOf(3)], {})).rejects.toMatchObject({
      code: 'matching_worker_failed',
      message: expect.stringMatching(/worker script is missing/),
    });
    await expect(pool.warmUp(makeIndex())).rejects.toMatchObject({ code: 'matching_worker_failed' });
    pool.prepare(makeIndex());
    await pool.close();
    for (const options of [
      { workers: 0 },
      { workers: 1.5 },
      { workers: 65 },
      { minKeys: -1 },
      { minKeys: Number.NaN },
    ]) {
      expect(() => createNodeWorkerMatcher(options)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
    expect(createNodeWorkerMatcher().minKeys).toBe(NODE_WORKER_MIN_KEYS);
    expect(createNodeWorkerMatcher().workers).toBeGreaterThanOrEqual(1);
  });

  it('stops its workers on close(); calls after it fail with matching_worker_failed', async () => {
    const pool = createNodeWorkerMatcher({ workers: 2, minKeys: 0 });
    const index = makeIndex();
    pool.prepare(index);
    const call = thrown(() => pool.match(index, [keysOf(200)], {}));
    await pool.close();
    expect(await call).toMatchObject({ code: 'matching_worker_failed' });
    expect(pool.counters().workersRunning).toBe(0);
    await expect(pool.match(index, [keysOf(5)], {})).rejects.toMatchObject({
      code: 'matching_worker_failed',
    });
    pool.prepare(index);
    expect(pool.counters().workersRunning).toBe(0);
  });
});

describe('the exposure check on the worker pool', () => {
  /** Aug 8, 09:00 UTC. */
  const MEETING = T0 - 2 * DAY_MS + 9 * HOUR_MS;
  const filler = (n: number, seed: number): ExposureKey[] => {
    const random = seededRandom(seed);
    return Array.from({ length: n }, () => ({
      keyData: random(16),
      rollingStartIntervalNumber: startOfDay(Math.floor(MEETING / DAY_MS)),
      rollingPeriod: 144,
    }));
  };

  it('finds what the in-thread check finds', async () => {
    const fake = await createFakeBluezone();
    const pool = createNodeWorkerMatcher({ workers: 2, minKeys: 0 });
    try {
      const pooled = deviceOn(fake, { matcher: pool });
      const plain = deviceOn(fake);
      const random = seededRandom(5);
      const phones = [otherPhone(MEETING, random), otherPhone(MEETING - DAY_MS, random)];
      for (const device of [pooled, plain]) {
        meet(device, phones[0]!, MEETING, 30 * MINUTE_MS);
        meet(device, phones[1]!, MEETING - DAY_MS, 5 * MINUTE_MS);
      }
      await fake.addKeyFile([...filler(60, 1), phones[0]!.published(), ...filler(40, 2)]);
      await fake.addKeyFile([phones[1]!.published(4), ...filler(30, 3)]);
      const a = await pooled.checkExposure();
      const b = await plain.checkExposure();
      expect(a.status).toBe('ok');
      expect([a.filesProcessed, a.newMatches]).toEqual([2, 2]);
      expect(a.results).toEqual(b.results);
      expect(a.results.days.length).toBeGreaterThan(0);
      expect(pool.counters()).toMatchObject({ workerCalls: 2, failures: 0 });
    } finally {
      await pool.close();
    }
  });

  it('stops at a worker crash without marking the file, and matches it exactly once when the pool has recovered', async () => {
    const fake = await createFakeBluezone();
    const pool = createNodeWorkerMatcher({ workers: 2, minKeys: 0, workerUrl: CRASHING_WORKER });
    try {
      const device = deviceOn(fake, { matcher: pool });
      const random = seededRandom(9);
      const first = otherPhone(MEETING, random);
      const second = otherPhone(MEETING, random);
      meet(device, first, MEETING, 30 * MINUTE_MS);
      meet(device, second, MEETING + HOUR_MS, 30 * MINUTE_MS);
      await fake.addKeyFile([first.published(), ...filler(20, 4)]);
      const poisoned = await fake.addKeyFile([POISON, second.published(), ...filler(20, 5)]);

      const crashed = await device.checkExposure();
      expect(crashed.status).toBe('failed');
      expect(crashed.error).toMatchObject({ code: 'matching_worker_failed' });
      expect([crashed.filesProcessed, crashed.newMatches, crashed.filesRejected]).toEqual([1, 1, []]);
      expect((await device.checkState()).lastError).toMatchObject({ code: 'matching_worker_failed' });

      // The same file, without the poison key (re-signed), is matched by the recovered pool.
      const clean = await fake.addKeyFile([second.published(), ...filler(20, 5)]);
      fake.files.pop();
      poisoned.bytes = clean.bytes;
      const resumed = await device.checkExposure();
      expect(resumed.status).toBe('ok');
      expect([resumed.filesProcessed, resumed.filesAlreadyDone, resumed.newMatches]).toEqual([1, 1, 1]);
      expect(resumed.results.days[0]!.keyHashes).toHaveLength(2);
      const again = await device.checkExposure();
      expect([again.filesProcessed, again.newMatches]).toEqual([0, 0]);
      expect(again.results).toEqual(resumed.results);
      expect(pool.counters()).toMatchObject({ failures: 1, workersStarted: 4 });
    } finally {
      await pool.close();
    }
  });

  it('refuses a matcher without match()', async () => {
    const fake = await createFakeBluezone();
    expect(() => deviceOn(fake, { matcher: {} as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});
