/**
 * The layout both renderers follow: Decree 30/2020/NĐ-CP, Phụ lục I (see docs/reports.md and
 * `shared/research/vietnam-data.md` §5). Sizes in points, lengths in millimetres.
 *
 * @module
 */

/** A4 (Part I.I): 210 × 297 mm. */
export const A4 = { widthMm: 210, heightMm: 297 } as const;

/** Margins (Part I.I): top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm; we take the minimums. */
export const MARGINS_MM = { top: 20, bottom: 20, left: 30, right: 15 } as const;

/** Font sizes of each element (Part I.II–III, the sizes chosen inside each range). */
export const SIZE = {
  /** Box 1, Quốc hiệu: 12–13, upper case, bold. 12 keeps it on one line. */
  nationalTitle: 12,
  /** Box 1, Tiêu ngữ: 13–14, bold. */
  motto: 13,
  /** Box 2, parent body: 12–13, upper case. */
  parentBody: 12,
  /** Box 2, issuing body: 12–13, upper case, bold. */
  issuingBody: 12,
  /** Box 3, "Số: …": 13. */
  number: 13,
  /** Box 4, place and date: 13–14, italic. */
  placeDate: 14,
  /** Box 5a, type name "BÁO CÁO": 13–14, bold. */
  documentType: 14,
  /** Box 5a, summary line: 13–14, bold. */
  summary: 14,
  /** Box 6, body and headings: 13–14. */
  body: 14,
  /** Box 9b, "Nơi nhận:": 12, bold italic. */
  recipientsLabel: 12,
  /** Box 9b, recipient lines: 11. */
  recipients: 11,
  /** Box 7, authority, position and name: 13–14, bold. */
  signature: 14,
  /** Appendix label "Phụ lục": 14, bold. */
  appendixLabel: 14,
  /** Appendix title: 13–14, bold, upper case. */
  appendixTitle: 14,
  /** "(Kèm theo …)": 13–14, italic. */
  attachedTo: 14,
  /** Table cells (the decree sets none; practice 11–13). */
  table: 12,
  /** Picture captions. */
  caption: 12,
  /** Page numbers: 13–14, centred in the top margin, not on page 1. */
  pageNumber: 13,
} as const;

/** First-line indent of body paragraphs: 1,27 cm (Part I.II, box 6: 1 cm or 1,27 cm). */
export const INDENT_MM = 12.7;
/** At least 6 pt between paragraphs. */
export const PARAGRAPH_AFTER_PT = 6;
/** Line spacing: between single and 1.5 lines. */
export const LINE_SPACING = 1.15;

/**
 * The header table is a little wider than the text block (the usual Word template does the same), so
 * that "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" at 12 pt and "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" stay on one
 * line each: it starts `HEADER_OUTDENT_MM` left of the left margin.
 */
export const HEADER_OUTDENT_MM = 5;
export const HEADER_LEFT_MM = 78;
export const HEADER_RIGHT_MM = 97;

/** Text block width for an orientation. */
export function textWidthMm(orientation: 'portrait' | 'landscape'): number {
  const w = orientation === 'portrait' ? A4.widthMm : A4.heightMm;
  return w - MARGINS_MM.left - MARGINS_MM.right;
}

/** Text block height for an orientation. */
export function textHeightMm(orientation: 'portrait' | 'landscape'): number {
  const h = orientation === 'portrait' ? A4.heightMm : A4.widthMm;
  return h - MARGINS_MM.top - MARGINS_MM.bottom;
}

export const PT_PER_MM = 72 / 25.4;
export const TWIP_PER_MM = 1440 / 25.4;
