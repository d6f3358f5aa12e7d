/**
 * XLSX renderer (ExcelJS): the national statistics table ("Biểu thống kê toàn quốc") with a title
 * row, the as-of line, a frozen header row, column widths, number formats (thousands, percentages
 * with two decimals, shown in the reader's locale: "270.626" and "27,07%" in a Vietnamese Excel),
 * the total row, and the carriers on a second sheet. Reproducible: the workbook dates are the
 * as-of instant and the ZIP is written again with a fixed timestamp.
 *
 * @module
 */
import ExcelJS from 'exceljs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { asOfText, byRank, carrierName } from './common.js';
import type { NationalTable } from './figures.js';
import { vietnamDateParts } from './format.js';

/** XLSX options. */
export interface XlsxOptions {
  /** Title row (default "BIỂU THỐNG KÊ TOÀN QUỐC - KẾT QUẢ CÀI ĐẶT ỨNG DỤNG BLUEZONE"). */
  readonly title?: string;
  /** Author in the file properties. */
  readonly author?: string;
  /** Creation instant of the file (default the table's as-of instant). */
  readonly created?: string;
  /** Shade this province's row. */
  readonly highlight?: string;
}

const FONT = 'Times New Roman';
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
const HIGHLIGHT_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  bottom: { style: 'thin' },
  left: { style: 'thin' },
  right: { style: 'thin' },
};

/** Row of the header in the main sheet (after the title and the as-of line). */
export const XLSX_HEADER_ROW = 3;

/** Renders the national table as an XLSX workbook. */
export async function renderXlsx(table: NationalTable, options: XlsxOptions = {}): Promise<Uint8Array> {
  const created = new Date(options.created ?? table.asOf);
  const wb = new ExcelJS.Workbook();
  wb.creator = options.author ?? 'Bluezone';
  wb.lastModifiedBy = options.author ?? 'Bluezone';
  wb.created = created;
  wb.modified = created;
  wb.title = options.title ?? 'BIỂU THỐNG KÊ TOÀN QUỐC - KẾT QUẢ CÀI ĐẶT ỨNG DỤNG BLUEZONE';

  const ws = wb.addWorksheet('Toàn quốc', {
    views: [{ state: 'frozen', ySplit: XLSX_HEADER_ROW, xSplit: 0 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  const columns = [
    { header: 'TT', width: 6, fmt: '0' },
    { header: 'Mã', width: 6, fmt: '@' },
    { header: 'Tỉnh, thành phố', width: 24, fmt: '@' },
    { header: 'Lượt cài đặt', width: 15, fmt: '#,##0' },
    { header: 'Có số điện thoại', width: 16, fmt: '#,##0' },
    { header: 'Đang hoạt động', width: 15, fmt: '#,##0' },
    { header: 'Số smartphone', width: 15, fmt: '#,##0' },
    { header: 'Tỷ lệ có số ĐT/smartphone', width: 15, fmt: '0.00%' },
    { header: 'Xếp hạng', width: 10, fmt: '0' },
  ];
  ws.columns = columns.map((c) => ({ width: c.width }));
  ws.mergeCells(1, 1, 1, columns.length);
  ws.mergeCells(2, 1, 2, columns.length);
  const title = ws.getCell(1, 1);
  title.value = wb.title;
  title.font = { name: FONT, size: 14, bold: true };
  title.alignment = { horizontal: 'center' };
  const asOf = ws.getCell(2, 1);
  asOf.value = `Số liệu tính đến ${asOfText(table.asOf)}`;
  asOf.font = { name: FONT, size: 12, italic: true };
  asOf.alignment = { horizontal: 'center' };

  const header = ws.getRow(XLSX_HEADER_ROW);
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { name: FONT, size: 12, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = HEADER_FILL;
    cell.border = THIN;
  });
  header.height = 32;

  const rows = byRank(table.provinces);
  rows.forEach((p, i) => {
    const row = ws.getRow(XLSX_HEADER_ROW + 1 + i);
    row.values = [
      i + 1,
      p.code,
      p.name,
      p.installs,
      p.phoneRegistered,
      p.active,
      p.smartphones,
      p.rate,
      p.rank,
    ];
    styleRow(row, columns, false, p.code === options.highlight);
  });
  const t = table.total;
  const totalRow = ws.getRow(XLSX_HEADER_ROW + 1 + rows.length);
  totalRow.values = [
    null,
    null,
    t.name ?? 'Toàn quốc',
    t.installs,
    t.phoneRegistered,
    t.active,
    t.smartphones,
    t.rate,
    null,
  ];
  styleRow(totalRow, columns, true, false);
  ws.autoFilter = {
    from: { row: XLSX_HEADER_ROW, column: 1 },
    to: { row: XLSX_HEADER_ROW + rows.length, column: columns.length },
  };

  const cs = wb.addWorksheet('Nhà mạng', { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
  const carrierColumns = [
    { header: 'Nhà mạng', width: 18, fmt: '@' },
    { header: 'Có số điện thoại', width: 18, fmt: '#,##0' },
    { header: 'Số thuê bao smartphone', width: 22, fmt: '#,##0' },
    { header: 'Tỷ lệ', width: 12, fmt: '0.00%' },
  ];
  cs.columns = carrierColumns.map((c) => ({ width: c.width }));
  const ch = cs.getRow(1);
  carrierColumns.forEach((c, i) => {
    const cell = ch.getCell(i + 1);
    cell.value = c.header;
    cell.font = { name: FONT, size: 12, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = HEADER_FILL;
    cell.border = THIN;
  });
  [...table.carriers]
    .sort((a, b) => b.rate - a.rate || a.carrier.localeCompare(b.carrier))
    .forEach((c, i) => {
      const row = cs.getRow(2 + i);
      row.values = [carrierName(c.carrier), c.phoneRegistered, c.smartphones, c.rate];
      styleRow(row, carrierColumns, false, false);
    });

  const buffer = await wb.xlsx.writeBuffer();
  return normalizeZip(new Uint8Array(buffer as ArrayBuffer), created);
}

function styleRow(
  row: ExcelJS.Row,
  columns: readonly { fmt: string }[],
  bold: boolean,
  highlight: boolean,
): void {
  columns.forEach((c, i) => {
    const cell = row.getCell(i + 1);
    cell.numFmt = c.fmt;
    cell.font = { name: FONT, size: 12, bold };
    cell.border = THIN;
    if (highlight) cell.fill = HIGHLIGHT_FILL;
  });
}

/** Writes a ZIP again with one fixed timestamp (Viet Nam wall-clock time of `created`) and fixed dates in core.xml. */
function normalizeZip(bytes: Uint8Array, created: Date): Uint8Array {
  const files = unzipSync(bytes);
  const stamp = `${created.toISOString().slice(0, 19)}Z`;
  const core = files['docProps/core.xml'];
  if (core) {
    files['docProps/core.xml'] = strToU8(
      strFromU8(core)
        .replace(/(<dcterms:created[^>]*>)[^<]*(<\/dcterms:created>)/, `$1${stamp}$2`)
        .replace(/(<dcterms:modified[^>]*>)[^<]*(<\/dcterms:modified>)/, `$1${stamp}$2`),
    );
  }
  const p = vietnamDateParts(created);
  const mtime = new Date(Math.max(1980, p.year), p.month - 1, p.day, p.hour, p.minute, 0);
  const out: Record<string, [Uint8Array, { mtime: Date; level: 6 }]> = {};
  for (const [name, data] of Object.entries(files)) out[name] = [data, { mtime, level: 6 }];
  return zipSync(out);
}
