import {
  buildSightingIndex,
  type CalibrationConfidence,
  type ExposureWindow,
  Infectiousness,
  MATCHING_WINDOW_MAX_SECONDS,
  type MatchingMatchedSighting,
  matchingWindowsOfSightings,
  ReportType,
  type ScanInstance,
  SightingLogBuilder,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_SECONDS, DAY0, pseudoRandomBytes } from './matching-helpers.js';

const T0 = DAY0 * DAY_SECONDS + 3_600;

/** A log of sightings at `times` (random RPIs) and its index. */
function indexOf(times: readonly number[]) {
  const builder = new SightingLogBuilder(4);
  times.forEach((t, i) => {
    const bytes = pseudoRandomBytes(i + 1, 20);
    builder.add(bytes.subarray(0, 16), bytes.subarray(16), t, -70);
  });
  return buildSightingIndex(builder.build());
}

interface OracleWindow {
  readonly start: number;
  readonly instanceStarts: number[];
  readonly window: ExposureWindow;
}

/** The grouping rule of docs/matching.md, written out independently of the implementation. */
function oracle(allTimes: readonly number[], sightings: readonly MatchingMatchedSighting[]): OracleWindow[] {
  // Scans of the whole log: a scan takes every sighting within 25.5 s of its first one.
  const sorted = allTimes.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const scanOf = new Map<number, number>();
  const scanStarts: number[] = [];
  for (const [t, i] of sorted) {
    if (scanStarts.length === 0 || t - scanStarts[scanStarts.length - 1]! > 25.5) scanStarts.push(t);
    scanOf.set(i, scanStarts.length - 1);
  }
  const gap = (scan: number) =>
    scan === 0
      ? 120
      : Math.min(300, (Math.floor(scanStarts[scan]! / 60) - Math.floor(scanStarts[scan - 1]! / 60)) * 60);
  // Scan instances: the key's sightings of one scan.
  const instances: { scan: number; sightings: MatchingMatchedSighting[] }[] = [];
  for (const s of sightings) {
    const scan = scanOf.get(s.sightingIndex)!;
    const last = instances[instances.length - 1];
    if (last && last.scan === scan) last.sightings.push(s);
    else instances.push({ scan, sightings: [s] });
  }
  // Windows: a new one when an instance starts 30 minutes or more after the window's start.
  const out: OracleWindow[] = [];
  let current: { start: number; parts: typeof instances } | undefined;
  const groups: { start: number; parts: typeof instances }[] = [];
  for (const instance of instances) {
    const t = instance.sightings[0]!.timeSeconds;
    if (!current || t - current.start >= 1_800) {
      current = { start: t, parts: [] };
      groups.push(current);
    }
    current.parts.push(instance);
  }
  for (const group of groups) {
    let budget = 1_800;
    const scanInstances: ScanInstance[] = group.parts.map((p) => {
      const atts = p.sightings.map((s) => s.attenuation);
      const seconds = Math.min(gap(p.scan), budget);
      budget -= seconds;
      return {
        minAttenuation: Math.min(...atts),
        typicalAttenuation: Math.round(atts.reduce((a, b) => a + b, 0) / atts.length),
        secondsSinceLastScan: seconds,
      };
    });
    const all = group.parts.flatMap((p) => p.sightings);
    out.push({
      start: group.start,
      instanceStarts: group.parts.map((p) => p.sightings[0]!.timeSeconds),
      window: {
        dateMillisSinceEpoch: Math.floor(group.start / DAY_SECONDS) * DAY_SECONDS * 1000,
        reportType: ReportType.CONFIRMED_TEST,
        infectiousness: Infectiousness.HIGH,
        calibrationConfidence: Math.min(...all.map((s) => s.calibrationConfidence)) as CalibrationConfidence,
        scanInstances,
      },
    });
  }
  return out;
}

function sightingsAt(
  times: readonly number[],
  rows: readonly number[],
  attenuation: (row: number) => number = () => 60,
  confidence: (row: number) => CalibrationConfidence = () => 2,
): MatchingMatchedSighting[] {
  return [...rows]
    .sort((a, b) => times[a]! - times[b]! || a - b)
    .map((row) => ({
      sightingIndex: row,
      interval: Math.floor(times[row]! / 600),
      timeSeconds: times[row]!,
      rssiDbm: -70,
      txPowerDbm: -10,
      attenuation: attenuation(row),
      calibrationConfidence: confidence(row),
    }));
}

const windowsOf = (times: readonly number[], sightings: readonly MatchingMatchedSighting[]) =>
  matchingWindowsOfSightings(indexOf(times), sightings, ReportType.CONFIRMED_TEST, Infectiousness.HIGH);

describe('exposure windows', () => {
  it('never stand for more than 30 minutes and follow the grouping rule exactly', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Bursts of sightings (scans) at random times over ~4 hours, some of the key.
            at: fc.oneof(
              fc.integer({ min: 0, max: 14_400 }),
              fc.double({ min: 0, max: 14_400, noNaN: true }),
            ),
            ours: fc.boolean(),
            attenuation: fc.integer({ min: 0, max: 255 }),
            confidence: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 120 },
        ),
        (rows) => {
          const times = rows.map((r) => T0 + r.at);
          const ours = rows.flatMap((r, i) => (r.ours ? [i] : []));
          const sightings = sightingsAt(
            times,
            ours,
            (i) => rows[i]!.attenuation,
            (i) => rows[i]!.confidence as CalibrationConfidence,
          );
          const windows = windowsOf(times, sightings);
          const expected = oracle(times, sightings);
          expect(windows).toEqual(expected.map((w) => w.window));
          for (const w of expected) {
            for (const start of w.instanceStarts)
              expect(start - w.start).toBeLessThan(MATCHING_WINDOW_MAX_SECONDS);
          }
          for (const w of windows) {
            const seconds = w.scanInstances.reduce((n, s) => n + s.secondsSinceLastScan, 0);
            expect(seconds).toBeLessThanOrEqual(MATCHING_WINDOW_MAX_SECONDS);
            expect(w.scanInstances.length).toBeGreaterThan(0);
          }
          expect(windows.length === 0).toBe(ours.length === 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('cuts two hours of sightings every 5 minutes into 30-minute windows', () => {
    const times = Array.from({ length: 25 }, (_, i) => T0 + 300 * i);
    const windows = windowsOf(
      times,
      sightingsAt(
        times,
        times.map((_, i) => i),
      ),
    );
    expect(windows.map((w) => w.scanInstances.length)).toEqual([6, 6, 6, 6, 1]);
    expect(windows.map((w) => w.scanInstances.reduce((n, s) => n + s.secondsSinceLastScan, 0))).toEqual([
      1_620, 1_800, 1_800, 1_800, 300,
    ]);
  });

  it('caps the seconds of a window at 30 minutes when scans come every minute', () => {
    const times = Array.from({ length: 40 }, (_, i) => T0 + 60 * i);
    const windows = windowsOf(
      times,
      sightingsAt(
        times,
        times.map((_, i) => i),
      ),
    );
    expect(windows.map((w) => w.scanInstances.length)).toEqual([30, 10]);
    const first = windows[0]!.scanInstances.map((s) => s.secondsSinceLastScan);
    expect(first.slice(0, 2)).toEqual([120, 60]);
    expect(first.slice(-2)).toEqual([60, 0]);
    expect(first.reduce((a, b) => a + b, 0)).toBe(1_800);
  });

  it('puts the sightings of one scan into one instance, never split between windows', () => {
    // Scan at 0 (3 sightings over 20 s), then a scan 1,790 s later lasting 20 s.
    const times = [0, 8, 20, 1_790, 1_800, 1_810].map((t) => T0 + t);
    const sightings = sightingsAt(times, [0, 1, 2, 3, 4, 5], (i) => [70, 50, 61, 40, 45, 80][i]!);
    const windows = windowsOf(times, sightings);
    expect(windows).toHaveLength(1);
    expect(windows[0]!.scanInstances).toEqual([
      { minAttenuation: 50, typicalAttenuation: 60, secondsSinceLastScan: 120 },
      { minAttenuation: 40, typicalAttenuation: 55, secondsSinceLastScan: 300 },
    ]);
    expect(windowsOf(times, [])).toEqual([]);
  });

  it('dates a window by the UTC day of its first sighting', () => {
    const times = [DAY0 * DAY_SECONDS + DAY_SECONDS - 60, DAY0 * DAY_SECONDS + DAY_SECONDS + 240];
    const windows = windowsOf(times, sightingsAt(times, [0, 1]));
    expect(windows).toHaveLength(1);
    expect(windows[0]!.dateMillisSinceEpoch).toBe(DAY0 * DAY_SECONDS * 1000);
  });
});
