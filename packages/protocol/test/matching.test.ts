import { readFileSync } from 'node:fs';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  buildSightingIndex,
  CalibrationConfidence,
  type CryptoPrimitives,
  createSightingMatcher,
  type ExposureKey,
  fromHex,
  Infectiousness,
  MATCHING_BATCH_KEYS,
  MATCHING_DEFAULT_TOLERANCE_SECONDS,
  MATCHING_WINDOW_MAX_SECONDS,
  type MatchingAttenuationFunction,
  type MatchingOptions,
  type MatchingResult,
  matchingSightingMatchesInterval,
  matchKeysToSightings,
  nobleCrypto,
  ProtocolError,
  ReportType,
  riskAttenuationFunction,
  type SightingRecord,
  sightingLogFromRecords,
  toHex,
  validateRiskExposureWindows,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_SECONDS,
  DAY0,
  noiseSighting,
  pseudoRandomBytes,
  publishedKey,
  sightingOf,
  startOfDay,
} from './matching-helpers.js';

function match(
  records: readonly SightingRecord[],
  keys: readonly ExposureKey[],
  options: MatchingOptions = {},
) {
  return matchKeysToSightings(buildSightingIndex(sightingLogFromRecords(records)), keys, {
    crypto: nodeCrypto,
    ...options,
  });
}

function expectCode(fn: () => unknown, code: string): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
  return caught as ProtocolError;
}

/** Sighting index → [key index, interval] of every accepted match. */
function matchedSightings(result: MatchingResult): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const m of result.matches) {
    for (const s of m.sightings) {
      expect(out.has(s.sightingIndex)).toBe(false);
      out.set(s.sightingIndex, [m.keyIndex, s.interval]);
    }
  }
  return out;
}

const tek16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('matching planted sightings', () => {
  const scenario = fc.record({
    keys: fc.uniqueArray(
      fc.record({
        tek: tek16,
        day: fc.integer({ min: 0, max: 13 }),
        period: fc.oneof(fc.constant(144), fc.integer({ min: 1, max: 144 })),
        reportType: fc.constantFrom(undefined, 0, 1, 2, 3, 4),
        dsos: fc.option(fc.integer({ min: -2, max: 3 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 6, selector: (k) => toHex(k.tek) },
    ),
    plants: fc.array(
      fc.record({
        key: fc.nat(),
        slot: fc.nat(),
        // Seconds from the interval's start: ±3 h covers both sides of the 2 h tolerance.
        offset: fc.oneof(
          fc.integer({ min: -10_800, max: 11_400 }),
          fc.constantFrom(-7_200, -7_201, 7_799, 7_800),
        ),
        beyondPeriod: fc.boolean(),
        tx: fc.integer({ min: -50, max: 20 }),
        rssi: fc.integer({ min: -110, max: -30 }),
      }),
      { maxLength: 14 },
    ),
    noise: fc.array(
      fc.record({ seed: fc.integer({ min: 1 }), at: fc.integer({ min: 0, max: 14 * DAY_SECONDS }) }),
      {
        maxLength: 60,
      },
    ),
    tolerance: fc.constantFrom(MATCHING_DEFAULT_TOLERANCE_SECONDS, 0, 600, 3_600),
  });

  it('finds every planted sighting within the tolerance, with its key, interval and TX power, and nothing else', () => {
    fc.assert(
      fc.property(scenario, ({ keys: specs, plants, noise, tolerance }) => {
        const keys = specs.map((k) =>
          publishedKey(k.tek, startOfDay(DAY0 + k.day), k.period, {
            ...(k.reportType === undefined ? {} : { reportType: k.reportType as ReportType }),
            ...(k.dsos === undefined ? {} : { daysSinceOnsetOfSymptoms: k.dsos }),
          }),
        );
        const records: SightingRecord[] = [];
        const expected = new Map<number, { key: number; interval: number; tx: number; rssi: number }>();
        for (const p of plants) {
          const k = p.key % keys.length;
          const key = keys[k]!;
          const outside = p.beyondPeriod && key.rollingPeriod < 144;
          const interval = outside
            ? key.rollingStartIntervalNumber + key.rollingPeriod + (p.slot % (144 - key.rollingPeriod))
            : key.rollingStartIntervalNumber + (p.slot % key.rollingPeriod);
          const time = interval * 600 + p.offset;
          if (!outside && matchingSightingMatchesInterval(time, interval, tolerance)) {
            expected.set(records.length, { key: k, interval, tx: p.tx, rssi: p.rssi });
          }
          records.push(sightingOf(key.keyData, interval, time, { txPowerDbm: p.tx, rssiDbm: p.rssi }));
        }
        for (const n of noise) records.push(noiseSighting(n.seed, DAY0 * DAY_SECONDS + n.at));
        // Shuffle deterministically so planted rows are not grouped by key.
        const order = records
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101) || a - b);
        const shuffled = order.map((i) => records[i]!);
        const result = match(shuffled, keys, { toleranceSeconds: tolerance });
        const found = matchedSightings(result);
        const want = new Map([...expected].map(([row, e]) => [order.indexOf(row), e]));
        expect(new Set(found.keys())).toEqual(new Set(want.keys()));
        for (const m of result.matches) {
          expect(m.key).toBe(keys[m.keyIndex]);
          for (const s of m.sightings) {
            const e = want.get(s.sightingIndex)!;
            expect([m.keyIndex, s.interval, s.txPowerDbm, s.rssiDbm]).toEqual([
              e.key,
              e.interval,
              e.tx,
              e.rssi,
            ]);
            expect(s.attenuation).toBe(Math.max(0, e.tx - e.rssi));
          }
          const total = m.windows.reduce((n, w) => n + w.scanInstances.length, 0);
          expect(total).toBeGreaterThan(0);
          for (const w of m.windows) {
            const seconds = w.scanInstances.reduce((n, s) => n + s.secondsSinceLastScan, 0);
            expect(seconds).toBeLessThanOrEqual(MATCHING_WINDOW_MAX_SECONDS);
            expect(w.dateMillisSinceEpoch % (DAY_SECONDS * 1000)).toBe(0);
            expect(w.reportType).toBe(m.reportType);
          }
        }
        expect(result.stats.matchedSightings).toBe(want.size);
        expect(result.stats.keys).toBe(keys.length);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same result with the noble adapter, and with an adapter without the batched HKDF', () => {
    const tek = pseudoRandomBytes(7, 16);
    const keys = [
      publishedKey(pseudoRandomBytes(8, 16), startOfDay(DAY0)),
      publishedKey(tek, startOfDay(DAY0 + 1)),
    ];
    const records = [
      noiseSighting(1, DAY0 * DAY_SECONDS + 50),
      sightingOf(tek, startOfDay(DAY0 + 1) + 3, (startOfDay(DAY0 + 1) + 3) * 600 + 10, { txPowerDbm: 4 }),
      sightingOf(tek, startOfDay(DAY0 + 1) + 3, (startOfDay(DAY0 + 1) + 3) * 600 + 15, { txPowerDbm: 4 }),
    ];
    const { hkdfSha256Batch: _unused, ...rest } = nobleCrypto;
    const plain: CryptoPrimitives = { ...rest, name: 'plain' };
    const reference = match(records, keys);
    expect(reference.matches).toHaveLength(1);
    expect(match(records, keys, { crypto: nobleCrypto })).toEqual(reference);
    expect(match(records, keys, { crypto: plain })).toEqual(reference);
  });
});

describe('the tolerance boundary', () => {
  const tek = pseudoRandomBytes(42, 16);
  const start = startOfDay(DAY0 + 3);
  const interval = start + 70;
  const begin = interval * 600;

  for (const tolerance of [MATCHING_DEFAULT_TOLERANCE_SECONDS, 0, 600, 3_600]) {
    it(`matches exactly [600 i − ${tolerance}, 600 (i + 1) + ${tolerance})`, () => {
      const times = [
        [begin - tolerance, true],
        [begin - tolerance - 0.001, false],
        [begin - tolerance - 1, false],
        [begin + 600 + tolerance - 0.001, true],
        [begin + 600 + tolerance, false],
        [begin + 300, true],
      ] as const;
      for (const [t, inside] of times)
        expect(matchingSightingMatchesInterval(t, interval, tolerance)).toBe(inside);
      const records = times.map(([t]) => sightingOf(tek, interval, t));
      const found = matchedSightings(
        match(records, [publishedKey(tek, start)], { toleranceSeconds: tolerance }),
      );
      expect([...found.keys()].sort()).toEqual(times.flatMap(([, inside], i) => (inside ? [i] : [])));
    });
  }

  it('applies the tolerance past the ends of the key, and defaults to 2 hours', () => {
    expect(MATCHING_DEFAULT_TOLERANCE_SECONDS).toBe(7_200);
    const last = start + 143;
    const records = [
      sightingOf(tek, start, start * 600 - 7_200),
      sightingOf(tek, last, (last + 1) * 600 + 7_199),
      sightingOf(tek, last, (last + 1) * 600 + 7_200),
    ];
    const found = matchedSightings(match(records, [publishedKey(tek, start)]));
    expect([...found.keys()].sort()).toEqual([0, 1]);
  });

  it('skips a key without crypto when no sighting lies within its tolerance', () => {
    const result = match([sightingOf(tek, start, start * 600 - 7_201)], [publishedKey(tek, start)]);
    expect(result.matches).toEqual([]);
    expect(result.stats).toMatchObject({ keysOutOfRange: 1, keysChecked: 0 });
  });
});

describe('keys', () => {
  const tek = pseudoRandomBytes(3, 16);
  const start = startOfDay(DAY0 + 5);

  it('matches only the intervals of a key with rollingPeriod < 144', () => {
    const key = publishedKey(tek, start + 36, 12);
    const records = [
      sightingOf(tek, start + 36, (start + 36) * 600),
      sightingOf(tek, start + 47, (start + 47) * 600),
      sightingOf(tek, start + 48, (start + 48) * 600), // after the key's period: never published
      sightingOf(tek, start + 35, (start + 35) * 600), // before it
    ];
    const result = match(records, [key]);
    expect([...matchedSightings(result).entries()]).toEqual([
      [0, [0, start + 36]],
      [1, [0, start + 47]],
    ]);
  });

  it('counts a sighting for the first of duplicate keys only', () => {
    const records = [
      sightingOf(tek, start + 1, (start + 1) * 600),
      sightingOf(tek, start + 2, (start + 2) * 600),
    ];
    const key = publishedKey(tek, start);
    const result = match(records, [key, publishedKey(pseudoRandomBytes(4, 16), start), { ...key }, key]);
    expect(result.matches.map((m) => m.keyIndex)).toEqual([0]);
    expect(result.matches[0]!.sightings).toHaveLength(2);
    expect(result.windows).toHaveLength(1);
    expect(result.stats.duplicateSightings).toBe(4);
    // Fed in two batches, the duplicate in the second is still recognised; indices run on.
    const matcher = createSightingMatcher(buildSightingIndex(sightingLogFromRecords(records)), {
      crypto: nodeCrypto,
    });
    matcher.addKeys([publishedKey(pseudoRandomBytes(5, 16), start)]);
    matcher.addKeys([key]);
    matcher.addKeys([key]);
    const batched = matcher.result();
    expect(batched.matches.map((m) => m.keyIndex)).toEqual([1]);
    expect(batched.stats).toMatchObject({ keys: 3, keysMatched: 1, duplicateSightings: 2 });
  });

  it('resolves report type, source level and infectiousness; skips REVOKED and non-infectious keys', () => {
    const teks = [1, 2, 3, 4, 5, 6, 7].map((i) => pseudoRandomBytes(100 + i, 16));
    const keys: ExposureKey[] = [
      publishedKey(teks[0]!, start),
      publishedKey(teks[1]!, start, 144, {
        reportType: ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
        daysSinceOnsetOfSymptoms: 0,
      }),
      publishedKey(teks[2]!, start, 144, { reportType: ReportType.RECURSIVE, daysSinceOnsetOfSymptoms: -4 }),
      publishedKey(teks[3]!, start, 144, {
        reportType: ReportType.SELF_REPORT,
        daysSinceOnsetOfSymptoms: 99,
      }),
      publishedKey(teks[4]!, start, 144, { reportType: ReportType.REVOKED }),
      publishedKey(teks[5]!, start, 144, { reportType: ReportType.UNKNOWN, daysSinceOnsetOfSymptoms: 12 }),
      publishedKey(teks[6]!, start, 144, { daysSinceOnsetOfSymptoms: -10 }),
    ];
    const records = teks.map((t) => sightingOf(t, start + 2, (start + 2) * 600 + 5));
    const summary = (r: MatchingResult) =>
      r.matches.map((m) => [m.keyIndex, m.reportType, m.sourceLevel, m.infectiousness]);
    const result = match(records, keys);
    expect(summary(result)).toEqual([
      [0, ReportType.CONFIRMED_TEST, 'F0', Infectiousness.STANDARD],
      [1, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS, 'F0', Infectiousness.HIGH],
      [2, ReportType.RECURSIVE, 'F1', Infectiousness.STANDARD],
      [3, ReportType.SELF_REPORT, undefined, Infectiousness.STANDARD],
    ]);
    expect(result.stats).toMatchObject({ keysRevoked: 1, keysNonInfectious: 2, keysChecked: 4 });
    const all = match(records, keys, {
      keepNonInfectious: true,
      reportTypeWhenMissing: ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
    });
    expect(summary(all).slice(4)).toEqual([
      [5, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS, 'F0', Infectiousness.NONE],
      [6, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS, 'F0', Infectiousness.NONE],
    ]);
    expect(all.windows.map((w) => w.infectiousness).slice(4)).toEqual([
      Infectiousness.NONE,
      Infectiousness.NONE,
    ]);
  });

  it('crosses batch boundaries of the batched HKDF', () => {
    const count = 2 * MATCHING_BATCH_KEYS + 7;
    const keys = Array.from({ length: count }, (_, i) =>
      publishedKey(pseudoRandomBytes(1_000 + i, 16), start),
    );
    const planted = [0, MATCHING_BATCH_KEYS - 1, MATCHING_BATCH_KEYS, count - 1];
    const records = planted.map((k) => sightingOf(keys[k]!.keyData, start + 9, (start + 9) * 600));
    const result = match(records, keys);
    expect(result.matches.map((m) => m.keyIndex)).toEqual(planted);
    expect(result.stats.keysChecked).toBe(count);
  });
});

describe('AEM, attenuation and windows', () => {
  const vectors = JSON.parse(
    readFileSync(new URL('./fixtures/en_crypto_test_vectors.json', import.meta.url), 'utf8'),
  ) as {
    tek_hex: string;
    en_interval_number_of_generated_key: number;
    advertised: { rpi_hex: string; aem_hex: string }[];
  };

  it('decrypts the official vectors to TX power 8 dBm, all 144 intervals', () => {
    const start = vectors.en_interval_number_of_generated_key;
    const records = vectors.advertised.map((v, i) => ({
      rpi: fromHex(v.rpi_hex),
      aem: fromHex(v.aem_hex),
      timeSeconds: (start + i) * 600 + 30,
      rssiDbm: -60,
    }));
    for (const crypto of [nodeCrypto, nobleCrypto]) {
      const result = match(records, [publishedKey(fromHex(vectors.tek_hex), start)], { crypto });
      expect(result.matches).toHaveLength(1);
      const m = result.matches[0]!;
      expect(m.sightings.map((s) => s.txPowerDbm)).toEqual(Array(144).fill(8));
      expect(m.sightings.map((s) => s.interval)).toEqual(vectors.advertised.map((_, i) => start + i));
      // One sighting every 10 minutes: 3 scan instances per 30-minute window.
      expect(m.windows).toHaveLength(48);
      expect(m.windows[0]!.scanInstances).toEqual([
        { minAttenuation: 68, typicalAttenuation: 68, secondsSinceLastScan: 120 },
        { minAttenuation: 68, typicalAttenuation: 68, secondsSinceLastScan: 300 },
        { minAttenuation: 68, typicalAttenuation: 68, secondsSinceLastScan: 300 },
      ]);
      expect(m.windows[0]!.dateMillisSinceEpoch).toBe(1585785600 * 1000);
      expect(m.windows[0]!.calibrationConfidence).toBe(CalibrationConfidence.LOWEST);
    }
  });

  it('passes TX power, RSSI and receiver model to the attenuation callback, and takes the lowest confidence', () => {
    const tek = pseudoRandomBytes(9, 16);
    const start = startOfDay(DAY0);
    const i = start + 60;
    const records = [
      sightingOf(tek, i, i * 600, { txPowerDbm: -10, rssiDbm: -60, receiverModel: 'good' }),
      sightingOf(tek, i, i * 600 + 3, { txPowerDbm: -10, rssiDbm: -75, receiverModel: 'poor' }),
      sightingOf(tek, i, i * 600 + 300, { txPowerDbm: -10, rssiDbm: -50, receiverModel: 'good' }),
    ];
    const calls: [number, number, string][] = [];
    const result = match(records, [publishedKey(tek, start)], {
      attenuation: (tx, rssi, model) => {
        calls.push([tx, rssi, model]);
        return {
          attenuation: tx - rssi + (model === 'poor' ? 0.4 : 0),
          calibrationConfidence: model === 'good' ? CalibrationConfidence.HIGH : CalibrationConfidence.LOW,
        };
      },
    });
    expect(calls).toEqual([
      [-10, -60, 'good'],
      [-10, -75, 'poor'],
      [-10, -50, 'good'],
    ]);
    expect(result.windows).toEqual([
      {
        dateMillisSinceEpoch: DAY0 * DAY_SECONDS * 1000,
        reportType: ReportType.CONFIRMED_TEST,
        infectiousness: Infectiousness.STANDARD,
        calibrationConfidence: CalibrationConfidence.LOW,
        scanInstances: [
          { minAttenuation: 50, typicalAttenuation: 58, secondsSinceLastScan: 120 },
          { minAttenuation: 40, typicalAttenuation: 40, secondsSinceLastScan: 300 },
        ],
      },
    ]);
  });

  it("takes the risk module's calibrated callback, and its windows pass risk scoring's validation", () => {
    const tek = pseudoRandomBytes(10, 16);
    const start = startOfDay(DAY0 + 2);
    const records = [0, 5, 300, 1_200, 2_400].map((dt) =>
      sightingOf(tek, start + 30, (start + 30) * 600 + dt, {
        txPowerDbm: -24,
        rssiDbm: -80,
        receiverModel: 'Pixel 4',
      }),
    );
    const calibrated: MatchingAttenuationFunction = riskAttenuationFunction();
    const result = match(records, [publishedKey(tek, start)], { attenuation: calibrated });
    expect(result.windows).toHaveLength(2);
    expect(validateRiskExposureWindows(result.windows)).toEqual(result.windows);
    expect(result.windows[0]!.calibrationConfidence).toBeGreaterThan(CalibrationConfidence.LOWEST);
  });

  it('drops sightings whose decrypted TX power is implausible (a tampered AEM) and clamps attenuation to 0-255', () => {
    const tek = pseudoRandomBytes(11, 16);
    const start = startOfDay(DAY0);
    const ok = sightingOf(tek, start, start * 600, { txPowerDbm: 20, rssiDbm: 10 });
    const loud = sightingOf(tek, start + 1, (start + 1) * 600, { txPowerDbm: 21 });
    const quiet = sightingOf(tek, start + 2, (start + 2) * 600, { txPowerDbm: -51 });
    const result = match([ok, loud, quiet], [publishedKey(tek, start)]);
    expect(result.matches[0]!.sightings.map((s) => [s.txPowerDbm, s.attenuation])).toEqual([[20, 10]]);
    expect(result.matches[0]!.rejectedSightings).toBe(2);
    expect(result.stats.rejectedSightings).toBe(2);
    const wide = match([ok, loud, quiet], [publishedKey(tek, start)], {
      txPowerBoundsDbm: { min: -128, max: 127 },
      attenuation: (tx, rssi) => ({ attenuation: (tx - rssi) * 100, calibrationConfidence: 0 }),
    });
    expect(wide.matches[0]!.sightings.map((s) => s.attenuation)).toEqual([255, 255, 255]);
    // All rejected: no match, but counted.
    const none = match([loud], [publishedKey(tek, start)]);
    expect(none.matches).toEqual([]);
    expect(none.stats).toMatchObject({ rejectedSightings: 1, keysMatched: 0 });
  });
});

describe('empty and bad input', () => {
  const tek = pseudoRandomBytes(12, 16);
  const start = startOfDay(DAY0);

  it('accepts an empty log and an empty key list', () => {
    for (const [records, keys] of [
      [[], []],
      [[], [publishedKey(tek, start)]],
      [[sightingOf(tek, start, start * 600)], []],
    ] as [SightingRecord[], ExposureKey[]][]) {
      const result = match(records, keys);
      expect(result.matches).toEqual([]);
      expect(result.windows).toEqual([]);
      expect(result.stats.keys).toBe(keys.length);
      expect(result.stats.sightings).toBe(records.length);
    }
  });

  it('rejects malformed keys with matching_invalid_key, before matching any of the batch', () => {
    const good = publishedKey(tek, start);
    const bad: [unknown, RegExp][] = [
      [{ ...good, keyData: new Uint8Array(15) }, /key 1: keyData must be 16 bytes, got 15 bytes/],
      [{ ...good, keyData: new Uint8Array(17) }, /17 bytes/],
      [{ ...good, keyData: 'abc' }, /keyData must be 16 bytes, got string/],
      [{ ...good, rollingPeriod: 0 }, /rollingPeriod/],
      [{ ...good, rollingPeriod: 145 }, /rollingPeriod/],
      [{ ...good, rollingPeriod: 1.5 }, /rollingPeriod/],
      [{ ...good, rollingStartIntervalNumber: -1 }, /rollingStartIntervalNumber/],
      [{ ...good, rollingStartIntervalNumber: 2 ** 32 }, /rollingStartIntervalNumber/],
      [{ ...good, rollingStartIntervalNumber: 2 ** 32 - 10 }, /end after/],
      [{ ...good, reportType: 6 }, /reportType/],
      [{ ...good, daysSinceOnsetOfSymptoms: 0.5 }, /daysSinceOnsetOfSymptoms/],
      [null, /must be an object/],
    ];
    const records = [sightingOf(tek, start, start * 600)];
    for (const [key, message] of bad) {
      const error = expectCode(() => match(records, [good, key as ExposureKey]), 'matching_invalid_key');
      expect(error.message).toMatch(message);
    }
    const matcher = createSightingMatcher(buildSightingIndex(sightingLogFromRecords(records)));
    expectCode(() => matcher.addKeys([good, { ...good, rollingPeriod: 0 }]), 'matching_invalid_key');
    expect(matcher.result().stats).toMatchObject({ keys: 0, keysChecked: 0 });
  });

  it('rejects malformed sightings with matching_invalid_sighting', () => {
    const good = sightingOf(tek, start, start * 600);
    const bad: [Partial<SightingRecord> & Record<string, unknown>, RegExp][] = [
      [{ rpi: new Uint8Array(15) }, /sighting 1: rpi must be 16 bytes, got 15 bytes/],
      [{ rpi: new Uint8Array(20) }, /rpi must be 16 bytes/],
      [{ aem: new Uint8Array(3) }, /aem must be 4 bytes, got 3 bytes/],
      [{ aem: undefined }, /aem must be 4 bytes, got undefined/],
      [{ timeSeconds: -1 }, /timeSeconds/],
      [{ timeSeconds: Number.NaN }, /timeSeconds/],
      [{ rssiDbm: 128 }, /rssiDbm/],
      [{ rssiDbm: -70.5 }, /rssiDbm/],
      [{ receiverModel: 5 as unknown as string }, /receiverModel/],
    ];
    for (const [change, message] of bad) {
      const error = expectCode(
        () => sightingLogFromRecords([good, { ...good, ...change } as SightingRecord]),
        'matching_invalid_sighting',
      );
      expect(error.message).toMatch(message);
    }
    const log = sightingLogFromRecords([good]);
    expectCode(() => buildSightingIndex({ ...log, rpis: new Uint8Array(15) }), 'matching_invalid_sighting');
    expectCode(() => buildSightingIndex({ ...log, count: 2 }), 'matching_invalid_sighting');
    expectCode(
      () => buildSightingIndex({ ...log, times: Float64Array.of(Number.NaN) }),
      'matching_invalid_sighting',
    );
  });

  it('rejects bad options and bad attenuation results with invalid_argument', () => {
    const records = [sightingOf(tek, start, start * 600)];
    const keys = [publishedKey(tek, start)];
    const badOptions: MatchingOptions[] = [
      { toleranceSeconds: -1 },
      { toleranceSeconds: 86_401 },
      { toleranceSeconds: Number.NaN },
      { infectiousness: { daysSinceOnsetToInfectiousness: [1, 2], whenMissing: 1 } },
      { reportTypeWhenMissing: ReportType.REVOKED },
      { txPowerBoundsDbm: { min: 5, max: 4 } },
      { attenuation: () => ({ attenuation: Number.NaN, calibrationConfidence: 0 }) },
      { attenuation: () => ({ attenuation: 1, calibrationConfidence: 7 as CalibrationConfidence }) },
    ];
    for (const options of badOptions) expectCode(() => match(records, keys, options), 'invalid_argument');
    expectCode(
      () => buildSightingIndex(sightingLogFromRecords(records), { sameScanSeconds: -1 }),
      'invalid_argument',
    );
  });
});
