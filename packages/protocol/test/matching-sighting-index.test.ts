import {
  buildSightingIndex,
  ProtocolError,
  SightingLogBuilder,
  type SightingRecord,
  sightingAt,
  sightingIndexLookup,
  sightingLogFromRecords,
  toHex,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_SECONDS, DAY0, pseudoRandomBytes } from './matching-helpers.js';

const T0 = DAY0 * DAY_SECONDS;
const rpi16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

const record = (rpi: Uint8Array, timeSeconds: number, receiverModel = ''): SightingRecord => ({
  rpi,
  aem: Uint8Array.of(1, 2, 3, 4),
  timeSeconds,
  rssiDbm: -70,
  receiverModel,
});

/** An RPI whose first 4 bytes are `prefix` little-endian, with a tail from `seed`. */
function withPrefix(prefix: number, seed: number): Uint8Array {
  const rpi = pseudoRandomBytes(seed, 16);
  rpi[0] = prefix & 0xff;
  rpi[1] = (prefix >>> 8) & 0xff;
  rpi[2] = (prefix >>> 16) & 0xff;
  rpi[3] = prefix >>> 24;
  return rpi;
}

describe('the sighting log', () => {
  it('stores rows column by column, grows past its capacity and reads rows back', () => {
    const builder = new SightingLogBuilder(1);
    const records = Array.from({ length: 100 }, (_, i) =>
      record(pseudoRandomBytes(i + 1, 16), T0 + i * 7.5, i % 3 === 0 ? 'Pixel 4' : 'SM-G973F'),
    );
    for (const r of records) builder.addRecord(r);
    expect(builder.count).toBe(100);
    const log = builder.build();
    expect(log.count).toBe(100);
    expect(log.rpis).toHaveLength(1_600);
    expect(log.aems).toHaveLength(400);
    expect(log.models).toEqual(['Pixel 4', 'SM-G973F']);
    for (const [i, r] of records.entries()) expect(sightingAt(log, i)).toEqual(r);
    expect(() => sightingAt(log, 100)).toThrow(ProtocolError);
    // add copies its arguments: reusing the caller's buffer does not change the log.
    const reused = new Uint8Array(16);
    const small = new SightingLogBuilder().add(reused, new Uint8Array(4), T0, -50);
    reused.fill(9);
    expect(small.build().rpis).toEqual(new Uint8Array(16));
  });
});

describe('the sighting index', () => {
  it('finds every RPI of the log and no other, whatever the prefixes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rpi: rpi16, at: fc.integer({ min: 0, max: DAY_SECONDS }) }), { maxLength: 80 }),
        fc.array(rpi16, { maxLength: 40 }),
        (rows, probes) => {
          const log = sightingLogFromRecords(rows.map((r) => record(r.rpi, T0 + r.at)));
          const index = buildSightingIndex(log);
          const present = new Set(rows.map((r) => toHex(r.rpi)));
          expect(index.groupCount).toBe(present.size);
          for (const r of rows) {
            const g = sightingIndexLookup(index, r.rpi);
            expect(g).toBeGreaterThanOrEqual(0);
            // The group holds exactly the sightings of this RPI, in time order.
            const members = [
              ...index.groupSightings.subarray(index.groupStart[g]!, index.groupStart[g + 1]!),
            ];
            const expected = rows
              .map((x, i) => [x, i] as const)
              .filter(([x]) => toHex(x.rpi) === toHex(r.rpi))
              .sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
              .map(([, i]) => i);
            expect(members).toEqual(expected);
          }
          for (const p of probes) {
            expect(sightingIndexLookup(index, p) >= 0).toBe(present.has(toHex(p)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps one slot per prefix: RPIs sharing a prefix, and prefixes 0, 1, 2', () => {
    const shared = Array.from({ length: 500 }, (_, i) => withPrefix(0xdeadbeef, i + 1));
    const low = [withPrefix(0, 1), withPrefix(1, 2), withPrefix(2, 3), withPrefix(0, 4)];
    const rpis = [...shared, ...low];
    const index = buildSightingIndex(sightingLogFromRecords(rpis.map((r, i) => record(r, T0 + i))));
    expect(index.emptyPrefix).toBe(3);
    expect([...index.tableGroup].filter((g) => g >= 0)).toHaveLength(4);
    for (const r of rpis) expect(sightingIndexLookup(index, r)).toBeGreaterThanOrEqual(0);
    expect(sightingIndexLookup(index, withPrefix(0xdeadbeef, 9_999))).toBe(-1);
    expect(sightingIndexLookup(index, withPrefix(3, 5))).toBe(-1);
    expect(sightingIndexLookup(index, withPrefix(0, 77))).toBe(-1);
    // Load stays at most 25 %.
    expect(index.table.length).toBeGreaterThanOrEqual(4 * 4);
  });

  it('takes the hash multiplier from the random source when given (always odd)', () => {
    const log = sightingLogFromRecords([record(pseudoRandomBytes(1, 16), T0)]);
    expect(buildSightingIndex(log, { random: () => Uint8Array.of(2, 0, 0, 0) }).multiplier).toBe(3);
    expect(buildSightingIndex(log).multiplier % 2).toBe(1);
    expect(() => buildSightingIndex(log, { random: () => new Uint8Array(3) })).toThrow(ProtocolError);
  });

  it('cuts the log into scans and gives each its seconds since the previous scan, EN style', () => {
    const times = [0, 10, 26, 30, 400, 1_000].map((t) => T0 + t);
    const log = sightingLogFromRecords(
      times.map((t, i) => record(pseudoRandomBytes(i + 1, 16), t)).reverse(),
    );
    const index = buildSightingIndex(log);
    expect([...index.scanStarts]).toEqual([0, 26, 400, 1_000].map((t) => T0 + t));
    // First scan: 2 minutes; then whole minutes between scan starts, capped at 5 minutes.
    expect([...index.scanSecondsSinceLast]).toEqual([120, 0, 300, 300]);
    expect([...index.scanOf].reverse()).toEqual([0, 0, 1, 1, 2, 3]);
    const custom = buildSightingIndex(log, {
      sameScanSeconds: 40,
      maxSecondsSinceLastScan: 600,
      defaultSecondsSinceLastScan: 60,
    });
    expect([...custom.scanSecondsSinceLast]).toEqual([60, 360, 600]);
  });

  it('indexes an empty log', () => {
    const index = buildSightingIndex(sightingLogFromRecords([]));
    expect(index.groupCount).toBe(0);
    expect(sightingIndexLookup(index, new Uint8Array(16))).toBe(-1);
  });
});
