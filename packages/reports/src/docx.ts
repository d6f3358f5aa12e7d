/**
 * DOCX renderer (the `docx` library): A4, the margins, fonts and header of Decree 30/2020, Times
 * New Roman named on every run, Liberation Serif (metric-compatible, full Vietnamese) embedded as
 * the fallback. The package is then made reproducible: fixed dates, ids and font keys, and a ZIP
 * written with fixed timestamps (see `normalizeDocx`).
 *
 * @module
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Header,
  HighlightColor,
  ImageRun,
  LineRuleType,
  Packer,
  PageNumber,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
} from 'docx';
import { strFromU8, strToU8, type Unzipped, unzipSync, zipSync } from 'fflate';
import { DOCUMENT_FONT, EMBEDDED_FONT_FAMILY, fontData } from './assets.js';
import { renderChartPng } from './charts.js';
import { vietnamDateParts } from './format.js';
import {
  A4,
  HEADER_LEFT_MM,
  HEADER_OUTDENT_MM,
  HEADER_RIGHT_MM,
  INDENT_MM,
  LINE_SPACING,
  MARGINS_MM,
  PARAGRAPH_AFTER_PT,
  SIZE,
  TWIP_PER_MM,
  textWidthMm,
} from './layout.js';
import { textWidthPt } from './measure.js';
import type { Align, Appendix, Block, ImageBlock, Inline, ReportDocument, TableBlock } from './model.js';

/** DOCX options. */
export interface DocxOptions {
  /** Embed the four Liberation Serif faces (≈1,5 MB) as the fallback of Times New Roman (default true). */
  readonly embedFonts?: boolean;
  /** Resolution of the chart pictures (default 150 dpi). */
  readonly dpi?: number;
}

const twip = (mm: number) => Math.round(mm * TWIP_PER_MM);
const half = (pt: number) => pt * 2;
const NO_BORDER = { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' } as const;
const NO_BORDERS = { top: NO_BORDER, bottom: NO_BORDER, left: NO_BORDER, right: NO_BORDER };
const THIN = { style: BorderStyle.SINGLE, size: 4, color: '000000' } as const;

const ALIGN: Record<Align, (typeof AlignmentType)[keyof typeof AlignmentType]> = {
  justify: AlignmentType.JUSTIFIED,
  center: AlignmentType.CENTER,
  left: AlignmentType.LEFT,
  right: AlignmentType.RIGHT,
};

interface RunStyle {
  size: number;
  bold?: boolean;
  italic?: boolean;
}

function run(text: string, style: RunStyle, placeholder = false): TextRun {
  return new TextRun({
    // "27,07 %": the sign stays with its number (a no-break space).
    text: text.replace(/ %/g, '\u00a0%'),
    font: DOCUMENT_FONT,
    size: half(style.size),
    // Only what differs from the default: ~500 table cells make every element count.
    ...(style.bold ? { bold: true } : {}),
    ...(style.italic ? { italics: true } : {}),
    ...(placeholder ? { highlight: HighlightColor.YELLOW } : {}),
  });
}

function runs(inlines: readonly Inline[], style: RunStyle): TextRun[] {
  return inlines
    .filter((i) => (typeof i === 'string' ? i !== '' : i.text !== ''))
    .map((i) =>
      typeof i === 'string'
        ? run(i, style)
        : run(
            i.text,
            {
              size: style.size,
              bold: i.bold ?? style.bold ?? false,
              italic: i.italic ?? style.italic ?? false,
            },
            i.placeholder,
          ),
    );
}

const lineSpacing = { line: Math.round(240 * LINE_SPACING), lineRule: LineRuleType.AUTO };

/** A centred line of text. */
function centred(text: string, style: RunStyle, after = 0): Paragraph {
  return new Paragraph({
    alignment: AlignmentType.CENTER,
    spacing: { before: 0, after: after * 20, line: 240, lineRule: LineRuleType.AUTO },
    children: [run(text, style)],
  });
}

/** A horizontal rule `lengthMm` long, centred in a box `boxMm` wide: an empty paragraph with a bottom border. */
function rule(lengthMm: number, boxMm: number): Paragraph {
  const side = Math.max(0, (boxMm - lengthMm) / 2);
  return new Paragraph({
    spacing: { before: 0, after: 0, line: 120, lineRule: LineRuleType.EXACT },
    indent: { left: twip(side), right: twip(side) },
    border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '000000', space: 1 } },
    children: [run('', { size: 2 })],
  });
}

const mmOfPt = (pt: number) => (pt * 25.4) / 72;

function headerTable(doc: ReportDocument): Table {
  const h = doc.header;
  const cellMargins = { top: 0, bottom: 0, left: twip(1), right: twip(1) };
  const leftBox = HEADER_LEFT_MM - 2;
  const rightBox = HEADER_RIGHT_MM - 2;
  const issuingWidth = mmOfPt(textWidthPt(h.issuingBody, SIZE.issuingBody, 'bold'));
  const mottoWidth = mmOfPt(textWidthPt(h.motto, SIZE.motto, 'bold'));
  const cell = (width: number, children: Paragraph[]) =>
    new TableCell({
      width: { size: twip(width), type: WidthType.DXA },
      borders: NO_BORDERS,
      margins: cellMargins,
      children,
    });
  return new Table({
    layout: TableLayoutType.FIXED,
    width: { size: twip(HEADER_LEFT_MM + HEADER_RIGHT_MM), type: WidthType.DXA },
    columnWidths: [twip(HEADER_LEFT_MM), twip(HEADER_RIGHT_MM)],
    indent: { size: -twip(HEADER_OUTDENT_MM), type: WidthType.DXA },
    borders: { ...NO_BORDERS, insideHorizontal: NO_BORDER, insideVertical: NO_BORDER },
    rows: [
      new TableRow({
        children: [
          cell(HEADER_LEFT_MM, [
            centred(h.parentBody, { size: SIZE.parentBody }),
            centred(h.issuingBody, { size: SIZE.issuingBody, bold: true }),
            // Phụ lục I box 2: a rule ⅓–½ as long as the issuing body's name; we draw 40 %.
            rule(issuingWidth * 0.4, leftBox),
          ]),
          cell(HEADER_RIGHT_MM, [
            centred(h.nationalTitle, { size: SIZE.nationalTitle, bold: true }),
            centred(h.motto, { size: SIZE.motto, bold: true }),
            // Box 1: the motto's rule is as long as the motto.
            rule(mottoWidth, rightBox),
          ]),
        ],
      }),
      new TableRow({
        children: [
          cell(HEADER_LEFT_MM, [
            new Paragraph({
              alignment: AlignmentType.CENTER,
              spacing: { before: 120, after: 0 },
              children: [run(h.number, { size: SIZE.number })],
            }),
          ]),
          cell(HEADER_RIGHT_MM, [
            new Paragraph({
              alignment: AlignmentType.CENTER,
              spacing: { before: 120, after: 0 },
              children: [run(h.placeDate, { size: SIZE.placeDate, italic: true })],
            }),
          ]),
        ],
      }),
    ],
  });
}

function titleBlock(doc: ReportDocument): Paragraph[] {
  const width = textWidthMm('portrait');
  // The summary line may wrap: its rule is ⅓–½ of the longest line, estimated from the width.
  const summaryWidth = Math.min(width, mmOfPt(textWidthPt(doc.summary, SIZE.summary, 'bold')));
  return [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 480, after: 0 },
      children: [run(doc.documentType, { size: SIZE.documentType, bold: true })],
    }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 0, after: 0, line: 264, lineRule: LineRuleType.AUTO },
      children: [run(doc.summary, { size: SIZE.summary, bold: true })],
    }),
    rule(Math.min(summaryWidth * 0.4, 60), width),
    new Paragraph({ spacing: { before: 0, after: 120 }, children: [] }),
  ];
}

function paragraphFor(block: Block & { kind: 'paragraph' | 'heading' | 'item' }): Paragraph {
  const common = { spacing: { before: 0, after: PARAGRAPH_AFTER_PT * 20, ...lineSpacing } };
  if (block.kind === 'heading') {
    return new Paragraph({
      ...common,
      keepNext: true,
      alignment: AlignmentType.JUSTIFIED,
      indent: { firstLine: twip(INDENT_MM) },
      children: [run(`${block.number} ${block.text}`, { size: SIZE.body, bold: true })],
    });
  }
  if (block.kind === 'item') {
    return new Paragraph({
      ...common,
      alignment: AlignmentType.JUSTIFIED,
      indent: { firstLine: twip(INDENT_MM) },
      children: [run(`${block.marker} `, { size: SIZE.body }), ...runs(block.runs, { size: SIZE.body })],
    });
  }
  const align = block.align ?? 'justify';
  const indent = block.indent ?? align === 'justify';
  const style: RunStyle = { size: block.size ?? SIZE.body };
  if (block.bold !== undefined) style.bold = block.bold;
  if (block.italic !== undefined) style.italic = block.italic;
  return new Paragraph({
    ...common,
    alignment: ALIGN[align],
    ...(indent ? { indent: { firstLine: twip(INDENT_MM) } } : {}),
    children: runs(block.runs, style),
  });
}

function tableFor(block: TableBlock, widthMm: number): Table {
  const size = block.size ?? SIZE.table;
  const total = block.columns.reduce((n, c) => n + c.width, 0);
  const widths = block.columns.map((c) => twip((c.width / total) * widthMm));
  // Borders and cell margins are set once on the table (not on each of the ~500 cells): a smaller
  // document.xml, and the docx library's serialisation is most of the DOCX time.
  const cell = (text: string, i: number, style: RunStyle, align: Align, shade?: string) =>
    new TableCell({
      width: { size: widths[i] as number, type: WidthType.DXA },
      verticalAlign: VerticalAlignTable.CENTER,
      ...(shade ? { shading: { fill: shade, color: 'auto', type: 'clear' } } : {}),
      children: [
        new Paragraph({
          alignment: ALIGN[align],
          spacing: { before: 0, after: 0, line: 240, lineRule: LineRuleType.AUTO },
          children: [run(text, style)],
        }),
      ],
    });
  return new Table({
    layout: TableLayoutType.FIXED,
    width: { size: widths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: widths,
    borders: {
      top: THIN,
      bottom: THIN,
      left: THIN,
      right: THIN,
      insideHorizontal: THIN,
      insideVertical: THIN,
    },
    margins: { top: twip(0.6), bottom: twip(0.6), left: twip(1.2), right: twip(1.2) },
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: block.columns.map((c, i) => cell(c.header, i, { size, bold: true }, 'center', 'E7E6E6')),
      }),
      ...block.rows.map(
        (r) =>
          new TableRow({
            cantSplit: true,
            children: r.cells.map((text, i) =>
              cell(
                text,
                i,
                { size, bold: r.bold ?? false },
                block.columns[i]?.align ?? 'left',
                r.highlight ? 'FFF2CC' : undefined,
              ),
            ),
          }),
      ),
    ],
  });
}

function imageFor(block: ImageBlock, dpi: number | undefined): Paragraph[] {
  const png = renderChartPng(block.chart, {
    widthMm: block.widthMm,
    heightMm: block.heightMm,
    ...(dpi ? { dpi } : {}),
  });
  const px = (mm: number) => Math.round((mm / 25.4) * 96);
  return [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      keepNext: true,
      spacing: { before: 120, after: 60 },
      children: [
        new ImageRun({
          type: 'png',
          data: png,
          transformation: { width: px(block.widthMm), height: px(block.heightMm) },
          altText: { name: block.caption, description: block.caption, title: block.caption },
        }),
      ],
    }),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 0, after: 240 },
      children: [run(block.caption, { size: SIZE.caption, italic: true })],
    }),
  ];
}

function blocksFor(
  blocks: readonly Block[],
  widthMm: number,
  dpi: number | undefined,
): (Paragraph | Table)[] {
  const out: (Paragraph | Table)[] = [];
  let breakNext = false;
  for (const b of blocks) {
    if (b.kind === 'page-break') {
      breakNext = true;
      continue;
    }
    let items: (Paragraph | Table)[];
    if (b.kind === 'table')
      items = [tableFor(b, widthMm), new Paragraph({ spacing: { after: 120 }, children: [] })];
    else if (b.kind === 'image') items = imageFor(b, dpi);
    else items = [paragraphFor(b)];
    if (breakNext) {
      out.push(new Paragraph({ pageBreakBefore: true, spacing: { before: 0, after: 0 }, children: [] }));
      breakNext = false;
    }
    out.push(...items);
  }
  return out;
}

function closingTable(doc: ReportDocument): Table {
  const c = doc.closing;
  const width = textWidthMm('portrait');
  const leftW = width * 0.48;
  const rightW = width - leftW;
  const cell = (w: number, children: Paragraph[]) =>
    new TableCell({
      width: { size: twip(w), type: WidthType.DXA },
      borders: NO_BORDERS,
      margins: { top: 0, bottom: 0, left: 0, right: 0 },
      children,
    });
  const left = [
    new Paragraph({
      spacing: { before: 0, after: 0 },
      children: [run('Nơi nhận:', { size: SIZE.recipientsLabel, bold: true, italic: true })],
    }),
    ...c.recipients.map(
      (r) =>
        new Paragraph({
          spacing: { before: 0, after: 0 },
          children: runs(
            r.split(/(…)/).map((part) => (part === '…' ? { text: part, placeholder: true } : part)),
            {
              size: SIZE.recipients,
            },
          ),
        }),
    ),
  ];
  const sig = (text: string) => centred(text, { size: SIZE.signature, bold: true });
  const right = [
    ...(c.authority ? [sig(c.authority)] : []),
    ...(c.position ? [sig(c.position)] : []),
    ...Array.from({ length: 5 }, () => new Paragraph({ spacing: { before: 0, after: 0 }, children: [] })),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 0, after: 0 },
      children: runs([c.signerName], { size: SIZE.signature, bold: true }),
    }),
  ];
  return new Table({
    layout: TableLayoutType.FIXED,
    width: { size: twip(width), type: WidthType.DXA },
    columnWidths: [twip(leftW), twip(rightW)],
    borders: { ...NO_BORDERS, insideHorizontal: NO_BORDER, insideVertical: NO_BORDER },
    rows: [new TableRow({ cantSplit: true, children: [cell(leftW, left), cell(rightW, right)] })],
  });
}

function appendixChildren(a: Appendix, dpi: number | undefined): (Paragraph | Table)[] {
  return [
    centred(a.label, { size: SIZE.appendixLabel, bold: true }),
    centred(a.title, { size: SIZE.appendixTitle, bold: true }),
    centred(a.attachedTo, { size: SIZE.attachedTo, italic: true }, 6),
    ...blocksFor(a.blocks, textWidthMm(a.orientation), dpi),
  ];
}

/** Page numbers centred in the top margin; page 1 of each part has none (`titlePage`). */
function pageNumberHeader(): Header {
  return new Header({
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [
          new TextRun({ children: [PageNumber.CURRENT], font: DOCUMENT_FONT, size: half(SIZE.pageNumber) }),
        ],
      }),
    ],
  });
}

function sectionPage(orientation: 'portrait' | 'landscape') {
  return {
    size: {
      width: twip(A4.widthMm),
      height: twip(A4.heightMm),
      orientation: orientation === 'portrait' ? PageOrientation.PORTRAIT : PageOrientation.LANDSCAPE,
    },
    margin: {
      top: twip(MARGINS_MM.top),
      bottom: twip(MARGINS_MM.bottom),
      left: twip(MARGINS_MM.left),
      right: twip(MARGINS_MM.right),
      header: twip(8),
      footer: twip(8),
    },
    pageNumbers: { start: 1 },
  };
}

/** Builds the `docx` Document of a report (before packing). */
export function docxDocument(doc: ReportDocument, options: DocxOptions = {}): Document {
  const embed = options.embedFonts ?? true;
  const body: (Paragraph | Table)[] = [
    headerTable(doc),
    ...titleBlock(doc),
    ...blocksFor(doc.body, textWidthMm('portrait'), options.dpi),
    new Paragraph({ spacing: { before: 0, after: 0 }, children: [] }),
    closingTable(doc),
  ];
  const sections = [
    {
      properties: { page: sectionPage('portrait'), titlePage: true },
      headers: { default: pageNumberHeader(), first: new Header({ children: [] }) },
      children: body,
    },
    ...doc.appendices.map((a) => ({
      properties: { page: sectionPage(a.orientation), titlePage: true },
      headers: { default: pageNumberHeader(), first: new Header({ children: [] }) },
      children: appendixChildren(a, options.dpi),
    })),
  ];
  return new Document({
    creator: doc.meta.author,
    lastModifiedBy: doc.meta.author,
    title: doc.meta.title,
    subject: doc.meta.subject,
    description: doc.meta.title,
    revision: 1,
    styles: {
      default: {
        document: {
          run: { font: DOCUMENT_FONT, size: half(SIZE.body) },
          paragraph: { spacing: lineSpacing },
        },
      },
    },
    ...(embed
      ? {
          fonts: [
            {
              name: EMBEDDED_FONT_FAMILY,
              data: fontData('regular'),
              bold: fontData('bold'),
              italic: fontData('italic'),
              boldItalic: fontData('boldItalic'),
            },
          ],
        }
      : {}),
    sections,
  });
}

/** Renders a report as DOCX bytes, the same bytes for the same document. */
export async function renderDocx(doc: ReportDocument, options: DocxOptions = {}): Promise<Uint8Array> {
  const document = docxDocument(doc, options);
  const files = compileParts(document) ?? unzipSync(new Uint8Array(await Packer.toBuffer(document)));
  return normalizeDocxParts(files, doc.meta.created);
}

/**
 * The package's parts before zipping, from the docx library's compiler (the step `Packer` zips), so
 * the parts are compressed once, by `normalizeDocxParts`. The compiler is not public API of
 * docx 9.15.2: when it is missing or changes shape, undefined, and the caller unzips the packed file.
 */
function compileParts(document: Document): Unzipped | undefined {
  const compiler = (
    Packer as unknown as { compiler?: { compile?: (file: Document, prettify?: unknown) => unknown } }
  ).compiler;
  if (typeof compiler?.compile !== 'function') return undefined;
  const parts = compiler.compile(document, undefined);
  if (!(parts instanceof Map)) return undefined;
  const files: Unzipped = {};
  for (const [path, data] of parts as Map<string, unknown>) {
    if (typeof data === 'string') files[path] = strToU8(data);
    else if (ArrayBuffer.isView(data))
      files[path] = new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>;
    else if (data instanceof ArrayBuffer) files[path] = new Uint8Array(data);
    else return undefined;
  }
  return files;
}

/** A GUID from a counter, for the font keys. */
function fixedGuid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`.toUpperCase();
}

/** The 16 key bytes of a font GUID, in the order the obfuscation XORs them (ECMA-376 Part 1 §17.8.1). */
function guidKeyBytes(guid: string): number[] {
  const hex = guid.replace(/[{}-]/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 2) bytes.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return bytes.reverse();
}

/** The ZIP timestamp: the creation instant as Viet Nam wall-clock time, on any machine. */
function zipTime(createdIso: string): Date {
  const p = vietnamDateParts(createdIso);
  return new Date(Math.max(1980, p.year), p.month - 1, p.day, p.hour, p.minute, 0);
}

/**
 * Makes a packed DOCX reproducible: the core properties' dates become `createdIso`; the font keys
 * (random GUIDs) become fixed GUIDs and the embedded faces are re-obfuscated with them; the media
 * (random names) are renamed image1.png, …; the drawing ids are renumbered; and the ZIP is written
 * again with one fixed timestamp. Also names Liberation Serif as Times New Roman's alternative in
 * the font table.
 */
export function normalizeDocx(bytes: Uint8Array, createdIso: string): Uint8Array {
  return normalizeDocxParts(unzipSync(bytes), createdIso);
}

/** `normalizeDocx` on the parts of a package, zipped once at the end. */
export function normalizeDocxParts(files: Unzipped, createdIso: string): Uint8Array {
  const text = (name: string) => (files[name] ? strFromU8(files[name]) : undefined);
  const stamp = `${new Date(createdIso).toISOString().slice(0, 19)}Z`;

  const core = text('docProps/core.xml');
  if (core !== undefined) {
    files['docProps/core.xml'] = strToU8(
      core
        .replace(/(<dcterms:created[^>]*>)[^<]*(<\/dcterms:created>)/, `$1${stamp}$2`)
        .replace(/(<dcterms:modified[^>]*>)[^<]*(<\/dcterms:modified>)/, `$1${stamp}$2`),
    );
  }

  // Font keys: fontTable.xml names each face's key; its file was XORed with it.
  let fontTable = text('word/fontTable.xml');
  const rels = text('word/_rels/fontTable.xml.rels');
  if (fontTable !== undefined && rels !== undefined) {
    let n = 0;
    fontTable = fontTable.replace(
      /r:id="(rId\d+)" w:fontKey="\{([0-9A-F-]+)\}"/gi,
      (_m, rid: string, oldKey: string) => {
        n++;
        const newKey = fixedGuid(n);
        const target = new RegExp(`Id="${rid}"[^>]*Target="([^"]+)"`).exec(rels)?.[1];
        const path = target ? `word/${target}` : undefined;
        const data = path ? files[path] : undefined;
        if (path && data) {
          const a = guidKeyBytes(oldKey);
          const b = guidKeyBytes(newKey);
          const out = data.slice();
          for (let i = 0; i < 32 && i < out.length; i++)
            out[i] = (out[i] as number) ^ (a[i % 16] as number) ^ (b[i % 16] as number);
          files[path] = out;
        }
        return `r:id="${rid}" w:fontKey="{${newKey}}"`;
      },
    );
    if (!fontTable.includes(`w:name="${DOCUMENT_FONT}"`)) {
      fontTable = fontTable.replace(
        /<\/w:fonts>\s*$/,
        `<w:font w:name="${DOCUMENT_FONT}"><w:altName w:val="${EMBEDDED_FONT_FAMILY}"/><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>`,
      );
    }
    files['word/fontTable.xml'] = strToU8(fontTable);
  }

  // Media: random names → image1.png, … in the order of the document's relationships.
  const docRels = text('word/_rels/document.xml.rels') ?? '';
  const renames = new Map<string, string>();
  for (const m of docRels.matchAll(/Target="media\/([^"]+)"/g)) {
    const old = m[1] as string;
    if (!renames.has(old)) renames.set(old, `image${renames.size + 1}${old.slice(old.lastIndexOf('.'))}`);
  }
  const out: Unzipped = {};
  for (const [name, data] of Object.entries(files)) {
    let newName = name;
    if (name.startsWith('word/media/'))
      newName = `word/media/${renames.get(name.slice(11)) ?? name.slice(11)}`;
    let content = data;
    if (/\.(xml|rels)$/.test(name)) {
      let xml = strFromU8(data);
      for (const [a, b] of renames) xml = xml.split(a).join(b);
      if (name === 'word/document.xml') {
        let id = 0;
        xml = xml.replace(/(<wp:docPr id=")\d+/g, (_m, p: string) => `${p}${++id}`);
      }
      content = strToU8(xml);
    }
    out[newName] = content;
  }
  const mtime = zipTime(createdIso);
  const zipped: Record<string, [Uint8Array, { mtime: Date; level: 0 | 1 | 6 }]> = {};
  for (const [name, data] of Object.entries(out)) {
    // PNGs are compressed already; fonts at level 1 (fast, nearly as small); XML at 6.
    const level = name.endsWith('.png') ? 0 : name.endsWith('.odttf') ? 1 : 6;
    zipped[name] = [data, { mtime, level }];
  }
  return zipSync(zipped);
}

/**
 * The floor of any DOCX writer on this stack: the docx library packing a document of one
 * paragraph (the benchmarks' baseline).
 */
export async function renderMinimalDocx(): Promise<Uint8Array> {
  const document = new Document({
    sections: [
      { children: [new Paragraph({ children: [new TextRun({ text: 'Bluezone', font: DOCUMENT_FONT })] })] },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}
