/**
 * Renders benchmark reports as `docs/benchmarks.md`.
 *
 * @module
 */
import { formatNumber } from './stats.js';
import type { BenchmarkReport, Measurement } from './types.js';

const fmt = (m: Measurement) => `${formatNumber(m.value, m.value < 100 ? 2 : 0)} ${m.unit}`;

/** The whole benchmarks document for one run. */
export function renderBenchmarksMarkdown(
  reports: readonly BenchmarkReport[],
  machine: { readonly date: string; readonly node: string; readonly cpu: string; readonly cores: number },
): string {
  const lines: string[] = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (do not edit by hand). Every figure is a median over repeated runs,',
    'and every benchmark measures its baseline in the same run: these machines are shared and noisy,',
    'so the ratio is the figure to compare across runs. Goals are those of `SYSTEM.md` §8.',
    '',
    `Run: ${machine.date}, Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores.`,
    '',
    '| benchmark | figure | baseline (same run) | ratio | goal | met |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of reports) {
    const figures = r.figures.map((f) => `${f.label}: ${fmt(f)}`).join('<br>');
    lines.push(
      `| ${r.title} | ${figures} | ${r.baseline.label}: ${fmt(r.baseline)} | ${r.ratio.toFixed(2)}× | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`,
    );
  }
  for (const r of reports) {
    lines.push('', `## ${r.title}`, '', `Workload: ${r.workload}`, '');
    for (const f of r.figures) lines.push(`- ${f.label}: **${fmt(f)}**`);
    lines.push(
      `- baseline, ${r.baseline.label}: ${fmt(r.baseline)}`,
      `- ratio: ${r.ratio.toFixed(2)}×`,
      `- goal: ${r.goal} — ${r.met ? 'met' : 'not met'}`,
    );
    if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  }
  lines.push('');
  return lines.join('\n');
}
