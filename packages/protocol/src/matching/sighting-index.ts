/**
 * The lookup structure matching probes 144 times per published key: observed RPIs by their first
 * four bytes (the *prefix*), behind a bitmap filter, in an open-addressing hash table of
 * `Uint32Array`s; plus the log's scans.
 *
 * Layout, built once per log in O(n log n):
 *
 * - **groups**: the sightings sorted by (RPI, time); sightings of one distinct RPI form a group,
 *   `groupSightings[groupStart[g] … groupStart[g + 1])`, already in time order. `groupWords`
 *   holds each group's RPI as four little-endian 32-bit words; groups are sorted by them, so
 *   groups sharing a prefix (word 0) are adjacent.
 * - **hash**: `h = Math.imul(prefix, multiplier)` (multiply-shift). The multiplier comes from the
 *   caller's random source when given, else from a digest of the log itself, so that a
 *   broadcaster cannot choose RPIs that all land in one probe run.
 * - **filter**: a bitmap of 32–64 bits per distinct prefix (128 KB for a 14-day log), indexed by
 *   the top bits of `h`. ~97 % of the probes of a check stop at a clear bit: one multiply, one
 *   shift, one read of a small, cache-resident array.
 * - **table**: one slot per distinct *prefix* (not per RPI, so flooding the log with RPIs that
 *   share a prefix cannot lengthen probe sequences), indexed by the top bits of `h`, linear
 *   probing, load ≤ 25 %. `table[s]` is the prefix, `tableGroup[s]` its first group; empty slots
 *   hold `emptyPrefix`, a value no sighting has, and group −1. The full 16 bytes are compared
 *   only when the prefix matches.
 * - **scans**: the sightings in time order cut into scans (a new scan starts when a sighting is
 *   more than `sameScanSeconds` after the current scan's first one); each scan knows the seconds
 *   since the previous scan, for the windows' scan instances.
 *
 * @module
 */
import type { RandomSource } from '../crypto.js';
import { RPI_LENGTH } from '../en/keys.js';
import { METADATA_LENGTH } from '../en/metadata.js';
import { ProtocolError } from '../errors.js';
import type { SightingLog } from './sighting-log.js';

/** Options of {@link buildSightingIndex}, describing how the log was scanned. */
export interface SightingIndexOptions {
  /**
   * Sightings up to this many seconds after a scan's first sighting belong to that scan
   * (default 25.5 s: 1.5 × the EN reference's longest scan, 4 s + 13 s extension).
   */
  readonly sameScanSeconds?: number;
  /** Cap on a scan's seconds since the previous scan (default 300 s, EN's 5 minutes). */
  readonly maxSecondsSinceLastScan?: number;
  /** Seconds since the previous scan for the log's first scan (default 120 s, EN's 2 minutes). */
  readonly defaultSecondsSinceLastScan?: number;
  /** Random source for the hash multiplier (recommended on phones); a digest of the log otherwise. */
  readonly random?: RandomSource;
}

/** Default of {@link SightingIndexOptions.sameScanSeconds}. */
export const SIGHTING_SAME_SCAN_SECONDS = 25.5;
/** Default of {@link SightingIndexOptions.maxSecondsSinceLastScan}. */
export const SIGHTING_MAX_SECONDS_SINCE_LAST_SCAN = 300;
/** Default of {@link SightingIndexOptions.defaultSecondsSinceLastScan}. */
export const SIGHTING_DEFAULT_SECONDS_SINCE_LAST_SCAN = 120;

/**
 * An index over a sighting log. All arrays are read-only after construction; the matcher reads
 * them directly (see the module comment for the layout).
 */
export interface SightingIndex {
  readonly log: SightingLog;
  /** Sighting indices in (time, index) order. */
  readonly byTime: Int32Array;
  /** `times` in that order, for binary search. */
  readonly sortedTimes: Float64Array;
  /** Scan of each sighting (by sighting index). */
  readonly scanOf: Int32Array;
  /** First sighting time of each scan. */
  readonly scanStarts: Float64Array;
  /**
   * Seconds since the previous scan, EN style: the difference of the two scans' start minutes,
   * in seconds, capped; the log's first scan gets the default.
   */
  readonly scanSecondsSinceLast: Int32Array;
  /** Number of distinct RPIs. */
  readonly groupCount: number;
  /** Group boundaries into {@link SightingIndex.groupSightings} (`groupCount + 1` entries). */
  readonly groupStart: Int32Array;
  /** Sighting indices in (RPI, time, index) order. */
  readonly groupSightings: Int32Array;
  /** Each group's RPI as 4 little-endian words (as a `Uint32Array` view of the RPI bytes reads them). */
  readonly groupWords: Uint32Array;
  /** Hash slots: a prefix, or `emptyPrefix`. */
  readonly table: Uint32Array;
  /** First group of the slot's prefix, −1 for an empty slot. */
  readonly tableGroup: Int32Array;
  /** `table.length − 1`. */
  readonly mask: number;
  /** `32 − log2(table.length)`. */
  readonly shift: number;
  /** Odd hash multiplier. */
  readonly multiplier: number;
  /** A 32-bit value that is no sighting's prefix: marks empty slots. */
  readonly emptyPrefix: number;
  /**
   * A bitmap over the top `32 − filterShift` bits of `prefix × multiplier` (32–64 bits per
   * distinct prefix, at most 2 MB): a clear bit proves a miss without touching the table.
   */
  readonly filter: Int32Array;
  /** `32 − log2(filter bits)`. */
  readonly filterShift: number;
}

/** Filter bits per distinct prefix (rounded up to a power of two): 1.5–3 % false positives. */
const FILTER_BITS_PER_PREFIX = 32;

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ProtocolError('invalid_argument', `${name} must be a finite number ≥ 0, got ${String(v)}`);
  }
  return v;
};

function assertLogShape(log: SightingLog): void {
  const n = log.count;
  const bad = (what: string) =>
    new ProtocolError('matching_invalid_sighting', `the sighting log is inconsistent: ${what}`);
  if (!Number.isSafeInteger(n) || n < 0) throw bad(`count must be a non-negative integer, got ${n}`);
  if (!(log.rpis instanceof Uint8Array) || log.rpis.length !== n * RPI_LENGTH) {
    throw bad(`rpis must be a Uint8Array of ${n * RPI_LENGTH} bytes (16 per sighting)`);
  }
  if (!(log.aems instanceof Uint8Array) || log.aems.length !== n * METADATA_LENGTH) {
    throw bad(`aems must be a Uint8Array of ${n * METADATA_LENGTH} bytes (4 per sighting)`);
  }
  if (!(log.times instanceof Float64Array) || log.times.length !== n)
    throw bad(`times must be ${n} Float64s`);
  if (!(log.rssi instanceof Int8Array) || log.rssi.length !== n) throw bad(`rssi must be ${n} Int8s`);
  if (!(log.modelIndices instanceof Uint16Array) || log.modelIndices.length !== n) {
    throw bad(`modelIndices must be ${n} Uint16s`);
  }
  for (let i = 0; i < n; i++) {
    const t = log.times[i]!;
    if (!(t >= 0 && t < Number.POSITIVE_INFINITY)) {
      throw new ProtocolError(
        'matching_invalid_sighting',
        `sighting ${i}: time must be finite and ≥ 0, got ${t}`,
      );
    }
    if (log.modelIndices[i]! >= log.models.length) {
      throw new ProtocolError('matching_invalid_sighting', `sighting ${i}: model index out of range`);
    }
  }
}

/** Reads 4 bytes little-endian as an unsigned 32-bit number: what a `Uint32Array` view reads. */
const wordAt = (bytes: Uint8Array, offset: number): number =>
  (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
  0;

/** A multiplier derived from every RPI of the log (any change of an RPI changes it). */
function logDigestMultiplier(words: Uint32Array): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ words[i]!, 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) | 1) >>> 0;
}

/**
 * Builds the index of a log.
 *
 * @throws {ProtocolError} `matching_invalid_sighting` when the log's columns disagree with its
 *   count or hold a bad time; `invalid_argument` for a bad option.
 */
export function buildSightingIndex(log: SightingLog, options: SightingIndexOptions = {}): SightingIndex {
  assertLogShape(log);
  const sameScan = positive(options.sameScanSeconds, SIGHTING_SAME_SCAN_SECONDS, 'sameScanSeconds');
  const maxGap = positive(
    options.maxSecondsSinceLastScan,
    SIGHTING_MAX_SECONDS_SINCE_LAST_SCAN,
    'maxSecondsSinceLastScan',
  );
  const firstGap = positive(
    options.defaultSecondsSinceLastScan,
    SIGHTING_DEFAULT_SECONDS_SINCE_LAST_SCAN,
    'defaultSecondsSinceLastScan',
  );
  const n = log.count;
  const { times, rpis } = log;

  // Time order and scans.
  const byTime = new Int32Array(n);
  for (let i = 0; i < n; i++) byTime[i] = i;
  byTime.sort((a, b) => times[a]! - times[b]! || a - b);
  const sortedTimes = new Float64Array(n);
  const scanOf = new Int32Array(n);
  const starts: number[] = [];
  let scanStart = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) {
    const s = byTime[k]!;
    const t = times[s]!;
    sortedTimes[k] = t;
    if (t - scanStart > sameScan) {
      scanStart = t;
      starts.push(t);
    }
    scanOf[s] = starts.length - 1;
  }
  const scanStarts = Float64Array.from(starts);
  const scanSecondsSinceLast = new Int32Array(scanStarts.length);
  for (let k = 0; k < scanStarts.length; k++) {
    const gap =
      k === 0 ? firstGap : (Math.floor(scanStarts[k]! / 60) - Math.floor(scanStarts[k - 1]! / 60)) * 60;
    scanSecondsSinceLast[k] = Math.round(Math.min(gap, maxGap));
  }

  // Groups of equal RPIs, in (RPI, time, index) order.
  const words = new Uint32Array(4 * n);
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < 4; w++) words[4 * i + w] = wordAt(rpis, RPI_LENGTH * i + 4 * w);
  }
  const groupSightings = new Int32Array(n);
  for (let i = 0; i < n; i++) groupSightings[i] = i;
  groupSightings.sort((a, b) => {
    for (let w = 0; w < 4; w++) {
      const d = words[4 * a + w]! - words[4 * b + w]!;
      if (d !== 0) return d;
    }
    return times[a]! - times[b]! || a - b;
  });
  const starts2: number[] = [];
  const groupWordList: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = groupSightings[k]!;
    const previous = k > 0 ? groupSightings[k - 1]! : -1;
    let same = previous >= 0;
    for (let w = 0; same && w < 4; w++) same = words[4 * s + w] === words[4 * previous + w];
    if (!same) {
      starts2.push(k);
      for (let w = 0; w < 4; w++) groupWordList.push(words[4 * s + w]!);
    }
  }
  const groupCount = starts2.length;
  starts2.push(n);
  const groupStart = Int32Array.from(starts2);
  const groupWords = Uint32Array.from(groupWordList);

  // The prefix table.
  let distinctPrefixes = 0;
  for (let g = 0; g < groupCount; g++) {
    if (g === 0 || groupWords[4 * g] !== groupWords[4 * (g - 1)]) distinctPrefixes++;
  }
  let bits = 6;
  while (1 << bits < 4 * distinctPrefixes) bits++;
  const size = 2 ** bits;
  const mask = size - 1;
  const shift = 32 - bits;
  let multiplier: number;
  if (options.random) {
    const r = options.random(4);
    if (!(r instanceof Uint8Array) || r.length !== 4) {
      throw new ProtocolError('invalid_argument', 'the random source must return 4 bytes');
    }
    multiplier = (wordAt(r, 0) | 1) >>> 0;
  } else {
    multiplier = logDigestMultiplier(groupWords);
  }
  // Prefixes are ascending across groups: the first gap is a value no sighting has.
  let emptyPrefix = 0;
  for (let g = 0; g < groupCount; g++) {
    const p = groupWords[4 * g]!;
    if (p === emptyPrefix) emptyPrefix++;
    else if (p > emptyPrefix) break;
  }
  let filterBits = 10;
  while (2 ** filterBits < FILTER_BITS_PER_PREFIX * distinctPrefixes && filterBits < 24) filterBits++;
  const filterShift = 32 - filterBits;
  const filter = new Int32Array(2 ** (filterBits - 5));
  const table = new Uint32Array(size).fill(emptyPrefix);
  const tableGroup = new Int32Array(size).fill(-1);
  for (let g = 0; g < groupCount; g++) {
    const p = groupWords[4 * g]!;
    if (g > 0 && groupWords[4 * (g - 1)] === p) continue;
    const h = Math.imul(p, multiplier);
    const f = h >>> filterShift;
    filter[f >>> 5] = filter[f >>> 5]! | (1 << (f & 31));
    let slot = h >>> shift;
    while (tableGroup[slot]! >= 0) slot = (slot + 1) & mask;
    table[slot] = p;
    tableGroup[slot] = g;
  }

  return {
    log,
    byTime,
    sortedTimes,
    scanOf,
    scanStarts,
    scanSecondsSinceLast,
    groupCount,
    groupStart,
    groupSightings,
    groupWords,
    table,
    tableGroup,
    mask,
    shift,
    multiplier,
    emptyPrefix,
    filter,
    filterShift,
  };
}

/**
 * The group (distinct RPI) of the index whose RPI equals the 16 bytes at `rpis[offset]`, or −1.
 * The matcher inlines the same probe; this is for tests and single lookups.
 */
export function sightingIndexLookup(index: SightingIndex, rpis: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + RPI_LENGTH > rpis.length) {
    throw new ProtocolError('invalid_length', `an RPI needs 16 bytes at offset ${offset}`);
  }
  const p = wordAt(rpis, offset);
  const h = Math.imul(p, index.multiplier);
  const f = h >>> index.filterShift;
  if ((index.filter[f >>> 5]! & (1 << (f & 31))) === 0) return -1;
  let slot = h >>> index.shift;
  for (;;) {
    const q = index.table[slot]!;
    if (q === p) {
      const first = index.tableGroup[slot]!;
      return first < 0 ? -1 : findGroup(index, first, p, rpis, offset);
    }
    if (q === index.emptyPrefix) return -1;
    slot = (slot + 1) & index.mask;
  }
}

/**
 * From `first`, the first group with prefix `p`, the group whose whole RPI equals the bytes at
 * `rpis[offset]`, or −1.
 */
export function findGroup(
  index: SightingIndex,
  first: number,
  p: number,
  rpis: Uint8Array,
  offset: number,
): number {
  const { groupWords, groupCount } = index;
  const w1 = wordAt(rpis, offset + 4);
  const w2 = wordAt(rpis, offset + 8);
  const w3 = wordAt(rpis, offset + 12);
  for (let g = first; g < groupCount && groupWords[4 * g] === p; g++) {
    if (groupWords[4 * g + 1] === w1 && groupWords[4 * g + 2] === w2 && groupWords[4 * g + 3] === w3)
      return g;
  }
  return -1;
}
