/**
 * A small CSV reader for the dev-time scripts (RFC 4180 quoting, one record per line: none of the
 * project's reference files has a line break inside a field). Not shipped; the protocol package
 * itself never parses CSV.
 *
 * @module
 */

/**
 * Splits one CSV line into fields. Quoted fields may contain commas and doubled quotes (`""`);
 * a malformed quote throws with the line number.
 *
 * @param {string} line
 * @param {number} lineNumber 1-based, for error messages
 * @returns {string[]}
 */
export function parseCsvLine(line, lineNumber) {
  const fields = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`line ${lineNumber}: unterminated quoted field`);
        field += line.slice(i, quote);
        i = quote + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        break;
      }
      if (i < line.length && line[i] !== ',') {
        throw new Error(`line ${lineNumber}: text after a closing quote`);
      }
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      field = line.slice(i, end);
      if (field.includes('"')) throw new Error(`line ${lineNumber}: quote inside an unquoted field`);
      i = end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/**
 * Parses a whole CSV text (LF or CRLF, optional final newline) into a header and records, checking
 * that every record has as many fields as the header.
 *
 * @param {string} text
 * @returns {{ header: string[], records: string[][] }}
 */
export function parseCsv(text) {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const header = parseCsvLine(lines[0] ?? '', 1);
  const records = [];
  for (let n = 1; n < lines.length; n++) {
    const fields = parseCsvLine(lines[n], n + 1);
    if (fields.length !== header.length) {
      throw new Error(`line ${n + 1}: ${fields.length} fields, expected ${header.length}`);
    }
    records.push(fields);
  }
  return { header, records };
}
