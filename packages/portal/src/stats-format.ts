/**
 * Numbers of the statistics pages in the portal's language. Vietnamese uses the reports package's
 * own helpers (packages/reports/src/format.ts, pure): "270.626", "27,07 %" — the same text as the
 * issued documents, whatever the browser's ICU prints for `vi-VN` percentages ("27,07%"). English
 * uses `Intl`: "270,626", "27.07%".
 */
import { formatNumberVi, formatPercentVi } from '../../reports/src/format';
import type { Lang } from './i18n';

export interface StatsFormat {
  /** A count; "—" for null. */
  count(value: number | null | undefined): string;
  /** A fraction as a percentage with `digits` decimals (default 2); "—" for null. */
  percent(value: number | null | undefined, digits?: number): string;
  /** A signed change of a count: "+1.234", "−5". */
  signedCount(value: number): string;
  /** A difference of rates (fractions) in percentage points: "33,08 điểm %". */
  points(value: number): string;
}

const DASH = '—';

export function statsFormat(lang: Lang): StatsFormat {
  const enCount = new Intl.NumberFormat('en');
  const enPercent = (digits: number) =>
    new Intl.NumberFormat('en', {
      style: 'percent',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  const count = (v: number) => (lang === 'vi' ? formatNumberVi(v) : enCount.format(v));
  const percent = (v: number, digits: number) =>
    lang === 'vi' ? formatPercentVi(v, digits) : enPercent(digits).format(v);
  const sign = (v: number) => (v > 0 ? '+' : v < 0 ? '−' : '±');
  return {
    count: (v) => (v === null || v === undefined ? DASH : count(v)),
    percent: (v, digits = 2) => (v === null || v === undefined ? DASH : percent(v, digits)),
    signedCount: (v) => `${sign(v)}${count(Math.abs(v))}`,
    points: (v) => {
      const points = Math.abs(v) * 100;
      return `${lang === 'vi' ? formatNumberVi(points, 2) : points.toFixed(2)} ${lang === 'vi' ? 'điểm %' : 'pp'}`;
    },
  };
}
