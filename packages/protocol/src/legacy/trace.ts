/**
 * Parser for the original app's contact-log export, `data_trace.txt`: one sighting per line,
 * tab-separated, no header:
 *
 *     <own ID, hex>\t<contact ID, hex>\t<RSSI, dBm>\t<timestamp>
 *
 * Android wrote timestamps in milliseconds, iOS in seconds, into the same format; the unit is
 * detected per row: a value ≥ 10¹¹ is milliseconds (10¹¹ s is the year 5138, 10¹¹ ms is 1973).
 * CRLF and blank lines are tolerated. A malformed line is reported with its 1-based number and
 * a reason; the good lines around it are kept. The format has no quoting, so a split on tabs is
 * the whole grammar (a CSV library would add nothing here).
 *
 * @module
 */
import { LEGACY_ID_LENGTH } from './ids.js';

/** One sighting from a legacy contact log. */
export interface LegacyTraceRow {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The logging phone's own ID at that time, upper-case hex. */
  readonly ownId: string;
  /** The ID heard, upper-case hex (24 digits). */
  readonly contactId: string;
  /** Received signal strength in dBm. */
  readonly rssi: number;
  /** Time of the sighting in Unix milliseconds. */
  readonly timestampMs: number;
  /** Unit the file used for this row. */
  readonly timestampUnit: 'ms' | 's';
}

/** A line that could not be read, and why. */
export interface MalformedLine {
  readonly line: number;
  readonly reason: string;
}

/** Everything read from a legacy log. */
export interface LegacyTrace {
  readonly rows: LegacyTraceRow[];
  readonly malformed: MalformedLine[];
}

/** Timestamps at or above this are milliseconds. */
export const LEGACY_MS_THRESHOLD = 1e11;

const ID_HEX = new RegExp(`^[0-9A-Fa-f]{${2 * LEGACY_ID_LENGTH}}$`);
const INTEGER = /^[+-]?\d+$/;
const TIMESTAMP = /^\d+(\.\d+)?$/;

function readRow(text: string, line: number): LegacyTraceRow | string {
  const fields = text.split('\t').map((f) => f.trim());
  if (fields.length !== 4) {
    return `expected 4 tab-separated fields (own ID, contact ID, RSSI, timestamp), found ${fields.length}`;
  }
  const [ownId, contactId, rssiText, timeText] = fields as [string, string, string, string];
  if (!ID_HEX.test(ownId)) return `own ID must be ${2 * LEGACY_ID_LENGTH} hex digits, got ${describe(ownId)}`;
  if (!ID_HEX.test(contactId))
    return `contact ID must be ${2 * LEGACY_ID_LENGTH} hex digits, got ${describe(contactId)}`;
  if (!INTEGER.test(rssiText)) return `RSSI must be an integer in dBm, got ${describe(rssiText)}`;
  const rssi = Number(rssiText);
  if (rssi < -128 || rssi > 127) return `RSSI must be between -128 and 127 dBm, got ${rssi}`;
  if (!TIMESTAMP.test(timeText))
    return `timestamp must be a positive number (ms or s since 1970), got ${describe(timeText)}`;
  const raw = Number(timeText);
  if (!(raw > 0) || !Number.isFinite(raw))
    return `timestamp must be a positive number, got ${describe(timeText)}`;
  const timestampUnit = raw >= LEGACY_MS_THRESHOLD ? 'ms' : 's';
  const timestampMs = timestampUnit === 'ms' ? Math.round(raw) : Math.round(raw * 1000);
  if (!Number.isSafeInteger(timestampMs) || timestampMs > 8.64e15)
    return `timestamp ${timeText} is out of range`;
  return {
    line,
    ownId: ownId.toUpperCase(),
    contactId: contactId.toUpperCase(),
    rssi,
    timestampMs,
    timestampUnit,
  };
}

function describe(value: string): string {
  if (value === '') return 'an empty field';
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Parses the text of a `data_trace.txt` file. Never throws on bad content. */
export function parseLegacyTrace(text: string): LegacyTrace {
  const rows: LegacyTraceRow[] = [];
  const malformed: MalformedLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') continue;
    const row = readRow(content, i + 1);
    if (typeof row === 'string') malformed.push({ line: i + 1, reason: row });
    else rows.push(row);
  }
  return { rows, malformed };
}
