#!/usr/bin/env node
/**
 * Dev-time analysis behind the `bluezone-default` risk configuration (docs/risk-scoring.md):
 * how well a calibrated attenuation threshold separates contacts within 2 m from farther ones, on
 * the recorded Bluetooth data in `shared/data/ble/` (Herald RSSI-vs-distance histogram, MIT
 * Lincoln Laboratory "matrix" recordings). Reads the shared data directory; nothing it reads is
 * shipped. Uses the built protocol package for calibration and scoring, so run `npx tsc -b` first.
 *
 *   node packages/protocol/scripts/analyze-ble-thresholds.mjs [--data DIR] [--json]
 *
 * Prints Markdown tables (or JSON with --json).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RISK_CONFIG_BLUEZONE_DEFAULT,
  RISK_CONFIG_BLUEZONE_LEGACY,
  RISK_CONFIG_CWA,
  riskDefaultCalibrationTable,
  riskDeviceCalibration,
  riskRangeContains,
  scoreExposureWindows,
} from '@bluezone/protocol';
import { parseCsv } from './csv.mjs';

const args = process.argv.slice(2);
const dataArg = args.indexOf('--data');
const dataDir =
  dataArg >= 0 ? args[dataArg + 1] : fileURLToPath(new URL('../../../../shared/data/ble/', import.meta.url));
const asJson = args.includes('--json');
const read = (name) => parseCsv(readFileSync(join(dataDir, name), 'utf8'));

const CLOSE_CM = 200;
const table = riskDefaultCalibrationTable();

// Herald phone names (herald_phones.csv) → calibration table models. The Samsung variants are
// assumptions (European models; the Herald team is in the UK): herald_phones.csv gives only
// "Samsung A10" etc.
const HERALD_ANDROID = {
  P2: { oem: 'Google', model: 'Pixel 2' },
  P3: { oem: 'Google', model: 'Pixel 3' },
  A10: { oem: 'samsung', model: 'SM-A105FN' },
  A20: { oem: 'samsung', model: 'SM-A205FN' },
  J6: { oem: 'samsung', model: 'SM-J600FN' },
  N8: { oem: 'samsung', model: 'SM-N950F' },
  'S9+': { oem: 'samsung', model: 'SM-G965F' },
};
const HERALD_IPHONES = new Set(['4S', 'Germany', 'Denmark', 'Netherlands', '6S+', '8+', 'X']);

const calibrationOf = (phone) => {
  if (HERALD_IPHONES.has(phone)) return { rssiCorrection: 0, txPower: undefined, source: 'iphone_reference' };
  const device = HERALD_ANDROID[phone];
  if (!device) throw new Error(`unknown Herald phone ${phone}`);
  return riskDeviceCalibration(device, table);
};

// ---------------------------------------------------------------------------------------------
// Weighted samples: every (file, distance) position weighs the same, whatever its reading rate.

/** @typedef {{ value: number, weight: number, close: boolean, distance: number, group: string }} Sample */

function quantile(samples, q) {
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const total = sorted.reduce((s, x) => s + x.weight, 0);
  let acc = 0;
  for (const x of sorted) {
    acc += x.weight;
    if (acc >= q * total) return x.value;
  }
  return sorted.at(-1)?.value ?? Number.NaN;
}

/** Share of the weight of `samples` for which `pred` holds. */
function share(samples, pred) {
  let yes = 0;
  let all = 0;
  for (const s of samples) {
    all += s.weight;
    if (pred(s)) yes += s.weight;
  }
  return all === 0 ? Number.NaN : yes / all;
}

/** Normalizes weights so that each group sums to 1. */
function normalize(samples) {
  const totals = new Map();
  for (const s of samples) totals.set(s.group, (totals.get(s.group) ?? 0) + s.weight);
  return samples.map((s) => ({ ...s, weight: s.weight / totals.get(s.group) }));
}

function sweep(samples, from, to) {
  const close = samples.filter((s) => s.close);
  const far = samples.filter((s) => !s.close);
  const rows = [];
  for (let t = from; t <= to; t++) {
    const tpr = share(close, (s) => s.value <= t);
    const fpr = share(far, (s) => s.value <= t);
    rows.push({ threshold: t, tpr, fpr, balancedAccuracy: (tpr + 1 - fpr) / 2 });
  }
  return rows;
}

const best = (rows) => rows.reduce((a, b) => (b.balancedAccuracy > a.balancedAccuracy ? b : a));

// ---------------------------------------------------------------------------------------------
// Herald

const herald = read('herald_rssi_distance_histogram.csv');
const col = (h, name) => h.header.indexOf(name);
const H = {
  file: col(herald, 'file'),
  receiver: col(herald, 'receiver'),
  transmitter: col(herald, 'transmitter'),
  distance: col(herald, 'distance_cm'),
  rssi: col(herald, 'rssi_dbm'),
  count: col(herald, 'count'),
};

const calibrated = []; // transmitter Android: attenuation computable
const iphoneTx = []; // transmitter iPhone: -(rssi + correction) only
for (const r of herald.records) {
  const receiver = calibrationOf(r[H.receiver]);
  const transmitter = calibrationOf(r[H.transmitter]);
  const distance = Number(r[H.distance]);
  const rssi = Number(r[H.rssi]);
  const count = Number(r[H.count]);
  const group = `${r[H.file]}@${distance}`;
  const pair = `${r[H.transmitter]}→${r[H.receiver]}`;
  const corrected = rssi + receiver.rssiCorrection;
  if (transmitter.txPower === undefined) {
    iphoneTx.push({ value: -corrected, weight: count, close: distance <= CLOSE_CM, distance, group, pair });
  } else {
    calibrated.push({
      value: transmitter.txPower - corrected,
      weight: count,
      close: distance <= CLOSE_CM,
      distance,
      group,
      pair,
    });
  }
}
const heraldCal = normalize(calibrated);
const heraldIph = normalize(iphoneTx);

// iPhone TX power is not in Google's (Android) tables: estimate the value that lines up Herald's
// iPhone-transmitter readings with its calibrated readings at the same distances (10 cm bins).
const bin = (d) => Math.round(d / 10) * 10;
const diffs = [];
for (const d of new Set(heraldCal.map((s) => bin(s.distance)))) {
  const cal = heraldCal.filter((s) => bin(s.distance) === d);
  const iph = heraldIph.filter((s) => bin(s.distance) === d);
  if (cal.length === 0 || iph.length === 0) continue;
  diffs.push({ value: quantile(cal, 0.5) - quantile(iph, 0.5), weight: 1 });
}
const iphoneTxEstimate = Math.round(quantile(diffs, 0.5));

const heraldAll = [...heraldCal, ...heraldIph.map((s) => ({ ...s, value: iphoneTxEstimate + s.value }))];

// ---------------------------------------------------------------------------------------------
// MIT matrix (iPhone → iPhone): attenuation = estimated iPhone TX − RSSI (correction 0).

const FT_CM = 30.48;
const mitFiles = read('mit_matrix_files.csv');
const M = { id: col(mitFiles, 'file_id'), folder: col(mitFiles, 'folder') };
const folderOf = new Map(mitFiles.records.map((r) => [r[M.id], r[M.folder]]));
const mitReadings = [];
const mitScans = new Map();
const SCAN_S = 4;
for (const part of ['mit_matrix_rssi_part1.csv', 'mit_matrix_rssi_part2.csv']) {
  const mit = read(part);
  const c = {
    id: col(mit, 'file_id'),
    range: col(mit, 'range_ft'),
    angle: col(mit, 'angle_deg'),
    t: col(mit, 't_s'),
    rssi: col(mit, 'rssi_dbm'),
  };
  for (const r of mit.records) {
    const distance = Number(r[c.range]) * FT_CM;
    const att = iphoneTxEstimate - Number(r[c.rssi]);
    const group = `${r[c.id]}@${r[c.range]}`;
    mitReadings.push({
      value: att,
      weight: 1,
      close: distance <= CLOSE_CM,
      distance,
      group,
      pair: folderOf.get(r[c.id]),
    });
    // EN scan instances report the minimum attenuation of a scan of a few seconds.
    const scanKey = `${group}#${Math.floor(Number(r[c.t]) / SCAN_S)}`;
    const prev = mitScans.get(scanKey);
    if (!prev || att < prev.value) {
      mitScans.set(scanKey, { value: att, weight: 1, close: distance <= CLOSE_CM, distance, group });
    }
  }
}
const mitRead = normalize(mitReadings);
const mitScan = normalize([...mitScans.values()]);

// ---------------------------------------------------------------------------------------------
// Expected normalized minutes per minute of contact, per distance, under a configuration
// (standard infectiousness, confirmed test: the TRV of TRL 7).

function weightOf(config, attenuation) {
  return (
    config.minutesAtAttenuationWeights.find((w) => riskRangeContains(w.attenuationRange, attenuation))
      ?.weight ?? 0
  );
}
function trv(config, trl) {
  return (
    config.transmissionRiskValueMapping.find((m) => m.transmissionRiskLevel === trl)?.transmissionRiskValue ??
    0
  );
}
function perMinute(samples, config) {
  const byDistance = new Map();
  for (const s of samples) {
    const d = Math.round(s.distance / 50) * 50;
    const list = byDistance.get(d) ?? [];
    list.push(s);
    byDistance.set(d, list);
  }
  const value = trv(
    config,
    config.trlEncoding.reportTypeOffsetConfirmedTest + config.trlEncoding.infectiousnessOffsetStandard,
  );
  return [...byDistance]
    .sort((a, b) => a[0] - b[0])
    .map(([d, list]) => {
      let w = 0;
      let total = 0;
      for (const s of list) {
        w += s.weight * weightOf(config, s.value);
        total += s.weight;
      }
      return { distanceCm: d, normalizedMinutesPerMinute: (value * w) / total };
    });
}

function distanceTable(samples) {
  const byDistance = new Map();
  for (const s of samples) {
    const d = bin(s.distance);
    const list = byDistance.get(d) ?? [];
    list.push(s);
    byDistance.set(d, list);
  }
  return [...byDistance]
    .sort((a, b) => a[0] - b[0])
    .map(([d, list]) => ({
      distanceCm: d,
      p10: quantile(list, 0.1),
      median: quantile(list, 0.5),
      p90: quantile(list, 0.9),
      positions: new Set(list.map((s) => s.group)).size,
    }));
}

// ---------------------------------------------------------------------------------------------
// Contact simulation. A contact of D minutes at one position (file, distance: one carriage state
// and orientation) yields D / 5 scan instances of 300 s, as the EN framework scans about every
// five minutes; each scan's minimum attenuation is drawn from that position's recorded values
// (MIT: the minimum of a real 4-second scan; Herald: one reading, as its histogram has no time,
// which overstates a scan minimum by a dB or two). A contact is "high" when TRV × weighted minutes
// reaches the high threshold (confirmed test, standard infectiousness: TRV 1).

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Positions with a weighted sampler of their values. */
function positionsOf(samples) {
  const byGroup = new Map();
  for (const s of samples) {
    const p = byGroup.get(s.group) ?? {
      close: s.close,
      distance: s.distance,
      values: [],
      cumulative: [],
      total: 0,
    };
    p.total += s.weight;
    p.values.push(s.value);
    p.cumulative.push(p.total);
    byGroup.set(s.group, p);
  }
  return [...byGroup.values()];
}

function draw(position, random) {
  const x = random() * position.total;
  let lo = 0;
  let hi = position.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (position.cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return position.values[lo];
}

const CONTACTS_PER_POSITION = 200;

/** Scan weight, TRV and high threshold of a candidate (grid point or configuration). */
function rule(candidate) {
  if (candidate.config) {
    const config = candidate.config;
    const trl =
      config.trlEncoding.reportTypeOffsetConfirmedTest + config.trlEncoding.infectiousnessOffsetStandard;
    const high = config.normalizedTimePerDayToRiskLevelMapping.find((m) => m.riskLevel === 2);
    return { weight: (a) => weightOf(config, a), trv: trv(config, trl), high: high.normalizedTimeRange.min };
  }
  return {
    weight: (a) => (a <= candidate.t1 ? 1 : a <= candidate.t2 ? candidate.w2 : 0),
    trv: 1,
    high: candidate.high,
  };
}

/** Simulated scan attenuations of one contact. */
function contactScans(position, minutes, random) {
  const scans = [];
  for (let k = 0; k < Math.max(1, Math.round(minutes / 5)); k++)
    scans.push(Math.round(draw(position, random)));
  return scans;
}

/** P(high) per position for contacts of `minutes`, averaged over close and far positions. */
function contactRates(positions, candidate, minutes, seed) {
  const random = rng(seed);
  const { weight, trv: value, high } = rule(candidate);
  const rates = { close: [], far: [] };
  for (const p of positions) {
    let highs = 0;
    for (let c = 0; c < CONTACTS_PER_POSITION; c++) {
      let weighted = 0;
      for (const a of contactScans(p, minutes, random)) weighted += 300 * weight(a);
      if (value * (weighted / 60) >= high) highs++;
    }
    (p.close ? rates.close : rates.far).push(highs / CONTACTS_PER_POSITION);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { close: mean(rates.close), far: mean(rates.far) };
}

/** Checks the fast rule above against the shipped scoring on simulated contacts. */
function crossCheck(positions, config, seed) {
  const random = rng(seed);
  const now = Date.UTC(2021, 0, 10, 12);
  const day = Date.UTC(2021, 0, 10);
  const { weight, trv: value, high } = rule({ config });
  let checked = 0;
  for (const p of positions) {
    for (let c = 0; c < 5; c++) {
      const scans = contactScans(p, 15, random);
      const window = {
        dateMillisSinceEpoch: day,
        reportType: 1,
        infectiousness: 1,
        calibrationConfidence: 3,
        scanInstances: scans.map((a) => ({
          minAttenuation: Math.min(255, Math.max(0, a)),
          typicalAttenuation: Math.min(255, Math.max(0, a)),
          secondsSinceLastScan: 300,
        })),
      };
      const score = scoreExposureWindows([window], config, now);
      let weighted = 0;
      for (const a of scans) weighted += 300 * weight(Math.min(255, Math.max(0, a)));
      const fast = value * (weighted / 60) >= high;
      if ((score.totalRiskLevel === 2) !== fast) {
        throw new Error(`analysis rule and scoreExposureWindows disagree on ${JSON.stringify(window)}`);
      }
      checked++;
    }
  }
  return checked;
}

function evaluate(candidate, datasets) {
  const perDataset = datasets.map(({ name, positions }, i) => {
    const r15 = contactRates(positions, candidate, 15, 1000 + i);
    const r30 = contactRates(positions, candidate, 30, 2000 + i);
    const r5 = contactRates(positions, candidate, 5, 3000 + i);
    return {
      name,
      sensitivity15: r15.close,
      falsePositive15: r15.far,
      falsePositive30Far: r30.far,
      high5Close: r5.close,
      balancedAccuracy: (r15.close + 1 - r15.far) / 2,
    };
  });
  const score = perDataset.reduce((a, d) => a + d.balancedAccuracy, 0) / perDataset.length;
  return { candidate, score, perDataset };
}

const datasets = [
  { name: 'herald', positions: positionsOf(heraldAll) },
  { name: 'mit', positions: positionsOf(mitScan) },
];
const candidates = [];
for (const t1 of [40, 42, 44, 46, 48, 50, 52, 55, 58]) {
  for (const t2 of [t1, 55, 58, 60, 63, 66, 70]) {
    if (t2 < t1) continue;
    for (const w2 of t2 === t1 ? [0] : [0.25, 0.5]) {
      for (const high of [10, 12.5, 15]) candidates.push({ t1, t2, w2, high });
    }
  }
}
const grid = candidates.map((c) => evaluate(c, datasets)).sort((a, b) => b.score - a.score);
const chosenCandidate = { label: RISK_CONFIG_BLUEZONE_DEFAULT.version, config: RISK_CONFIG_BLUEZONE_DEFAULT };
const cwaCandidate = { label: RISK_CONFIG_CWA.version, config: RISK_CONFIG_CWA };
const legacyCandidate = { label: RISK_CONFIG_BLUEZONE_LEGACY.version, config: RISK_CONFIG_BLUEZONE_LEGACY };
const crossChecked = datasets.reduce(
  (n, d, i) =>
    n +
    crossCheck(d.positions, RISK_CONFIG_BLUEZONE_DEFAULT, 4000 + i) +
    crossCheck(d.positions, RISK_CONFIG_CWA, 5000 + i),
  0,
);

const result = {
  calibrationTable: table.id,
  heraldPhones: Object.fromEntries(Object.keys(HERALD_ANDROID).map((k) => [k, calibrationOf(k)])),
  iphoneTxEstimate,
  herald: {
    calibratedPositions: new Set(heraldCal.map((s) => s.group)).size,
    iphoneTxPositions: new Set(heraldIph.map((s) => s.group)).size,
    byDistanceCalibrated: distanceTable(heraldCal),
    sweepCalibrated: sweep(heraldCal, 40, 80),
    sweepAll: sweep(heraldAll, 40, 80),
  },
  mit: {
    files: mitFiles.records.length,
    byDistanceReadings: distanceTable(mitRead),
    byDistanceScans: distanceTable(mitScan),
    sweepReadings: sweep(mitRead, 40, 90),
    sweepScans: sweep(mitScan, 40, 90),
  },
  contacts: {
    top: grid.slice(0, 20),
    chosen: evaluate(chosenCandidate, datasets),
    cwaApproximation: evaluate(cwaCandidate, datasets),
    legacy: evaluate(legacyCandidate, datasets),
    crossChecked,
    // How much the MIT figures depend on the estimated iPhone TX power.
    iphoneTxSensitivity: [-5, 5].map((shift) => ({
      shift,
      ...evaluate(chosenCandidate, [
        {
          name: `mit, iPhone TX ${iphoneTxEstimate + shift} dBm`,
          positions: positionsOf(mitScan.map((x) => ({ ...x, value: x.value + shift }))),
        },
      ]),
    })),
  },
  perMinute: {
    default: {
      herald: perMinute(heraldAll, RISK_CONFIG_BLUEZONE_DEFAULT),
      mit: perMinute(mitScan, RISK_CONFIG_BLUEZONE_DEFAULT),
    },
    cwa: { herald: perMinute(heraldAll, RISK_CONFIG_CWA), mit: perMinute(mitScan, RISK_CONFIG_CWA) },
  },
};

if (asJson) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const pct = (x) => `${(100 * x).toFixed(1)} %`;
  const out = [];
  out.push(
    `Calibration table ${result.calibrationTable}; estimated iPhone TX power ${iphoneTxEstimate} dBm.`,
  );
  out.push(
    `Fast rule cross-checked against scoreExposureWindows on ${result.contacts.crossChecked} simulated contacts.`,
  );
  out.push('', 'Herald phones:', '');
  for (const [k, v] of Object.entries(result.heraldPhones)) {
    out.push(
      `- ${k}: correction ${v.rssiCorrection}, tx ${v.txPower}, ${v.source}${v.model ? ` (${v.model})` : ''}`,
    );
  }
  const sweepTable = (title, rows) => {
    const b = best(rows);
    out.push('', `### ${title} (best balanced accuracy at ≤ ${b.threshold} dB)`, '');
    out.push(
      '| threshold dB | sensitivity (≤ 2 m flagged) | false positives (> 2 m flagged) | balanced accuracy |',
    );
    out.push('|---:|---:|---:|---:|');
    for (const r of rows.filter((r) => r.threshold % 2 === 0 || r.threshold === b.threshold)) {
      out.push(`| ${r.threshold} | ${pct(r.tpr)} | ${pct(r.fpr)} | ${pct(r.balancedAccuracy)} |`);
    }
  };
  const distTable = (title, rows) => {
    out.push('', `### ${title}`, '');
    out.push('| distance cm | p10 | median | p90 | positions |');
    out.push('|---:|---:|---:|---:|---:|');
    for (const r of rows)
      out.push(`| ${r.distanceCm} | ${r.p10} | ${r.median} | ${r.p90} | ${r.positions} |`);
  };
  distTable(
    'Herald, calibrated attenuation by distance (Android transmitters)',
    result.herald.byDistanceCalibrated,
  );
  sweepTable('Herald, Android transmitters (calibration exact)', result.herald.sweepCalibrated);
  sweepTable('Herald, all pairs (iPhone TX estimated)', result.herald.sweepAll);
  distTable('MIT matrix, attenuation per reading by distance', result.mit.byDistanceReadings);
  distTable(
    `MIT matrix, minimum attenuation per ${SCAN_S}-second scan by distance`,
    result.mit.byDistanceScans,
  );
  sweepTable('MIT matrix, per reading', result.mit.sweepReadings);
  sweepTable(`MIT matrix, per ${SCAN_S}-second scan minimum`, result.mit.sweepScans);
  const contactTable = (title, rows) => {
    out.push('', `### ${title}`, '');
    out.push(
      '| rule | data | 15 min ≤ 2 m → high | 15 min > 2 m → high | 30 min > 2 m → high | 5 min ≤ 2 m → high | balanced accuracy (15 min) |',
    );
    out.push('|---|---|---:|---:|---:|---:|---:|');
    for (const e of rows) {
      const c = e.candidate;
      const label = c.label ?? `≤ ${c.t1} dB ×1, ≤ ${c.t2} dB ×${c.w2}, high ≥ ${c.high}`;
      for (const d of e.perDataset) {
        out.push(
          `| ${label} | ${d.name} | ${pct(d.sensitivity15)} | ${pct(d.falsePositive15)} | ${pct(d.falsePositive30Far)} | ${pct(d.high5Close)} | ${pct(d.balancedAccuracy)} |`,
        );
      }
    }
  };
  contactTable(
    'Simulated contacts, best candidates (mean balanced accuracy over both data sets)',
    result.contacts.top,
  );
  contactTable('Simulated contacts, the shipped bluezone-default', [result.contacts.chosen]);
  contactTable(
    'Simulated contacts, bluezone-default on MIT with the iPhone TX estimate shifted by ±5 dB',
    result.contacts.iphoneTxSensitivity,
  );
  contactTable('Simulated contacts, CWA production parameters (confirmed test, TRV 1.4)', [
    result.contacts.cwaApproximation,
  ]);
  contactTable('Simulated contacts, legacy Bluezone (any sighting)', [result.contacts.legacy]);
  for (const [name, per] of Object.entries(result.perMinute)) {
    out.push(
      '',
      `### Normalized minutes per minute of contact (${name}, confirmed test, standard infectiousness)`,
      '',
    );
    out.push('| source | distance cm | normalized min / min |');
    out.push('|---|---:|---:|');
    for (const [src, rows] of Object.entries(per)) {
      for (const r of rows)
        out.push(`| ${src} | ${r.distanceCm} | ${r.normalizedMinutesPerMinute.toFixed(2)} |`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
