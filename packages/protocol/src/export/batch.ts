/**
 * Which keys go into which export file: the embargo on still-valid keys, padding with random
 * keys, the order of keys in a file and the split of a batch into files.
 *
 * Decisions (see docs/export-files.md):
 *
 * - **Embargo.** A key still valid at export time (rollingStart + rollingPeriod > the export's
 *   interval) is held back and returned to the caller, to go into a later export once its
 *   validity (its day) has ended: publishing it earlier would let anyone follow its owner for
 *   the rest of the day.
 * - **Padding.** When fewer keys than a minimum remain, random keys are added. Each copies every
 *   field but the key bytes from a real key of the batch drawn at random, so their days, rolling
 *   periods, report types and onset days follow the real distribution; their bytes are fresh
 *   random bytes from the injected {@link RandomSource}. With no real key to copy, a padding key
 *   is a full-day CONFIRMED_TEST key of one of the 14 complete days before the export.
 * - **Order.** Keys are sorted by their bytes, which are random: upload order, the grouping of one
 *   person's keys and the padding keys all disappear, and the output is deterministic.
 * - **Split.** Files hold at most 750,000 keys (configurable lower), new keys first, then revised
 *   keys; a batch always has at least one file, even an empty one, so that every export period
 *   publishes a file.
 *
 * @module
 */
import type { RandomSource } from '../crypto.js';
import type { ExposureKey } from '../en/exposure-key.js';
import { ReportType } from '../en/exposure-key.js';
import { KEY_LENGTH } from '../en/keys.js';
import { ProtocolError } from '../errors.js';
import { EXPORT_MAX_KEYS_PER_FILE, exportValidateKey } from './format.js';

/** Days before the export from which template-less padding keys take their day. */
const PADDING_DAYS = 14;

/** The first export interval at which `key` may be published: the end of its validity. */
export function exportReleaseInterval(key: ExposureKey): number {
  return key.rollingStartIntervalNumber + key.rollingPeriod;
}

/** True when `key` is still valid at `exportInterval` and must be held back (embargoed). */
export function exportIsEmbargoed(key: ExposureKey, exportInterval: number): boolean {
  return exportReleaseInterval(key) > exportInterval;
}

function checkInteger(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ProtocolError(
      'invalid_argument',
      `${name} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${value}`,
    );
  }
}

/** Draws `count` uniform integers in [0, n) from `random`, by rejection sampling on 32-bit words. */
function uniformIndices(random: RandomSource, n: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  const limit = Math.floor(2 ** 32 / n) * n;
  let filled = 0;
  while (filled < count) {
    const bytes = random(4 * (count - filled));
    for (let i = 0; i + 3 < bytes.length && filled < count; i += 4) {
      const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      if (word < limit) out[filled++] = word % n;
    }
  }
  return out;
}

function randomBytes(random: RandomSource, length: number): Uint8Array {
  const bytes = random(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new ProtocolError('invalid_argument', `the random source must return ${length} bytes`);
  }
  return bytes;
}

/**
 * `count` padding keys with fresh random key bytes, shaped like `templates` (see the module
 * comment). None is embargoed at `exportInterval` when no template is.
 *
 * @throws {ProtocolError} `invalid_argument` when there is no template and no complete day
 *   before `exportInterval`.
 */
export function exportPaddingKeys(
  count: number,
  random: RandomSource,
  templates: readonly ExposureKey[],
  exportInterval: number,
): ExposureKey[] {
  checkInteger(count, 'the padding key count', 0);
  if (count === 0) return [];
  const bytes = randomBytes(random, count * KEY_LENGTH);
  let template: (i: number) => Omit<ExposureKey, 'keyData'>;
  if (templates.length > 0) {
    const picks = uniformIndices(random, templates.length, count);
    template = (i) => {
      const { keyData: _, ...fields } = templates[picks[i]!]!;
      return fields;
    };
  } else {
    const today = exportInterval - (exportInterval % 144);
    const days = Math.min(PADDING_DAYS, today / 144);
    if (days < 1) {
      throw new ProtocolError(
        'invalid_argument',
        `cannot make padding keys for export interval ${exportInterval}: no complete day precedes it`,
      );
    }
    const picks = uniformIndices(random, days, count);
    template = (i) => ({
      rollingStartIntervalNumber: today - 144 * (picks[i]! + 1),
      rollingPeriod: 144,
      reportType: ReportType.CONFIRMED_TEST,
    });
  }
  const keys: ExposureKey[] = new Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = { ...template(i), keyData: bytes.slice(i * KEY_LENGTH, (i + 1) * KEY_LENGTH) };
  }
  return keys;
}

function compareKeyData(a: ExposureKey, b: ExposureKey): number {
  const x = a.keyData;
  const y = b.keyData;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const INDEX_SPAN = 2 ** 29;

/**
 * A new array of `keys` sorted by key bytes (lexicographically; equal keys keep their order).
 *
 * Sorts a Float64Array of (24-bit prefix × 2²⁹ + index), which the engine sorts natively, then
 * orders the rare runs of equal prefixes with a full comparison: several times faster than a
 * comparator sort over 100,000 keys.
 */
export function exportSortKeys(keys: readonly ExposureKey[]): ExposureKey[] {
  const n = keys.length;
  if (n > INDEX_SPAN) return [...keys].sort(compareKeyData);
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = keys[i]!.keyData;
    if (d.length < 3) return [...keys].sort(compareKeyData);
    order[i] = ((d[0]! << 16) | (d[1]! << 8) | d[2]!) * INDEX_SPAN + i;
  }
  order.sort();
  const out: ExposureKey[] = new Array(n);
  const prefixes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = order[i]!;
    const index = v % INDEX_SPAN;
    out[i] = keys[index]!;
    prefixes[i] = (v - index) / INDEX_SPAN;
  }
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && prefixes[i] === prefixes[runStart]) continue;
    if (i - runStart > 1) {
      const run = out.slice(runStart, i).sort(compareKeyData);
      for (let j = 0; j < run.length; j++) out[runStart + j] = run[j]!;
    }
    runStart = i;
  }
  return out;
}

/** What {@link exportPlanBatch} needs. */
export interface ExportBatchPlanOptions {
  /** New keys to publish. */
  readonly keys: readonly ExposureKey[];
  /** Keys published before whose status changed (e.g. revoked); embargoed like new keys, never padded. */
  readonly revisedKeys?: readonly ExposureKey[];
  /** ENIntervalNumber of the export (its end time): the embargo's reference. */
  readonly exportInterval: number;
  /** Pad the released new keys with random keys up to this count (default 0: no padding). */
  readonly minKeys?: number;
  /** Most keys per file, 1–750,000 (default 750,000). */
  readonly maxKeysPerFile?: number;
  /** Source of padding key bytes; required when padding is needed. */
  readonly random?: RandomSource;
}

/** The keys of one file of a batch, in file order. */
export interface ExportBatchFileKeys {
  readonly keys: readonly ExposureKey[];
  readonly revisedKeys: readonly ExposureKey[];
}

/** The outcome of {@link exportPlanBatch}. */
export interface ExportBatchPlan {
  /** One entry per file, at least one; file i is batch number i + 1. */
  readonly files: readonly ExportBatchFileKeys[];
  /** New and revised keys held back because they are still valid; export them later. */
  readonly embargoed: readonly ExposureKey[];
  /** How many padding keys were added. */
  readonly paddingKeyCount: number;
}

/**
 * Plans a batch: validates every key, holds back embargoed keys, pads, sorts and splits.
 *
 * @throws {ProtocolError} `export_key_invalid` naming the first invalid key, `invalid_argument`
 *   for a bad option or a missing random source when padding is needed.
 */
export function exportPlanBatch(options: ExportBatchPlanOptions): ExportBatchPlan {
  const { exportInterval, minKeys = 0, maxKeysPerFile = EXPORT_MAX_KEYS_PER_FILE } = options;
  checkInteger(exportInterval, 'exportInterval', 0);
  checkInteger(minKeys, 'minKeys', 0);
  checkInteger(maxKeysPerFile, 'maxKeysPerFile', 1, EXPORT_MAX_KEYS_PER_FILE);
  const embargoed: ExposureKey[] = [];
  const release = (keys: readonly ExposureKey[], field: string) => {
    const released: ExposureKey[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      exportValidateKey(key, `${field}[${i}]`);
      if (exportIsEmbargoed(key, exportInterval)) embargoed.push(key);
      else released.push(key);
    }
    return released;
  };
  let keys = release(options.keys, 'keys');
  const revisedKeys = release(options.revisedKeys ?? [], 'revisedKeys');
  const paddingKeyCount = Math.max(0, minKeys - keys.length);
  if (paddingKeyCount > 0) {
    if (options.random === undefined) {
      throw new ProtocolError(
        'invalid_argument',
        `${paddingKeyCount} padding keys are needed (minKeys ${minKeys}) but no random source was given`,
      );
    }
    keys = keys.concat(exportPaddingKeys(paddingKeyCount, options.random, keys, exportInterval));
  }
  const sortedKeys = exportSortKeys(keys);
  const sortedRevised = exportSortKeys(revisedKeys);
  const total = sortedKeys.length + sortedRevised.length;
  const fileCount = Math.max(1, Math.ceil(total / maxKeysPerFile));
  const files: ExportBatchFileKeys[] = [];
  for (let f = 0; f < fileCount; f++) {
    const from = f * maxKeysPerFile;
    const to = Math.min(total, from + maxKeysPerFile);
    files.push({
      keys: sortedKeys.slice(Math.min(from, sortedKeys.length), Math.min(to, sortedKeys.length)),
      revisedKeys: sortedRevised.slice(
        Math.max(0, from - sortedKeys.length),
        Math.max(0, to - sortedKeys.length),
      ),
    });
  }
  return { files, embargoed, paddingKeyCount };
}
