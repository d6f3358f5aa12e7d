/**
 * Text widths in the document font (Liberation Serif, metric-compatible with Times New Roman), for
 * the rules that must be as long as, or a third to a half of, the text above them (Decree 30/2020,
 * Phụ lục I boxes 1, 2 and 5a). Measured with PDFKit's font engine on the package's TTFs.
 *
 * @module
 */
import PDFDocument from 'pdfkit';
import { type FontFace, fontData } from './assets.js';

let measurer: PDFKit.PDFDocument | undefined;

function doc(): PDFKit.PDFDocument {
  if (!measurer) {
    measurer = new PDFDocument({ autoFirstPage: false });
    for (const face of ['regular', 'bold', 'italic', 'boldItalic'] as const)
      measurer.registerFont(face, fontData(face));
  }
  return measurer;
}

/** Width of `text` in points at `size` points. */
export function textWidthPt(text: string, size: number, face: FontFace = 'regular'): number {
  return doc().font(face).fontSize(size).widthOfString(text);
}
