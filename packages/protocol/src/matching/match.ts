/**
 * The matcher: published keys against a {@link SightingIndex}.
 *
 * For every published key: validate it; skip it without crypto when it is REVOKED, when its
 * infectiousness is NONE (as the EN API does), or when no sighting lies within the tolerance of
 * its validity (a binary search in the sorted times); otherwise derive its RPIK (in batches of
 * {@link MATCHING_BATCH_KEYS} keys, through the port's batched HKDF), compute the RPIs of all its
 * intervals with one AES-ECB call, and probe the index once per RPI (filter bit, then for ~3 %
 * the hash table). The hot loop reads only typed arrays and allocates nothing per RPI or sighting
 * (the RPIK goes through one scratch array; the padded RPI inputs are cached per day); the work
 * per key is the two crypto calls plus 144 multiply-shift-load probes.
 *
 * A hit (the full 16 bytes equal) is accepted when the sighting's time satisfies the tolerance
 * rule ({@link matchingSightingMatchesInterval}) and no earlier key claimed it: each sighting
 * counts for at most one key, so a key published twice (in two files, or revised) yields one
 * match, the first in input order. For each matched key the AEMK is derived, every matched
 * sighting's AEM decrypted to its TX power (sightings with an implausible TX power are dropped and
 * counted), the attenuation callback applied, and the exposure windows built
 * ({@link matchingWindowsOfSightings}).
 *
 * @module
 */
import { type CryptoPrimitives, deriveHkdfSha256Batch, nobleCrypto } from '../crypto.js';
import {
  type ExposureKey,
  ReportType,
  type SourceLevel,
  sourceLevelOfReportType,
} from '../en/exposure-key.js';
import { EN_INTERVAL_SECONDS, MAX_INTERVAL_NUMBER, TEK_ROLLING_PERIOD } from '../en/interval.js';
import { EN_AEMK_INFO, EN_RPI_PREFIX, EN_RPIK_INFO, KEY_LENGTH, RPI_LENGTH } from '../en/keys.js';
import { METADATA_LENGTH } from '../en/metadata.js';
import { ProtocolError } from '../errors.js';
import { type ExposureWindow, Infectiousness } from '../risk/exposure-window.js';
import {
  type MatchingOptions,
  matchingCheckedAttenuation,
  matchingInfectiousness,
  type ResolvedMatchingOptions,
  resolveMatchingOptions,
} from './options.js';
import { findGroup, type SightingIndex } from './sighting-index.js';
import { type MatchingMatchedSighting, matchingWindowsOfSightings } from './windows.js';

/** Keys whose RPIKs are derived in one batched HKDF call. */
export const MATCHING_BATCH_KEYS = 512;

/** A published key that matched, with everything the warning and the consented report need. */
export interface MatchingKeyMatch {
  /** Position of the key among all keys given to the matcher (across `addKeys` calls). */
  readonly keyIndex: number;
  /** The published key itself (for the consented exposure report). */
  readonly key: ExposureKey;
  /** The key's report type, UNKNOWN or missing replaced by `reportTypeWhenMissing`. */
  readonly reportType: ReportType;
  /** Contact level of the key's owner ({@link sourceLevelOfReportType}): F0, F1 or none. */
  readonly sourceLevel: SourceLevel | undefined;
  readonly infectiousness: Infectiousness;
  /** The key's exposure windows, in time order. */
  readonly windows: readonly ExposureWindow[];
  /** The matched sightings that went into the windows, in time order. */
  readonly sightings: readonly MatchingMatchedSighting[];
  /** Matched sightings dropped for an implausible TX power. */
  readonly rejectedSightings: number;
}

/** Counters of a matching run. */
export interface MatchingStats {
  /** Keys given. */
  readonly keys: number;
  /** Keys whose RPIs were computed. */
  readonly keysChecked: number;
  /** Keys skipped as REVOKED. */
  readonly keysRevoked: number;
  /** Keys skipped because their infectiousness is NONE. */
  readonly keysNonInfectious: number;
  /** Keys skipped because no sighting lies within the tolerance of their validity. */
  readonly keysOutOfRange: number;
  /** Keys with at least one accepted sighting. */
  readonly keysMatched: number;
  /** Sightings in the log. */
  readonly sightings: number;
  /** Sightings matched and accepted. */
  readonly matchedSightings: number;
  /** Sightings matched but dropped for an implausible TX power. */
  readonly rejectedSightings: number;
  /** Sightings a later key matched again (a duplicate key): counted for the first key only. */
  readonly duplicateSightings: number;
}

/** The outcome of matching. */
export interface MatchingResult {
  /** One entry per matched key, in key order. */
  readonly matches: readonly MatchingKeyMatch[];
  /** Every match's windows, in match order (the input of risk scoring). */
  readonly windows: readonly ExposureWindow[];
  readonly stats: MatchingStats;
}

/** A matching run that keys can be fed to in several batches (e.g. one export file at a time). */
export interface SightingMatcher {
  /**
   * Matches a batch of published keys. The batch is validated before any is matched.
   *
   * @throws {ProtocolError} `matching_invalid_key` naming the first bad key (and nothing of the
   *   batch is matched).
   */
  addKeys(keys: readonly ExposureKey[]): void;
  /** The result so far (a snapshot; the matcher can take more keys). */
  result(): MatchingResult;
}

const invalidKey = (index: number, message: string) =>
  new ProtocolError('matching_invalid_key', `key ${index}: ${message}`);

/** Validates one published key (`index` names it in the error). */
function checkKey(key: ExposureKey, index: number): void {
  if (typeof key !== 'object' || key === null) throw invalidKey(index, 'must be an object');
  const { keyData, rollingStartIntervalNumber: start, rollingPeriod: period } = key;
  if (!(keyData instanceof Uint8Array) || keyData.length !== KEY_LENGTH) {
    const got = keyData instanceof Uint8Array ? `${keyData.length} bytes` : typeof keyData;
    throw invalidKey(index, `keyData must be ${KEY_LENGTH} bytes, got ${got}`);
  }
  if (!Number.isSafeInteger(start) || start < 0 || start > MAX_INTERVAL_NUMBER) {
    throw invalidKey(
      index,
      `rollingStartIntervalNumber must be an integer from 0 to ${MAX_INTERVAL_NUMBER}, got ${String(start)}`,
    );
  }
  if (!Number.isInteger(period) || period < 1 || period > TEK_ROLLING_PERIOD) {
    throw invalidKey(
      index,
      `rollingPeriod must be an integer from 1 to ${TEK_ROLLING_PERIOD}, got ${String(period)}`,
    );
  }
  if (start + period - 1 > MAX_INTERVAL_NUMBER) {
    throw invalidKey(index, `the key's intervals end after ${MAX_INTERVAL_NUMBER}`);
  }
  const { reportType, daysSinceOnsetOfSymptoms: dsos } = key;
  if (reportType !== undefined && (!Number.isInteger(reportType) || reportType < 0 || reportType > 5)) {
    throw invalidKey(index, `reportType must be an integer from 0 to 5, got ${String(reportType)}`);
  }
  if (dsos !== undefined && !Number.isSafeInteger(dsos)) {
    throw invalidKey(index, `daysSinceOnsetOfSymptoms must be an integer, got ${String(dsos)}`);
  }
}

/** Index of the first sorted time ≥ `t`. */
function lowerBound(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class Matcher implements SightingMatcher {
  readonly #index: SightingIndex;
  readonly #options: ResolvedMatchingOptions;
  readonly #crypto: CryptoPrimitives;
  readonly #claimed: Uint8Array;
  readonly #matches: MatchingKeyMatch[] = [];
  /** Padded RPI data of 144 intervals, by first interval (a published batch has ~15 days). */
  readonly #padded = new Map<number, Uint8Array>();
  readonly #teks = new Uint8Array(MATCHING_BATCH_KEYS * KEY_LENGTH);
  /** The RPIK of the key being matched. */
  readonly #rpik = new Uint8Array(KEY_LENGTH);
  /** Hits of the current key: pairs (sighting index, interval). */
  readonly #hits: number[] = [];
  #keys = 0;
  #keysChecked = 0;
  #keysRevoked = 0;
  #keysNonInfectious = 0;
  #keysOutOfRange = 0;
  #matchedSightings = 0;
  #rejectedSightings = 0;
  #duplicateSightings = 0;

  constructor(index: SightingIndex, options: MatchingOptions) {
    this.#index = index;
    this.#options = resolveMatchingOptions(options, nobleCrypto);
    this.#crypto = this.#options.crypto;
    this.#claimed = new Uint8Array(index.log.count);
  }

  addKeys(keys: readonly ExposureKey[]): void {
    if (!Array.isArray(keys)) throw new ProtocolError('invalid_argument', 'keys must be an array');
    const first = this.#keys;
    for (let i = 0; i < keys.length; i++) checkKey(keys[i]!, first + i);
    const options = this.#options;
    const tolerance = options.toleranceSeconds;
    const sorted = this.#index.sortedTimes;
    const eligible = new Int32Array(keys.length);
    let count = 0;
    // Whether any sighting lies within the tolerance of a validity, by start × 256 + period.
    const inRange = new Map<number, boolean>();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (this.#reportType(key) === ReportType.REVOKED) {
        this.#keysRevoked++;
        continue;
      }
      if (
        !options.keepNonInfectious &&
        matchingInfectiousness(key.daysSinceOnsetOfSymptoms, options.infectiousness) === Infectiousness.NONE
      ) {
        this.#keysNonInfectious++;
        continue;
      }
      const start = key.rollingStartIntervalNumber;
      const period = key.rollingPeriod;
      let near = inRange.get(start * 256 + period);
      if (near === undefined) {
        const at = lowerBound(sorted, start * EN_INTERVAL_SECONDS - tolerance);
        near = at < sorted.length && sorted[at]! < (start + period) * EN_INTERVAL_SECONDS + tolerance;
        inRange.set(start * 256 + period, near);
      }
      if (!near) {
        this.#keysOutOfRange++;
        continue;
      }
      eligible[count++] = i;
    }
    for (let from = 0; from < count; from += MATCHING_BATCH_KEYS) {
      this.#matchBatch(keys, first, eligible, from, Math.min(count, from + MATCHING_BATCH_KEYS));
    }
    this.#keys += keys.length;
  }

  #reportType(key: ExposureKey): ReportType {
    const type = key.reportType;
    return type === undefined || type === ReportType.UNKNOWN ? this.#options.reportTypeWhenMissing : type;
  }

  #matchBatch(
    keys: readonly ExposureKey[],
    first: number,
    eligible: Int32Array,
    from: number,
    to: number,
  ): void {
    const teks = this.#teks;
    for (let j = from; j < to; j++) teks.set(keys[eligible[j]!]!.keyData, (j - from) * KEY_LENGTH);
    const rpiks = deriveHkdfSha256Batch(
      this.#crypto,
      teks.subarray(0, (to - from) * KEY_LENGTH),
      KEY_LENGTH,
      undefined,
      EN_RPIK_INFO,
      KEY_LENGTH,
    );
    const crypto = this.#crypto;
    const { table, tableGroup, mask, shift, multiplier, emptyPrefix, filter, filterShift } = this.#index;
    const rpik = this.#rpik;
    for (let j = from; j < to; j++) {
      const keyIndex = eligible[j]!;
      const key = keys[keyIndex]!;
      const start = key.rollingStartIntervalNumber;
      const period = key.rollingPeriod;
      const padded = this.#padded.get(start) ?? this.#paddedData(start);
      // The port keeps no reference to its inputs: one scratch key serves every call.
      const k = (j - from) * KEY_LENGTH;
      for (let x = 0; x < KEY_LENGTH; x++) rpik[x] = rpiks[k + x]!;
      const rpis = crypto.aes128EcbEncrypt(
        rpik,
        period === TEK_ROLLING_PERIOD ? padded : padded.subarray(0, period * RPI_LENGTH),
      );
      // The hot loop: per RPI its first 4 bytes as a little-endian word, a multiply, a filter
      // bit and, for the few that pass (~3 %), the table.
      for (let b = 0, o = 0; b < period; b++, o += RPI_LENGTH) {
        const p = (rpis[o]! | (rpis[o + 1]! << 8) | (rpis[o + 2]! << 16) | (rpis[o + 3]! << 24)) >>> 0;
        const h = Math.imul(p, multiplier);
        const f = h >>> filterShift;
        if ((filter[f >>> 5]! & (1 << (f & 31))) === 0) continue;
        let slot = h >>> shift;
        for (;;) {
          const q = table[slot]!;
          if (q === p) {
            const g = tableGroup[slot]!;
            if (g >= 0) this.#candidate(g, p, rpis, o, start + b);
            break;
          }
          if (q === emptyPrefix) break;
          slot = (slot + 1) & mask;
        }
      }
      this.#keysChecked++;
      if (this.#hits.length > 0) this.#addMatch(key, first + keyIndex);
    }
  }

  /** "EN-RPI" ‖ 0⁶ ‖ LE32(interval) for the 144 intervals from `start`, cached. */
  #paddedData(start: number): Uint8Array {
    if (this.#padded.size >= 64) this.#padded.clear();
    const padded = new Uint8Array(TEK_ROLLING_PERIOD * RPI_LENGTH);
    for (let b = 0; b < TEK_ROLLING_PERIOD; b++) {
      const v = (start + b) >>> 0;
      const o = b * RPI_LENGTH;
      padded.set(EN_RPI_PREFIX, o);
      padded[o + 12] = v & 0xff;
      padded[o + 13] = (v >>> 8) & 0xff;
      padded[o + 14] = (v >>> 16) & 0xff;
      padded[o + 15] = v >>> 24;
    }
    this.#padded.set(start, padded);
    return padded;
  }

  /** A prefix hit: find the full RPI, then the sightings within the tolerance of `interval`. */
  #candidate(first: number, p: number, rpis: Uint8Array, offset: number, interval: number): void {
    const index = this.#index;
    const g = findGroup(index, first, p, rpis, offset);
    if (g < 0) return;
    const lo = interval * EN_INTERVAL_SECONDS - this.#options.toleranceSeconds;
    const hi = (interval + 1) * EN_INTERVAL_SECONDS + this.#options.toleranceSeconds;
    const times = index.log.times;
    for (let k = index.groupStart[g]!, end = index.groupStart[g + 1]!; k < end; k++) {
      const s = index.groupSightings[k]!;
      const t = times[s]!;
      if (t < lo || t >= hi) continue;
      if (this.#claimed[s] === 1) {
        this.#duplicateSightings++;
        continue;
      }
      this.#claimed[s] = 1;
      this.#hits.push(s, interval);
    }
  }

  /** Decrypts, calibrates and groups the current key's hits. */
  #addMatch(key: ExposureKey, keyIndex: number): void {
    const hits = this.#hits;
    const { log } = this.#index;
    const { attenuation: attenuate, txPowerBoundsDbm: bounds } = this.#options;
    const order: number[] = [];
    for (let h = 0; h < hits.length; h += 2) order.push(h);
    order.sort((a, b) => log.times[hits[a]!]! - log.times[hits[b]!]! || hits[a]! - hits[b]!);
    const aemk = this.#crypto.hkdfSha256(key.keyData, undefined, EN_AEMK_INFO, KEY_LENGTH);
    const sightings: MatchingMatchedSighting[] = [];
    let rejected = 0;
    for (const h of order) {
      const s = hits[h]!;
      const metadata = this.#crypto.aes128Ctr(
        aemk,
        log.rpis.subarray(s * RPI_LENGTH, (s + 1) * RPI_LENGTH),
        log.aems.subarray(s * METADATA_LENGTH, (s + 1) * METADATA_LENGTH),
      );
      const tx = metadata[1]! > 127 ? metadata[1]! - 256 : metadata[1]!;
      if (tx < bounds.min || tx > bounds.max) {
        rejected++;
        continue;
      }
      const rssi = log.rssi[s]!;
      const model = log.models[log.modelIndices[s]!]!;
      const a = matchingCheckedAttenuation(attenuate, tx, rssi, model);
      sightings.push({
        sightingIndex: s,
        interval: hits[h + 1]!,
        timeSeconds: log.times[s]!,
        rssiDbm: rssi,
        txPowerDbm: tx,
        attenuation: a.attenuation,
        calibrationConfidence: a.calibrationConfidence,
      });
    }
    hits.length = 0;
    this.#rejectedSightings += rejected;
    if (sightings.length === 0) return;
    this.#matchedSightings += sightings.length;
    const reportType = this.#reportType(key);
    const infectiousness = matchingInfectiousness(key.daysSinceOnsetOfSymptoms, this.#options.infectiousness);
    this.#matches.push({
      keyIndex,
      key,
      reportType,
      sourceLevel: sourceLevelOfReportType(reportType),
      infectiousness,
      windows: matchingWindowsOfSightings(this.#index, sightings, reportType, infectiousness),
      sightings,
      rejectedSightings: rejected,
    });
  }

  result(): MatchingResult {
    const matches = [...this.#matches];
    return {
      matches,
      windows: matches.flatMap((m) => m.windows),
      stats: {
        keys: this.#keys,
        keysChecked: this.#keysChecked,
        keysRevoked: this.#keysRevoked,
        keysNonInfectious: this.#keysNonInfectious,
        keysOutOfRange: this.#keysOutOfRange,
        keysMatched: matches.length,
        sightings: this.#index.log.count,
        matchedSightings: this.#matchedSightings,
        rejectedSightings: this.#rejectedSightings,
        duplicateSightings: this.#duplicateSightings,
      },
    };
  }
}

/**
 * Starts a matching run over `index`; feed it keys with `addKeys` (any number of batches) and
 * read `result()`.
 *
 * @throws {ProtocolError} `invalid_argument` for a bad option.
 */
export function createSightingMatcher(index: SightingIndex, options: MatchingOptions = {}): SightingMatcher {
  return new Matcher(index, options);
}

/**
 * Matches published keys against an indexed sighting log: every sighting within the tolerance of
 * a key's RPI, decrypted, calibrated and grouped into exposure windows.
 *
 * @throws {ProtocolError} `matching_invalid_key` for a bad key, `invalid_argument` for a bad
 *   option or a bad attenuation callback result.
 */
export function matchKeysToSightings(
  index: SightingIndex,
  keys: readonly ExposureKey[],
  options: MatchingOptions = {},
): MatchingResult {
  const matcher = createSightingMatcher(index, options);
  matcher.addKeys(keys);
  return matcher.result();
}
