import { readFileSync } from 'node:fs';
import { Packer } from 'docx';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { docxDocument } from '../src/docx.js';
import { buildQuickReport, buildTracingReport, normalizeDocx, renderDocx } from '../src/index.js';
import { CUC_THH, nationalTable, quickInput, SO_TTTT_THAI_NGUYEN, TRACING } from './fixture.js';

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The text of each paragraph of a part, runs joined, no-break spaces as spaces. */
function paragraphs(xml: string): string[] {
  return [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((m) =>
    decode([...m[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]).join('')).replace(
      /\u00a0/g,
      ' ',
    ),
  );
}

/** The rows of each table of a part, each row as its cells' text. */
function tables(xml: string): string[][][] {
  return [...xml.matchAll(/<w:tbl>[\s\S]*?<\/w:tbl>/g)].map((t) =>
    [...t[0].matchAll(/<w:tr[ >][\s\S]*?<\/w:tr>/g)].map((r) =>
      [...r[0].matchAll(/<w:tc>[\s\S]*?<\/w:tc>/g)].map((c) => paragraphs(c[0]).join('\n')),
    ),
  );
}

const fontFile = (name: string) => new Uint8Array(readFileSync(new URL(`../fonts/${name}`, import.meta.url)));

describe('DOCX of the quick report', () => {
  let bytes: Uint8Array;
  let files: Record<string, Uint8Array>;
  let xml: string;

  beforeAll(async () => {
    bytes = await renderDocx(buildQuickReport(quickInput()));
    files = unzipSync(bytes);
    xml = strFromU8(files['word/document.xml']!);
  }, 120_000);

  it('is an OOXML package', () => {
    expect(bytes[0]).toBe(0x50);
    expect(bytes[1]).toBe(0x4b);
    expect(Object.keys(files)).toContain('[Content_Types].xml');
    expect(Object.keys(files)).toContain('word/styles.xml');
  });

  it('has the two-column borderless header table with the texts of boxes 1–4', () => {
    const header = tables(xml)[0]!;
    expect(header).toHaveLength(2);
    expect(header[0]).toEqual([
      'UBND TỈNH THÁI NGUYÊN\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG\n',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n',
    ]);
    expect(header[1]).toEqual(['Số: …/BC-STTTT', 'Thái Nguyên, ngày 13 tháng 9 năm 2020']);
    const first = /<w:tbl>[\s\S]*?<\/w:tbl>/.exec(xml)![0];
    expect(first).not.toMatch(/w:val="single"[^/]*w:sz="4"/);
    // The rules: bottom borders under the issuing body and under the motto.
    expect((first.match(/<w:pBdr><w:bottom w:val="single"/g) ?? []).length).toBe(2);
    // The place and date in italics; the national title and motto bold.
    const dateRun = /<w:r>(?:(?!<\/w:r>)[\s\S])*Thái Nguyên, ngày 13(?:(?!<\/w:r>)[\s\S])*<\/w:r>/.exec(
      xml,
    )![0];
    expect(dateRun).toMatch(/<w:i\/>|<w:i w:val="true"\/>/);
    const mottoRun =
      /<w:r>(?:(?!<\/w:r>)[\s\S])*Độc lập - Tự do - Hạnh phúc(?:(?!<\/w:r>)[\s\S])*<\/w:r>/.exec(xml)![0];
    expect(mottoRun).toMatch(/<w:b\/>|<w:b w:val="true"\/>/);
  });

  it('has the title, the summary line and the numbered sections', () => {
    const ps = paragraphs(xml);
    const title = ps.indexOf('BÁO CÁO NHANH');
    expect(title).toBeGreaterThan(0);
    expect(ps[title + 1]).toBe(
      'Kết quả cài đặt ứng dụng Bluezone đợt 1 và công tác thông tin, truyền thông phòng, chống dịch bệnh Covid-19',
    );
    const sections = [
      '1. Công tác thông tin, truyền thông',
      '2. Kết quả triển khai thực hiện của Sở Thông tin và Truyền thông',
      '2.1. Công tác thông tin, tuyên truyền',
      '2.2. Công tác bưu chính viễn thông, công nghệ thông tin',
      '3. Kết quả tuyên truyền của hệ thống thông tin cơ sở',
      '4. Kinh nghiệm thực tiễn; Đề xuất, kiến nghị',
    ];
    const at = sections.map((s) => ps.indexOf(s));
    expect(at.every((i) => i > title)).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(ps.some((p) => p.includes('đạt 27,07 % số smartphone'))).toBe(true);
  });

  it('closes with "Nơi nhận" on the left and the signature block on the right', () => {
    const closing = tables(xml).find((t) => t[0]?.[0]?.startsWith('Nơi nhận:'))!;
    expect(closing[0]![0]!.split('\n')).toEqual([
      'Nơi nhận:',
      '- UBND tỉnh (BC);',
      '- Các sở, ban, ngành tỉnh;',
      '- Đài PTTH, Báo …, Cổng TTĐT tỉnh;',
      '- UBND, Phòng VHTT các huyện, TP;',
      '- Lãnh đạo Sở;',
      '- Các phòng CM, VP, Trung tâm CNTT;',
      '- Lưu: VT, ….',
    ]);
    const signature = closing[0]![1]!.split('\n').filter((l) => l !== '');
    expect(signature).toEqual(['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC', 'Nguyễn Văn An']);
  });

  it('appends "Biểu thống kê toàn quốc": 63 provinces and the total, header row repeated', () => {
    const ps = paragraphs(xml);
    expect(ps).toContain('Phụ lục');
    expect(ps).toContain('BIỂU THỐNG KÊ TOÀN QUỐC');
    const stats = tables(xml).find((t) => t[0]?.[1] === 'Tỉnh, thành phố')!;
    expect(stats).toHaveLength(65);
    expect(stats[0]).toEqual([
      'TT',
      'Tỉnh, thành phố',
      'Lượt cài đặt',
      'Có số điện thoại',
      'Đang hoạt động',
      'Số smartphone',
      'Tỷ lệ có số ĐT/ smartphone',
      'Xếp hạng',
    ]);
    expect(stats[1]).toEqual([
      '1',
      'Đà Nẵng',
      '600.000',
      '523.000',
      '400.000',
      '1.000.000',
      '52,30 %',
      '1/63',
    ]);
    const tn = stats.find((r) => r[1] === 'Thái Nguyên')!;
    expect(tn.slice(2, 7)).toEqual(['270.626', '250.400', '180.000', '925.000', '27,07 %']);
    expect(stats[64]![1]).toBe('Toàn quốc');
    const names = new Set(stats.slice(1, 64).map((r) => r[1]));
    expect(names.size).toBe(63);
    expect(xml).toMatch(/<w:tblHeader\/>|<w:tblHeader w:val="true"\/>/);
  });

  it('is A4 with the margins of Decree 30/2020: portrait body, landscape appendix', () => {
    const sizes = [...xml.matchAll(/<w:pgSz ([^>]*)\/>/g)].map((m) => m[1]!);
    expect(sizes).toHaveLength(2);
    expect(sizes[0]).toMatch(/w:w="11906"/);
    expect(sizes[0]).toMatch(/w:h="16838"/);
    expect(sizes[1]).toMatch(/w:w="16838"/);
    expect(sizes[1]).toMatch(/w:h="11906"/);
    expect(sizes[1]).toMatch(/w:orient="landscape"/);
    const margins = [...xml.matchAll(/<w:pgMar ([^>]*)\/>/g)].map((m) => m[1]!);
    expect(margins).toHaveLength(2);
    for (const m of margins) {
      // 20 mm = 1134 twips, 30 mm = 1701, 15 mm = 850.
      expect(m).toMatch(/w:top="1134"/);
      expect(m).toMatch(/w:bottom="1134"/);
      expect(m).toMatch(/w:left="1701"/);
      expect(m).toMatch(/w:right="850"/);
    }
    // Page 1 of each part carries no number (a first-page header of its own).
    expect((xml.match(/<w:titlePg\/>|<w:titlePg w:val="true"\/>/g) ?? []).length).toBe(2);
  });

  it('names Times New Roman on every run and embeds Liberation Serif as its fallback', () => {
    const runs = xml.match(/<w:r>/g)?.length ?? 0;
    const fonts = [...xml.matchAll(/<w:rFonts ([^>]*)\/>/g)].map((m) => m[1]!);
    expect(runs).toBeGreaterThan(100);
    expect(fonts.length).toBeGreaterThanOrEqual(runs - 5);
    expect(
      fonts.every((f) => /w:ascii="Times New Roman"/.test(f) && /w:hAnsi="Times New Roman"/.test(f)),
    ).toBe(true);
    const styles = strFromU8(files['word/styles.xml']!);
    expect(styles).toMatch(/w:ascii="Times New Roman"/);
    const fontTable = strFromU8(files['word/fontTable.xml']!);
    expect(fontTable).toMatch(/<w:font w:name="Liberation Serif">/);
    expect(fontTable).toMatch(/<w:font w:name="Times New Roman"><w:altName w:val="Liberation Serif"\/>/);
    expect(strFromU8(files['word/settings.xml']!)).toMatch(/w:embedTrueTypeFonts/);
    // Each face, de-obfuscated with its key (ECMA-376 §17.8.1), is the TTF the package ships.
    const keys = [...fontTable.matchAll(/<w:(embed\w+) r:id="(rId\d+)" w:fontKey="\{([0-9A-F-]+)\}"/g)];
    expect(keys.map((k) => k[1])).toEqual(['embedRegular', 'embedBold', 'embedItalic', 'embedBoldItalic']);
    const rels = strFromU8(files['word/_rels/fontTable.xml.rels']!);
    const faces = {
      embedRegular: 'LiberationSerif-Regular.ttf',
      embedBold: 'LiberationSerif-Bold.ttf',
      embedItalic: 'LiberationSerif-Italic.ttf',
      embedBoldItalic: 'LiberationSerif-BoldItalic.ttf',
    } as const;
    for (const [, element, rid, guid] of keys) {
      const target = new RegExp(`Id="${rid}"[^>]*Target="([^"]+)"`).exec(rels)![1]!;
      const data = files[`word/${target}`]!.slice();
      const key = guid!
        .replace(/-/g, '')
        .match(/../g)!
        .map((h) => Number.parseInt(h, 16))
        .reverse();
      for (let i = 0; i < 32; i++) data[i] = data[i]! ^ key[i % 16]!;
      const original = fontFile(faces[element as keyof typeof faces]);
      expect(data.length).toBe(original.length);
      expect(Buffer.compare(Buffer.from(data), Buffer.from(original))).toBe(0);
    }
  });

  it('embeds the rate chart and the map as PNG pictures', () => {
    const media = Object.keys(files).filter((f) => f.startsWith('word/media/'));
    expect(media.sort()).toEqual(['word/media/image1.png', 'word/media/image2.png']);
    for (const m of media) expect([...files[m]!.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect((xml.match(/<wp:docPr id="(\d+)"/g) ?? []).length).toBe(2);
    expect(paragraphs(xml)).toContain('Biểu đồ 2. Bản đồ tỷ lệ cài đặt theo tỉnh, thành phố');
  });

  it('records the report date as the creation date', () => {
    const core = strFromU8(files['docProps/core.xml']!);
    expect(core).toMatch(/<dcterms:created[^>]*>2020-09-12T17:00:00Z<\/dcterms:created>/);
    expect(core).toMatch(/<dcterms:modified[^>]*>2020-09-12T17:00:00Z<\/dcterms:modified>/);
    expect(core).toContain('Sở Thông tin và Truyền thông');
  });

  it('gives the same bytes for the same document', async () => {
    const again = await renderDocx(buildQuickReport(quickInput()));
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
  }, 120_000);
});

describe('DOCX without narrative, without embedded fonts', () => {
  it('highlights the placeholders and can leave the fonts out', async () => {
    const doc = buildQuickReport({
      provinceCode: '19',
      round: 1,
      date: '2020-09-13',
      national: nationalTable(),
      issuer: SO_TTTT_THAI_NGUYEN,
      charts: false,
    });
    const files = unzipSync(await renderDocx(doc, { embedFonts: false }));
    const xml = strFromU8(files['word/document.xml']!);
    expect(Object.keys(files).some((f) => f.startsWith('word/fonts/'))).toBe(false);
    expect(Object.keys(files).some((f) => f.startsWith('word/media/'))).toBe(false);
    const highlighted = [
      ...xml.matchAll(
        /<w:r>(?:(?!<\/w:r>)[\s\S])*<w:highlight w:val="yellow"\/>(?:(?!<\/w:r>)[\s\S])*<\/w:r>/g,
      ),
    ];
    expect(highlighted.length).toBeGreaterThanOrEqual(12);
    expect(highlighted.every((m) => />…</.test(m[0]))).toBe(true);
    expect(paragraphs(xml).some((p) => p.startsWith('Thực hiện Công văn số … ngày … của'))).toBe(true);
  }, 120_000);

  it('renders the tracing report (portrait only, no appendix)', async () => {
    const doc = buildTracingReport({
      date: '2020-09-06',
      from: '2020-08-12',
      to: '2020-09-05',
      rows: TRACING,
      issuer: CUC_THH,
    });
    const files = unzipSync(await renderDocx(doc, { embedFonts: false }));
    const xml = strFromU8(files['word/document.xml']!);
    expect([...xml.matchAll(/<w:pgSz /g)]).toHaveLength(1);
    const t = tables(xml).find((x) => x[0]?.[1] === 'Tỉnh, thành phố')!;
    expect(t.map((r) => r[1])).toEqual([
      'Tỉnh, thành phố',
      'Hải Dương',
      'Đà Nẵng',
      'Hà Nội',
      'Quảng Nam',
      'Tổng cộng',
    ]);
    expect(paragraphs(xml)).toContain('Số: 05/BC-THH');
  }, 120_000);

  it('gives the same bytes through the public packer (the fallback when the compiler is not reachable)', async () => {
    const doc = buildQuickReport(quickInput({ charts: true }));
    const direct = await renderDocx(doc, { embedFonts: false });
    const packed = await Packer.toBuffer(docxDocument(doc, { embedFonts: false }));
    const normalized = normalizeDocx(new Uint8Array(packed), doc.meta.created);
    expect(Buffer.compare(Buffer.from(normalized), Buffer.from(direct))).toBe(0);
  }, 120_000);
});
