/**
 * The phone's sighting log in a compact struct-of-arrays layout, the input of matching.
 *
 * One sighting is one received advertisement: the RPI and AEM it carried, when it was heard,
 * its RSSI and the receiving phone's model (for calibration). A 14-day log of ~2,000 sightings a
 * day is 28,000 rows; stored as objects it would cost ~200 bytes a row and scatter the RPIs over
 * the heap. Here every column is one typed array (RPIs end to end in one `Uint8Array`, times in a
 * `Float64Array`, RSSI in an `Int8Array`, models as indices into a small string table): 31 bytes
 * a row, in a handful of allocations, and a matcher that reads them creates no objects.
 *
 * Build a log with {@link SightingLogBuilder} (or {@link sightingLogFromRecords}); both validate
 * every field and throw {@link ProtocolError} `matching_invalid_sighting` naming the row.
 *
 * @module
 */
import { RPI_LENGTH } from '../en/keys.js';
import { METADATA_LENGTH } from '../en/metadata.js';
import { ProtocolError } from '../errors.js';

/** One sighting, as the scanner reports it. */
export interface SightingRecord {
  /** The Rolling Proximity Identifier heard, 16 bytes. */
  readonly rpi: Uint8Array;
  /** The Associated Encrypted Metadata heard with it, 4 bytes. */
  readonly aem: Uint8Array;
  /** When it was heard, Unix seconds (fractions allowed), ≥ 0. */
  readonly timeSeconds: number;
  /** Received signal strength, integer dBm from −128 to 127. */
  readonly rssiDbm: number;
  /** Model of the receiving phone (as the calibration table names it); `''` when unknown. */
  readonly receiverModel?: string;
}

/**
 * A sighting log, column by column; row `i` of every column is sighting `i`. Treat it as
 * immutable: indexes built from it keep references to its arrays.
 */
export interface SightingLog {
  /** Number of sightings. */
  readonly count: number;
  /** RPIs end to end: sighting `i` is bytes `[16 i, 16 i + 16)`. */
  readonly rpis: Uint8Array;
  /** AEMs end to end: sighting `i` is bytes `[4 i, 4 i + 4)`. */
  readonly aems: Uint8Array;
  /** Times, Unix seconds. */
  readonly times: Float64Array;
  /** RSSI, dBm. */
  readonly rssi: Int8Array;
  /** Receiver model of each sighting, an index into {@link SightingLog.models}. */
  readonly modelIndices: Uint16Array;
  /** Distinct receiver models, in order of first appearance. */
  readonly models: readonly string[];
}

/** Most distinct receiver models in one log (the model column is 16-bit). */
export const SIGHTING_LOG_MAX_MODELS = 0x1_0000;

const invalid = (row: number, message: string) =>
  new ProtocolError('matching_invalid_sighting', `sighting ${row}: ${message}`);

/**
 * Collects sightings into a {@link SightingLog}, growing its columns by doubling. `add` copies
 * its arguments, so callers may reuse their buffers.
 */
export class SightingLogBuilder {
  #count = 0;
  #rpis: Uint8Array;
  #aems: Uint8Array;
  #times: Float64Array;
  #rssi: Int8Array;
  #modelIndices: Uint16Array;
  readonly #models: string[] = [];
  readonly #modelIndex = new Map<string, number>();

  /** @param capacity expected number of sightings (the columns grow past it as needed). */
  constructor(capacity = 1024) {
    const n = Math.max(16, Math.floor(Number.isFinite(capacity) ? capacity : 16));
    this.#rpis = new Uint8Array(n * RPI_LENGTH);
    this.#aems = new Uint8Array(n * METADATA_LENGTH);
    this.#times = new Float64Array(n);
    this.#rssi = new Int8Array(n);
    this.#modelIndices = new Uint16Array(n);
  }

  /** Number of sightings added so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds one sighting.
   *
   * @throws {ProtocolError} `matching_invalid_sighting` for an RPI that is not 16 bytes, an AEM
   *   that is not 4 bytes, a time that is not a finite number ≥ 0, an RSSI that is not an integer
   *   from −128 to 127, a receiver model that is not a string, or more than
   *   {@link SIGHTING_LOG_MAX_MODELS} distinct models.
   */
  add(rpi: Uint8Array, aem: Uint8Array, timeSeconds: number, rssiDbm: number, receiverModel = ''): this {
    const row = this.#count;
    if (!(rpi instanceof Uint8Array) || rpi.length !== RPI_LENGTH) {
      throw invalid(row, `rpi must be ${RPI_LENGTH} bytes, got ${describeBytes(rpi)}`);
    }
    if (!(aem instanceof Uint8Array) || aem.length !== METADATA_LENGTH) {
      throw invalid(row, `aem must be ${METADATA_LENGTH} bytes, got ${describeBytes(aem)}`);
    }
    if (typeof timeSeconds !== 'number' || !Number.isFinite(timeSeconds) || timeSeconds < 0) {
      throw invalid(
        row,
        `timeSeconds must be a finite number of Unix seconds ≥ 0, got ${String(timeSeconds)}`,
      );
    }
    if (!Number.isInteger(rssiDbm) || rssiDbm < -128 || rssiDbm > 127) {
      throw invalid(row, `rssiDbm must be an integer from -128 to 127, got ${String(rssiDbm)}`);
    }
    if (typeof receiverModel !== 'string') {
      throw invalid(row, `receiverModel must be a string, got ${typeof receiverModel}`);
    }
    let model = this.#modelIndex.get(receiverModel);
    if (model === undefined) {
      if (this.#models.length >= SIGHTING_LOG_MAX_MODELS) {
        throw invalid(row, `more than ${SIGHTING_LOG_MAX_MODELS} distinct receiver models`);
      }
      model = this.#models.length;
      this.#models.push(receiverModel);
      this.#modelIndex.set(receiverModel, model);
    }
    if (row === this.#times.length) this.#grow();
    this.#rpis.set(rpi, row * RPI_LENGTH);
    this.#aems.set(aem, row * METADATA_LENGTH);
    this.#times[row] = timeSeconds;
    this.#rssi[row] = rssiDbm;
    this.#modelIndices[row] = model;
    this.#count = row + 1;
    return this;
  }

  /** Adds a {@link SightingRecord}; see {@link SightingLogBuilder.add}. */
  addRecord(record: SightingRecord): this {
    if (typeof record !== 'object' || record === null) {
      throw invalid(this.#count, 'must be an object');
    }
    return this.add(record.rpi, record.aem, record.timeSeconds, record.rssiDbm, record.receiverModel ?? '');
  }

  /** The log of the sightings added so far, in columns trimmed to their length (copies). */
  build(): SightingLog {
    const n = this.#count;
    return {
      count: n,
      rpis: this.#rpis.slice(0, n * RPI_LENGTH),
      aems: this.#aems.slice(0, n * METADATA_LENGTH),
      times: this.#times.slice(0, n),
      rssi: this.#rssi.slice(0, n),
      modelIndices: this.#modelIndices.slice(0, n),
      models: [...this.#models],
    };
  }

  #grow(): void {
    const n = this.#times.length * 2;
    const rpis = new Uint8Array(n * RPI_LENGTH);
    rpis.set(this.#rpis);
    this.#rpis = rpis;
    const aems = new Uint8Array(n * METADATA_LENGTH);
    aems.set(this.#aems);
    this.#aems = aems;
    const times = new Float64Array(n);
    times.set(this.#times);
    this.#times = times;
    const rssi = new Int8Array(n);
    rssi.set(this.#rssi);
    this.#rssi = rssi;
    const modelIndices = new Uint16Array(n);
    modelIndices.set(this.#modelIndices);
    this.#modelIndices = modelIndices;
  }
}

function describeBytes(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return value === null ? 'null' : typeof value;
}

/**
 * Builds a log from records (in their order: row `i` is `records[i]`).
 *
 * @throws {ProtocolError} `matching_invalid_sighting`, see {@link SightingLogBuilder.add}.
 */
export function sightingLogFromRecords(records: readonly SightingRecord[]): SightingLog {
  const builder = new SightingLogBuilder(records.length);
  for (const record of records) builder.addRecord(record);
  return builder.build();
}

/** Row `index` of a log as a {@link SightingRecord} (copies; for tests, debugging and export). */
export function sightingAt(log: SightingLog, index: number): SightingRecord {
  if (!Number.isInteger(index) || index < 0 || index >= log.count) {
    throw new ProtocolError(
      'invalid_argument',
      `sighting index must be an integer from 0 to ${log.count - 1}, got ${index}`,
    );
  }
  return {
    rpi: log.rpis.slice(index * RPI_LENGTH, (index + 1) * RPI_LENGTH),
    aem: log.aems.slice(index * METADATA_LENGTH, (index + 1) * METADATA_LENGTH),
    timeSeconds: log.times[index]!,
    rssiDbm: log.rssi[index]!,
    receiverModel: log.models[log.modelIndices[index]!]!,
  };
}
