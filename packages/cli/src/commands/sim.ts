/**
 * `bluezone sim`: the population simulator (`@bluezone/sim`) driving the real device SDK and
 * server. `--json` prints the summary (an array of them with `--sweep`); `--out DIR` writes a
 * Markdown report with SVG charts. Deterministic for a seed.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isRiskPresetName, RISK_PRESET_NAMES, type RiskPresetName } from '@bluezone/protocol';
import { findProvince, renderReport, type SimResult, simulate, summarize, sweep } from '@bluezone/sim';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

interface SimCliOptions {
  province: string;
  population: string;
  uptake: string;
  days: string;
  seed: string;
  sweep?: boolean;
  out?: string;
  json?: boolean;
  noise: boolean;
  risk: string;
}

function riskOption(value: string): RiskPresetName {
  const name = value.trim();
  if (!isRiskPresetName(name)) {
    throw new UsageError(
      `--risk must be one of ${RISK_PRESET_NAMES.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return name;
}

function uptakeOption(value: string): number {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || !(n >= 0 && n <= 1)) {
    throw new UsageError(`--uptake must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function registerSimCommand(program: Command, io: CliIo): void {
  program
    .command('sim')
    .description(
      'Simulate a province: population, contacts, Bluetooth, uptake and an epidemic, through the real SDK and server',
    )
    .requiredOption('--province <code>', 'GSO province code (2 digits), e.g. 30 for Hải Dương')
    .option('--population <n>', 'people, 10,000 to 1,000,000', '20000')
    .option('--uptake <p>', 'share with the app installed, 0 to 1', '0.3')
    .option('--days <n>', 'days simulated, 1 to 28', '7')
    .option('--seed <n>', 'random seed', '1')
    .option('--sweep', 'run at uptakes 0.1, 0.2, …, 0.7')
    .option('--out <dir>', 'write report.md and SVG charts into this directory')
    .option('--json', 'print the figures as JSON')
    .option('--no-noise', 'ideal channel: no shadowing, body or carriage loss, synchronised scans')
    .option(
      '--risk <preset>',
      `risk rule the server gives the phones: ${RISK_PRESET_NAMES.join(', ')}`,
      'bluezone-default',
    )
    .action(async (opts: SimCliOptions) => {
      const province = opts.province.trim();
      if (!/^\d{2}$/.test(province) || !findProvince(province)) {
        throw new UsageError(
          `--province must be a GSO province code such as 30, got ${JSON.stringify(opts.province)}`,
        );
      }
      const population = intOption(opts.population, '--population', 10_000, 1_000_000)!;
      const days = intOption(opts.days, '--days', 1, 28)!;
      const seed = intOption(opts.seed, '--seed', 0, 2 ** 32 - 1)!;
      const uptake = uptakeOption(opts.uptake);
      const riskRule = riskOption(opts.risk);
      const bar = progressBar(io, opts.sweep ? 'sim sweep' : 'sim');
      const started = performance.now();
      const base = { province, population, days, seed, noise: opts.noise, riskRule, progress: bar.update };
      let results: SimResult[];
      try {
        results = opts.sweep ? await sweep(base) : [await simulate({ ...base, uptake })];
      } finally {
        bar.stop();
      }
      const wallSeconds = (performance.now() - started) / 1000;
      if (opts.out) {
        await mkdir(opts.out, { recursive: true });
        const command = `bluezone sim --province ${province} --population ${population} ${opts.sweep ? '--sweep' : `--uptake ${uptake}`} --days ${days} --seed ${seed}${opts.noise ? '' : ' --no-noise'}${riskRule === 'bluezone-default' ? '' : ` --risk ${riskRule}`}`;
        const report = renderReport(results, { command, wallSeconds });
        await io.writeFile(join(opts.out, 'report.md'), report.markdown);
        for (const [name, content] of Object.entries(report.files))
          await io.writeFile(join(opts.out, name), content);
      }
      if (opts.json) {
        const summaries = results.map(summarize);
        io.stdout(`${JSON.stringify(opts.sweep ? summaries : summaries[0])}\n`);
        return;
      }
      for (const r of results) {
        io.stdout(
          `uptake ${r.uptake}: ${r.confirmedCases} confirmed cases, ${r.closeContacts} close contacts, ${r.warned} warned (${r.truePositives} true, ${r.falsePositives} false), precision ${r.precision}, recall ${r.recall}, ${r.contactsPerCase} contacts reported per case, median ${r.medianHoursToWarning ?? '–'} h from upload to warning, ${r.requests.total} server requests${r.atPhoneResolution ? `; at the phones' resolution (noise off): ${r.atPhoneResolution.closeContacts} close contacts, precision ${r.atPhoneResolution.precision}, recall ${r.atPhoneResolution.recall}` : ''}\n`,
        );
      }
      if (opts.out) io.stdout(`report: ${join(opts.out, 'report.md')}\n`);
    });
}
