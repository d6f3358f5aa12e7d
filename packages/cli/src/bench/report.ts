/**
 * Benchmark `report` (issue 7): the time to build a province's quick report ("Báo cáo nhanh") with
 * the national appendix (63 provinces + total, the rate chart and the map) and render it as DOCX
 * (goal < 500 ms) and as PDF (goal < 2 s), against the floor measured in the same run: the docx
 * library packing a document of one paragraph.
 *
 * Runs of the three alternate so that they share the machine's noise; the figures are medians.
 * One more pass times the parts alone for the notes: the two charts (SVG + PNG), and the DOCX
 * without charts and without the embedded fonts.
 *
 * @module
 */
import {
  buildQuickReport,
  mapProvinces,
  type NationalTable,
  type QuickReportInput,
  renderChartPng,
  renderDocx,
  renderMinimalDocx,
  renderPdf,
} from '@bluezone/reports';
import { median, nowMs, peakRssMb } from './stats.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './types.js';

const DOCX_GOAL_MS = 500;
const PDF_GOAL_MS = 2000;

/** A national table of the 63 provinces with plausible figures and ranks (ties shared). */
function sampleTable(): NationalTable {
  const rows = mapProvinces().map(({ code, name }, i) => {
    const smartphones = 200_000 + ((i * 7919) % 61) * 37_000;
    const phoneRegistered = Math.round(smartphones * (0.13 + ((i * 37) % 29) / 100));
    const installs = Math.round(phoneRegistered * 1.18);
    return { code, name, installs, phoneRegistered, active: Math.round(installs * 0.62), smartphones };
  });
  const rated = rows.map((r) => ({ ...r, rate: r.phoneRegistered / r.smartphones }));
  const provinces = rated.map((r) => ({ ...r, rank: 1 + rated.filter((o) => o.rate > r.rate).length }));
  const sum = (k: 'installs' | 'phoneRegistered' | 'active' | 'smartphones') =>
    rows.reduce((n, r) => n + r[k], 0);
  return {
    asOf: '2020-09-13T01:00:00Z',
    provinces,
    total: {
      installs: sum('installs'),
      phoneRegistered: sum('phoneRegistered'),
      active: sum('active'),
      smartphones: sum('smartphones'),
      rate: sum('phoneRegistered') / sum('smartphones'),
    },
    carriers: [],
  };
}

function input(table: NationalTable, charts: boolean): QuickReportInput {
  return {
    provinceCode: '19',
    round: 1,
    date: '2020-09-13',
    national: table,
    issuer: {
      parentBody: 'UBND tỉnh Thái Nguyên',
      body: 'Sở Thông tin và Truyền thông',
      code: 'STTTT',
      place: 'Thái Nguyên',
    },
    charts,
  };
}

/** CPU time (user + system, ms) of this process during the last `time` call. */
let lastCpuMs = 0;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const start = nowMs();
  await fn();
  const elapsed = nowMs() - start;
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return elapsed;
}

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const runs = options.quick ? 3 : 7;
  const table = sampleTable();
  let docxBytes = 0;
  let pdfBytes = 0;
  const docx = async () => {
    docxBytes = (await renderDocx(buildQuickReport(input(table, true)))).length;
  };
  const pdf = async () => {
    pdfBytes = (await renderPdf(buildQuickReport(input(table, true)))).length;
  };
  const floor = () => renderMinimalDocx();

  const total = 3 * (runs + 1) + 3;
  let done = 0;
  const step = () => options.progress?.(++done, total);
  // Warm-up: module loading, font parsing, the map file, JIT.
  for (const fn of [docx, pdf, floor]) {
    await fn();
    step();
  }
  const docxMs: number[] = [];
  const pdfMs: number[] = [];
  const floorMs: number[] = [];
  // CPU time too: on a shared machine it shows what one render costs whatever the load.
  const docxCpu: number[] = [];
  const pdfCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
    for (const k of order) {
      if (k === 0) {
        docxMs.push(await time(docx));
        docxCpu.push(lastCpuMs);
      } else if (k === 1) {
        pdfMs.push(await time(pdf));
        pdfCpu.push(lastCpuMs);
      } else floorMs.push(await time(floor));
      step();
    }
  }

  // The parts alone, for the notes.
  const doc = buildQuickReport(input(table, true));
  const images = doc.appendices[0]?.blocks.filter((b) => b.kind === 'image') ?? [];
  const chartMs = await time(async () => {
    for (const b of images) if (b.kind === 'image') renderChartPng(b.chart, b);
  });
  step();
  const noCharts = buildQuickReport(input(table, false));
  const noChartsMs = await time(() => renderDocx(noCharts));
  step();
  const noFontsMs = await time(() => renderDocx(noCharts, { embedFonts: false }));
  step();

  const docxMedian = median(docxMs);
  const pdfMedian = median(pdfMs);
  const base = median(floorMs);
  const met = docxMedian < DOCX_GOAL_MS && pdfMedian < PDF_GOAL_MS;
  return {
    id: 'report',
    title: 'Report generation',
    workload: `province quick report with the national appendix (63 provinces + total, rate chart, map), ${runs} interleaved runs each`,
    figures: [
      { label: 'DOCX', value: docxMedian, unit: 'ms' },
      { label: 'PDF', value: pdfMedian, unit: 'ms' },
      { label: 'DOCX CPU', value: median(docxCpu), unit: 'ms' },
      { label: 'PDF CPU', value: median(pdfCpu), unit: 'ms' },
      { label: 'DOCX size', value: docxBytes / 1e6, unit: 'MB' },
      { label: 'PDF size', value: pdfBytes / 1e6, unit: 'MB' },
    ],
    baseline: { label: 'docx packing a one-paragraph document', value: base, unit: 'ms' },
    ratio: docxMedian / base,
    goal: `DOCX < ${DOCX_GOAL_MS} ms, PDF < ${PDF_GOAL_MS / 1000} s`,
    met,
    notes: [
      `the two charts alone (SVG → resvg PNG at 150 dpi): ${chartMs.toFixed(0)} ms`,
      `DOCX without the charts: ${noChartsMs.toFixed(0)} ms; without the charts and the embedded Liberation Serif (≈1,5 MB of fonts): ${noFontsMs.toFixed(0)} ms`,
      `peak resident memory ${peakRssMb().toFixed(0)} MB`,
    ],
    json: {
      id: 'report',
      runs,
      docxMs: docxMedian,
      pdfMs: pdfMedian,
      docxCpuMs: median(docxCpu),
      pdfCpuMs: median(pdfCpu),
      floorMs: base,
      ratio: docxMedian / base,
      docxBytes,
      pdfBytes,
      chartsMs: chartMs,
      docxNoChartsMs: noChartsMs,
      docxNoChartsNoFontsMs: noFontsMs,
      goalDocxMs: DOCX_GOAL_MS,
      goalPdfMs: PDF_GOAL_MS,
      met,
    },
  };
}

/** The `report` benchmark: `bluezone bench report [--json]`. */
export const reportBenchmark: Benchmark = {
  id: 'report',
  description:
    'Reports: province quick report with the national appendix as DOCX and PDF vs docx packing one paragraph',
  run,
};
