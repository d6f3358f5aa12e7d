/**
 * The report of a run or a sweep: Markdown with SVG charts (ECharts rendered on the server, no
 * browser), every number taken from the results.
 *
 * @module
 */
import * as echarts from 'echarts';
import { type SimResult, summarize } from './simulate.js';

/** One chart as an SVG document. */
function svg(option: echarts.EChartsCoreOption, width = 640, height = 360): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option });
  const out = chart.renderToSVGString();
  chart.dispose();
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Yield curve: contacts reported per case against uptake, with c·u² through the last point. */
export function sweepChart(results: readonly SimResult[]): string {
  const last = results[results.length - 1];
  const scale = last && last.uptake > 0 ? last.contactsPerCase / last.uptake ** 2 : 0;
  return svg({
    title: { text: 'Contacts reported per confirmed case', left: 'center' },
    legend: { bottom: 0 },
    xAxis: { type: 'value', name: 'uptake', min: 0, max: 1 },
    yAxis: { type: 'value', name: 'contacts / case' },
    series: [
      { name: 'simulated', type: 'line', data: results.map((r) => [r.uptake, r.contactsPerCase]) },
      {
        name: 'c × uptake² (through the last point)',
        type: 'line',
        lineStyle: { type: 'dashed' },
        showSymbol: false,
        data: Array.from({ length: 21 }, (_, i) => [i / 20, scale * (i / 20) ** 2]),
      },
    ],
  });
}

/** Precision and recall against uptake. */
export function accuracyChart(results: readonly SimResult[]): string {
  return svg({
    title: { text: 'Warnings against the ground truth', left: 'center' },
    legend: { bottom: 0 },
    xAxis: { type: 'value', name: 'uptake', min: 0, max: 1 },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: [
      { name: 'precision', type: 'line', data: results.map((r) => [r.uptake, r.precision]) },
      { name: 'recall', type: 'line', data: results.map((r) => [r.uptake, r.recall]) },
      {
        name: 'recall among reachable',
        type: 'line',
        data: results.map((r) => [r.uptake, r.reachableRecall]),
      },
    ],
  });
}

/** Close pair-days by setting. */
export function settingsChart(r: SimResult): string {
  const names = Object.keys(r.episodesBySetting);
  return svg({
    title: { text: 'Close contacts (≤ 2 m, ≥ 15 min) by setting, pair-days', left: 'center' },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: names.map((n) => r.closePairDaysBySetting[n] ?? 0) }],
  });
}

/** Hours from upload to warning, histogram by 4-hour bins. */
export function delayChart(r: SimResult): string {
  const bins = new Array<number>(12).fill(0);
  for (const h of r.hoursToWarning) bins[Math.min(11, Math.floor(h / 4))]!++;
  return svg({
    title: { text: 'Hours from upload to warning', left: 'center' },
    xAxis: { type: 'category', data: bins.map((_, i) => (i === 11 ? '44+' : `${i * 4}–${i * 4 + 4}`)) },
    yAxis: { type: 'value', name: 'warned phones' },
    series: [{ type: 'bar', data: bins }],
  });
}

function table(results: readonly SimResult[]): string {
  const head = Object.keys(summarize(results[0]!));
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---:').join('|')}|`];
  for (const r of results) {
    lines.push(
      `| ${Object.values(summarize(r))
        .map((v) => (v === null ? '–' : String(v)))
        .join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** The Markdown report and its SVG files (name → content). */
export function renderReport(
  results: readonly SimResult[],
  meta: { command: string; wallSeconds: number },
): { markdown: string; files: Record<string, string> } {
  const main = results.find((r) => Math.abs(r.uptake - 0.3) < 1e-9) ?? results[results.length - 1]!;
  const files: Record<string, string> = {
    'close-contacts-by-setting.svg': settingsChart(main),
    'hours-to-warning.svg': delayChart(main),
  };
  if (results.length > 1) {
    files['yield-curve.svg'] = sweepChart(results);
    files['accuracy.svg'] = accuracyChart(results);
  }
  const r = main;
  const md = [
    `# Bluezone simulation: ${r.province.name} (${r.province.code})`,
    '',
    `\`${meta.command}\` — ${r.population.toLocaleString('en-US')} people, ${r.days} days, seed ${r.seed}, channel noise ${r.noise ? 'on' : 'off'}, risk rule \`${r.riskRule}\`, scans ${r.scans.durationSeconds} s every ${r.scans.intervalSeconds} s; ${meta.wallSeconds.toFixed(1)} s wall time. Every figure comes from the real device SDK and server driven by the simulation, compared with the contact model's ground truth (close contact: within 2 m for at least 15 minutes in a day). Model and definitions: docs/simulator.md.`,
    '',
    '## Figures',
    '',
    table(results),
    '',
    results.length > 1 ? '![yield](yield-curve.svg)\n\n![accuracy](accuracy.svg)\n' : '',
    `## The run at uptake ${r.uptake}`,
    '',
    `- Population: ${r.households.toLocaleString('en-US')} households in ${r.province.districts} districts; ${Object.entries(
      r.roles,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    `- Contacts: ${r.episodes.toLocaleString('en-US')} episodes, ${r.closePairDays.toLocaleString('en-US')} close pair-days.`,
    `- App: ${r.installs.toLocaleString('en-US')} installs, ${r.stopped} stopped during the run; ${r.observations.toLocaleString('en-US')} scans heard another app phone; the SDKs of the phones that checked recorded ${r.sightings.accepted.toLocaleString('en-US')} sightings.`,
    `- Epidemic: ${r.infections} infected, ${r.confirmedCases} confirmed, ${r.uploads} uploaded keys (F0), ${r.recursiveUploads} recursive uploads (F1)${r.rejectedUploads > 0 ? `; ${r.rejectedUploads} uploads refused by the server` : ''}.`,
    `- Warnings: ${r.warned} F1 (${r.truePositives} true, ${r.falsePositives} false), ${r.warnedF2} F2; precision ${pct(r.precision)}, recall ${pct(r.recall)} of ${r.closeContacts} close contacts of confirmed cases, ${pct(r.reachableRecall)} of the ${r.reachableCloseContacts} the app could reach (both active, case uploaded).`,
    r.atPhoneResolution
      ? `- At the phones' resolution (noise off: within the 1-dB step of 2 m at 15 minutes of 5-minute scans, docs/simulator.md §5): ${r.atPhoneResolution.closeContacts} close contacts; precision ${pct(r.atPhoneResolution.precision)}, recall ${pct(r.atPhoneResolution.recall)}.`
      : '',
    `- Authority lists: ${r.f1Listed} F1 and ${r.f2Listed} F2 contacts from ${r.reportsSent} consented reports; ${r.contactsPerCase} contacts reported per confirmed case (Bluezone 2020: 1,920 from 72 cases ≈ 26.7; NHS COVID-19 app: 4.4 notifications per consenting case).`,
    `- Median hours from upload to warning: ${r.medianHoursToWarning ?? '–'} (checks every 4 hours when new files exist).`,
    `- Server requests: ${r.requests.total.toLocaleString('en-US')} (phones ${r.requests.phones}, authority ${r.requests.authority}; ${r.requests.checks} exposure checks): ${Object.entries(
      r.requests.byPath,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    '![settings](close-contacts-by-setting.svg)',
    '',
    '![delay](hours-to-warning.svg)',
    '',
  ].join('\n');
  return { markdown: md, files };
}
