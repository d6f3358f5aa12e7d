import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNationalReport, buildQuickReport, buildTracingReport, renderPdf } from '../src/index.js';
import { CUC_THH, nationalTable, quickInput, SO_TTTT_THAI_NGUYEN, TRACING, thaiNguyen } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bluezone-reports-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

/** Page sizes in points from pdfinfo, e.g. [[595.28, 841.89], …]. */
function pageSizes(file: string): [number, number][] {
  const out = run('pdfinfo', ['-f', '1', '-l', '999', file]);
  return [...out.matchAll(/Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
}

/** Renders every page to PNG with pdftoppm; returns the files. */
function rasterise(file: string, prefix: string): string[] {
  run('pdftoppm', ['-r', '50', '-png', file, join(dir, prefix)]);
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => join(dir, f));
}

describe('PDF of the quick report', () => {
  let bytes: Uint8Array;
  let file: string;

  beforeAll(async () => {
    bytes = await renderPdf(buildQuickReport(quickInput()));
    file = join(dir, 'quick.pdf');
    writeFileSync(file, bytes);
  }, 120_000);

  it('is A4: a portrait body, then the landscape appendix', () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('%PDF-1.7');
    const sizes = pageSizes(file);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    expect(sizes[0]).toEqual([595.28, 841.89]);
    const landscape = sizes.findIndex(([w, h]) => w > h);
    expect(landscape).toBeGreaterThanOrEqual(1);
    for (const [w, h] of sizes.slice(0, landscape)) expect([w, h]).toEqual([595.28, 841.89]);
    for (const [w, h] of sizes.slice(landscape)) expect([w, h]).toEqual([841.89, 595.28]);
  });

  it('embeds Liberation Serif (four faces, subset, Unicode) and no other font', () => {
    const lines = run('pdffonts', [file]).trim().split('\n').slice(2);
    expect(lines.length).toBe(4);
    for (const line of lines) {
      expect(line).toMatch(/^[A-Z]{6}\+LiberationSerif/);
      expect(line).toMatch(/CID TrueType\s+Identity-H\s+yes yes yes/);
    }
  });

  it('has every text of the header, title, sections, closing and appendix, diacritics intact', () => {
    const text = run('pdftotext', ['-layout', file, '-']);
    for (const s of [
      'UBND TỈNH THÁI NGUYÊN',
      'SỞ THÔNG TIN VÀ TRUYỀN THÔNG',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'Số: …/BC-STTTT',
      'Thái Nguyên, ngày 13 tháng 9 năm 2020',
      'BÁO CÁO NHANH',
      '1. Công tác thông tin, truyền thông',
      '2.2. Công tác bưu chính viễn thông, công nghệ thông tin',
      '4. Kinh nghiệm thực tiễn; Đề xuất, kiến nghị',
      'Nơi nhận:',
      'KT. GIÁM ĐỐC',
      'PHÓ GIÁM ĐỐC',
      'Nguyễn Văn An',
      'BIỂU THỐNG KÊ TOÀN QUỐC',
      'Toàn quốc',
      'Biểu đồ 2. Bản đồ tỷ lệ cài đặt theo tỉnh, thành phố',
    ]) {
      expect(text).toContain(s);
    }
    expect(text.replace(/\s+/g, ' ')).toContain('đạt 27,07 % số smartphone');
    // Every province of the appendix table.
    for (const p of nationalTable().provinces) expect(text).toContain(p.name);
  });

  it('numbers the pages from 2 in the top margin, each part on its own', () => {
    const sizes = pageSizes(file);
    const landscape = sizes.findIndex(([w, h]) => w > h);
    const firstLine = (page: number) =>
      run('pdftotext', ['-f', String(page), '-l', String(page), '-layout', file, '-'])
        .trim()
        .split('\n')[0]!
        .trim();
    expect(firstLine(1)).toMatch(/^UBND TỈNH THÁI NGUYÊN\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM$/);
    expect(firstLine(2)).toBe('2');
    expect(firstLine(landscape + 1)).toBe('Phụ lục');
    expect(firstLine(landscape + 2)).toBe('2');
  });

  it('renders every page with pdftoppm', () => {
    const pngs = rasterise(file, 'quick');
    expect(pngs.length).toBe(pageSizes(file).length);
    for (const p of pngs) {
      expect(statSync(p).size).toBeGreaterThan(5_000);
      expect([...readFileSync(p).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
  });

  it('gives the same bytes for the same document', async () => {
    const again = await renderPdf(buildQuickReport(quickInput()));
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
    expect(run('pdfinfo', ['-isodates', file])).toMatch(/CreationDate:\s+2020-09-12T17:00:00(Z|\+00)/);
  }, 120_000);
});

describe('PDF of the other reports', () => {
  it('renders the national summary with its charts and the placeholders of the bare quick report', async () => {
    const national = await renderPdf(
      buildNationalReport({
        date: '2020-09-22',
        national: nationalTable(),
        issuer: CUC_THH,
        tracing: { from: '2020-08-12', to: '2020-09-05', rows: TRACING, nationalCases: 146 },
        example: thaiNguyen(),
      }),
    );
    const nf = join(dir, 'national.pdf');
    writeFileSync(nf, national);
    const text = run('pdftotext', [nf, '-']).replace(/\s+/g, ' ');
    expect(text).toContain('I. KẾT QUẢ CÀI ĐẶT TOÀN QUỐC');
    expect(text).toContain('Viettel: 26,73 %');
    expect(text).toContain('Riêng tại Hải Dương đã xác định được 1.035 người');
    expect(rasterise(nf, 'national').length).toBe(pageSizes(nf).length);

    const bare = await renderPdf(
      buildQuickReport({
        provinceCode: '19',
        round: 1,
        date: '2020-09-13',
        national: nationalTable(),
        issuer: SO_TTTT_THAI_NGUYEN,
        charts: false,
      }),
    );
    const bf = join(dir, 'bare.pdf');
    writeFileSync(bf, bare);
    expect(run('pdftotext', [bf, '-']).replace(/\s+/g, ' ')).toContain('Thực hiện Công văn số … ngày … của');
  }, 120_000);

  it('renders the tracing report on portrait pages only', async () => {
    const bytes = await renderPdf(
      buildTracingReport({
        date: '2020-09-06',
        from: '2020-08-12',
        to: '2020-09-05',
        rows: TRACING,
        issuer: CUC_THH,
      }),
    );
    const f = join(dir, 'tracing.pdf');
    writeFileSync(f, bytes);
    expect(pageSizes(f).every(([w, h]) => w < h)).toBe(true);
    const text = run('pdftotext', ['-layout', f, '-']);
    expect(text).toContain('Tổng cộng');
    expect(text).toContain('1.920');
    expect(rasterise(f, 'tracing').length).toBe(pageSizes(f).length);
  }, 120_000);
});
