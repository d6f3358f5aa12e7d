import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CalibrationConfidence,
  decodeMetadata,
  type MatchingAttenuationFunction,
  ProtocolError,
  RISK_CALIBRATION_DATA_2020_06_13,
  RISK_CALIBRATION_DATA_2020_12_14,
  RISK_CALIBRATION_DEFAULT_TABLE_ID,
  riskAttenuation,
  riskAttenuationDb,
  riskAttenuationFunction,
  riskCalibrationTable,
  riskDefaultCalibrationTable,
  riskDeviceCalibration,
  riskJune2020CalibrationTable,
} from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';

const pkg = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

describe('generated calibration module', () => {
  it('is what scripts/generate-calibration.mjs produces from data/calibration (drift check)', () => {
    const generated = execFileSync(process.execPath, [pkg('scripts/generate-calibration.mjs'), '--stdout'], {
      encoding: 'utf8',
    });
    const committed = readFileSync(pkg('src/risk/calibration-data.ts'), 'utf8');
    expect(
      committed === generated,
      'src/risk/calibration-data.ts is stale: run npm run generate:calibration',
    ).toBe(true);
  });

  it('holds every row of both lists', () => {
    expect(RISK_CALIBRATION_DATA_2020_06_13.rows).toBe(9896);
    expect(riskJune2020CalibrationTable().entries).toHaveLength(9896);
    expect(RISK_CALIBRATION_DATA_2020_12_14.rows).toBe(551);
    expect(riskDefaultCalibrationTable().entries).toHaveLength(551);
    expect(riskDefaultCalibrationTable().id).toBe(RISK_CALIBRATION_DEFAULT_TABLE_ID);
  });

  it('keeps the values and confidences of the source rows', () => {
    const june = riskJune2020CalibrationTable();
    // Google,Pixel 3,-4,-34,yes and Google,Pixel 2,-6,-31,no
    expect(june.byModel.get('pixel 3')).toEqual([
      { oem: 'Google', model: 'Pixel 3', rssiCorrection: -4, txPower: -34, confidence: 3 },
    ]);
    expect(june.byModel.get('pixel 2')![0]!.confidence).toBe(CalibrationConfidence.LOW);
    // Quoted names keep their inch mark: Sharp,"2T-C40AE1T""",-4,-26,no
    expect(june.byModel.get('2t-c40ae1t"')).toHaveLength(1);
    // google,flame,Pixel 4,8,-30,3
    expect(riskDefaultCalibrationTable().byModel.get('pixel 4')).toEqual([
      { oem: 'google', model: 'Pixel 4', rssiCorrection: 8, txPower: -30, confidence: 3 },
    ]);
  });

  it('rejects malformed table data', () => {
    expect(() => riskCalibrationTable({ id: 'x', rows: 1, groups: 'acme,1,2,3' })).toThrow(ProtocolError);
    expect(() => riskCalibrationTable({ id: 'x', rows: 1, groups: 'acme,1,2,9,M1' })).toThrow(
      /malformed group 1/,
    );
    expect(() => riskCalibrationTable({ id: 'x', rows: 1, groups: 'acme,a,2,3,M1' })).toThrow(/malformed/);
  });
});

describe('device calibration lookup', () => {
  const table = riskCalibrationTable({
    id: 'test',
    rows: 6,
    groups: [
      'Acme,2,-20,3,Rocket 1|Shared Name',
      'Acme,4,-30,1,Rocket 2',
      'Zeta,-6,-10,3,Zed|Shared Name',
      'Zeta,-6,-10,2,Twin',
      'Omega,-6,-10,3,Twin',
    ].join('\n'),
  });

  it('uses the exact model, case-insensitively and trimmed', () => {
    expect(riskDeviceCalibration({ model: '  rocket 1 ' }, table)).toEqual({
      rssiCorrection: 2,
      txPower: -20,
      confidence: 3,
      source: 'model',
      tableId: 'test',
      oem: 'Acme',
      model: 'Rocket 1',
    });
  });

  it('narrows a model name shared by several OEMs with the OEM', () => {
    expect(riskDeviceCalibration({ model: 'Shared Name', oem: 'ZETA' }, table)).toMatchObject({
      rssiCorrection: -6,
      confidence: 3,
      oem: 'Zeta',
    });
    // Without a matching OEM: the rounded average of the rows, confidence at most MEDIUM.
    expect(riskDeviceCalibration({ model: 'Shared Name' }, table)).toMatchObject({
      rssiCorrection: -2,
      txPower: -15,
      confidence: CalibrationConfidence.MEDIUM,
      source: 'model',
      model: 'Shared Name',
    });
    expect(riskDeviceCalibration({ model: 'Shared Name' }, table).oem).toBeUndefined();
    // Identical rows keep the lowest of their confidences.
    expect(riskDeviceCalibration({ model: 'twin' }, table)).toMatchObject({
      rssiCorrection: -6,
      confidence: 2,
    });
  });

  it('falls back to the OEM average (LOW), then the table average (LOWEST)', () => {
    // Acme rows: (2, -20), (2, -20), (4, -30) → averages 2.67 → 3, -23.3 → -23
    expect(riskDeviceCalibration({ model: 'Rocket 9', oem: ' acme ' }, table)).toEqual({
      rssiCorrection: 3,
      txPower: -23,
      confidence: CalibrationConfidence.LOW,
      source: 'oem_average',
      tableId: 'test',
      oem: 'Acme',
    });
    expect(riskDeviceCalibration({ oem: 'Acme' }, table).source).toBe('oem_average');
    const global = riskDeviceCalibration({ model: 'iPhone 8', oem: 'Apple' }, table);
    expect(global).toEqual({
      rssiCorrection: table.global.rssiCorrection,
      txPower: table.global.txPower,
      confidence: CalibrationConfidence.LOWEST,
      source: 'global_default',
      tableId: 'test',
    });
    expect(riskDeviceCalibration({}, table)).toEqual(global);
    expect(riskDeviceCalibration({ model: '', oem: '  ' }, table)).toEqual(global);
  });

  it('rounds averages half up, as microG does', () => {
    const t = riskCalibrationTable({ id: 'r', rows: 2, groups: 'A,1,-21,3,X\nA,2,-22,3,Y' });
    // (1 + 2) / 2 = 1.5 → 2; (-21 - 22) / 2 = -21.5 → -21
    expect(riskDeviceCalibration({ oem: 'a' }, t)).toMatchObject({ rssiCorrection: 2, txPower: -21 });
  });

  it('looks real models up in the default (December 2020) table', () => {
    expect(riskDeviceCalibration({ model: 'Pixel 3', oem: 'Google' })).toMatchObject({
      rssiCorrection: 5,
      txPower: -33,
      confidence: 3,
      source: 'model',
      tableId: '2020-12-14',
    });
    // SM-A205FN is only in the June list: December's Samsung average.
    expect(riskDeviceCalibration({ model: 'SM-A205FN', oem: 'samsung' })).toMatchObject({
      source: 'oem_average',
      confidence: CalibrationConfidence.LOW,
    });
    expect(riskDeviceCalibration({ model: 'SM-A205FN' }, riskJune2020CalibrationTable())).toMatchObject({
      rssiCorrection: -3,
      txPower: -24,
      source: 'model',
    });
  });
});

describe('attenuation', () => {
  it('is TX power − (RSSI + the receiver’s correction)', () => {
    // Pixel 4 (December 2020): correction 8. tx −30, rssi −70 → −30 − (−70 + 8) = 32.
    const a = riskAttenuation({
      txPowerDbm: -30,
      rssiDbm: -70,
      receiver: { model: 'Pixel 4', oem: 'Google' },
    });
    expect(a).toMatchObject({ attenuationDb: 32, rawAttenuationDb: 32 });
    expect(a.calibration).toMatchObject({ source: 'model', confidence: 3, rssiCorrection: 8 });
    // With the June 2020 list (correction 5) the same reading is 3 dB weaker.
    const june = riskAttenuation(
      { txPowerDbm: -30, rssiDbm: -70, receiver: { model: 'Pixel 4' } },
      riskJune2020CalibrationTable(),
    );
    expect(june.attenuationDb).toBe(35);
  });

  it('takes the TX power from the transmitter’s metadata', () => {
    // Metadata 40 08 00 00 (the EN vectors): version 1.0, TX power 8 dBm.
    const { txPowerDbm } = decodeMetadata(Uint8Array.of(0x40, 0x08, 0, 0));
    expect(riskAttenuation({ txPowerDbm, rssiDbm: -60, receiver: { model: 'Pixel 4' } }).attenuationDb).toBe(
      60,
    );
  });

  it('reports the fallback confidence for unknown receivers', () => {
    const a = riskAttenuation({
      txPowerDbm: -25,
      rssiDbm: -80,
      receiver: { model: 'Nokia 9999', oem: 'HMD Global' },
    });
    expect(a.calibration.source).toBe('global_default');
    expect(a.calibration.confidence).toBe(CalibrationConfidence.LOWEST);
  });

  it('plugs into the matching engine as its attenuation callback', () => {
    const attenuate: MatchingAttenuationFunction = riskAttenuationFunction({ oem: 'Google' });
    expect(attenuate(-30, -70, 'Pixel 4')).toEqual({ attenuation: 32, calibrationConfidence: 3 });
    // Pixel 3a XL is in the table; "Pixel 9" falls back to Google's average (LOW).
    expect(attenuate(-30, -70, 'Pixel 3a XL')).toEqual({ attenuation: 38, calibrationConfidence: 3 });
    expect(attenuate(-30, -70, 'Pixel 9').calibrationConfidence).toBe(CalibrationConfidence.LOW);
    // Unrounded and unclamped: the matcher does both.
    expect(attenuate(-100, 20, 'Pixel 4').attenuation).toBe(-128);
    const june = riskAttenuationFunction({ table: riskJune2020CalibrationTable() });
    expect(june(-30, -70, 'Pixel 4')).toEqual({ attenuation: 35, calibrationConfidence: 3 });
  });

  it('rounds and clamps to 0 … 255 dB', () => {
    expect(riskAttenuationDb(-30, -60.4, 0)).toBe(30);
    expect(riskAttenuationDb(-30, -60.5, 0)).toBe(31);
    expect(riskAttenuationDb(-100, 20, 0)).toBe(0);
    expect(riskAttenuationDb(127, -127, -127)).toBe(255);
    const clamped = riskAttenuation({ txPowerDbm: -100, rssiDbm: 20, receiver: {} });
    expect(clamped.attenuationDb).toBe(0);
    expect(clamped.rawAttenuationDb).toBeLessThan(0);
  });

  it('rejects out-of-range inputs', () => {
    expect(() => riskAttenuation({ txPowerDbm: 128, rssiDbm: -60, receiver: {} })).toThrow(
      /txPowerDbm must be an integer/,
    );
    expect(() => riskAttenuation({ txPowerDbm: -20.5, rssiDbm: -60, receiver: {} })).toThrow(ProtocolError);
    expect(() => riskAttenuation({ txPowerDbm: -20, rssiDbm: Number.NaN, receiver: {} })).toThrow(/rssiDbm/);
    expect(() => riskAttenuation({ txPowerDbm: -20, rssiDbm: -128, receiver: {} })).toThrow(/rssiDbm/);
    expect(() => riskAttenuationDb(0, Number.POSITIVE_INFINITY, 0)).toThrow(/finite/);
  });
});
