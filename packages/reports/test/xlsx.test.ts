import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderXlsx, XLSX_HEADER_ROW } from '../src/index.js';
import { nationalTable } from './fixture.js';

describe('XLSX statistics table', () => {
  let bytes: Uint8Array;
  let wb: ExcelJS.Workbook;

  beforeAll(async () => {
    bytes = await renderXlsx(nationalTable(), { highlight: '19' });
    wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  }, 60_000);

  it('has a title row, the as-of line and the header row, frozen', () => {
    const ws = wb.getWorksheet('Toàn quốc')!;
    expect(ws.getCell('A1').value).toBe('BIỂU THỐNG KÊ TOÀN QUỐC - KẾT QUẢ CÀI ĐẶT ỨNG DỤNG BLUEZONE');
    expect(ws.getCell('A2').value).toBe('Số liệu tính đến 08h00 ngày 13/9/2020');
    expect(XLSX_HEADER_ROW).toBe(3);
    expect(ws.getRow(3).values).toEqual([
      undefined,
      'TT',
      'Mã',
      'Tỉnh, thành phố',
      'Lượt cài đặt',
      'Có số điện thoại',
      'Đang hoạt động',
      'Số smartphone',
      'Tỷ lệ có số ĐT/smartphone',
      'Xếp hạng',
    ]);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    expect(ws.getColumn(3).width).toBe(24);
  });

  it('holds the 63 provinces in rank order as numbers, and the total', () => {
    const ws = wb.getWorksheet('Toàn quốc')!;
    const rows = Array.from({ length: 63 }, (_, i) => ws.getRow(4 + i));
    expect(rows[0]!.getCell(3).value).toBe('Đà Nẵng');
    expect(rows[0]!.getCell(8).value).toBeCloseTo(0.523, 10);
    const tn = rows.find((r) => r.getCell(2).value === '19')!;
    expect(tn.getCell(4).value).toBe(270_626);
    expect(tn.getCell(5).value).toBe(250_400);
    expect(tn.getCell(4).numFmt).toBe('#,##0');
    expect(tn.getCell(8).numFmt).toBe('0.00%');
    expect((tn.getCell(3).fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFF2CC');
    const ranks = rows.map((r) => r.getCell(9).value as number);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => r.getCell(2).value)).size).toBe(63);
    const total = ws.getRow(4 + 63);
    const t = nationalTable().total;
    expect(total.getCell(3).value).toBe('Toàn quốc');
    expect(total.getCell(4).value).toBe(t.installs);
    expect(total.getCell(7).value).toBe(t.smartphones);
    expect(total.getCell(3).font?.bold).toBe(true);
    expect(ws.getRow(4 + 64).getCell(3).value).toBeNull();
  });

  it('has the carriers on their own sheet, highest rate first', () => {
    const cs = wb.getWorksheet('Nhà mạng')!;
    expect([2, 3, 4, 5].map((r) => cs.getRow(r).getCell(1).value)).toEqual([
      'Viettel',
      'MobiFone',
      'VinaPhone',
      'Vietnamobile',
    ]);
    expect(cs.getRow(2).getCell(4).value).toBeCloseTo(0.2673, 10);
  });

  it('gives the same bytes for the same table', async () => {
    const again = await renderXlsx(nationalTable(), { highlight: '19' });
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
  });
});
