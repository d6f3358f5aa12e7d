#!/usr/bin/env node
/**
 * Fits the simulator's Bluetooth channel on the copied measurements (data/ble, PROVENANCE.md) and
 * writes data/channel-fit.json. Run `npx tsc -b packages/protocol` first (it uses the built
 * calibration lookup), then `node packages/sim/scripts/fit-channel.mjs`. A test checks that the
 * committed JSON is what this script produces.
 *
 * 1. Path loss (line of sight): Herald, Android transmitters only (their TX power is in the
 *    calibration table, so the attenuation is exact). Each position (test file × distance ≥ 10 cm)
 *    counts once with its median attenuation; least squares of
 *    A(d) = A0 + 10 n log10(d / 1 m). Residual σ = the shadowing of the line-of-sight channel.
 * 2. Body and carriage loss: MIT Lincoln Laboratory matrix (iPhones on people, TX −8 dBm as
 *    docs/risk-scoring.md §5 estimates). Minimum attenuation per 4-second scan minus A(d); least
 *    squares of excess = L(receiver carriage) + L(transmitter carriage) over the carriage
 *    categories hand, pocket, bag, per recording (median excess of its scans). Residual σ of the
 *    scans around that = the shadowing with bodies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { riskDeviceCalibration } from '../../protocol/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, '..', 'data');

function csv(name) {
  const [head, ...rows] = readFileSync(join(data, 'ble', name), 'utf8')
    .trim()
    .split('\n');
  const cols = head.split(',');
  return rows.map((line) => {
    const cells = [];
    let cur = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cur);
        cur = '';
      } else cur += ch;
    }
    cells.push(cur);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// Herald phone names → calibration rows (docs/risk-scoring.md §5; Samsung variants assumed).
const ANDROID = {
  P2: { model: 'Pixel 2', oem: 'Google' },
  P3: { model: 'Pixel 3', oem: 'Google' },
  A10: { model: 'SM-A105FN', oem: 'Samsung' },
  A20: { model: 'SM-A205FN', oem: 'Samsung' },
  J6: { model: 'SM-J600FN', oem: 'Samsung' },
  N8: { model: 'SM-N950F', oem: 'Samsung' },
  'S9+': { model: 'SM-G965F', oem: 'Samsung' },
};
const correction = (name) => (ANDROID[name] ? riskDeviceCalibration(ANDROID[name]).rssiCorrection : 0);

// 1. Herald: per position, the median attenuation (weighted by reading counts within it).
const positions = new Map();
for (const r of csv('herald_rssi_distance_histogram.csv')) {
  const tx = ANDROID[r.transmitter];
  const d = Number(r.distance_cm) / 100;
  if (!tx || d < 0.1) continue;
  const att = riskDeviceCalibration(tx).txPower - (Number(r.rssi_dbm) + correction(r.receiver));
  const key = `${r.file}|${r.distance_cm}`;
  let p = positions.get(key);
  if (!p) {
    p = { d, hist: [] };
    positions.set(key, p);
  }
  p.hist.push([att, Number(r.count)]);
}
const points = [];
for (const p of positions.values()) {
  p.hist.sort((a, b) => a[0] - b[0]);
  const total = p.hist.reduce((n, [, c]) => n + c, 0);
  let acc = 0;
  let med = p.hist[0][0];
  for (const [a, c] of p.hist) {
    acc += c;
    if (acc >= total / 2) {
      med = a;
      break;
    }
  }
  points.push({ x: Math.log10(p.d), y: med });
}
const n = points.length;
const mx = points.reduce((s, p) => s + p.x, 0) / n;
const my = points.reduce((s, p) => s + p.y, 0) / n;
const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
const slope = sxy / sxx;
const a0 = my - slope * mx;
const residuals = points.map((p) => p.y - (a0 + slope * p.x));
const rmse = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / (n - 2));
const pathLoss = (d) => a0 + slope * Math.log10(d);

// 2. MIT: excess loss by carriage.
const CATEGORY = (part) => (/Hand/.test(part) ? 'hand' : /Purse/.test(part) ? 'bag' : 'pocket');
const files = new Map(csv('mit_matrix_files.csv').map((f) => [f.file_id, f]));
const byFile = new Map();
for (const r of csv('mit_scan_max_rssi.csv')) {
  const d = Number(r.range_ft) * 0.3048;
  const excess = -8 - Number(r.max_rssi_dbm) - pathLoss(d);
  let list = byFile.get(r.file_id);
  if (!list) {
    list = [];
    byFile.set(r.file_id, list);
  }
  list.push(excess);
}
const cats = ['hand', 'pocket', 'bag'];
// Normal equations for excess_f = L[rx] + L[tx] (3 unknowns), one row per recording.
const ata = cats.map(() => cats.map(() => 0));
const atb = cats.map(() => 0);
const rows = [];
for (const [id, list] of byFile) {
  const [rx, tx] = files.get(id).folder.split('_').map(CATEGORY);
  const y = median(list);
  const v = cats.map((c) => (c === rx ? 1 : 0) + (c === tx ? 1 : 0));
  for (let i = 0; i < 3; i++) {
    atb[i] += v[i] * y;
    for (let j = 0; j < 3; j++) ata[i][j] += v[i] * v[j];
  }
  rows.push({ v, list });
}
// Gaussian elimination.
const m = ata.map((r, i) => [...r, atb[i]]);
for (let i = 0; i < 3; i++) {
  let p = i;
  for (let k = i + 1; k < 3; k++) if (Math.abs(m[k][i]) > Math.abs(m[p][i])) p = k;
  [m[i], m[p]] = [m[p], m[i]];
  for (let k = 0; k < 3; k++) {
    if (k === i) continue;
    const f = m[k][i] / m[i][i];
    for (let j = i; j < 4; j++) m[k][j] -= f * m[i][j];
  }
}
const loss = cats.map((_, i) => m[i][3] / m[i][i]);
let ss = 0;
let count = 0;
for (const { v, list } of rows) {
  const fit = v.reduce((s, x, i) => s + x * loss[i], 0);
  for (const e of list) {
    ss += (e - fit) ** 2;
    count++;
  }
}
const mitSigma = Math.sqrt(ss / (count - 3));

const out = {
  _comment:
    'Generated by packages/sim/scripts/fit-channel.mjs from data/ble (see PROVENANCE.md); do not edit.',
  pathLoss: {
    model: 'A(d) = a0 + 10 n log10(d / 1 m), attenuation in dB as the calibration table defines it',
    a0: round(a0),
    n: round(slope / 10, 3),
    residualSigmaDb: round(rmse),
    positions: n,
    source: 'Herald, Android transmitters, median attenuation per position, 0.1-3.5 m',
  },
  carriageLossDb: Object.fromEntries(cats.map((c, i) => [c, round(loss[i])])),
  bodySigmaDb: round(mitSigma),
  mit: { recordings: byFile.size, scans: count, txPowerAssumedDbm: -8 },
};
const text = `${JSON.stringify(out, null, 2)}\n`;
if (process.argv.includes('--print')) process.stdout.write(text);
else writeFileSync(join(data, 'channel-fit.json'), text);

export { text };
