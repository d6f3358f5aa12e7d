/**
 * Pieces shared by the dashboard and the province page: the "as of" picker kept in the URL, the
 * KPI cards and a table sortable by any column.
 */
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { useTexts } from '../i18n';
import { navigate, useLocation } from '../router';
import { asOfParam, vietnamDateHour } from '../stats-api';

/** The `asOf` of the URL (`?asOf=`), undefined for the API's default (the last whole hour). */
export function useAsOfParam(): string | undefined {
  const { search } = useLocation();
  return new URLSearchParams(search).get('asOf') ?? undefined;
}

/** `path` with the `asOf` of the URL kept. */
export function withAsOf(path: string, asOf: string | undefined): string {
  return asOf ? `${path}?asOf=${encodeURIComponent(asOf)}` : path;
}

/** "tính đến 08h00 ngày 13/9/2020" / "as of 08:00 on Sep 13, 2020". */
export function useAsOfText(): (iso: string) => string {
  const texts = useTexts();
  return (iso) => {
    const { date, hour } = vietnamDateHour(iso);
    const hh = String(hour).padStart(2, '0');
    const [y, m, d] = date.split('-').map(Number);
    return texts.t('stats.asOfLine', {
      hour: hh,
      date: texts.lang === 'vi' ? `${d}/${m}/${y}` : texts.day(date),
    });
  };
}

const HOURS = Array.from({ length: 24 }, (_, i) => i + 1);

/** Date and hour (Vietnam time) of the figures; applying puts `?asOf=` in the URL. */
export function AsOfPicker({ asOf, path }: { readonly asOf: string; readonly path: string }) {
  const { t } = useTexts();
  const id = useId();
  const shown = vietnamDateHour(asOf);
  const [date, setDate] = useState(shown.date);
  const [hour, setHour] = useState(shown.hour);
  useEffect(() => {
    setDate(shown.date);
    setHour(shown.hour);
  }, [shown.date, shown.hour]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return;
    navigate(withAsOf(path, asOfParam(date, hour)));
  };
  return (
    <form className="inline-form as-of" onSubmit={submit} aria-label={t('stats.asOfPick')}>
      <div className="field">
        <label htmlFor={`${id}-date`}>{t('stats.asOfDate')}</label>
        <input
          id={`${id}-date`}
          type="date"
          required
          value={date}
          onChange={(e) => setDate(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-hour`}>{t('stats.asOfHour')}</label>
        <select id={`${id}-hour`} value={hour} onChange={(e) => setHour(Number(e.target.value))}>
          {HOURS.map((h) => (
            <option key={h} value={h}>
              {t('stats.hourOption', { hour: String(h).padStart(2, '0') })}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">{t('stats.asOfApply')}</button>
      <button type="button" className="secondary" onClick={() => navigate(path)}>
        {t('stats.asOfLatest')}
      </button>
    </form>
  );
}

export interface Kpi {
  readonly label: string;
  readonly value: string;
  readonly note?: string;
  readonly tone?: 'good' | 'bad';
  readonly testId?: string;
}

export function KpiCards({ items, label }: { readonly items: readonly Kpi[]; readonly label: string }) {
  return (
    <dl className="kpis" aria-label={label}>
      {items.map((k) => (
        <div key={k.label} className={k.tone ? `kpi ${k.tone}` : 'kpi'}>
          <dt>{k.label}</dt>
          <dd data-testid={k.testId}>{k.value}</dd>
          {k.note ? <dd className="kpi-note">{k.note}</dd> : null}
        </div>
      ))}
    </dl>
  );
}

export interface Column<R> {
  readonly key: string;
  readonly label: string;
  /** The value sorted by; null sorts last in both directions. */
  readonly value: (row: R) => number | string | null;
  readonly render: (row: R) => ReactNode;
  readonly numeric?: boolean;
  /** The row's header cell (`<th scope="row">`). */
  readonly rowHeader?: boolean;
}

type Direction = 'ascending' | 'descending';

/** A table sorted by clicking (or pressing Enter/Space on) a column header; `aria-sort` tells which. */
export function SortableTable<R>({
  rows,
  columns,
  rowKey,
  initial,
  caption,
  rowClass,
  testId,
}: {
  readonly rows: readonly R[];
  readonly columns: readonly Column<R>[];
  readonly rowKey: (row: R) => string;
  readonly initial: { readonly key: string; readonly direction: Direction };
  readonly caption: string;
  readonly rowClass?: (row: R) => string | undefined;
  readonly testId?: string;
}) {
  const { t, locale } = useTexts();
  const [sort, setSort] = useState(initial);
  const column = columns.find((c) => c.key === sort.key) ?? columns[0];
  const sorted = [...rows].sort((a, b) => {
    if (!column) return 0;
    const va = column.value(a);
    const vb = column.value(b);
    if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
    const order =
      typeof va === 'number' && typeof vb === 'number'
        ? va - vb
        : String(va).localeCompare(String(vb), locale);
    return sort.direction === 'ascending' ? order : -order;
  });
  const sortBy = (c: Column<R>) =>
    setSort((s) =>
      s.key === c.key
        ? { key: c.key, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : { key: c.key, direction: c.numeric && c.key !== 'rank' ? 'descending' : 'ascending' },
    );
  return (
    <div className="table-wrap">
      <table className="sortable" data-testid={testId}>
        <caption className="visually-hidden">
          {caption}. {t('stats.sortHint')}
        </caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.key}
                scope="col"
                className={c.numeric ? 'num' : undefined}
                aria-sort={sort.key === c.key ? sort.direction : undefined}
              >
                <button type="button" className="sort" onClick={() => sortBy(c)}>
                  {c.label}
                  <span aria-hidden="true" className="sort-mark">
                    {sort.key === c.key ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={rowKey(row)} className={rowClass?.(row)}>
              {columns.map((c) =>
                c.rowHeader ? (
                  <th key={c.key} scope="row">
                    {c.render(row)}
                  </th>
                ) : (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {c.render(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
