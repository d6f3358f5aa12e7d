/**
 * The sighting log's front door: what the radio layer calls for every scan result.
 *
 * {@link SightingRecorder.onSighting} takes the payload as the platform hands it over — the
 * 20-byte service data value (Android's `ScanRecord.getServiceData(uuid)`, iOS's
 * `CBAdvertisementDataServiceDataKey`) or the raw advertising data (decoded here) — with the RSSI,
 * the time heard and the receiving phone's model, and returns at once, synchronously:
 *
 * - **malformed** input (not bytes, a truncated or foreign advertisement, a wrong length, an RSSI
 *   that is not an integer dBm −128 … 127, a time that is not Unix ms) is dropped and counted by
 *   reason (the protocol's decoder codes, `invalid_rssi`, `invalid_time`, `invalid_payload`);
 * - a **duplicate** — the same RPI accepted less than 5 seconds before — is dropped and counted
 *   (scanners report one advertiser many times a second; windows only need one per scan);
 * - anything else is **accepted** and queued; the queue is written to the store in one batch by
 *   {@link SightingRecorder.flush} (called by the exposure check, by retention and on close) or
 *   automatically once it holds `batchSize` sightings.
 *
 * Counters are kept since the SDK instance started ({@link SightingCounters}).
 *
 * @module
 */
import { decodeAdvertisement, decodeServiceData, SERVICE_DATA_LENGTH, toHex } from '@bluezone/protocol';
import type { DeviceStore, StoredSighting } from './store.js';

/** Sightings of one RPI closer together than this are one (ms). */
export const SIGHTING_DEDUP_MS = 5_000;

/** What became of one scan result. */
export type SightingOutcome = 'accepted' | 'duplicate' | 'malformed';

/** Why a scan result was malformed. */
export type MalformedSightingReason =
  | 'advertisement_malformed'
  | 'advertisement_missing_service_data'
  | 'advertisement_wrong_service_uuid'
  | 'advertisement_wrong_length'
  | 'invalid_payload'
  | 'invalid_rssi'
  | 'invalid_time';

/** Counters since the SDK instance started. */
export interface SightingCounters {
  readonly accepted: number;
  readonly duplicates: number;
  readonly malformed: number;
  readonly malformedByReason: Readonly<Partial<Record<MalformedSightingReason, number>>>;
  /** Accepted sightings not yet written to the store. */
  readonly queued: number;
}

/** Dependencies of {@link SightingRecorder}. */
export interface SightingRecorderDeps {
  readonly store: DeviceStore;
  /** Model of this phone, used when a sighting names none. */
  readonly deviceModel: string;
  /** Queue length that triggers a write (default 64). */
  readonly batchSize?: number;
  /** Told about a failed automatic write (the sightings stay queued). */
  readonly onError?: (error: unknown) => void;
}

/** Records scan results (see the module comment). */
export class SightingRecorder {
  readonly #deps: SightingRecorderDeps;
  readonly #batchSize: number;
  /** Time of the last accepted sighting of each RPI (hex), ms. */
  readonly #lastAccepted = new Map<string, number>();
  #queue: StoredSighting[] = [];
  #writing: Promise<void> = Promise.resolve();
  #accepted = 0;
  #duplicates = 0;
  #malformed = 0;
  readonly #byReason: Partial<Record<MalformedSightingReason, number>> = {};

  constructor(deps: SightingRecorderDeps) {
    this.#deps = deps;
    this.#batchSize = Math.max(1, Math.floor(deps.batchSize ?? 64));
  }

  /**
   * Records one scan result (see the module comment). Never throws on bad radio input.
   *
   * @param payload the 20-byte service data value, or the raw advertising data.
   * @param rssiDbm received signal strength, integer dBm.
   * @param time when it was heard: Unix ms or a Date.
   * @param receiverModel the receiving phone's model (default: the SDK's `deviceModel`).
   */
  onSighting(
    payload: Uint8Array,
    rssiDbm: number,
    time: number | Date,
    receiverModel?: string,
  ): SightingOutcome {
    if (!(payload instanceof Uint8Array)) return this.#reject('invalid_payload');
    const timeMs = time instanceof Date ? time.getTime() : time;
    if (typeof timeMs !== 'number' || !Number.isFinite(timeMs) || timeMs < 0)
      return this.#reject('invalid_time');
    if (typeof rssiDbm !== 'number' || !Number.isInteger(rssiDbm) || rssiDbm < -128 || rssiDbm > 127) {
      return this.#reject('invalid_rssi');
    }
    const decoded =
      payload.length === SERVICE_DATA_LENGTH ? decodeServiceData(payload) : decodeAdvertisement(payload);
    if (!decoded.ok) return this.#reject(decoded.error.code as MalformedSightingReason);
    const { rpi, aem } = decoded.value;
    const id = toHex(rpi);
    const last = this.#lastAccepted.get(id);
    if (last !== undefined && Math.abs(timeMs - last) < SIGHTING_DEDUP_MS) {
      this.#duplicates++;
      return 'duplicate';
    }
    this.#lastAccepted.set(id, timeMs);
    if (this.#lastAccepted.size > 4096) this.#prune(timeMs);
    this.#queue.push({
      rpi,
      aem,
      timeMs,
      rssiDbm,
      receiverModel: typeof receiverModel === 'string' ? receiverModel.slice(0, 128) : this.#deps.deviceModel,
    });
    this.#accepted++;
    if (this.#queue.length >= this.#batchSize) {
      this.flush().catch((error: unknown) => this.#deps.onError?.(error));
    }
    return 'accepted';
  }

  /**
   * Writes the queued sightings to the store in one batch; resolves with how many were written.
   * On failure they stay queued and the error is thrown.
   */
  flush(): Promise<number> {
    const run = this.#writing.then(async () => {
      const batch = this.#queue;
      if (batch.length === 0) return 0;
      this.#queue = [];
      try {
        await this.#deps.store.addSightings(batch);
      } catch (error) {
        this.#queue = batch.concat(this.#queue);
        throw error;
      }
      return batch.length;
    });
    this.#writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The counters (a snapshot). */
  counters(): SightingCounters {
    return {
      accepted: this.#accepted,
      duplicates: this.#duplicates,
      malformed: this.#malformed,
      malformedByReason: { ...this.#byReason },
      queued: this.#queue.length,
    };
  }

  /** Forgets de-duplication state older than `beforeMs` (retention). */
  forgetBefore(beforeMs: number): void {
    for (const [id, at] of this.#lastAccepted) if (at < beforeMs) this.#lastAccepted.delete(id);
  }

  #prune(nowMs: number): void {
    this.forgetBefore(nowMs - SIGHTING_DEDUP_MS);
  }

  #reject(reason: MalformedSightingReason): 'malformed' {
    this.#malformed++;
    this.#byReason[reason] = (this.#byReason[reason] ?? 0) + 1;
    return 'malformed';
  }
}
