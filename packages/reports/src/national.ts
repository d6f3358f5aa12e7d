/**
 * The national summary (the seed's second report) and the tracing results report.
 *
 * @module
 */
import {
  asOfText,
  bodyInSentence,
  byRank,
  carrierName,
  creationInstant,
  DEFAULT_TARGET,
  documentClosing,
  documentHeader,
  endWithClosingMark,
  formatMillionsVi,
  gapToTarget,
  joinVi,
  PLACEHOLDER,
  paragraph,
  placeholder,
  statTable,
  validateNationalTable,
} from './common.js';
import type { NationalReportInput, ProvinceStat, TracingReportInput, TracingYieldRow } from './figures.js';
import { formatDateVi, formatNumberVi, formatPercentVi, formatShortDateVi } from './format.js';
import type { Block, Inline, ReportDocument, TableBlock } from './model.js';

/** Recipients of a national report when none are given. */
export const NATIONAL_DEFAULT_RECIPIENTS: readonly string[] = [
  'Bộ trưởng (để b/c)',
  'Ban Chỉ đạo Quốc gia phòng, chống dịch Covid-19',
  'Bộ Y tế',
  'UBND các tỉnh, thành phố trực thuộc Trung ương',
  'Sở TT&TT các tỉnh, thành phố',
  `Lưu: VT, ${PLACEHOLDER}`,
];

/**
 * The five centrally-run cities (GSO codes: Hà Nội, Hải Phòng, Đà Nẵng, TP. Hồ Chí Minh, Cần
 * Thơ): their total row reads "Toàn thành phố", a province's "Toàn tỉnh". The statistics give
 * short names ("Hà Nội"), so the name alone cannot tell.
 */
const CENTRAL_CITIES: ReadonlySet<string> = new Set(['01', '31', '48', '79', '92']);

/** "thành phố" for a centrally-run city, else "tỉnh". */
export function provinceKind(province: {
  readonly code: string;
  readonly name: string;
}): 'thành phố' | 'tỉnh' {
  return CENTRAL_CITIES.has(province.code) || province.name.startsWith('Thành phố') ? 'thành phố' : 'tỉnh';
}

const TRACING_COLUMNS: TableBlock['columns'] = [
  { header: 'TT', width: 6, align: 'center' },
  { header: 'Tỉnh, thành phố', width: 30, align: 'left' },
  { header: 'Số ca bệnh (F0)', width: 16, align: 'right' },
  { header: 'Tiếp xúc gần (F1)', width: 16, align: 'right' },
  { header: 'Tiếp xúc với F1 (F2)', width: 16, align: 'right' },
  { header: 'F1 bình quân/ca', width: 16, align: 'right' },
];

interface TracingTotals {
  cases: number;
  f1: number;
  f2: number;
}

function tracingTotals(rows: readonly TracingYieldRow[]): TracingTotals {
  for (const r of rows) {
    for (const [k, v] of [
      ['cases', r.cases],
      ['f1', r.f1],
      ['f2', r.f2],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`tracing ${r.code} ${k} must be a count, got ${v}`);
    }
  }
  return rows.reduce((t, r) => ({ cases: t.cases + r.cases, f1: t.f1 + r.f1, f2: t.f2 + r.f2 }), {
    cases: 0,
    f1: 0,
    f2: 0,
  });
}

/** Provinces with at least one case, most F1 first (ties by code). */
function tracingOrder(rows: readonly TracingYieldRow[]): TracingYieldRow[] {
  return rows
    .filter((r) => r.cases > 0 || r.f1 > 0 || r.f2 > 0)
    .sort((a, b) => b.f1 - a.f1 || a.code.localeCompare(b.code));
}

function perCase(f1: number, cases: number): string {
  return cases === 0 ? '-' : formatNumberVi(f1 / cases, 1);
}

function tracingTable(rows: readonly TracingYieldRow[]): TableBlock {
  const ordered = tracingOrder(rows);
  const t = tracingTotals(rows);
  return {
    kind: 'table',
    id: 'tracing',
    columns: TRACING_COLUMNS,
    rows: [
      ...ordered.map((r, i) => ({
        cells: [
          String(i + 1),
          r.name,
          formatNumberVi(r.cases),
          formatNumberVi(r.f1),
          formatNumberVi(r.f2),
          perCase(r.f1, r.cases),
        ],
      })),
      {
        cells: [
          '',
          'Tổng cộng',
          formatNumberVi(t.cases),
          formatNumberVi(t.f1),
          formatNumberVi(t.f2),
          perCase(t.f1, t.cases),
        ],
        bold: true,
      },
    ],
    size: 12,
  };
}

/** The tracing yield sentences of the seed: cases used, contacts found, the leading province. */
function tracingParagraphs(
  from: string,
  to: string,
  rows: readonly TracingYieldRow[],
  nationalCases: number | undefined,
): Block[] {
  const t = tracingTotals(rows);
  const top = tracingOrder(rows)[0];
  const period = `Từ ngày ${formatShortDateVi(from)} đến ngày ${formatShortDateVi(to)}`;
  const blocks: Block[] = [
    paragraph([
      `${period}, từ `,
      { text: formatNumberVi(t.cases), bold: true },
      ' ca bệnh xác định được đưa vào tính toán',
      nationalCases !== undefined
        ? ` (trong tổng số ${formatNumberVi(nationalCases)} ca nhiễm Covid-19 trên toàn quốc)`
        : '',
      ', hệ thống đã xác định được ',
      { text: formatNumberVi(t.f1), bold: true },
      ' người có tiếp xúc gần với ca nhiễm (F1) và ',
      { text: formatNumberVi(t.f2), bold: true },
      ` người tiếp xúc với F1 (F2), bình quân ${perCase(t.f1, t.cases)} F1 mỗi ca, để bổ sung cho danh sách truy vết truyền thống bằng biện pháp điều tra dịch tễ.`,
    ]),
  ];
  if (top && top.f1 > 0) {
    blocks.push(
      paragraph([
        `Riêng tại ${top.name} đã xác định được `,
        { text: formatNumberVi(top.f1), bold: true },
        ` người có tiếp xúc gần với ca nhiễm. ${top.name} là địa phương mà Bluezone truy vết được nhiều người tiếp xúc gần nhất.`,
      ]),
    );
  }
  return blocks;
}

function ratesList(provinces: readonly ProvinceStat[]): string {
  return joinVi(provinces.map((p) => `${p.name} (${formatPercentVi(p.rate)})`));
}

/** Builds the national summary. */
export function buildNationalReport(input: NationalReportInput): ReportDocument {
  const table = input.national;
  validateNationalTable(table);
  const target = input.target ?? DEFAULT_TARGET;
  const topN = input.topN ?? 5;
  const count = table.provinces.length;
  const ranked = byRank(table.provinces);
  const top = ranked.slice(0, topN);
  const bottom = ranked.slice(-topN).reverse();
  const total = table.total;
  const asOf = asOfText(table.asOf);
  const activeDays = input.activeDays ?? 7;
  const body = bodyInSentence(input.issuer);

  const blocks: Block[] = [];
  blocks.push(
    paragraph([`${body} báo cáo kết quả cài đặt ứng dụng Bluezone toàn quốc tính đến ${asOf} như sau:`]),
  );
  blocks.push({ kind: 'heading', level: 1, number: 'I.', text: 'KẾT QUẢ CÀI ĐẶT TOÀN QUỐC' });
  const activeRuns: Inline[] =
    input.activeWithPhone !== undefined
      ? [
          ', tổng lượt đang hoạt động có số điện thoại là ',
          { text: formatMillionsVi(input.activeWithPhone), bold: true },
          ` (${formatNumberVi(input.activeWithPhone)})`,
        ]
      : [];
  blocks.push(
    paragraph([
      `Tính đến ${asOf}, tổng lượt cài đặt toàn quốc là `,
      { text: formatMillionsVi(total.installs), bold: true },
      ` (${formatNumberVi(total.installs)})`,
      ...activeRuns,
      '; số người/điện thoại cài đặt có số điện thoại là ',
      { text: formatNumberVi(total.phoneRegistered), bold: true },
      ', đạt ',
      { text: formatPercentVi(total.rate), bold: true },
      ` tổng số ${formatNumberVi(total.smartphones)} smartphone; `,
      formatNumberVi(total.active),
      ` lượt cài đặt đang hoạt động (có kết nối trong ${activeDays} ngày qua).`,
    ]),
  );
  const reached = table.provinces.filter((p) => p.rate >= target).length;
  blocks.push(
    paragraph([
      `So với mục tiêu ${formatPercentVi(target, 0)} người/điện thoại cài đặt ứng dụng Bluezone: `,
      { text: `${reached}/${count}`, bold: true },
      ' tỉnh, thành phố đã đạt; cả nước cần thêm ',
      { text: formatNumberVi(gapToTarget(total, target)), bold: true },
      ' người/điện thoại cài đặt để đạt mục tiêu.',
    ]),
  );
  const areas = table.provinces.map(({ code, name, rate }) => ({ code, name, rate }));
  if (input.charts !== false) {
    blocks.push(
      {
        kind: 'image',
        chart: {
          type: 'rate-bar',
          title: 'Tỷ lệ cài đặt Bluezone có số điện thoại trên số smartphone theo tỉnh, thành phố',
          areas,
          target,
        },
        widthMm: 165,
        heightMm: 95,
        caption: `Biểu đồ 1. Tỷ lệ cài đặt theo tỉnh, thành phố (đường ngang: mục tiêu ${formatPercentVi(target, 0)})`,
      },
      {
        kind: 'image',
        chart: {
          type: 'rate-map',
          title: 'Bản đồ tỷ lệ cài đặt Bluezone theo tỉnh, thành phố',
          provinces: areas,
          target,
        },
        widthMm: 135,
        heightMm: 135,
        caption: 'Biểu đồ 2. Bản đồ tỷ lệ cài đặt theo tỉnh, thành phố',
      },
    );
  }

  blocks.push({ kind: 'heading', level: 1, number: 'II.', text: 'KẾT QUẢ THEO ĐỊA PHƯƠNG' });
  blocks.push(
    paragraph([
      `${topN} địa phương có tỷ lệ cài đặt Bluezone/tổng số smartphone cao nhất: `,
      { text: ratesList(top), bold: true },
      `; ${topN} địa phương có tỷ lệ cài đặt Bluezone/tổng số smartphone thấp nhất: `,
      { text: ratesList(bottom), bold: true },
      '.',
    ]),
  );

  blocks.push({ kind: 'heading', level: 1, number: 'III.', text: 'TỶ LỆ CÀI ĐẶT THEO NHÀ MẠNG' });
  const carriers = [...table.carriers].sort((a, b) => b.rate - a.rate || a.carrier.localeCompare(b.carrier));
  if (carriers.length > 0) {
    blocks.push(
      paragraph([
        'Tỷ lệ cài đặt (người cài đặt có số điện thoại trên số thuê bao smartphone của nhà mạng): ',
        carriers.map((cr) => `${carrierName(cr.carrier)}: ${formatPercentVi(cr.rate)}`).join(', '),
        '.',
      ]),
    );
    blocks.push({
      kind: 'table',
      id: 'carriers',
      columns: [
        { header: 'TT', width: 8, align: 'center' },
        { header: 'Nhà mạng', width: 30, align: 'left' },
        { header: 'Có số điện thoại', width: 22, align: 'right' },
        { header: 'Số thuê bao smartphone', width: 22, align: 'right' },
        { header: 'Tỷ lệ', width: 18, align: 'right' },
      ],
      rows: carriers.map((cr, i) => ({
        cells: [
          String(i + 1),
          carrierName(cr.carrier),
          formatNumberVi(cr.phoneRegistered),
          formatNumberVi(cr.smartphones),
          formatPercentVi(cr.rate),
        ],
      })),
      size: 12,
    });
  } else {
    blocks.push(paragraph(['Chưa có số liệu thuê bao smartphone theo nhà mạng ', placeholder(), '.']));
  }

  blocks.push({ kind: 'heading', level: 1, number: 'IV.', text: 'KẾT QUẢ TRUY VẾT' });
  if (input.tracing) {
    blocks.push(
      paragraph(['Ngay sau khi triển khai thực hiện, hệ thống truy vết của Bluezone đã phát huy hiệu quả.']),
      ...tracingParagraphs(
        input.tracing.from,
        input.tracing.to,
        input.tracing.rows,
        input.tracing.nationalCases,
      ),
    );
  } else {
    blocks.push(paragraph(['Từ ngày ', placeholder(), ' đến ngày ', placeholder(), ', ', placeholder()]));
  }

  let section = 5;
  const roman = ['I.', 'II.', 'III.', 'IV.', 'V.', 'VI.', 'VII.'];
  if (input.example) {
    const { province: p, districts } = input.example;
    const best = byRank(districts).slice(0, 3);
    blocks.push({
      kind: 'heading',
      level: 1,
      number: roman[section - 1]!,
      text: `ĐỊA PHƯƠNG TIÊU BIỂU: ${p.name.toLocaleUpperCase('vi')}`,
    });
    section++;
    blocks.push(
      paragraph([
        `Đối với ${p.name}, tính đến ${formatShortDateVi(table.asOf).replace(/\/\d{4}$/, '')}, ${p.name} xếp thứ `,
        { text: `${p.rank}/${count}`, bold: true },
        ' tỉnh, thành phố về số lượng cài đặt Bluezone là ',
        { text: formatNumberVi(p.installs), bold: true },
        ', đạt ',
        { text: formatPercentVi(p.rate), bold: true },
        ' tỷ lệ Bluezone có số điện thoại/số smartphone.',
        best.length > 0
          ? ` Trong đó có một số địa phương có tỷ lệ cài đặt Bluezone/tổng smartphone cao là ${joinVi(best.map((d) => `${d.name} đạt ${formatPercentVi(d.rate)}`))}.`
          : '',
      ]),
    );
    blocks.push(
      statTable('districts', districts, p, {
        areaHeader: 'Huyện, thị xã, thành phố',
        totalLabel: `Toàn ${provinceKind(p)}`,
        size: 11,
      }),
    );
  }

  blocks.push({ kind: 'heading', level: 1, number: roman[section - 1]!, text: 'GIẢI PHÁP, ĐỊNH HƯỚNG' });
  const directions = input.directions && input.directions.length > 0 ? input.directions : undefined;
  if (directions) for (const d of directions) blocks.push({ kind: 'item', marker: '-', runs: [d] });
  else blocks.push({ kind: 'item', marker: '-', runs: [placeholder()] });
  endWithClosingMark(blocks);

  const header = documentHeader(input.issuer, input.date);
  return {
    meta: {
      kind: 'national',
      title: 'Báo cáo kết quả cài đặt ứng dụng Bluezone toàn quốc',
      subject: 'Kết quả cài đặt ứng dụng Bluezone',
      author: input.author ?? body,
      created: creationInstant(input.date),
    },
    header,
    documentType: 'BÁO CÁO',
    summary: `Kết quả cài đặt ứng dụng Bluezone toàn quốc tính đến ngày ${formatShortDateVi(table.asOf)}`,
    body: blocks,
    closing: documentClosing(input.recipients ?? NATIONAL_DEFAULT_RECIPIENTS, input.signer),
    appendices: [
      {
        label: 'Phụ lục',
        title: 'BIỂU THỐNG KÊ TOÀN QUỐC',
        attachedTo: `(Kèm theo Báo cáo số ${header.number.replace(/^Số: /, '')} ${formatDateVi(input.date, { pad: true })} của ${body})`,
        orientation: 'landscape',
        blocks: [
          paragraph([`Số liệu tính đến ${asOf}`], { align: 'center', italic: true, indent: false }),
          statTable('national', table.provinces, total),
        ],
      },
    ],
  };
}

/** Builds the tracing results report. */
export function buildTracingReport(input: TracingReportInput): ReportDocument {
  if (Number.isNaN(Date.parse(input.from)) || Number.isNaN(Date.parse(input.to))) {
    throw new RangeError('from and to must be ISO dates');
  }
  if (Date.parse(input.from) > Date.parse(input.to)) throw new RangeError('from is after to');
  const t = tracingTotals(input.rows);
  const body = bodyInSentence(input.issuer);
  const ordered = tracingOrder(input.rows);
  const blocks: Block[] = [
    paragraph([
      `${body} báo cáo kết quả truy vết tiếp xúc gần bằng ứng dụng Bluezone từ ngày ${formatShortDateVi(input.from)} đến ngày ${formatShortDateVi(input.to)} như sau:`,
    ]),
    { kind: 'heading', level: 1, number: 'I.', text: 'KẾT QUẢ CHUNG' },
    ...tracingParagraphs(input.from, input.to, input.rows, input.nationalCases),
    paragraph([
      'Số tỉnh, thành phố có ca bệnh được đưa vào tính toán: ',
      { text: formatNumberVi(ordered.filter((r) => r.cases > 0).length), bold: true },
      '.',
    ]),
    { kind: 'heading', level: 1, number: 'II.', text: 'KẾT QUẢ THEO ĐỊA PHƯƠNG' },
    paragraph(
      [
        t.cases === 0
          ? 'Trong kỳ báo cáo không có ca bệnh nào được đưa vào tính toán.'
          : 'Kết quả truy vết theo tỉnh, thành phố (xếp theo số người tiếp xúc gần F1 xác định được):',
      ],
      {},
    ),
    tracingTable(input.rows),
    { kind: 'heading', level: 1, number: 'III.', text: 'ĐÁNH GIÁ, ĐỀ XUẤT' },
  ];
  const assessment = input.assessment && input.assessment.length > 0 ? input.assessment : undefined;
  if (assessment) for (const a of assessment) blocks.push({ kind: 'item', marker: '-', runs: [a] });
  else blocks.push({ kind: 'item', marker: '-', runs: [placeholder()] });
  endWithClosingMark(blocks);

  return {
    meta: {
      kind: 'tracing',
      title: 'Báo cáo kết quả truy vết tiếp xúc gần bằng ứng dụng Bluezone',
      subject: 'Kết quả truy vết',
      author: input.author ?? body,
      created: creationInstant(input.date),
    },
    header: documentHeader(input.issuer, input.date),
    documentType: 'BÁO CÁO',
    summary: `Kết quả truy vết tiếp xúc gần bằng ứng dụng Bluezone từ ngày ${formatShortDateVi(input.from)} đến ngày ${formatShortDateVi(input.to)}`,
    body: blocks,
    closing: documentClosing(input.recipients ?? NATIONAL_DEFAULT_RECIPIENTS, input.signer),
    appendices: [],
  };
}
