/**
 * Times of the installs import (docs/statistics.md, "Imports"), parsed without a regular
 * expression or a Date in the exports' usual forms. Pure; shared by the importing thread and the
 * counting worker.
 *
 * @module
 */

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Digits of `value` from `at` to `at + n` as a number, or -1 when one is not a digit. */
function digits(value: string, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The exports' usual forms without a regular expression or a Date: `YYYY-MM-DDTHH:MM:SSZ`,
 * `…SS.sssZ` and `…SS±HH:MM`, on the calendar, hours 00–23. Undefined for anything else, which
 * {@link parseImportInstant} then parses the general way (with the same results).
 */
function parseIsoFast(v: string): number | undefined {
  const len = v.length;
  if (len !== 20 && len !== 24 && len !== 25) return undefined;
  if (v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':' || v[16] !== ':') return undefined;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  const h = digits(v, 11, 2);
  const mi = digits(v, 14, 2);
  const sec = digits(v, 17, 2);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return undefined;
  if (
    d > DAYS_IN_MONTH[mo - 1]! ||
    (mo === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0)))
  )
    return undefined;
  let ms = 0;
  let offset = 0;
  if (len === 20) {
    if (v[19] !== 'Z') return undefined;
  } else if (len === 24) {
    if (v[19] !== '.' || v[23] !== 'Z') return undefined;
    ms = digits(v, 20, 3);
    if (ms < 0) return undefined;
  } else {
    const sign = v[19] === '+' ? 1 : v[19] === '-' ? -1 : 0;
    const oh = digits(v, 20, 2);
    const om = digits(v, 23, 2);
    if (sign === 0 || v[22] !== ':' || oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset;
}

/**
 * Parses an ISO time of an import: a date-time with `Z` or an offset, or without one in Vietnam
 * time (UTC+7); a bare date is 00:00 Vietnam time. Undefined when invalid.
 */
export function parseImportInstant(value: string): number | undefined {
  const fast = parseIsoFast(value);
  if (fast !== undefined) return fast;
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '0', zone = '+07:00'] = m;
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss}.${frac.slice(0, 3).padEnd(3, '0')}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2020-02-30 over; reject dates that are not on the calendar.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  return ms;
}
