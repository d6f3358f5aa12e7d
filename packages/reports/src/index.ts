/**
 * Bluezone official reports: a pure model from statistics to an administrative document (Decree
 * 30/2020/NĐ-CP layout) and its DOCX, PDF and XLSX renderers. See docs/reports.md.
 *
 * @module
 */
export { DOCUMENT_FONT, EMBEDDED_FONT_FAMILY, mapProvinces } from './assets.js';
export {
  chartSvg,
  type PictureSize,
  rateChartSvg,
  rateMapSvg,
  renderChartPng,
  renderMapPng,
  renderRateChartPng,
} from './charts.js';
export { carrierName, DEFAULT_TARGET, gapToTarget, PLACEHOLDER } from './common.js';
export { type DocxOptions, normalizeDocx, renderDocx, renderMinimalDocx } from './docx.js';
export type * from './figures.js';
export { formatDateVi, formatNumberVi, formatPercentVi, formatShortDateVi } from './format.js';
export * from './layout.js';
export type * from './model.js';
export { documentTables, inlineText } from './model.js';
export { buildNationalReport, buildTracingReport, NATIONAL_DEFAULT_RECIPIENTS } from './national.js';
export { type PdfOptions, renderPdf } from './pdf.js';
export { buildQuickReport, QUICK_DEFAULT_RECIPIENTS } from './quick.js';
export { renderXlsx, XLSX_HEADER_ROW, type XlsxOptions } from './xlsx.js';
