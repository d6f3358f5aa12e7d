/**
 * `bluezone stats national` (the 63-province table as of an hour, text in Vietnamese number
 * format or `--json`) and `bluezone stats rebuild` (recompute the counters from the raw records).
 * Both take `--db PATH` like `bluezone serve`. Definitions: docs/statistics.md.
 *
 * @module
 */
import {
  type Config,
  loadAdminUnits,
  migrateToLatest,
  type NationalTable,
  nationalStats,
  openStorage,
  parseAsOf,
  rebuildCounters,
  type Storage,
} from '@bluezone/server';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { intOption } from '../options.js';
import { configFrom } from './server.js';

const DB_OPTION = [
  '--db <path>',
  'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
] as const;

/** Opens and migrates the database of `config`, runs `fn`, closes it. */
export async function withStorage<T>(config: Config, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(config);
  try {
    await migrateToLatest(storage);
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** Parses an `--as-of` value (whole hour, or a date = its 24:00 in Vietnam). */
export function asOfOption(value: string, name = '--as-of'): number {
  const parsed = parseAsOf(value);
  if (!parsed.ok) throw new UsageError(`${name}: ${parsed.reason}`);
  return parsed.ms;
}

/** The exact `--json` shape of `bluezone stats national`. */
export function nationalJson(table: NationalTable) {
  return {
    asOf: table.asOf,
    provinces: table.provinces.map((p) => ({
      code: p.code,
      name: p.name,
      installs: p.installs,
      phoneRegistered: p.phoneRegistered,
      active: p.active,
      smartphones: p.smartphones,
      rate: p.rate,
      rank: p.rank,
    })),
    total: table.total,
    carriers: table.carriers.map((c) => ({
      carrier: c.carrier,
      phoneRegistered: c.phoneRegistered,
      smartphones: c.smartphones,
      rate: c.rate,
    })),
  };
}

/** The Vietnamese formatters of `@bluezone/reports` (loaded when text is printed: the package is large). */
export interface ViFormat {
  formatNumberVi(value: number): string;
  formatPercentVi(fraction: number): string;
  formatDateVi(date: string): string;
}

/** "08h00 ngày 13 tháng 9 năm 2020" for an ISO instant with +07:00. */
function asOfWords(iso: string, format: ViFormat): string {
  const hour = iso.slice(11, 13);
  return `${hour}h00 ${format.formatDateVi(iso.slice(0, 10))}`;
}

function pad(text: string, width: number, right: boolean): string {
  const gap = ' '.repeat(Math.max(0, width - [...text].length));
  return right ? gap + text : text + gap;
}

/** Renders rows as an aligned text table; `numeric` columns align right. */
function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[],
): string {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => pad(c, widths[i]!, numeric[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The national table as text, numbers in Vietnamese format ("270.626", "27,07 %"). */
export function nationalText(table: NationalTable, format: ViFormat): string {
  const n = (v: number | null, suppressed = false) =>
    suppressed ? `<${table.suppressBelow}` : v === null ? '–' : format.formatNumberVi(v);
  const pct = (v: number | null) => (v === null ? '–' : format.formatPercentVi(v));
  const rows = table.provinces.map((p) => [
    p.rank === null ? '–' : String(p.rank),
    p.code,
    p.name,
    n(p.installs, p.suppressed.includes('installs')),
    n(p.phoneRegistered, p.suppressed.includes('phoneRegistered')),
    n(p.active, p.suppressed.includes('active')),
    n(p.smartphones),
    pct(p.rate),
  ]);
  const t = table.total;
  rows.push([
    '',
    '',
    'Toàn quốc',
    n(t.installs),
    n(t.phoneRegistered),
    n(t.active),
    n(t.smartphones),
    pct(t.rate),
  ]);
  const provinces = textTable(
    [
      'Hạng',
      'Mã',
      'Tỉnh, thành phố',
      'Lượt cài đặt',
      'Có số điện thoại',
      'Đang hoạt động',
      'Smartphone',
      'Tỷ lệ',
    ],
    rows,
    [true, false, false, true, true, true, true, true],
  );
  const carriers = textTable(
    ['Nhà mạng', 'Có số điện thoại', 'Thuê bao smartphone', 'Tỷ lệ'],
    table.carriers.map((c) => [
      c.name,
      n(c.phoneRegistered, c.suppressed.length > 0),
      n(c.smartphones),
      pct(c.rate),
    ]),
    [false, true, true, true],
  );
  const notes = [
    `Tỷ lệ = số Bluezoner có số điện thoại ÷ số smartphone; đang hoạt động: có kết nối trong ${table.activeDays} ngày trước thời điểm thống kê.`,
    ...(table.public
      ? [`<${table.suppressBelow}: số liệu nhỏ hơn ${table.suppressBelow} không công bố.`]
      : []),
  ];
  return `Thống kê cài đặt Bluezone tính đến ${asOfWords(table.asOf, format)}\n\n${provinces}\n\n${carriers}\n\n${notes.join('\n')}\n`;
}

interface NationalOptions {
  asOf: string;
  previous?: string;
  activeDays?: string;
  public?: boolean;
  json?: boolean;
  db?: string;
}

/** Registers `bluezone stats …`. */
export function registerStatsCommands(program: Command, io: CliIo): void {
  const stats = program.command('stats').description('Installation statistics (docs/statistics.md)');
  stats
    .command('national')
    .description('The national table: 63 provinces ranked by install rate, total, carriers')
    .requiredOption(
      '--as-of <iso>',
      'count up to this whole hour, e.g. 2020-09-13T08:00+07:00 (a date = its 24:00)',
    )
    .option(
      '--previous <iso>',
      'also compute the change since this instant (text output only shows the current figures)',
    )
    .option('--active-days <n>', 'active window in days (default $BLUEZONE_ACTIVE_DAYS or 7)')
    .option('--public', 'suppress counts below $BLUEZONE_STATS_MIN_CELL (default 10)')
    .option('--json', 'print {"asOf","provinces":[…],"total":{…},"carriers":[…]} with rates as fractions')
    .option(...DB_OPTION)
    .action(async (options: NationalOptions) => {
      const asOf = asOfOption(options.asOf);
      const previousAsOf =
        options.previous === undefined ? undefined : asOfOption(options.previous, '--previous');
      const config = configFrom(io, options);
      const activeDays = intOption(options.activeDays, '--active-days', 1, 90) ?? config.activeDays;
      const table = await withStorage(config, (storage) =>
        nationalStats(
          { db: storage.db, adminUnits: loadAdminUnits() },
          {
            asOf,
            activeDays,
            k: config.statsMinCell,
            public: options.public === true,
            ...(previousAsOf === undefined ? {} : { previousAsOf }),
          },
        ),
      );
      io.stdout(
        options.json
          ? `${JSON.stringify(nationalJson(table))}\n`
          : nationalText(table, await import('@bluezone/reports')),
      );
    });

  stats
    .command('rebuild')
    .description('Recompute every statistics counter from the raw installs, phone links and check-ins')
    .option('--json', 'print {"installs","phoneRegistered","checkIns","counterRows"}')
    .option(...DB_OPTION)
    .action(async (options: { json?: boolean; db?: string }) => {
      const config = configFrom(io, options);
      const summary = await withStorage(config, (storage) => rebuildCounters(storage));
      io.stdout(
        options.json
          ? `${JSON.stringify(summary)}\n`
          : `Rebuilt the statistics: ${summary.installs} installs, ${summary.phoneRegistered} phone numbers, ${summary.checkIns} check-in days (${summary.counterRows} counter rows).\n`,
      );
    });
}
