/**
 * Pieces every report shares: the header and closing of Decree 30/2020, placeholders, the
 * national statistics table, carrier names, and small sentence helpers.
 *
 * @module
 */
import type { AreaStat, Issuer, NationalTable, Signer, TotalStat } from './figures.js';
import { formatDateVi, formatNumberVi, formatPercentVi, vietnamDateParts } from './format.js';
import type {
  Block,
  DocumentClosing,
  DocumentHeader,
  Inline,
  ParagraphBlock,
  Run,
  TableBlock,
  TableColumn,
} from './model.js';

/** The mark of text still to be written, as the source forms print it. */
export const PLACEHOLDER = '…';

export const NATIONAL_TITLE = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
export const MOTTO = 'Độc lập - Tự do - Hạnh phúc';
export const DEFAULT_TARGET = 0.5;

/** A placeholder run: "…" (or a hint in it), highlighted by the renderers. */
export function placeholder(text = PLACEHOLDER): Run {
  return { text, placeholder: true };
}

/** The value as text, or a placeholder when absent. */
export function orPlaceholder(value: string | undefined): Inline {
  return value !== undefined && value.trim() !== '' ? value : placeholder();
}

/** A count in Vietnamese notation, or a placeholder when absent. */
export function countOrPlaceholder(value: number | undefined): Inline {
  return value === undefined ? placeholder() : formatNumberVi(value);
}

export function paragraph(
  runs: readonly Inline[],
  options: Omit<ParagraphBlock, 'kind' | 'runs'> = {},
): ParagraphBlock {
  return { kind: 'paragraph', runs, ...options };
}

/** Throws on a figure that cannot be a count. */
export function assertCount(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
}

/** Checks a national table before it is printed: 1 row per code, counts, rates as fractions. */
export function validateNationalTable(table: NationalTable): void {
  if (table.provinces.length === 0) throw new RangeError('the national table has no provinces');
  if (Number.isNaN(Date.parse(table.asOf))) throw new RangeError(`asOf is not an ISO date: ${table.asOf}`);
  const seen = new Set<string>();
  for (const p of table.provinces) {
    if (seen.has(p.code)) throw new RangeError(`province ${p.code} appears twice`);
    seen.add(p.code);
    validateArea(p, `province ${p.code}`);
  }
  validateArea(table.total, 'total');
}

function validateArea(a: AreaStat | TotalStat, what: string): void {
  assertCount(a.installs, `${what} installs`);
  assertCount(a.phoneRegistered, `${what} phoneRegistered`);
  assertCount(a.active, `${what} active`);
  assertCount(a.smartphones, `${what} smartphones`);
  if (!Number.isFinite(a.rate) || a.rate < 0 || a.rate > 10) {
    throw new RangeError(`${what} rate must be a fraction, got ${a.rate}`);
  }
}

/** "Số: …/BC-STTTT" or "Số: 05/BC-STTTT" (numbers below 10 padded, Phụ lục I box 3). */
export function numberLine(issuer: Issuer): string {
  const n = issuer.number;
  const number = n === undefined ? PLACEHOLDER : n < 10 ? `0${n}` : String(n);
  return `Số: ${number}/BC-${issuer.code}`;
}

/** The header of page 1 (boxes 1–4). */
export function documentHeader(issuer: Issuer, date: string): DocumentHeader {
  return {
    parentBody: issuer.parentBody.toLocaleUpperCase('vi'),
    issuingBody: issuer.body.toLocaleUpperCase('vi'),
    number: numberLine(issuer),
    nationalTitle: NATIONAL_TITLE,
    motto: MOTTO,
    placeDate: `${issuer.place}, ${formatDateVi(date, { pad: true })}`,
  };
}

/** "Sở Thông tin và Truyền thông" from the issuer, for sentences. */
export function bodyInSentence(issuer: Issuer): string {
  if (issuer.bodyInSentence) return issuer.bodyInSentence;
  // Written in mixed case already ("Sở Thông tin và Truyền thông"): as given.
  if (issuer.body !== issuer.body.toLocaleUpperCase('vi')) return issuer.body;
  const lower = issuer.body.toLocaleLowerCase('vi');
  return lower.charAt(0).toLocaleUpperCase('vi') + lower.slice(1);
}

/**
 * The closing (boxes 7 and 9b): recipients as "- …;" lines, the last one "- Lưu: VT, ….", and the
 * signature block. A list without a "Lưu:" line gets one.
 */
export function documentClosing(recipients: readonly string[], signer: Signer | undefined): DocumentClosing {
  const lines = recipients.map((r) =>
    r
      .trim()
      .replace(/^[-–]\s*/, '')
      .replace(/[;.]$/, ''),
  );
  if (!lines.some((l) => l.startsWith('Lưu'))) lines.push(`Lưu: VT, ${PLACEHOLDER}`);
  const storage = lines.filter((l) => l.startsWith('Lưu'));
  const others = lines.filter((l) => !l.startsWith('Lưu'));
  const ordered = [...others, ...storage];
  return {
    recipients: ordered.map((l, i) => `- ${l}${i === ordered.length - 1 ? '.' : ';'}`),
    authority: (signer?.authority ?? 'KT. GIÁM ĐỐC').toLocaleUpperCase('vi'),
    position: (signer?.title ?? 'PHÓ GIÁM ĐỐC').toLocaleUpperCase('vi'),
    signerName: signer?.name ? signer.name : placeholder(),
  };
}

/** "08h00 ngày 13/9/2020" for an ISO instant (Viet Nam time). */
export function asOfText(iso: string): string {
  const { year, month, day, hour, minute } = vietnamDateParts(iso);
  const hh = String(hour).padStart(2, '0');
  const mm = String(minute).padStart(2, '0');
  return `${hh}h${mm} ngày ${day}/${month}/${year}`;
}

/** "22,9 triệu" for counts of a million and more, the exact figure otherwise. */
export function formatMillionsVi(value: number): string {
  return value >= 1_000_000 ? `${formatNumberVi(value / 1_000_000, 1)} triệu` : formatNumberVi(value);
}

/** People still needed to reach the target rate: ⌈target × smartphones⌉ − phone-registered, ≥ 0. */
export function gapToTarget(area: Pick<AreaStat, 'phoneRegistered' | 'smartphones'>, target: number): number {
  return Math.max(0, Math.ceil(target * area.smartphones - 1e-9) - area.phoneRegistered);
}

/** Rows in rank order (ties by code), the order of the statistics table. */
export function byRank<T extends { rank: number; code: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => a.rank - b.rank || a.code.localeCompare(b.code));
}

const CARRIER_NAMES: Readonly<Record<string, string>> = {
  viettel: 'Viettel',
  vinaphone: 'VinaPhone',
  mobifone: 'MobiFone',
  vietnamobile: 'Vietnamobile',
  gmobile: 'Gmobile',
  itelecom: 'Itelecom',
  reddi: 'Reddi',
};

/** Display name of a carrier id (`vn-carriers.json`); unknown or empty → "Khác". */
export function carrierName(id: string): string {
  if (id === '' || id === 'other' || id === 'unknown') return 'Khác';
  return CARRIER_NAMES[id.toLowerCase()] ?? id;
}

/** Columns of the statistics table (Biểu thống kê). */
export const STAT_COLUMNS: readonly TableColumn[] = [
  { header: 'TT', width: 5, align: 'center' },
  { header: 'Tỉnh, thành phố', width: 19, align: 'left' },
  { header: 'Lượt cài đặt', width: 12, align: 'right' },
  { header: 'Có số điện thoại', width: 13, align: 'right' },
  { header: 'Đang hoạt động', width: 12, align: 'right' },
  { header: 'Số smartphone', width: 15, align: 'right' },
  { header: 'Tỷ lệ có số ĐT/ smartphone', width: 14, align: 'right' },
  { header: 'Xếp hạng', width: 10, align: 'center' },
];

/**
 * The statistics table of areas (provinces or districts) in rank order, with the total row last.
 * `highlight` shades one area (the reporting province).
 */
export function statTable(
  id: string,
  areas: readonly AreaStat[],
  total: TotalStat,
  options: { highlight?: string; areaHeader?: string; totalLabel?: string; size?: number } = {},
): TableBlock {
  const rows = byRank(areas).map((a, i) => ({
    cells: [
      String(i + 1),
      a.name,
      formatNumberVi(a.installs),
      formatNumberVi(a.phoneRegistered),
      formatNumberVi(a.active),
      formatNumberVi(a.smartphones),
      formatPercentVi(a.rate),
      `${a.rank}/${areas.length}`,
    ],
    ...(a.code === options.highlight ? { highlight: true, bold: true } : {}),
  }));
  rows.push({
    cells: [
      '',
      options.totalLabel ?? total.name ?? 'Toàn quốc',
      formatNumberVi(total.installs),
      formatNumberVi(total.phoneRegistered),
      formatNumberVi(total.active),
      formatNumberVi(total.smartphones),
      formatPercentVi(total.rate),
      '',
    ],
    bold: true,
  });
  const columns = options.areaHeader
    ? STAT_COLUMNS.map((c, i) => (i === 1 ? { ...c, header: options.areaHeader as string } : c))
    : STAT_COLUMNS;
  return { kind: 'table', id, columns, rows, size: options.size ?? 12 };
}

/** Adds the closing mark "./." to the last paragraph or item of a body. */
export function endWithClosingMark(blocks: Block[]): Block[] {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i]!;
    if (b.kind === 'paragraph' || b.kind === 'item') {
      const runs = [...b.runs];
      const last = runs[runs.length - 1];
      if (typeof last === 'string') runs[runs.length - 1] = `${last.replace(/[.;:]$/, '')}./.`;
      else runs.push('./.');
      blocks[i] = { ...b, runs };
      break;
    }
  }
  return blocks;
}

/** A list of names joined the Vietnamese way: "A, B và C". */
export function joinVi(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} và ${items[items.length - 1]}`;
}

/** The creation instant of the files: the report date at 00:00 Viet Nam time, or the instant given. */
export function creationInstant(date: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return new Date(`${date}T00:00:00+07:00`).toISOString();
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date: ${date}`);
  return new Date(ms).toISOString();
}
