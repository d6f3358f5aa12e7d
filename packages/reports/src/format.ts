/**
 * Vietnamese number and date formatting (SYSTEM.md §5): thousands with ".", decimals with ",",
 * "270.626", "27,07 %", "ngày 13 tháng 9 năm 2020". Pure, no locale data needed (Intl's `vi-VN`
 * output differs between ICU versions, so the digits are grouped by hand).
 *
 * @module
 */

/** Groups the digits of a non-negative integer string by threes with ".". */
function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/**
 * A number in Vietnamese notation: "270.626", "1.234,5". `digits` fixes the decimals (default 0);
 * rounding is half away from zero on the decimal value.
 */
export function formatNumberVi(value: number, digits = 0): string {
  if (!Number.isFinite(value)) throw new RangeError(`formatNumberVi: not a finite number: ${value}`);
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new RangeError(`bad digits: ${digits}`);
  const negative = value < 0;
  const factor = 10 ** digits;
  // Round half away from zero on the shortest decimal form (Number.EPSILON guards 1.005-like cases).
  const scaled = Math.round(Math.abs(value) * factor * (1 + Number.EPSILON));
  const whole = Math.floor(scaled / factor);
  const fraction = scaled - whole * factor;
  let text = groupThousands(String(whole));
  if (digits > 0) text += `,${String(fraction).padStart(digits, '0')}`;
  return negative && scaled !== 0 ? `-${text}` : text;
}

/**
 * A fraction as a Vietnamese percentage with a space before the sign: 0.27068 → "27,07 %".
 * `digits` decimals (default 2).
 */
export function formatPercentVi(fraction: number, digits = 2): string {
  return `${formatNumberVi(fraction * 100, digits)} %`;
}

/** The calendar date of an ISO instant or date in Viet Nam (UTC+7, no daylight saving). */
export function vietnamDateParts(iso: string | Date): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
} {
  const ms = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date: ${String(iso)}`);
  const local = new Date(ms + 7 * 3_600_000);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
  };
}

/**
 * A date as written in the body of a Vietnamese document: "ngày 13 tháng 9 năm 2020". With
 * `{ pad: true }` (the place-and-date line of Decree 30/2020, Phụ lục I box 4) days below 10 and the
 * months 1 and 2 take a leading 0: "ngày 05 tháng 01 năm 2021". A bare date "2020-09-13" is that
 * calendar day; an instant is taken in Viet Nam time (UTC+7).
 */
export function formatDateVi(date: string | Date, options: { pad?: boolean } = {}): string {
  const { year, month, day } =
    typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date)
      ? { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) }
      : vietnamDateParts(date);
  const d = options.pad && day < 10 ? `0${day}` : String(day);
  const m = options.pad && month <= 2 ? `0${month}` : String(month);
  return `ngày ${d} tháng ${m} năm ${year}`;
}

/** A short date "13/9/2020" (as the source documents write dates inside sentences). */
export function formatShortDateVi(date: string | Date): string {
  const { year, month, day } =
    typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date)
      ? { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) }
      : vietnamDateParts(date);
  return `${day}/${month}/${year}`;
}
