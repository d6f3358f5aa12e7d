import { describe, expect, it } from 'vitest';
import {
  buildNationalReport,
  buildQuickReport,
  buildTracingReport,
  carrierName,
  documentTables,
  formatDateVi,
  formatNumberVi,
  formatPercentVi,
  gapToTarget,
  inlineText,
  type ReportDocument,
} from '../src/index.js';
import type { Block } from '../src/model.js';
import { provinceKind } from '../src/national.js';
import {
  CUC_THH,
  nationalTable,
  quickInput,
  SO_TTTT_THAI_NGUYEN,
  THAI_NGUYEN_DISTRICTS,
  TRACING,
  thaiNguyen,
} from './fixture.js';

/** The text of every paragraph, heading and item of a block list. */
function texts(blocks: readonly Block[]): string[] {
  return blocks.flatMap((b) => {
    if (b.kind === 'paragraph') return [b.runs.map(inlineText).join('')];
    if (b.kind === 'heading') return [`${b.number} ${b.text}`];
    if (b.kind === 'item') return [`${b.marker} ${b.runs.map(inlineText).join('')}`];
    return [];
  });
}

function placeholders(blocks: readonly Block[]): number {
  return blocks.reduce((n, b) => {
    if (b.kind !== 'paragraph' && b.kind !== 'item') return n;
    return n + b.runs.filter((r) => typeof r !== 'string' && r.placeholder).length;
  }, 0);
}

const bodyText = (doc: ReportDocument) => texts(doc.body).join('\n');

describe('Vietnamese formatting', () => {
  it('groups thousands with "." and decimals with ","', () => {
    expect(formatNumberVi(270626)).toBe('270.626');
    expect(formatNumberVi(22_912_345)).toBe('22.912.345');
    expect(formatNumberVi(999)).toBe('999');
    expect(formatNumberVi(0)).toBe('0');
    expect(formatNumberVi(1234.56, 1)).toBe('1.234,6');
    expect(formatNumberVi(-1500)).toBe('-1.500');
  });
  it('rounds percentages to two decimals with a space before the sign', () => {
    expect(formatPercentVi(250_400 / 925_000)).toBe('27,07 %');
    expect(formatPercentVi(0.2707)).toBe('27,07 %');
    expect(formatPercentVi(0.34325)).toBe('34,33 %');
    expect(formatPercentVi(0.5, 0)).toBe('50 %');
  });
  it('writes dates the Vietnamese way, padded on the date line', () => {
    expect(formatDateVi('2020-09-13')).toBe('ngày 13 tháng 9 năm 2020');
    expect(formatDateVi('2021-01-05', { pad: true })).toBe('ngày 05 tháng 01 năm 2021');
    expect(formatDateVi('2020-09-13', { pad: true })).toBe('ngày 13 tháng 9 năm 2020');
    // 17:30 UTC on the 12th is 00:30 on the 13th in Viet Nam.
    expect(formatDateVi('2020-09-12T17:30:00Z')).toBe('ngày 13 tháng 9 năm 2020');
    expect(() => formatNumberVi(Number.NaN)).toThrow(RangeError);
  });
});

describe('quick report', () => {
  const table = nationalTable();

  it('fills the header of Decree 30/2020', () => {
    const doc = buildQuickReport(quickInput());
    expect(doc.header).toEqual({
      parentBody: 'UBND TỈNH THÁI NGUYÊN',
      issuingBody: 'SỞ THÔNG TIN VÀ TRUYỀN THÔNG',
      number: 'Số: …/BC-STTTT',
      nationalTitle: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      motto: 'Độc lập - Tự do - Hạnh phúc',
      placeDate: 'Thái Nguyên, ngày 13 tháng 9 năm 2020',
    });
    expect(doc.documentType).toBe('BÁO CÁO NHANH');
    expect(doc.summary).toBe(
      'Kết quả cài đặt ứng dụng Bluezone đợt 1 và công tác thông tin, truyền thông phòng, chống dịch bệnh Covid-19',
    );
    expect(doc.meta.created).toBe('2020-09-12T17:00:00.000Z');
  });

  it('pads a registered number below 10', () => {
    const doc = buildQuickReport(quickInput({ issuer: { ...SO_TTTT_THAI_NGUYEN, number: 7 } }));
    expect(doc.header.number).toBe('Số: 07/BC-STTTT');
  });

  it('fills in the figures: people, rate, rank among 63, gap to the target', () => {
    const doc = buildQuickReport(quickInput());
    const text = bodyText(doc);
    const rank = table.provinces.find((p) => p.code === '19')!.rank;
    // Computed by hand: 250.400 ÷ 925.000 = 27,07 %; ⌈0,5 × 925.000⌉ − 250.400 = 212.100.
    expect(text).toContain('tính đến 08h00 ngày 13/9/2020');
    expect(text).toContain('Đã có 250.400 người/điện thoại cài đặt ứng dụng Bluezone có số điện thoại');
    expect(text).toContain('(tổng số 270.626 lượt cài đặt)');
    expect(text).toContain('đạt 27,07 % số smartphone trên địa bàn');
    expect(text).toContain(`xếp thứ ${rank}/63 trong các tỉnh, thành phố`);
    expect(text).toContain(
      'cần có 50 % người/điện thoại cài đặt ứng dụng Bluezone: cần thêm 212.100 người/điện thoại',
    );
    expect(gapToTarget({ phoneRegistered: 250_400, smartphones: 925_000 }, 0.5)).toBe(212_100);
  });

  it('says when the province has reached the target', () => {
    const doc = buildQuickReport(quickInput({ provinceCode: '48' }));
    // Đà Nẵng: 523.000 of 1.000.000, the target 500.000: 23.000 over.
    expect(bodyText(doc)).toContain(
      'đã đạt yêu cầu cần có 50 % người/điện thoại cài đặt ứng dụng Bluezone (vượt 23.000',
    );
    expect(bodyText(doc)).toContain('xếp thứ 1/63');
  });

  it('has the sections of the source form, in order, ending with "./."', () => {
    const doc = buildQuickReport(quickInput());
    const headings = doc.body
      .filter((b) => b.kind === 'heading')
      .map((b) => (b.kind === 'heading' ? `${b.number} ${b.text}` : ''));
    expect(headings).toEqual([
      '1. Công tác thông tin, truyền thông',
      '2. Kết quả triển khai thực hiện của Sở Thông tin và Truyền thông',
      '2.1. Công tác thông tin, tuyên truyền',
      '2.2. Công tác bưu chính viễn thông, công nghệ thông tin',
      '3. Kết quả tuyên truyền của hệ thống thông tin cơ sở',
      '4. Kinh nghiệm thực tiễn; Đề xuất, kiến nghị',
    ]);
    const all = texts(doc.body);
    expect(all[all.length - 1]).toMatch(/quyết định\.\/\.$/);
    const text = all.join('\n');
    expect(text).toContain(
      'Thực hiện Công văn số 45/BCĐ ngày 10/9/2020 của Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh Thái Nguyên',
    );
    expect(text).toContain('từ ngày 1/8 đến 7/8 đã có 70 tin, bài của 20 cơ quan báo chí');
    expect(text).toContain('1.250.000 tin nhắn SMS và 340.000 tin nhắn Zalo');
    expect(text).toContain('phát sóng 32 file âm thanh');
    expect(text).toContain('Trung tâm Kiểm soát bệnh tật tỉnh với 45.210 lượt người theo dõi');
    expect(placeholders(doc.body)).toBe(0);
  });

  it('marks every missing narrative field with a placeholder, as the source form does', () => {
    const doc = buildQuickReport({
      provinceCode: '19',
      round: 2,
      date: '2020-09-13',
      national: table,
      issuer: SO_TTTT_THAI_NGUYEN,
    });
    const text = bodyText(doc);
    expect(text).toContain('Thực hiện Công văn số … ngày … của');
    expect(text).toContain('đã có … tin, bài của … cơ quan báo chí');
    expect(text).toContain('… tin nhắn SMS và … tin nhắn Zalo');
    expect(text).toContain('phát sóng … file âm thanh');
    // The figures are still filled in.
    expect(text).toContain('Đã có 250.400 người/điện thoại');
    expect(placeholders(doc.body)).toBeGreaterThanOrEqual(12);
    expect(doc.summary).toContain('đợt 2');
    expect(doc.closing.signerName).toEqual({ text: '…', placeholder: true });
  });

  it('closes with "Nơi nhận" (last line "Lưu: …") and the signature block', () => {
    const doc = buildQuickReport(quickInput());
    expect(doc.closing.recipients[0]).toBe('- UBND tỉnh (BC);');
    expect(doc.closing.recipients.at(-1)).toBe('- Lưu: VT, ….');
    expect(doc.closing.authority).toBe('KT. GIÁM ĐỐC');
    expect(doc.closing.position).toBe('PHÓ GIÁM ĐỐC');
    expect(doc.closing.signerName).toBe('Nguyễn Văn An');
    const custom = buildQuickReport(quickInput({ recipients: ['Như trên', 'Lưu: VT, TTBCXB'] }));
    expect(custom.closing.recipients).toEqual(['- Như trên;', '- Lưu: VT, TTBCXB.']);
    const noStorage = buildQuickReport(quickInput({ recipients: ['UBND tỉnh'] }));
    expect(noStorage.closing.recipients).toEqual(['- UBND tỉnh;', '- Lưu: VT, ….']);
  });

  it('appends the national statistics table (63 provinces + total) in rank order, landscape', () => {
    const doc = buildQuickReport(quickInput());
    const appendix = doc.appendices[0]!;
    expect(appendix.title).toBe('BIỂU THỐNG KÊ TOÀN QUỐC');
    expect(appendix.orientation).toBe('landscape');
    expect(appendix.attachedTo).toBe(
      '(Kèm theo Báo cáo số …/BC-STTTT ngày 13 tháng 9 năm 2020 của Sở Thông tin và Truyền thông tỉnh Thái Nguyên)',
    );
    const t = documentTables(doc).find((x) => x.id === 'national')!;
    expect(t.rows).toHaveLength(64);
    expect(t.rows[0]!.cells.slice(1, 3)).toEqual(['Đà Nẵng', '600.000']);
    expect(t.rows[0]!.cells[6]).toBe('52,30 %');
    expect(t.rows[63]!.cells[1]).toBe('Toàn quốc');
    expect(t.rows[63]!.bold).toBe(true);
    const ranks = t.rows.slice(0, 63).map((r) => Number(r.cells[7]!.split('/')[0]));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // The tie: Hà Giang and Cao Bằng, 80.000 of 400.000 each, share a rank.
    const hg = t.rows.find((r) => r.cells[1] === 'Hà Giang')!;
    const cb = t.rows.find((r) => r.cells[1] === 'Cao Bằng')!;
    expect(hg.cells[7]).toBe(cb.cells[7]);
    const highlighted = t.rows.filter((r) => r.highlight);
    expect(highlighted.map((r) => r.cells[1])).toEqual(['Thái Nguyên']);
    expect(appendix.blocks.filter((b) => b.kind === 'image')).toHaveLength(2);
    expect(
      buildQuickReport(quickInput({ charts: false })).appendices[0]!.blocks.some((b) => b.kind === 'image'),
    ).toBe(false);
  });

  it('refuses a province not in the table, a bad round, bad figures', () => {
    expect(() => buildQuickReport(quickInput({ provinceCode: '99' }))).toThrow(/not in the national table/);
    expect(() => buildQuickReport(quickInput({ round: 0 }))).toThrow(RangeError);
    const bad = {
      ...table,
      provinces: table.provinces.map((p, i) => (i === 0 ? { ...p, installs: -1 } : p)),
    };
    expect(() => buildQuickReport(quickInput({ national: bad }))).toThrow(/installs/);
    const dup = { ...table, provinces: [...table.provinces, table.provinces[0]!] };
    expect(() => buildQuickReport(quickInput({ national: dup }))).toThrow(/twice/);
    const pct = { ...table, provinces: table.provinces.map((p, i) => (i === 0 ? { ...p, rate: 52.3 } : p)) };
    expect(() => buildQuickReport(quickInput({ national: pct }))).toThrow(/fraction/);
  });
});

describe('national summary', () => {
  const doc = buildNationalReport({
    date: '2020-09-22',
    national: nationalTable(),
    issuer: CUC_THH,
    activeWithPhone: 17_700_000,
    tracing: { from: '2020-08-12', to: '2020-09-05', rows: TRACING, nationalCases: 146 },
    example: thaiNguyen(),
    directions: ['Tiếp tục tập trung quyết liệt đẩy mạnh cài đặt Bluezone.'],
  });
  const text = bodyText(doc);

  it('has the header of the ministry department with its number', () => {
    expect(doc.header.parentBody).toBe('BỘ THÔNG TIN VÀ TRUYỀN THÔNG');
    expect(doc.header.issuingBody).toBe('CỤC TIN HỌC HÓA');
    expect(doc.header.number).toBe('Số: 05/BC-THH');
    expect(doc.header.placeDate).toBe('Hà Nội, ngày 22 tháng 9 năm 2020');
    expect(doc.documentType).toBe('BÁO CÁO');
  });

  it('states the totals and the active installs with a phone number', () => {
    const t = nationalTable().total;
    expect(text).toContain(
      `tổng lượt cài đặt toàn quốc là ${formatNumberVi(t.installs / 1e6, 1)} triệu (${formatNumberVi(t.installs)})`,
    );
    expect(text).toContain('tổng lượt đang hoạt động có số điện thoại là 17,7 triệu (17.700.000)');
  });

  it('names the top 5 and bottom 5 provinces', () => {
    const ranked = [...nationalTable().provinces].sort(
      (a, b) => a.rank - b.rank || a.code.localeCompare(b.code),
    );
    const top = ranked.slice(0, 5).map((p) => p.name);
    expect(top[0]).toBe('Đà Nẵng');
    expect(text).toContain(`cao nhất: Đà Nẵng (52,30 %), ${top[1]} (`);
    const bottom = ranked.slice(-5).reverse();
    expect(text).toContain(`thấp nhất: ${bottom[0]!.name} (${formatPercentVi(bottom[0]!.rate)})`);
  });

  it('gives the carriers, highest rate first', () => {
    expect(text).toContain('Viettel: 26,73 %, MobiFone: 24,59 %, VinaPhone: 22,11 %, Vietnamobile: 9,25 %.');
    const t = documentTables(doc).find((x) => x.id === 'carriers')!;
    expect(t.rows.map((r) => r.cells[1])).toEqual(['Viettel', 'MobiFone', 'VinaPhone', 'Vietnamobile']);
    expect(carrierName('')).toBe('Khác');
  });

  it('gives the tracing yield as the seed does', () => {
    expect(text).toContain(
      'Từ ngày 12/8/2020 đến ngày 5/9/2020, từ 72 ca bệnh xác định được đưa vào tính toán (trong tổng số 146 ca nhiễm Covid-19 trên toàn quốc), hệ thống đã xác định được 1.920 người có tiếp xúc gần',
    );
    expect(text).toContain('Riêng tại Hải Dương đã xác định được 1.035 người có tiếp xúc gần với ca nhiễm.');
  });

  it('shows the example province with its best districts', () => {
    expect(text).toContain(
      'Thành phố Thái Nguyên đạt 34,32 %, Thị xã Phổ Yên đạt 30,35 % và Thành phố Sông Công đạt 30,24 %',
    );
    const t = documentTables(doc).find((x) => x.id === 'districts')!;
    expect(t.rows).toHaveLength(THAI_NGUYEN_DISTRICTS.length + 1);
    expect(t.rows.at(-1)!.cells[1]).toBe('Toàn tỉnh');
    expect(t.rows.at(-1)!.cells[2]).toBe('270.626');
  });

  it('calls a centrally-run city "thành phố" by its code, whatever the name says', () => {
    expect(provinceKind({ code: '01', name: 'Hà Nội' })).toBe('thành phố');
    expect(provinceKind({ code: '92', name: 'Cần Thơ' })).toBe('thành phố');
    expect(provinceKind({ code: '19', name: 'Thái Nguyên' })).toBe('tỉnh');
    expect(provinceKind({ code: '19', name: 'Tỉnh Thái Nguyên' })).toBe('tỉnh');
  });

  it('numbers its sections I–VI and appends the statistics table', () => {
    const headings = doc.body
      .filter((b) => b.kind === 'heading')
      .map((b) => (b.kind === 'heading' ? b.number : ''));
    expect(headings).toEqual(['I.', 'II.', 'III.', 'IV.', 'V.', 'VI.']);
    expect(documentTables(doc).find((x) => x.id === 'national')!.rows).toHaveLength(64);
    expect(doc.body.filter((b) => b.kind === 'image')).toHaveLength(2);
  });
});

describe('tracing report', () => {
  const doc = buildTracingReport({
    date: '2020-09-06',
    from: '2020-08-12',
    to: '2020-09-05',
    rows: TRACING,
    nationalCases: 146,
    issuer: CUC_THH,
  });

  it('lists the provinces with cases, most contacts first, with the total', () => {
    const t = documentTables(doc).find((x) => x.id === 'tracing')!;
    expect(t.rows.map((r) => r.cells[1])).toEqual([
      'Hải Dương',
      'Đà Nẵng',
      'Hà Nội',
      'Quảng Nam',
      'Tổng cộng',
    ]);
    // 72 cases, 1.920 F1, 3.590 F2; 1.920 ÷ 72 = 26,7 F1 a case.
    expect(t.rows.at(-1)!.cells.slice(2)).toEqual(['72', '1.920', '3.590', '26,7']);
    expect(t.rows[0]!.cells[5]).toBe('34,5');
  });

  it('has its summary line and sections', () => {
    expect(doc.summary).toBe(
      'Kết quả truy vết tiếp xúc gần bằng ứng dụng Bluezone từ ngày 12/8/2020 đến ngày 5/9/2020',
    );
    const text = bodyText(doc);
    expect(text).toContain('I. KẾT QUẢ CHUNG');
    expect(text).toContain('II. KẾT QUẢ THEO ĐỊA PHƯƠNG');
    expect(text).toContain('III. ĐÁNH GIÁ, ĐỀ XUẤT');
    expect(text).toContain(
      '1.920 người có tiếp xúc gần với ca nhiễm (F1) và 3.590 người tiếp xúc với F1 (F2)',
    );
    expect(doc.appendices).toHaveLength(0);
  });

  it('refuses a period that ends before it starts and negative counts', () => {
    expect(() =>
      buildTracingReport({
        date: '2020-09-06',
        from: '2020-09-05',
        to: '2020-08-12',
        rows: TRACING,
        issuer: CUC_THH,
      }),
    ).toThrow(/after/);
    expect(() =>
      buildTracingReport({
        date: '2020-09-06',
        from: '2020-08-12',
        to: '2020-09-05',
        rows: [{ code: '01', name: 'Hà Nội', cases: 1, f1: -2, f2: 0 }],
        issuer: CUC_THH,
      }),
    ).toThrow(/f1/);
  });
});
