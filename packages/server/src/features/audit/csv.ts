/**
 * A CSV writer following RFC 4180: fields separated by commas, records ended by CRLF, a field
 * quoted when it holds a comma, a double quote, CR or LF, quotes inside doubled. No CSV library
 * is installed (neither `csv-stringify` nor `papaparse` is in node_modules) and dependencies are
 * not to be added for ~20 lines; the tests parse the output back with an independent parser.
 *
 * @module
 */

const NEEDS_QUOTES = /[",\r\n]/;

/** One field, quoted if needed. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(fields: readonly (string | number | null)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** A whole document: the header, then the rows. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  return csvRecord(header) + rows.map(csvRecord).join('');
}
