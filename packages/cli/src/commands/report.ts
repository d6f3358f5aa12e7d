/**
 * `bluezone report quick|national|tracing`: issues an official report from the statistics in the
 * database (`--db PATH` like `bluezone serve`), records it in the register of issued reports
 * (author `cli`, numbered in its series like the admin API's) and writes the asked format to
 * `--out`. The narrative sections come from `--narrative FILE.json` (the `content` object of
 * `POST /admin/v1/reports`); without it the report prints the marked placeholders ("…") of the
 * source form. See docs/reports.md, "The register".
 *
 * @module
 */
import {
  contentProblem,
  FORMATS_OF,
  type IssuedReport,
  issueReport,
  loadAdminUnits,
  REPORT_FORMATS,
  type ReportContent,
  type ReportFormat,
  type ReportKind,
  type ReportParams,
  ReportRejected,
} from '@bluezone/server';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type CliIo, readJson } from '../io.js';
import { intOption } from '../options.js';
import { configFrom } from './server.js';
import { withStorage } from './stats.js';

const DB_OPTION = [
  '--db <path>',
  'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
] as const;

/** Option names for the parameter names of the service's messages. */
const OPTION_NAMES: readonly (readonly [string, string])[] = [
  ['params.provinceCode', '--province'],
  ['params.round', '--round'],
  ['params.asOf', '--as-of'],
  ['params.from', '--from'],
  ['params.to', '--to'],
  ['params.tracingFrom', '--tracing-from'],
  ['params.exampleProvince', '--example-province'],
  ['params.date', '--date'],
];

function cliMessage(message: string): string {
  return OPTION_NAMES.reduce((text, [param, option]) => text.replaceAll(param, option), message);
}

interface CommonOptions {
  format: string;
  out: string;
  db?: string;
  narrative?: string;
  date?: string;
}

function formatOption(kind: ReportKind, value: string): ReportFormat {
  const formats = FORMATS_OF[kind];
  if (!(REPORT_FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format must be one of ${formats.join(', ')}, got ${JSON.stringify(value)}`);
  if (!(formats as readonly string[]).includes(value))
    throw new UsageError(
      `a ${kind} report has no ${value.toUpperCase()}; use --format ${formats.join(' or ')}`,
    );
  return value as ReportFormat;
}

async function contentOption(io: CliIo, path: string | undefined): Promise<ReportContent | undefined> {
  if (path === undefined) return undefined;
  const value = await readJson(io, path);
  const problem = contentProblem(value);
  if (problem) throw new UsageError(`${path}: ${problem} (see the content object in docs/api.md, "Reports")`);
  return value as ReportContent;
}

function formatBytes(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** Issues the report, writes `--out`, prints the number and the file. */
async function issue(
  io: CliIo,
  kind: ReportKind,
  params: ReportParams,
  options: CommonOptions,
): Promise<void> {
  const format = formatOption(kind, options.format);
  const content = await contentOption(io, options.narrative);
  const config = configFrom(io, options);
  let issued: IssuedReport;
  try {
    issued = await withStorage(config, (storage) =>
      issueReport(
        { storage, adminUnits: loadAdminUnits(), now: () => io.now().getTime(), config },
        { kind, params: options.date === undefined ? params : { ...params, date: options.date }, content },
        'cli',
      ),
    );
  } catch (error) {
    if (error instanceof ReportRejected) throw new UsageError(cliMessage(error.message));
    throw error;
  }
  const file = issued.files.find((f) => f.format === format)!;
  await io.writeFile(options.out, file.bytes);
  const { report } = issued;
  io.stdout(
    `Report ${report.number} (${report.id}) issued and registered; wrote ${options.out} (${format.toUpperCase()}, ${formatBytes(file.size)} bytes, SHA-256 ${file.sha256}).\n`,
  );
}

/** Registers `bluezone report …`. */
export function registerReportCommands(program: Command, io: CliIo): void {
  const report = program
    .command('report')
    .description(
      'Issue official reports (DOCX, PDF, XLSX) and record them in the register (docs/reports.md)',
    );
  const common = (command: Command) =>
    command
      .requiredOption('--out <file>', 'where to write the file')
      .option(
        '--narrative <file.json>',
        'narrative, campaign figures, issuer, signer, recipients (JSON; docs/api.md "Reports")',
      )
      .option('--date <yyyy-mm-dd>', 'date of the report (default: today in Vietnam)')
      .option(...DB_OPTION);

  common(
    report
      .command('quick')
      .description('"Báo cáo nhanh kết quả cài đặt ứng dụng Bluezone" of a province, round and as-of hour')
      .requiredOption('--province <code>', 'GSO province code (2 digits), e.g. 19 (Thái Nguyên)')
      .requiredOption(
        '--as-of <iso>',
        'figures as of this whole hour, e.g. 2020-09-13T08:00+07:00 (a date = its 24:00)',
      )
      .requiredOption('--round <n>', 'campaign round ("đợt"), from 1')
      .requiredOption('--format <format>', 'docx, pdf or xlsx'),
  ).action(async (options: CommonOptions & { province: string; asOf: string; round: string }) => {
    const round = intOption(options.round, '--round', 1, 999)!;
    await issue(io, 'quick', { provinceCode: options.province, round, asOf: options.asOf }, options);
  });

  common(
    report
      .command('national')
      .description('The national summary: totals, top and bottom provinces, carriers, tracing yield')
      .requiredOption(
        '--as-of <iso>',
        'figures as of this whole hour, e.g. 2020-09-13T08:00+07:00 (a date = its 24:00)',
      )
      .requiredOption('--format <format>', 'docx, pdf or xlsx')
      .option('--example-province <code>', 'a province shown with its districts')
      .option(
        '--tracing-from <iso>',
        'start of the tracing section’s period (default 14 days before --as-of)',
      ),
  ).action(
    async (options: CommonOptions & { asOf: string; exampleProvince?: string; tracingFrom?: string }) => {
      await issue(
        io,
        'national',
        {
          asOf: options.asOf,
          ...(options.exampleProvince === undefined ? {} : { exampleProvince: options.exampleProvince }),
          ...(options.tracingFrom === undefined ? {} : { tracingFrom: options.tracingFrom }),
        },
        options,
      );
    },
  );

  common(
    report
      .command('tracing')
      .description('The tracing results report: cases, contacts found, per province, over a period')
      .requiredOption('--from <iso>', 'start of the period (a date = its 00:00, Vietnam time)')
      .requiredOption('--to <iso>', 'end of the period, exclusive (a date = its 24:00)')
      .requiredOption('--format <format>', 'docx or pdf'),
  ).action(async (options: CommonOptions & { from: string; to: string }) => {
    await issue(io, 'tracing', { from: options.from, to: options.to }, options);
  });
}
