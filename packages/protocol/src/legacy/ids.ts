/**
 * Legacy Bluezone rolling IDs (Bluezone 2.x/3.x, Android and iOS alike), for importing and
 * matching contact logs recorded by the original app. Not used for new broadcasts: the daily
 * keys form a hash chain from one permanent `base_id`, so one leaked key reveals every later day.
 *
 * - daily key of day d: DK_d = SHA-256ᵈ(base_id) (d = whole days since the base day; DK_0 = base_id)
 * - sub-keys: SK_0 = SHA-256(DK_d ‖ "bluzonesubkey") [sic], SK_(i+1) = SHA-256(SK_i)
 * - ID of slot i: the 12 bytes of SK_i at offsets 0, 4, 8, 12, 16, 18, 20, 22, 24, 26, 28, 30
 * - N slots a day (96 = 15 minutes by default; 144 in early 2.0 builds); slot = ⌊(t − day start) / (86400 / N)⌋
 *
 * @module
 */
import { ascii, concatBytes } from '../bytes.js';
import { type CryptoPrimitives, nobleCrypto } from '../crypto.js';
import { ProtocolError } from '../errors.js';

/** Slots (IDs) per day in Bluezone from August 2020 on: 15-minute IDs. */
export const LEGACY_DEFAULT_SLOTS = 96;
/** Largest slot count accepted: one ID a minute. */
export const LEGACY_MAX_SLOTS = 1440;
/** Length of a legacy Bluezone ID in bytes. */
export const LEGACY_ID_LENGTH = 12;
/** Length of a legacy base ID, daily key and sub-key in bytes. */
export const LEGACY_KEY_LENGTH = 32;
/** Seconds in a day. */
export const SECONDS_PER_DAY = 86_400;

const SUBKEY_SUFFIX = ascii('bluzonesubkey');
const ID_OFFSETS = [0, 4, 8, 12, 16, 18, 20, 22, 24, 26, 28, 30] as const;

function assertKey(key: Uint8Array, what: string): void {
  if (key.length !== LEGACY_KEY_LENGTH) {
    throw new ProtocolError(
      'invalid_length',
      `${what} must be ${LEGACY_KEY_LENGTH} bytes, got ${key.length}`,
    );
  }
}

/** Validates a slot count (1 … 1440). */
export function assertLegacySlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 1 || slots > LEGACY_MAX_SLOTS) {
    throw new ProtocolError(
      'invalid_argument',
      `slots per day must be an integer from 1 to ${LEGACY_MAX_SLOTS}, got ${slots}`,
    );
  }
}

/** DK_d = SHA-256 applied `day` times to `baseId`. */
export function legacyDailyKey(
  baseId: Uint8Array,
  day: number,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array {
  assertKey(baseId, 'base ID');
  if (!Number.isInteger(day) || day < 0 || day > 36_600) {
    throw new ProtocolError('invalid_argument', `day must be an integer from 0 to 36600, got ${day}`);
  }
  let key: Uint8Array = Uint8Array.from(baseId);
  for (let d = 0; d < day; d++) key = crypto.sha256(key);
  return key;
}

/** The 12-byte ID carried in sub-key `subKey`. */
export function legacyIdFromSubKey(subKey: Uint8Array): Uint8Array {
  assertKey(subKey, 'sub-key');
  const id = new Uint8Array(LEGACY_ID_LENGTH);
  for (let i = 0; i < LEGACY_ID_LENGTH; i++) id[i] = subKey[ID_OFFSETS[i]!]!;
  return id;
}

/** The IDs of every slot of the day whose daily key is `dailyKey`, slot 0 first. */
export function legacyIdsForDay(
  dailyKey: Uint8Array,
  slots: number = LEGACY_DEFAULT_SLOTS,
  crypto: CryptoPrimitives = nobleCrypto,
): Uint8Array[] {
  assertKey(dailyKey, 'daily key');
  assertLegacySlots(slots);
  const ids: Uint8Array[] = [];
  let subKey = crypto.sha256(concatBytes(dailyKey, SUBKEY_SUFFIX));
  for (let i = 0; i < slots; i++) {
    ids.push(legacyIdFromSubKey(subKey));
    if (i + 1 < slots) subKey = crypto.sha256(subKey);
  }
  return ids;
}

/** Slot of a moment within the day that starts at `dayStartSeconds` (may be negative or ≥ slots outside that day). */
export function legacySlotOf(
  unixSeconds: number,
  dayStartSeconds: number,
  slots: number = LEGACY_DEFAULT_SLOTS,
): number {
  assertLegacySlots(slots);
  return Math.floor((unixSeconds - dayStartSeconds) / (SECONDS_PER_DAY / slots));
}
