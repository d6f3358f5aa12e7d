/**
 * PDF renderer (PDFKit): the same layout as the DOCX, laid out here by hand (A4, Decree 30/2020
 * margins, the two-column header with its rules, numbered sections, closing table, landscape
 * appendix, page numbers centred in the top margin from page 2 of each part), in Liberation Serif,
 * embedded (subset) so every Vietnamese glyph renders anywhere. Dates come from the document, so
 * the same document gives the same bytes.
 *
 * @module
 */
import PDFDocument from 'pdfkit';
import { type FontFace, fontData } from './assets.js';
import { renderChartPng } from './charts.js';
import {
  A4,
  HEADER_LEFT_MM,
  HEADER_OUTDENT_MM,
  HEADER_RIGHT_MM,
  INDENT_MM,
  LINE_SPACING,
  MARGINS_MM,
  PARAGRAPH_AFTER_PT,
  PT_PER_MM,
  SIZE,
} from './layout.js';
import type { Align, Appendix, Block, ImageBlock, Inline, ReportDocument, TableBlock } from './model.js';

/** PDF options. */
export interface PdfOptions {
  /** Resolution of the chart pictures (default 150 dpi). */
  readonly dpi?: number;
}

/** Placeholders ("…" still to be written) are printed in this colour. */
const PLACEHOLDER_COLOUR = '#b35900';
const pt = (mm: number) => mm * PT_PER_MM;

const MARGINS = {
  top: pt(MARGINS_MM.top),
  bottom: pt(MARGINS_MM.bottom),
  left: pt(MARGINS_MM.left),
  right: pt(MARGINS_MM.right),
};

function faceOf(bold: boolean, italic: boolean): FontFace {
  return bold ? (italic ? 'boldItalic' : 'bold') : italic ? 'italic' : 'regular';
}

class Layout {
  readonly doc: PDFKit.PDFDocument;
  /** Index of the first page of each part (body, each appendix): those pages carry no number. */
  readonly partStarts: number[] = [];
  private pages = 0;

  constructor(
    report: ReportDocument,
    private readonly options: PdfOptions,
  ) {
    const created = new Date(report.meta.created);
    this.doc = new PDFDocument({
      autoFirstPage: false,
      bufferPages: true,
      // Pages PDFKit adds itself when text overflows take these.
      size: 'A4',
      layout: 'portrait',
      margins: MARGINS,
      pdfVersion: '1.7',
      lang: 'vi-VN',
      displayTitle: true,
      font: undefined as unknown as string,
      info: {
        Title: report.meta.title,
        Author: report.meta.author,
        Subject: report.meta.subject,
        Creator: 'Bluezone',
        Producer: 'Bluezone reports (PDFKit)',
        CreationDate: created,
        ModDate: created,
      },
    });
    for (const face of ['regular', 'bold', 'italic', 'boldItalic'] as const)
      this.doc.registerFont(face, fontData(face));
    this.doc.on('pageAdded', () => {
      this.pages++;
    });
  }

  get pageCount(): number {
    return this.pages;
  }

  newPart(orientation: 'portrait' | 'landscape'): void {
    this.partStarts.push(this.pages);
    this.addPage(orientation);
  }

  addPage(orientation: 'portrait' | 'landscape' = this.orientation): void {
    this.doc.addPage({ size: 'A4', layout: orientation, margins: MARGINS });
    this.orientation = orientation;
  }

  orientation: 'portrait' | 'landscape' = 'portrait';

  get left(): number {
    return MARGINS.left;
  }
  get width(): number {
    return this.doc.page.width - MARGINS.left - MARGINS.right;
  }
  get bottom(): number {
    return this.doc.page.height - MARGINS.bottom;
  }

  /** Starts a new page unless `height` points fit below the cursor. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) {
      this.addPage();
      this.doc.y = MARGINS.top;
    }
  }

  font(bold = false, italic = false, size: number = SIZE.body): PDFKit.PDFDocument {
    return this.doc.font(faceOf(bold, italic)).fontSize(size);
  }

  /** One line (or wrapped lines) of text in a box; returns the height used. */
  textIn(
    text: string,
    x: number,
    y: number,
    width: number,
    style: { size: number; bold?: boolean; italic?: boolean; align?: Align },
  ): number {
    this.font(style.bold, style.italic, style.size);
    const h = this.doc.heightOfString(text, { width });
    this.doc
      .fillColor('#000000')
      .text(text, x, y, { width, align: style.align ?? 'center', lineBreak: true });
    return h;
  }

  rule(cx: number, y: number, length: number): void {
    this.doc
      .moveTo(cx - length / 2, y)
      .lineTo(cx + length / 2, y)
      .lineWidth(0.75)
      .strokeColor('#000000')
      .stroke();
  }

  /**
   * Lays out runs of mixed faces and colours ourselves (PDFKit's `continued` text loses the spaces
   * at run boundaries when justifying): words are measured in their faces, lines broken greedily,
   * justified lines get the slack spread over their spaces. With `flow`, lines that do not fit
   * start a new page. Returns the y below the last line.
   */
  flowText(
    inlines: readonly Inline[],
    box: { x: number; y: number; width: number; indent?: number; flow?: boolean },
    style: { size: number; bold?: boolean; italic?: boolean; align: Align; lineSpacing?: number },
  ): number {
    interface Piece {
      text: string;
      face: FontFace;
      colour: string;
      width: number;
    }
    const words: Piece[][] = [];
    let current: Piece[] = [];
    for (const inline of inlines) {
      const r = typeof inline === 'string' ? { text: inline } : inline;
      const face = faceOf(r.bold ?? style.bold ?? false, r.italic ?? style.italic ?? false);
      const colour = 'placeholder' in r && r.placeholder ? PLACEHOLDER_COLOUR : '#000000';
      // "27,07 %": the sign stays with its number (a no-break space).
      for (const token of r.text.replace(/ %/g, '\u00a0%').split(/([ \t\n]+)/)) {
        if (token === '') continue;
        if (/^[ \t\n]+$/.test(token)) {
          if (current.length > 0) words.push(current);
          current = [];
          continue;
        }
        this.doc.font(face).fontSize(style.size);
        current.push({ text: token, face, colour, width: this.doc.widthOfString(token) });
      }
    }
    if (current.length > 0) words.push(current);
    if (words.length === 0) return box.y;
    this.doc.font(faceOf(style.bold ?? false, style.italic ?? false)).fontSize(style.size);
    const space = this.doc.widthOfString(' ');
    const lineHeight = style.size * 1.149 * (style.lineSpacing ?? LINE_SPACING);
    const wordWidth = (w: Piece[]) => w.reduce((n, p) => n + p.width, 0);
    const lines: Piece[][][] = [];
    let line: Piece[][] = [];
    let used = 0;
    for (const w of words) {
      const avail = box.width - (lines.length === 0 ? (box.indent ?? 0) : 0);
      const ww = wordWidth(w);
      if (line.length > 0 && used + space + ww > avail) {
        lines.push(line);
        line = [];
        used = 0;
      }
      used += (line.length > 0 ? space : 0) + ww;
      line.push(w);
    }
    if (line.length > 0) lines.push(line);
    let y = box.y;
    lines.forEach((ln, i) => {
      if (box.flow && y + lineHeight > this.bottom) {
        this.addPage();
        y = MARGINS.top;
      }
      const indent = i === 0 ? (box.indent ?? 0) : 0;
      const avail = box.width - indent;
      const natural = ln.reduce((n, w) => n + wordWidth(w), 0) + space * (ln.length - 1);
      let gap = space;
      let x = box.x + indent;
      if (style.align === 'justify' && i < lines.length - 1 && ln.length > 1) {
        gap = space + (avail - natural) / (ln.length - 1);
      } else if (style.align === 'center') x += (avail - natural) / 2;
      else if (style.align === 'right') x += avail - natural;
      for (const w of ln) {
        for (const p of w) {
          this.doc.font(p.face).fontSize(style.size).fillColor(p.colour);
          this.doc.text(p.text, x, y, { lineBreak: false });
          x += p.width;
        }
        x += gap;
      }
      y += lineHeight;
    });
    this.doc.fillColor('#000000');
    return y;
  }

  /** A body paragraph, flowing across pages, 6 pt after it. */
  paragraph(
    inlines: readonly Inline[],
    style: { size: number; bold?: boolean; italic?: boolean; align: Align; indent: boolean },
  ): void {
    // Keep at least two lines on this page.
    this.ensure(style.size * 1.149 * LINE_SPACING * 2);
    const y = this.flowText(
      inlines,
      {
        x: this.left,
        y: this.doc.y,
        width: this.width,
        indent: style.indent ? pt(INDENT_MM) : 0,
        flow: true,
      },
      style,
    );
    this.doc.y = y + PARAGRAPH_AFTER_PT;
    this.doc.x = this.left;
  }

  table(block: TableBlock): void {
    const size = block.size ?? SIZE.table;
    const total = block.columns.reduce((n, c) => n + c.width, 0);
    const widths = block.columns.map((c) => (c.width / total) * this.width);
    const padX = pt(1.2);
    const padY = pt(0.8);
    const rowHeight = (cells: readonly string[], bold: boolean) => {
      this.font(bold, false, size);
      return (
        Math.max(
          ...cells.map((t, i) =>
            this.doc.heightOfString(t || ' ', { width: (widths[i] as number) - 2 * padX }),
          ),
        ) +
        2 * padY
      );
    };
    const drawRow = (cells: readonly string[], bold: boolean, shade: string | undefined, header: boolean) => {
      const h = rowHeight(cells, bold);
      const y = this.doc.y;
      let x = this.left;
      cells.forEach((text, i) => {
        const w = widths[i] as number;
        if (shade) this.doc.rect(x, y, w, h).fill(shade);
        this.doc.rect(x, y, w, h).lineWidth(0.5).strokeColor('#000000').stroke();
        this.font(bold, false, size).fillColor('#000000');
        const th = this.doc.heightOfString(text || ' ', { width: w - 2 * padX });
        this.doc.text(text, x + padX, y + (h - th) / 2, {
          width: w - 2 * padX,
          align: header ? 'center' : (block.columns[i]?.align ?? 'left'),
          lineBreak: true,
        });
        x += w;
      });
      this.doc.y = y + h;
      this.doc.x = this.left;
    };
    const headers = block.columns.map((c) => c.header);
    const headerHeight = rowHeight(headers, true);
    this.ensure(headerHeight + rowHeight(block.rows[0]?.cells ?? headers, false));
    drawRow(headers, true, '#e7e6e6', true);
    for (const r of block.rows) {
      const h = rowHeight(r.cells, r.bold ?? false);
      if (this.doc.y + h > this.bottom) {
        this.addPage();
        this.doc.y = MARGINS.top;
        drawRow(headers, true, '#e7e6e6', true);
      }
      drawRow(r.cells, r.bold ?? false, r.highlight ? '#fff2cc' : undefined, false);
    }
    this.doc.y += pt(3);
  }

  image(block: ImageBlock): void {
    const png = renderChartPng(block.chart, {
      widthMm: block.widthMm,
      heightMm: block.heightMm,
      ...(this.options.dpi ? { dpi: this.options.dpi } : {}),
    });
    const w = Math.min(pt(block.widthMm), this.width);
    const h = (w / pt(block.widthMm)) * pt(block.heightMm);
    this.font(false, true, SIZE.caption);
    const captionH = this.doc.heightOfString(block.caption, { width: this.width });
    this.ensure(h + captionH + pt(4));
    const y = this.doc.y + pt(1);
    this.doc.image(Buffer.from(png), this.left + (this.width - w) / 2, y, { width: w, height: h });
    this.doc.y = y + h + pt(1.5);
    this.textIn(block.caption, this.left, this.doc.y, this.width, { size: SIZE.caption, italic: true });
    this.doc.y += pt(3);
    this.doc.x = this.left;
  }

  blocks(blocks: readonly Block[]): void {
    for (const b of blocks) {
      switch (b.kind) {
        case 'paragraph': {
          const align = b.align ?? 'justify';
          const style: { size: number; bold?: boolean; italic?: boolean; align: Align; indent: boolean } = {
            size: b.size ?? SIZE.body,
            align,
            indent: b.indent ?? align === 'justify',
          };
          if (b.bold !== undefined) style.bold = b.bold;
          if (b.italic !== undefined) style.italic = b.italic;
          this.paragraph(b.runs, style);
          break;
        }
        case 'heading':
          // Keep a heading with the first lines after it.
          this.ensure(SIZE.body * 4.5);
          this.paragraph([{ text: `${b.number} ${b.text}`, bold: true }], {
            size: SIZE.body,
            align: 'justify',
            indent: true,
          });
          break;
        case 'item':
          this.paragraph([`${b.marker} `, ...b.runs], { size: SIZE.body, align: 'justify', indent: true });
          break;
        case 'table':
          this.table(b);
          break;
        case 'image':
          this.image(b);
          break;
        case 'page-break':
          this.addPage();
          this.doc.y = MARGINS.top;
          break;
      }
    }
  }
}

function drawHeader(l: Layout, report: ReportDocument): void {
  const h = report.header;
  const x0 = l.left - pt(HEADER_OUTDENT_MM);
  const leftW = pt(HEADER_LEFT_MM);
  const rightW = pt(HEADER_RIGHT_MM);
  const xr = x0 + leftW;
  const top = MARGINS.top;
  const line = (size: number) => size * 1.149;

  let yl = top;
  yl += l.textIn(h.parentBody, x0, yl, leftW, { size: SIZE.parentBody });
  yl += l.textIn(h.issuingBody, x0, yl, leftW, { size: SIZE.issuingBody, bold: true });
  l.font(true, false, SIZE.issuingBody);
  const issuingWidth = Math.min(leftW, l.doc.widthOfString(h.issuingBody));
  l.rule(x0 + leftW / 2, yl + 1.5, issuingWidth * 0.4);

  let yr = top;
  yr += l.textIn(h.nationalTitle, xr, yr, rightW, { size: SIZE.nationalTitle, bold: true });
  yr += l.textIn(h.motto, xr, yr, rightW, { size: SIZE.motto, bold: true });
  l.font(true, false, SIZE.motto);
  l.rule(xr + rightW / 2, yr + 1.5, l.doc.widthOfString(h.motto));

  const y2 = Math.max(yl, yr) + line(6);
  const numberH = l.textIn(h.number, x0, y2, leftW, { size: SIZE.number });
  const dateH = l.textIn(h.placeDate, xr, y2, rightW, { size: SIZE.placeDate, italic: true });
  l.doc.y = y2 + Math.max(numberH, dateH);
  l.doc.x = l.left;
}

function drawTitle(l: Layout, report: ReportDocument): void {
  l.doc.y += SIZE.documentType * 1.6;
  l.doc.y += l.textIn(report.documentType, l.left, l.doc.y, l.width, { size: SIZE.documentType, bold: true });
  l.doc.y += l.textIn(report.summary, l.left, l.doc.y, l.width, { size: SIZE.summary, bold: true });
  l.font(true, false, SIZE.summary);
  const summaryWidth = Math.min(l.width, l.doc.widthOfString(report.summary));
  l.rule(l.left + l.width / 2, l.doc.y + 4, Math.min(summaryWidth * 0.4, pt(60)));
  l.doc.y += SIZE.body * 1.2;
  l.doc.x = l.left;
}

function drawClosing(l: Layout, report: ReportDocument): void {
  const c = report.closing;
  const leftW = l.width * 0.48;
  const rightW = l.width - leftW;
  const xr = l.left + leftW;
  l.font(false, false, SIZE.recipients);
  const recipientsH =
    SIZE.recipientsLabel * 1.2 +
    c.recipients.reduce((n, r) => n + l.doc.heightOfString(r, { width: leftW }), 0);
  const signatureH = SIZE.signature * 1.15 * 8;
  l.doc.y += pt(2);
  l.ensure(Math.max(recipientsH, signatureH));
  const top = l.doc.y;
  let y = top;
  y += l.textIn('Nơi nhận:', l.left, y, leftW, {
    size: SIZE.recipientsLabel,
    bold: true,
    italic: true,
    align: 'left',
  });
  for (const r of c.recipients) {
    const parts = r.split(/(…)/).map((p) => (p === '…' ? { text: p, placeholder: true } : p));
    y = l.flowText(
      parts,
      { x: l.left, y, width: leftW },
      { size: SIZE.recipients, align: 'left', lineSpacing: 1 },
    );
  }
  let ys = top;
  if (c.authority) ys += l.textIn(c.authority, xr, ys, rightW, { size: SIZE.signature, bold: true });
  if (c.position) ys += l.textIn(c.position, xr, ys, rightW, { size: SIZE.signature, bold: true });
  ys += SIZE.signature * 1.15 * 5;
  const name = typeof c.signerName === 'string' ? c.signerName : c.signerName.text;
  l.font(true, false, SIZE.signature);
  l.doc.fillColor(
    typeof c.signerName === 'string' || !c.signerName.placeholder ? '#000000' : PLACEHOLDER_COLOUR,
  );
  l.doc.text(name, xr, ys, { width: rightW, align: 'center' });
  l.doc.fillColor('#000000');
  l.doc.y = Math.max(y, ys + SIZE.signature * 1.2);
  l.doc.x = l.left;
}

function drawAppendix(l: Layout, a: Appendix): void {
  l.newPart(a.orientation);
  l.doc.y = MARGINS.top;
  l.doc.y += l.textIn(a.label, l.left, l.doc.y, l.width, { size: SIZE.appendixLabel, bold: true });
  l.doc.y += l.textIn(a.title, l.left, l.doc.y, l.width, { size: SIZE.appendixTitle, bold: true });
  l.doc.y += l.textIn(a.attachedTo, l.left, l.doc.y, l.width, { size: SIZE.attachedTo, italic: true });
  l.doc.y += PARAGRAPH_AFTER_PT;
  l.blocks(a.blocks);
}

/** Numbers every page but the first of each part, centred in the top margin. */
function drawPageNumbers(l: Layout): void {
  const range = l.doc.bufferedPageRange();
  const starts = [...l.partStarts, range.start + range.count];
  for (let part = 0; part < starts.length - 1; part++) {
    const first = starts[part] as number;
    const end = starts[part + 1] as number;
    for (let i = first + 1; i < end; i++) {
      l.doc.switchToPage(i);
      const width = l.doc.page.width;
      l.font(false, false, SIZE.pageNumber).fillColor('#000000');
      const label = String(i - first + 1);
      const w = l.doc.widthOfString(label);
      l.doc.text(label, (width - w) / 2, MARGINS.top / 2 - SIZE.pageNumber / 2, { lineBreak: false });
    }
  }
}

/** Renders a report as PDF bytes. */
export function renderPdf(report: ReportDocument, options: PdfOptions = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    try {
      const l = new Layout(report, options);
      const chunks: Buffer[] = [];
      l.doc.on('data', (c: Buffer) => chunks.push(c));
      l.doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      l.doc.on('error', reject);
      l.newPart('portrait');
      drawHeader(l, report);
      drawTitle(l, report);
      l.blocks(report.body);
      drawClosing(l, report);
      for (const a of report.appendices) drawAppendix(l, a);
      drawPageNumbers(l);
      l.doc.end();
    } catch (error) {
      reject(error);
    }
  });
}

/** Page size of A4 in points, for tests. */
export const A4_POINTS = { width: pt(A4.widthMm), height: pt(A4.heightMm) };
