/**
 * The document tree every report is built into and every renderer reads: a small typed AST of an
 * administrative document in the layout of Decree 30/2020/NĐ-CP (Phụ lục I). Pure data: building
 * it does no I/O; charts are specifications the renderers draw.
 *
 * @module
 */
import type { AreaStat } from './figures.js';

/** A run of text. `placeholder` marks text the user has still to write ("…"), shown highlighted. */
export interface Run {
  readonly text: string;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly placeholder?: boolean;
}

export type Inline = string | Run;

/** Paragraph alignment. */
export type Align = 'justify' | 'center' | 'left' | 'right';

/** A body paragraph: justified with a first-line indent unless told otherwise. */
export interface ParagraphBlock {
  readonly kind: 'paragraph';
  readonly runs: readonly Inline[];
  readonly align?: Align;
  /** First-line indent (1,27 cm); default true for justified text. */
  readonly indent?: boolean;
  readonly bold?: boolean;
  readonly italic?: boolean;
  /** Font size in points (default the body size, 14). */
  readonly size?: number;
}

/** A numbered heading: level 1 "1. Công tác …" (bold) or "I. KẾT QUẢ …"; level 2 "2.1. …". */
export interface HeadingBlock {
  readonly kind: 'heading';
  readonly level: 1 | 2;
  /** "1.", "2.1.", "I." */
  readonly number: string;
  readonly text: string;
}

/** A list item starting with a dash "–" or a plus "+", as the source form writes them. */
export interface ItemBlock {
  readonly kind: 'item';
  readonly marker: '–' | '+' | '-';
  readonly runs: readonly Inline[];
}

export interface TableColumn {
  readonly header: string;
  /** Relative width. */
  readonly width: number;
  readonly align: 'left' | 'center' | 'right';
}

export interface TableRow {
  readonly cells: readonly string[];
  readonly bold?: boolean;
  /** Shade the row (the reporting province). */
  readonly highlight?: boolean;
}

export interface TableBlock {
  readonly kind: 'table';
  /** Short id, stable per report (e.g. "national", "carriers"): tests and the XLSX find tables by it. */
  readonly id: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
  /** Cell font size in points (default 12). */
  readonly size?: number;
}

/** Bar chart of the install rate by area with the target line. */
export interface RateChartSpec {
  readonly type: 'rate-bar';
  readonly title: string;
  readonly areas: readonly Pick<AreaStat, 'code' | 'name' | 'rate'>[];
  readonly target: number;
  /** Code of a bar to emphasise. */
  readonly highlight?: string;
}

/** Choropleth map of the install rate by province (63 provinces, Hoàng Sa and Trường Sa). */
export interface RateMapSpec {
  readonly type: 'rate-map';
  readonly title: string;
  readonly provinces: readonly Pick<AreaStat, 'code' | 'name' | 'rate'>[];
  readonly target: number;
  readonly highlight?: string;
}

export type ChartSpec = RateChartSpec | RateMapSpec;

/** A chart drawn as a picture, `widthMm` wide, with a caption under it. */
export interface ImageBlock {
  readonly kind: 'image';
  readonly chart: ChartSpec;
  readonly widthMm: number;
  readonly heightMm: number;
  readonly caption: string;
}

export interface PageBreakBlock {
  readonly kind: 'page-break';
}

export type Block = ParagraphBlock | HeadingBlock | ItemBlock | TableBlock | ImageBlock | PageBreakBlock;

/** The two-column header (Phụ lục I boxes 1–4). */
export interface DocumentHeader {
  /** Box 2, parent body, upper case. */
  readonly parentBody: string;
  /** Box 2, issuing body, upper case, bold, with a rule under it. */
  readonly issuingBody: string;
  /** Box 3: "Số: …/BC-STTTT" or "Số: 15/BC-STTTT". */
  readonly number: string;
  /** Box 1: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM". */
  readonly nationalTitle: string;
  /** Box 1: "Độc lập - Tự do - Hạnh phúc", with the rule under it. */
  readonly motto: string;
  /** Box 4, italic: "Thái Nguyên, ngày 13 tháng 9 năm 2020". */
  readonly placeDate: string;
}

/** The closing table: "Nơi nhận" left (box 9b), signature block right (box 7). */
export interface DocumentClosing {
  /** Lines after "Nơi nhận:", each starting "- " and ending ";" (the last "."). */
  readonly recipients: readonly string[];
  /** "KT. GIÁM ĐỐC" (may be empty). */
  readonly authority: string;
  /** "PHÓ GIÁM ĐỐC" (may be empty). */
  readonly position: string;
  /** Name of the signer, or a placeholder. */
  readonly signerName: Inline;
}

/** An appendix on its own page (Phụ lục). */
export interface Appendix {
  /** "Phụ lục" (one appendix) or "Phụ lục I". */
  readonly label: string;
  /** Upper case title: "BIỂU THỐNG KÊ TOÀN QUỐC". */
  readonly title: string;
  /** Italic line: "(Kèm theo Báo cáo số …/BC-… ngày … của …)". */
  readonly attachedTo: string;
  readonly orientation: 'portrait' | 'landscape';
  readonly blocks: readonly Block[];
}

/** File properties; `created` makes the output reproducible. */
export interface DocumentMeta {
  /** The report kind, for file names and the register. */
  readonly kind: 'quick' | 'national' | 'tracing';
  readonly title: string;
  readonly subject: string;
  readonly author: string;
  /** ISO instant written as the creation and modification date of every file. */
  readonly created: string;
}

/** A complete administrative report. */
export interface ReportDocument {
  readonly meta: DocumentMeta;
  readonly header: DocumentHeader;
  /** Box 5a: "BÁO CÁO" or "BÁO CÁO NHANH". */
  readonly documentType: string;
  /** Box 5a: the summary line ("trích yếu"), bold, with a rule under it. */
  readonly summary: string;
  readonly body: readonly Block[];
  readonly closing: DocumentClosing;
  readonly appendices: readonly Appendix[];
}

/** The text of an inline. */
export function inlineText(inline: Inline): string {
  return typeof inline === 'string' ? inline : inline.text;
}

/** Every table of a document, body and appendices, in order. */
export function documentTables(doc: ReportDocument): TableBlock[] {
  const all = [...doc.body, ...doc.appendices.flatMap((a) => a.blocks)];
  return all.filter((b): b is TableBlock => b.kind === 'table');
}
