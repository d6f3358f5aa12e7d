/**
 * Matching a legacy Bluezone F0 record against a legacy contact log.
 *
 * The original server pushed the confirmed case's daily keys to every phone as
 * `{"data":[{"daily_key","time_start","max","time_end"}]}` (hex daily key of the day starting at
 * `time_start`, Unix seconds; `max` IDs a day; the period ends at `time_end`). A day later in the
 * period uses the next key of the hash chain. A log row matches when its contact ID equals the
 * F0's ID for the row's slot — within ±`tolerance` slots, for clock skew between the two phones
 * (the original matched the exact slot only).
 *
 * @module
 */
import { fromHex, toHex } from '../bytes.js';
import { type CryptoPrimitives, nobleCrypto } from '../crypto.js';
import { err, ok, ProtocolError, type Result } from '../errors.js';
import { LEGACY_KEY_LENGTH, LEGACY_MAX_SLOTS, legacyIdsForDay, SECONDS_PER_DAY } from './ids.js';
import type { LegacyTraceRow } from './trace.js';

/** One period of a legacy F0 record. */
export interface LegacyF0Period {
  /** Daily key of the day that starts at `timeStart`, 32 bytes. */
  readonly dailyKey: Uint8Array;
  /** Start of the period (and of its first day), Unix seconds. */
  readonly timeStart: number;
  /** IDs (slots) per day. */
  readonly slots: number;
  /** End of the period, Unix seconds (exclusive). */
  readonly timeEnd: number;
}

/** A legacy F0 record: the periods during which the confirmed case's IDs are to be matched. */
export interface LegacyF0Record {
  readonly periods: readonly LegacyF0Period[];
}

/** A matched log row. */
export interface LegacyMatch {
  /** Line of the row in the log. */
  readonly line: number;
  /** The contact ID that matched, upper-case hex. */
  readonly contactId: string;
  /** Time of the sighting, Unix milliseconds. */
  readonly timestamp: number;
  /** Slot of the F0's ID that matched, within its day (0 … slots − 1). */
  readonly slot: number;
}

/** Options for {@link matchLegacyTrace}. */
export interface LegacyMatchOptions {
  /** Slots of clock skew tolerated either side (default 1; 0 = exact slot only). */
  readonly tolerance?: number;
  readonly crypto?: CryptoPrimitives;
}

/** Longest period accepted in one record entry. Bluezone matched 14 days. */
export const LEGACY_MAX_PERIOD_DAYS = 60;
/** Most entries accepted in one record. */
export const LEGACY_MAX_PERIODS = 366;

const malformed = (message: string) => err(new ProtocolError('legacy_record_malformed', message));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a parsed JSON F0 record (`{"data":[{"daily_key","time_start","max","time_end"}]}`).
 * Never throws; every problem names the entry and field.
 */
export function parseLegacyF0Record(json: unknown): Result<LegacyF0Record> {
  if (!isRecord(json) || !Array.isArray(json['data'])) {
    return malformed('the F0 record must be an object with a "data" array');
  }
  const data = json['data'] as unknown[];
  if (data.length === 0) return malformed('the F0 record\'s "data" array is empty');
  if (data.length > LEGACY_MAX_PERIODS) {
    return malformed(`the F0 record has ${data.length} entries; at most ${LEGACY_MAX_PERIODS} are accepted`);
  }
  const periods: LegacyF0Period[] = [];
  for (let i = 0; i < data.length; i++) {
    const entry = data[i];
    const at = `data[${i}]`;
    if (!isRecord(entry)) return malformed(`${at} must be an object`);
    const { daily_key, time_start, max, time_end } = entry;
    if (
      typeof daily_key !== 'string' ||
      !/^[0-9A-Fa-f]+$/.test(daily_key) ||
      daily_key.length !== 2 * LEGACY_KEY_LENGTH
    ) {
      return malformed(`${at}.daily_key must be ${2 * LEGACY_KEY_LENGTH} hex digits`);
    }
    if (typeof time_start !== 'number' || !Number.isSafeInteger(time_start) || time_start < 0) {
      return malformed(`${at}.time_start must be a non-negative integer (Unix seconds)`);
    }
    if (typeof time_end !== 'number' || !Number.isSafeInteger(time_end) || time_end <= time_start) {
      return malformed(`${at}.time_end must be an integer after time_start (Unix seconds)`);
    }
    if (time_end - time_start > LEGACY_MAX_PERIOD_DAYS * SECONDS_PER_DAY) {
      return malformed(`${at} spans more than ${LEGACY_MAX_PERIOD_DAYS} days; split it or shorten it`);
    }
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LEGACY_MAX_SLOTS) {
      return malformed(`${at}.max must be an integer from 1 to ${LEGACY_MAX_SLOTS} (IDs per day)`);
    }
    periods.push({ dailyKey: fromHex(daily_key), timeStart: time_start, slots: max, timeEnd: time_end });
  }
  return ok({ periods });
}

interface Occurrence {
  /** Slot counted from the period's first slot across days. */
  readonly globalSlot: number;
  readonly slot: number;
}

/** Every ID of a period, by upper-case hex, with the slots it stood in. */
function indexPeriod(period: LegacyF0Period, crypto: CryptoPrimitives): Map<string, Occurrence[]> {
  const index = new Map<string, Occurrence[]>();
  const days = Math.ceil((period.timeEnd - period.timeStart) / SECONDS_PER_DAY);
  let dailyKey = period.dailyKey;
  for (let day = 0; day < days; day++) {
    if (day > 0) dailyKey = crypto.sha256(dailyKey);
    const ids = legacyIdsForDay(dailyKey, period.slots, crypto);
    for (let slot = 0; slot < ids.length; slot++) {
      const key = toHex(ids[slot]!).toUpperCase();
      const occurrence = { globalSlot: day * period.slots + slot, slot };
      const list = index.get(key);
      if (list) list.push(occurrence);
      else index.set(key, [occurrence]);
    }
  }
  return index;
}

/**
 * Finds the rows of a legacy log that saw the F0. Each row is reported at most once, with the
 * F0 slot nearest to the row's own slot.
 */
export function matchLegacyTrace(
  record: LegacyF0Record,
  rows: readonly LegacyTraceRow[],
  options: LegacyMatchOptions = {},
): LegacyMatch[] {
  const tolerance = options.tolerance ?? 1;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 96) {
    throw new ProtocolError(
      'invalid_argument',
      `tolerance must be an integer from 0 to 96 slots, got ${tolerance}`,
    );
  }
  const crypto = options.crypto ?? nobleCrypto;
  const indexes = record.periods.map((period) => ({ period, index: indexPeriod(period, crypto) }));
  const matches: LegacyMatch[] = [];
  for (const row of rows) {
    const seconds = row.timestampMs / 1000;
    let best: { slot: number; distance: number } | undefined;
    for (const { period, index } of indexes) {
      const occurrences = index.get(row.contactId);
      if (!occurrences) continue;
      const slotSeconds = SECONDS_PER_DAY / period.slots;
      const rowSlot = Math.floor((seconds - period.timeStart) / slotSeconds);
      for (const occurrence of occurrences) {
        const distance = Math.abs(occurrence.globalSlot - rowSlot);
        if (distance <= tolerance && (best === undefined || distance < best.distance)) {
          best = { slot: occurrence.slot, distance };
        }
      }
    }
    if (best)
      matches.push({ line: row.line, contactId: row.contactId, timestamp: row.timestampMs, slot: best.slot });
  }
  return matches;
}
