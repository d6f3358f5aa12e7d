/**
 * "Báo cáo nhanh kết quả cài đặt ứng dụng Bluezone" of a province, round and date: the seed's first
 * form. The figures come from the national table; the narrative and the campaign figures from what
 * the department wrote (placeholders "…" where it wrote nothing); the national statistics table,
 * the rate chart and the map are the appendix.
 *
 * @module
 */
import {
  asOfText,
  bodyInSentence,
  countOrPlaceholder,
  creationInstant,
  DEFAULT_TARGET,
  documentClosing,
  documentHeader,
  endWithClosingMark,
  gapToTarget,
  orPlaceholder,
  PLACEHOLDER,
  paragraph,
  placeholder,
  statTable,
  validateNationalTable,
} from './common.js';
import type { QuickReportInput } from './figures.js';
import { formatDateVi, formatNumberVi, formatPercentVi, formatShortDateVi } from './format.js';
import type { Appendix, Block, Inline, ReportDocument } from './model.js';

/** The recipients of the source form. */
export const QUICK_DEFAULT_RECIPIENTS: readonly string[] = [
  'UBND tỉnh (BC)',
  'Các sở, ban, ngành tỉnh',
  `Đài PTTH, Báo ${PLACEHOLDER}, Cổng TTĐT tỉnh`,
  'UBND, Phòng VHTT các huyện, TP',
  'Lãnh đạo Sở',
  'Các phòng CM, VP, Trung tâm CNTT',
  `Lưu: VT, ${PLACEHOLDER}`,
];

/** "Thái Nguyên" from "Tỉnh Thái Nguyên"/"Thành phố Hà Nội"-less names: the table name as is. */
function provinceWord(name: string): string {
  return /^(Hà Nội|Hải Phòng|Đà Nẵng|Hồ Chí Minh|Cần Thơ)$/.test(name) ? 'thành phố' : 'tỉnh';
}

/** Builds the quick report of one province. Throws when the province is not in the table. */
export function buildQuickReport(input: QuickReportInput): ReportDocument {
  validateNationalTable(input.national);
  if (!Number.isInteger(input.round) || input.round < 1)
    throw new RangeError(`round must be ≥ 1, got ${input.round}`);
  const province = input.national.provinces.find((p) => p.code === input.provinceCode);
  if (!province) throw new RangeError(`province ${input.provinceCode} is not in the national table`);
  const target = input.target ?? DEFAULT_TARGET;
  const count = input.national.provinces.length;
  const n = input.narrative ?? {};
  const c = input.campaign ?? {};
  const unit = provinceWord(province.name);
  const where = `${unit} ${province.name}`;
  const body = bodyInSentence(input.issuer);
  const gap = gapToTarget(province, target);
  const targetText = formatPercentVi(target, 0);

  const blocks: Block[] = [];
  blocks.push(
    paragraph([
      ...(n.basis
        ? [`Thực hiện ${n.basis} `]
        : ['Thực hiện Công văn số ', placeholder(), ' ngày ', placeholder(), ' ']),
      'của ',
      n.basisIssuer ?? `Ban Chỉ đạo phòng, chống dịch Covid-19 ${where}`,
      `, ${body} báo cáo kết quả triển khai cài đặt ứng dụng Bluezone như sau:`,
    ]),
  );

  // 1. Communication work, with the figures.
  blocks.push({ kind: 'heading', level: 1, number: '1.', text: 'Công tác thông tin, truyền thông' });
  blocks.push(
    paragraph(
      n.directives
        ? [n.directives]
        : [
            'Ban Chỉ đạo tỉnh ban hành văn bản yêu cầu các cơ quan, đơn vị, các địa phương triển khai tuyên truyền cài đặt ứng dụng Bluezone; Sở TT&TT ban hành Công văn số ',
            placeholder(),
            ' ngày ',
            placeholder(),
            ' về việc phát sóng chương trình phát thanh phòng, chống Covid-19 trên hệ thống truyền thanh cấp huyện và cấp xã; Công văn số ',
            placeholder(),
            ' ngày ',
            placeholder(),
            ' về việc tăng cường tuyên truyền phòng, chống Covid-19.',
          ],
    ),
  );
  const agencies: Inline[] = n.agencies
    ? [`${n.agencies.replace(/\s*$/, '')} `]
    : [
        placeholder(),
        ' các cơ quan, đơn vị đã có Công văn gửi các đơn vị, phòng, ban trực thuộc về công tác phòng, chống dịch Covid-19, hướng dẫn CBCCVC cài đặt ứng dụng Bluezone. ',
      ];
  blocks.push(
    paragraph([
      `Theo báo cáo, tính đến ${asOfText(input.national.asOf)}, `,
      ...agencies,
      'Đã có ',
      { text: formatNumberVi(province.phoneRegistered), bold: true },
      ' người/điện thoại cài đặt ứng dụng Bluezone có số điện thoại (tổng số ',
      formatNumberVi(province.installs),
      ' lượt cài đặt), đạt ',
      { text: formatPercentVi(province.rate), bold: true },
      ' số smartphone trên địa bàn, xếp thứ ',
      { text: `${province.rank}/${count}`, bold: true },
      ' trong các tỉnh, thành phố có tỷ lệ cài đặt cao nhất cả nước (Kèm theo Biểu thống kê toàn quốc).',
    ]),
  );
  if (gap > 0) {
    blocks.push(
      paragraph([
        `Tuy nhiên, số lượng, tỷ lệ này còn ${province.rate < target / 2 ? 'rất ' : ''}thấp so với yêu cầu cần có ${targetText} người/điện thoại cài đặt ứng dụng Bluezone: cần thêm `,
        { text: formatNumberVi(gap), bold: true },
        ' người/điện thoại cài đặt để đạt mục tiêu.',
      ]),
    );
  } else {
    const over = province.phoneRegistered - Math.ceil(target * province.smartphones - 1e-9);
    blocks.push(
      paragraph([
        `Số lượng, tỷ lệ này đã đạt yêu cầu cần có ${targetText} người/điện thoại cài đặt ứng dụng Bluezone (vượt `,
        formatNumberVi(over),
        ' người/điện thoại).',
      ]),
    );
  }

  // 2. The department's work.
  blocks.push({ kind: 'heading', level: 1, number: '2.', text: `Kết quả triển khai thực hiện của ${body}` });
  blocks.push({ kind: 'heading', level: 2, number: '2.1.', text: 'Công tác thông tin, tuyên truyền' });
  blocks.push(paragraph([orPlaceholder(n.propaganda)]));
  const press = c.press;
  blocks.push(
    paragraph([
      `Cập nhật hàng ngày, tổng hợp thông tin báo chí trong nước phản ánh về ${where}, trong đó từ ngày `,
      press ? formatShortDateVi(press.from).replace(/\/\d{4}$/, '') : placeholder(),
      ' đến ',
      press ? formatShortDateVi(press.to).replace(/\/\d{4}$/, '') : placeholder(),
      ' đã có ',
      countOrPlaceholder(press?.articles),
      ' tin, bài của ',
      countOrPlaceholder(press?.outlets),
      ' cơ quan báo chí phản ánh về công tác phòng, chống dịch bệnh Covid-19.',
    ]),
  );
  blocks.push({
    kind: 'heading',
    level: 2,
    number: '2.2.',
    text: 'Công tác bưu chính viễn thông, công nghệ thông tin',
  });
  blocks.push(
    paragraph([
      'Đã triển khai nhắn tin trên Zalo và SMS, trên mạng xã hội Facebook cho người dân đề nghị cài đặt Bluezone và định kỳ nhắc lại: ',
      countOrPlaceholder(c.smsMessages),
      ' tin nhắn SMS và ',
      countOrPlaceholder(c.zaloMessages),
      ' tin nhắn Zalo.',
    ]),
  );
  blocks.push(paragraph([orPlaceholder(n.telecom)]));

  // 3. Grassroots information system.
  blocks.push({
    kind: 'heading',
    level: 1,
    number: '3.',
    text: 'Kết quả tuyên truyền của hệ thống thông tin cơ sở',
  });
  blocks.push(
    paragraph([
      n.grassroots
        ? `${n.grassroots.replace(/[.\s]*$/, '')}; `
        : 'Phòng Văn hóa và Thông tin các huyện, thành phố đã kịp thời triển khai các văn bản chỉ đạo của cấp trên, hướng dẫn Trung tâm Văn hóa, Thể thao và Truyền thông; ',
      'các đài truyền thanh cấp xã tuyên truyền cài đặt ứng dụng Bluezone, phát sóng ',
      countOrPlaceholder(c.audioFiles),
      ' file âm thanh tuyên truyền về phòng, chống Covid-19.',
    ]),
  );

  // 4. Lessons and proposals.
  blocks.push({ kind: 'heading', level: 1, number: '4.', text: 'Kinh nghiệm thực tiễn; Đề xuất, kiến nghị' });
  const fanpages = c.fanpages ?? [];
  const pages: Inline[] =
    fanpages.length > 0
      ? fanpages.flatMap((f, i) => [
          `${f.name} với `,
          formatNumberVi(f.followers),
          ` lượt người theo dõi${i === fanpages.length - 1 ? '.' : '; '}`,
        ])
      : [placeholder(), ' với ', placeholder(), ' lượt người theo dõi.'];
  blocks.push({
    kind: 'item',
    marker: '–',
    runs: [
      'Hệ thống thông tin điện tử, mạng xã hội phát huy hiệu quả cao nhờ thông tin cập nhật theo thời gian thực. Một số trang fanpage có lượng người theo dõi lớn như: ',
      ...pages,
    ],
  });
  for (const lesson of n.lessons ?? []) blocks.push({ kind: 'item', marker: '–', runs: [lesson] });
  const proposals = n.proposals && n.proposals.length > 0 ? n.proposals : undefined;
  if (proposals) for (const p of proposals) blocks.push({ kind: 'item', marker: '+', runs: [p] });
  else blocks.push({ kind: 'item', marker: '+', runs: [placeholder()] });
  blocks.push({
    kind: 'item',
    marker: '–',
    runs: [
      `Đề nghị các cơ quan, đơn vị tăng cường phối hợp với ${body} để thống nhất giải quyết các tình huống truyền thông phức tạp; kịp thời báo cáo cấp thẩm quyền xem xét, chỉ đạo, quyết định.`,
    ],
  });
  endWithClosingMark(blocks);

  const header = documentHeader(input.issuer, input.date);
  const appendixBlocks: Block[] = [
    paragraph([`Số liệu tính đến ${asOfText(input.national.asOf)}`], {
      align: 'center',
      italic: true,
      indent: false,
    }),
    statTable('national', input.national.provinces, input.national.total, { highlight: province.code }),
  ];
  if (input.charts !== false) {
    const areas = input.national.provinces.map(({ code, name, rate }) => ({ code, name, rate }));
    appendixBlocks.push(
      { kind: 'page-break' },
      {
        kind: 'image',
        chart: {
          type: 'rate-bar',
          title: 'Tỷ lệ cài đặt Bluezone có số điện thoại trên số smartphone theo tỉnh, thành phố',
          areas,
          target,
          highlight: province.code,
        },
        widthMm: 247,
        heightMm: 120,
        caption: `Biểu đồ 1. Tỷ lệ cài đặt theo tỉnh, thành phố (đường ngang: mục tiêu ${targetText})`,
      },
      { kind: 'page-break' },
      {
        kind: 'image',
        chart: {
          type: 'rate-map',
          title: 'Bản đồ tỷ lệ cài đặt Bluezone theo tỉnh, thành phố',
          provinces: areas,
          target,
          highlight: province.code,
        },
        widthMm: 150,
        heightMm: 150,
        caption: 'Biểu đồ 2. Bản đồ tỷ lệ cài đặt theo tỉnh, thành phố',
      },
    );
  }
  const appendix: Appendix = {
    label: 'Phụ lục',
    title: 'BIỂU THỐNG KÊ TOÀN QUỐC',
    attachedTo: `(Kèm theo Báo cáo số ${header.number.replace(/^Số: /, '')} ${formatDateVi(input.date, { pad: true })} của ${body} ${where})`,
    orientation: 'landscape',
    blocks: appendixBlocks,
  };

  return {
    meta: {
      kind: 'quick',
      title: `Báo cáo nhanh kết quả cài đặt ứng dụng Bluezone đợt ${input.round} - ${province.name}`,
      subject: 'Kết quả cài đặt ứng dụng Bluezone',
      author: input.author ?? bodyInSentence(input.issuer),
      created: creationInstant(input.date),
    },
    header,
    documentType: 'BÁO CÁO NHANH',
    summary: `Kết quả cài đặt ứng dụng Bluezone đợt ${input.round} và công tác thông tin, truyền thông phòng, chống dịch bệnh Covid-19`,
    body: blocks,
    closing: documentClosing(input.recipients ?? QUICK_DEFAULT_RECIPIENTS, input.signer),
    appendices: [appendix],
  };
}
