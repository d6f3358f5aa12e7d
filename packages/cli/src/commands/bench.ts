/**
 * `bluezone bench …`: the benchmarks of SYSTEM.md §8. `bench all --write docs/benchmarks.md` is
 * what `npm run bench` runs.
 *
 * @module
 */
import { cpus } from 'node:os';
import type { Command } from 'commander';
import { renderBenchmarksMarkdown } from '../bench/markdown.js';
import { benchmarks } from '../bench/registry.js';
import { formatNumber } from '../bench/stats.js';
import type { BenchmarkReport } from '../bench/types.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

function summary(report: BenchmarkReport): string {
  const figures = report.figures.map(
    (f) => `${f.label} ${formatNumber(f.value, f.value < 100 ? 2 : 0)} ${f.unit}`,
  );
  return `${report.title}: ${figures.join(', ')}; baseline ${report.baseline.label} ${formatNumber(report.baseline.value, report.baseline.value < 100 ? 2 : 0)} ${report.baseline.unit}; ratio ${report.ratio.toFixed(2)}x; goal ${report.goal}: ${report.met ? 'met' : 'NOT met'}\n`;
}

export function registerBenchCommands(program: Command, io: CliIo): void {
  const bench = program.command('bench').description('Run the benchmarks (figures and same-run baselines)');

  for (const benchmark of benchmarks) {
    const command = bench
      .command(benchmark.id)
      .description(benchmark.description)
      .option('--json', 'print the result as JSON');
    if (benchmark.sizeOption) {
      command.option(`--${benchmark.sizeOption.name} <n>`, benchmark.sizeOption.description);
    }
    command
      .option('--quick', 'fewer repetitions (smoke test)')
      .action(async (options: Record<string, string | boolean | undefined>) => {
        const sizeName = benchmark.sizeOption?.name;
        const size =
          sizeName === undefined
            ? undefined
            : intOption(
                options[sizeName] as string | undefined,
                `--${sizeName}`,
                1,
                benchmark.sizeOption!.max,
              );
        const bar = progressBar(io, benchmark.id);
        const report = await benchmark.run({ size, quick: options['quick'] === true, progress: bar.update });
        bar.stop();
        io.stdout(options['json'] === true ? `${JSON.stringify(report.json)}\n` : summary(report));
      });
  }

  bench
    .command('all')
    .description('Run every benchmark; with --write, write the markdown report')
    .option('--write <file>', 'write the report (docs/benchmarks.md)')
    .option('--quick', 'fewer repetitions (smoke test)')
    .option(
      '--size <id=n...>',
      'workload of one benchmark instead of its default, e.g. stats=5000000 (repeatable; the report says what ran)',
    )
    .action(async (options: { write?: string; quick?: boolean; size?: string[] }) => {
      const sizes = new Map<string, number>();
      for (const entry of options.size ?? []) {
        const match = /^([a-z-]+)=([0-9]+)$/.exec(entry);
        const benchmark = benchmarks.find((b) => b.id === match?.[1]);
        if (!match || !benchmark?.sizeOption)
          throw new UsageError(
            `--size takes id=n for a sizable benchmark (${benchmarks
              .filter((b) => b.sizeOption)
              .map((b) => b.id)
              .join(', ')}), got ${JSON.stringify(entry)}`,
          );
        sizes.set(
          benchmark.id,
          intOption(match[2], `--size ${benchmark.id}`, 1, benchmark.sizeOption.max) ?? 1,
        );
      }
      const reports: BenchmarkReport[] = [];
      for (const benchmark of benchmarks) {
        const bar = progressBar(io, benchmark.id);
        const size = sizes.get(benchmark.id);
        const report = await benchmark.run({
          ...(size === undefined ? {} : { size }),
          quick: options.quick === true,
          progress: bar.update,
        });
        bar.stop();
        reports.push(report);
        io.stdout(summary(report));
      }
      if (options.write) {
        const cpu = cpus()[0]?.model ?? 'unknown CPU';
        const markdown = renderBenchmarksMarkdown(reports, {
          date: io.now().toISOString().slice(0, 10),
          node: process.version,
          cpu,
          cores: cpus().length,
        });
        await io.writeFile(options.write, markdown);
        io.stdout(`wrote ${options.write}\n`);
      }
    });
}
