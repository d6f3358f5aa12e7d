/**
 * Device calibration and attenuation, as the Exposure Notification framework computes them:
 *
 *     attenuation = TX power of the transmitter − (RSSI measured + RSSI correction of the receiver)
 *
 * The transmitter's calibrated TX power travels in its Associated Encrypted Metadata (see
 * {@link decodeMetadata}); the receiver's RSSI correction comes from a per-model table. Lookup
 * order: the exact model → the average of the manufacturer's models → the average of the whole
 * table, each step with a lower {@link CalibrationConfidence}. Names compare trimmed and
 * case-insensitively.
 *
 * Tables are generated from Google's published lists (`data/calibration/`, see its
 * PROVENANCE.md). The default is the newest, 14 December 2020; the June 2020 list is kept for
 * comparison. The two were measured differently (Samsung corrections moved by about +10 dB between
 * them), so a table is always used whole, never mixed with the other.
 *
 * @module
 */
import { ProtocolError } from '../errors.js';
import { RISK_CALIBRATION_DATA_2020_06_13, RISK_CALIBRATION_DATA_2020_12_14 } from './calibration-data.js';
import { CalibrationConfidence } from './exposure-window.js';

/** The generated, compact form of a calibration table (see `scripts/generate-calibration.mjs`). */
export interface RiskCalibrationTableData {
  readonly id: string;
  /** Number of rows of the source list. */
  readonly rows: number;
  /** Lines of `oem,rssiCorrection,tx,confidence,model|model|…`. */
  readonly groups: string;
}

/** One model of a calibration table. */
export interface RiskCalibrationEntry {
  readonly oem: string;
  readonly model: string;
  /** Added to the measured RSSI so that it reads as an iPhone's would (dB). */
  readonly rssiCorrection: number;
  /** Calibrated TX power the model advertises in its metadata (dBm). */
  readonly txPower: number;
  readonly confidence: CalibrationConfidence;
}

interface Averages {
  readonly rssiCorrection: number;
  readonly txPower: number;
  readonly oem: string;
}

/** An indexed calibration table. */
export interface RiskCalibrationTable {
  readonly id: string;
  readonly entries: readonly RiskCalibrationEntry[];
  /** Entries by trimmed, lower-case model name. */
  readonly byModel: ReadonlyMap<string, readonly RiskCalibrationEntry[]>;
  /** Averages by trimmed, lower-case OEM name. */
  readonly byOem: ReadonlyMap<string, Averages>;
  /** Average over all entries. */
  readonly global: Averages;
}

/** Where a calibration came from. */
export type RiskCalibrationSource = 'model' | 'oem_average' | 'global_default';

/** The calibration used for one device. */
export interface RiskDeviceCalibration {
  readonly rssiCorrection: number;
  readonly txPower: number;
  /** Confidence to report with windows seen by this device (EN `calibrationConfidence`). */
  readonly confidence: CalibrationConfidence;
  readonly source: RiskCalibrationSource;
  /** Id of the table used (`2020-12-14`). */
  readonly tableId: string;
  /** The table's spelling of the OEM matched (model or OEM match). */
  readonly oem?: string;
  /** The table's spelling of the model matched (model match). */
  readonly model?: string;
}

/** A device to look up; either name may be missing. */
export interface RiskDeviceQuery {
  /** `android.os.Build.MODEL` or the marketing model name as in the table. */
  readonly model?: string;
  /** `android.os.Build.MANUFACTURER`. */
  readonly oem?: string;
}

/** Id of the table {@link riskDefaultCalibrationTable} returns. */
export const RISK_CALIBRATION_DEFAULT_TABLE_ID = '2020-12-14';

const key = (name: string) => name.trim().toLowerCase();

/** Rounds half up, as Kotlin's `roundToInt` (microG averages calibrations this way). */
const roundHalfUp = (value: number) => Math.round(value);

function average(entries: readonly RiskCalibrationEntry[], oem: string): Averages {
  let rssi = 0;
  let tx = 0;
  for (const e of entries) {
    rssi += e.rssiCorrection;
    tx += e.txPower;
  }
  return {
    rssiCorrection: roundHalfUp(rssi / entries.length),
    txPower: roundHalfUp(tx / entries.length),
    oem,
  };
}

const indexed = new WeakMap<RiskCalibrationTableData, RiskCalibrationTable>();

/**
 * Indexes generated table data (memoized per data object). Throws `invalid_argument` if the data
 * is malformed, which only a hand-edited module can cause.
 */
export function riskCalibrationTable(data: RiskCalibrationTableData): RiskCalibrationTable {
  const cached = indexed.get(data);
  if (cached) return cached;
  const entries: RiskCalibrationEntry[] = [];
  for (const [n, line] of data.groups.split('\n').entries()) {
    const parts = line.split(',');
    const [oem, rssi, tx, confidence, models] = parts;
    const numbers = [Number(rssi), Number(tx), Number(confidence)];
    if (parts.length !== 5 || !oem || !models || !numbers.every(Number.isInteger) || numbers[2]! > 3) {
      throw new ProtocolError('invalid_argument', `calibration table ${data.id}: malformed group ${n + 1}`);
    }
    for (const model of models.split('|')) {
      entries.push({
        oem,
        model,
        rssiCorrection: numbers[0]!,
        txPower: numbers[1]!,
        confidence: numbers[2] as CalibrationConfidence,
      });
    }
  }
  if (entries.length === 0)
    throw new ProtocolError('invalid_argument', `calibration table ${data.id} is empty`);
  const byModel = new Map<string, RiskCalibrationEntry[]>();
  const oemEntries = new Map<string, RiskCalibrationEntry[]>();
  for (const e of entries) {
    for (const [map, k] of [
      [byModel, key(e.model)],
      [oemEntries, key(e.oem)],
    ] as const) {
      const list = map.get(k);
      if (list) list.push(e);
      else map.set(k, [e]);
    }
  }
  const byOem = new Map<string, Averages>();
  for (const [k, list] of oemEntries) byOem.set(k, average(list, list[0]!.oem));
  const table: RiskCalibrationTable = {
    id: data.id,
    entries,
    byModel,
    byOem,
    global: average(entries, ''),
  };
  indexed.set(data, table);
  return table;
}

/** The default table: Google's list of 14 December 2020 (via microG), 551 measured models. */
export function riskDefaultCalibrationTable(): RiskCalibrationTable {
  return riskCalibrationTable(RISK_CALIBRATION_DATA_2020_12_14);
}

/** Google's list of 13 June 2020, 9,896 rows (313 measured directly; the rest inferred, LOW). */
export function riskJune2020CalibrationTable(): RiskCalibrationTable {
  return riskCalibrationTable(RISK_CALIBRATION_DATA_2020_06_13);
}

/**
 * The calibration of a receiving device. Exact model first (narrowed to the given OEM when the
 * model name exists under several OEMs; several rows left → their rounded average, confidence at
 * most MEDIUM), then the OEM's average (LOW), then the table's average (LOWEST). Never throws.
 */
export function riskDeviceCalibration(
  device: RiskDeviceQuery,
  table: RiskCalibrationTable = riskDefaultCalibrationTable(),
): RiskDeviceCalibration {
  const model = device.model === undefined ? '' : key(device.model);
  const oem = device.oem === undefined ? '' : key(device.oem);
  const candidates = model ? table.byModel.get(model) : undefined;
  if (candidates && candidates.length > 0) {
    const sameOem = oem ? candidates.filter((e) => key(e.oem) === oem) : [];
    const rows = sameOem.length > 0 ? sameOem : candidates;
    const first = rows[0]!;
    if (rows.length === 1) {
      return { ...pick(first), source: 'model', tableId: table.id, oem: first.oem, model: first.model };
    }
    const avg = average(rows, first.oem);
    const uniform = rows.every(
      (e) => e.rssiCorrection === first.rssiCorrection && e.txPower === first.txPower,
    );
    const lowest = Math.min(...rows.map((e) => e.confidence));
    return {
      rssiCorrection: avg.rssiCorrection,
      txPower: avg.txPower,
      confidence: (uniform
        ? lowest
        : Math.min(lowest, CalibrationConfidence.MEDIUM)) as CalibrationConfidence,
      source: 'model',
      tableId: table.id,
      ...(rows.every((e) => e.oem === first.oem) ? { oem: first.oem } : {}),
      model: first.model,
    };
  }
  const byOem = oem ? table.byOem.get(oem) : undefined;
  if (byOem) {
    return {
      rssiCorrection: byOem.rssiCorrection,
      txPower: byOem.txPower,
      confidence: CalibrationConfidence.LOW,
      source: 'oem_average',
      tableId: table.id,
      oem: byOem.oem,
    };
  }
  return {
    rssiCorrection: table.global.rssiCorrection,
    txPower: table.global.txPower,
    confidence: CalibrationConfidence.LOWEST,
    source: 'global_default',
    tableId: table.id,
  };
}

const pick = (e: RiskCalibrationEntry) => ({
  rssiCorrection: e.rssiCorrection,
  txPower: e.txPower,
  confidence: e.confidence,
});

/** Input of {@link riskAttenuation}. */
export interface RiskAttenuationInput {
  /** Calibrated TX power from the transmitter's metadata, integer dBm −127 … 127. */
  readonly txPowerDbm: number;
  /** RSSI measured by the receiver, dBm (finite, −127 … 127). */
  readonly rssiDbm: number;
  /** The receiving device, looked up with {@link riskDeviceCalibration}. */
  readonly receiver: RiskDeviceQuery;
}

/** An attenuation with the calibration it used. */
export interface RiskAttenuation {
  /** Rounded to a whole dB and clamped to 0 … 255, as EN scan instances report it. */
  readonly attenuationDb: number;
  /** tx − (rssi + correction) before rounding and clamping. */
  readonly rawAttenuationDb: number;
  readonly calibration: RiskDeviceCalibration;
}

/** tx − (rssi + correction), rounded half up and clamped to 0 … 255 dB. Validates its inputs. */
export function riskAttenuationDb(txPowerDbm: number, rssiDbm: number, rssiCorrection: number): number {
  const raw = txPowerDbm - (rssiDbm + rssiCorrection);
  if (!Number.isFinite(raw)) {
    throw new ProtocolError(
      'invalid_argument',
      'txPowerDbm, rssiDbm and rssiCorrection must be finite numbers',
    );
  }
  return Math.min(255, Math.max(0, Math.round(raw)));
}

/** Options of {@link riskAttenuationFunction}. */
export interface RiskAttenuationFunctionOptions {
  /** The receiving phone's manufacturer, for the OEM fallback (the model comes per sighting). */
  readonly oem?: string;
  readonly table?: RiskCalibrationTable;
}

/**
 * A calibrated attenuation callback in the shape the matching engine takes
 * (`MatchingAttenuationFunction`): `(txPowerDbm, rssiDbm, receiverModel)` →
 * `{ attenuation: tx − (rssi + correction), calibrationConfidence }`. The attenuation is not
 * rounded or clamped (the matcher does both); calibrations are looked up once per model string.
 */
export function riskAttenuationFunction(
  options: RiskAttenuationFunctionOptions = {},
): (
  txPowerDbm: number,
  rssiDbm: number,
  receiverModel: string,
) => { attenuation: number; calibrationConfidence: CalibrationConfidence } {
  const table = options.table ?? riskDefaultCalibrationTable();
  const cache = new Map<string, RiskDeviceCalibration>();
  return (txPowerDbm, rssiDbm, receiverModel) => {
    let calibration = cache.get(receiverModel);
    if (!calibration) {
      calibration = riskDeviceCalibration(
        { model: receiverModel, ...(options.oem === undefined ? {} : { oem: options.oem }) },
        table,
      );
      cache.set(receiverModel, calibration);
    }
    return {
      attenuation: txPowerDbm - (rssiDbm + calibration.rssiCorrection),
      calibrationConfidence: calibration.confidence,
    };
  };
}

/**
 * The attenuation of one sighting: the transmitter's TX power (from its metadata) minus the RSSI
 * corrected for the receiving model, with the calibration used (its `confidence` is what an
 * exposure window's `calibrationConfidence` reports). Throws `invalid_argument` for a TX power
 * outside −127 … 127 or an RSSI that is not a finite number in −127 … 127.
 */
export function riskAttenuation(
  input: RiskAttenuationInput,
  table: RiskCalibrationTable = riskDefaultCalibrationTable(),
): RiskAttenuation {
  const { txPowerDbm, rssiDbm } = input;
  if (!Number.isInteger(txPowerDbm) || txPowerDbm < -127 || txPowerDbm > 127) {
    throw new ProtocolError(
      'invalid_argument',
      `txPowerDbm must be an integer from -127 to 127, got ${txPowerDbm}`,
    );
  }
  if (!Number.isFinite(rssiDbm) || rssiDbm < -127 || rssiDbm > 127) {
    throw new ProtocolError('invalid_argument', `rssiDbm must be a number from -127 to 127, got ${rssiDbm}`);
  }
  const calibration = riskDeviceCalibration(input.receiver, table);
  return {
    attenuationDb: riskAttenuationDb(txPowerDbm, rssiDbm, calibration.rssiCorrection),
    rawAttenuationDb: txPowerDbm - (rssiDbm + calibration.rssiCorrection),
    calibration,
  };
}
