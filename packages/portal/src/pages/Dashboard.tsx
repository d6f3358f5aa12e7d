/**
 * Tổng quan (Dashboard): the installation statistics as of a chosen hour — KPI cards, the map of the
 * install rate by province, the ranked table of the 63 provinces (sortable; ties share a rank),
 * carriers and the daily series with the target line. Every role sees the national figures (not
 * personal data); a province user also sees their province's rank and gap, and opens only their
 * own province's page (the API answers 404 for others).
 */
import { type ReactNode, useMemo } from 'react';
import { ErrorMessage, Loading, useLoad, useProvinceName } from '../components';
import { useTexts } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import {
  daysBefore,
  type NationalStats,
  nationalStats,
  type ProgressStats,
  type ProvinceStat,
  progressStats,
  seriesStats,
  vietnamDateHour,
} from '../stats-api';
import { type StatsFormat, statsFormat } from '../stats-format';
import { RateBars, rateBarsOf, SeriesPanel } from './DashboardCharts';
import { RateMap } from './DashboardMap';
import {
  AsOfPicker,
  type Column,
  type Kpi,
  KpiCards,
  SortableTable,
  useAsOfParam,
  useAsOfText,
  withAsOf,
} from './DashboardParts';

/** Days of the time series, ending on the as-of day. */
export const SERIES_DAYS = 30;

/** The last whole day of figures at `asOf` (the series gives each day as of its 24:00). */
export function seriesRange(asOf: string): { from: string; to: string } {
  const { date, hour } = vietnamDateHour(asOf);
  const to = hour === 24 ? date : daysBefore(date, 1);
  return { from: daysBefore(to, SERIES_DAYS - 1), to };
}

export function DashboardPage() {
  const texts = useTexts();
  const { t, lang } = texts;
  const { user } = useSession();
  const fmt = useMemo(() => statsFormat(lang), [lang]);
  const asOf = useAsOfParam();
  const asOfText = useAsOfText();
  // English names of the provinces from the admin units (the statistics API names them in Vietnamese).
  const provinceName = useProvinceName();
  const data = useLoad(async () => {
    const [national, progress] = await Promise.all([nationalStats(asOf), progressStats(asOf)]);
    return { national, progress };
  }, [asOf]);
  const series = useLoad(
    async () => (data.data ? (await seriesStats(seriesRange(data.data.national.asOf))).points : undefined),
    [data.data],
  );
  const own = user.provinceCode;
  const canOpen = (code: string) => own === null || own === code;

  if (data.error) return <DashboardFrame>{<ErrorMessage error={data.error} />}</DashboardFrame>;
  if (!data.data) return <DashboardFrame>{<Loading />}</DashboardFrame>;
  const { national, progress } = data.data;
  const target = progress.target;
  const mine = own === null ? undefined : national.provinces.find((p) => p.code === own);
  return (
    <DashboardFrame>
      <p className="as-of-line" data-testid="as-of">
        {asOfText(national.asOf)}
      </p>
      <section className="panel" aria-label={t('stats.asOfPick')}>
        <AsOfPicker asOf={national.asOf} path="/dashboard" />
      </section>
      <KpiCards
        label={t('stats.kpis')}
        items={
          mine ? provinceKpis(mine, progress, national, fmt, t) : nationalKpis(national, progress, fmt, t)
        }
      />
      <div className="columns stats-columns">
        <section className="panel" aria-labelledby="map-title">
          <h2 id="map-title">{t('stats.map.title')}</h2>
          <RateMap
            areas={national.provinces}
            target={target}
            highlight={own}
            fmt={fmt}
            linkOf={(code) => (canOpen(code) ? withAsOf(`/dashboard/${code}`, asOf) : undefined)}
          />
        </section>
        <div>
          <section className="panel" aria-labelledby="carriers-title">
            <h2 id="carriers-title">{t('stats.carriers.title')}</h2>
            <p className="hint">{t('stats.carriers.hint')}</p>
            <RateBars
              bars={rateBarsOf(national.carriers)}
              target={target}
              fmt={fmt}
              label={t('stats.carriers.title')}
              countLabel={t('stats.phoneRegistered')}
              baseLabel={t('stats.smartphones')}
              testId="carrier-chart"
            />
          </section>
          <SeriesPanel
            id="series-title"
            title={t('stats.series.title', { days: SERIES_DAYS })}
            series={series}
            target={target}
            fmt={fmt}
          />
        </div>
      </div>
      <section className="panel" aria-labelledby="table-title">
        <h2 id="table-title">{t('stats.table.title')}</h2>
        <p className="hint">{t('stats.table.hint', { activeDays: national.activeDays })}</p>
        <SortableTable
          rows={national.provinces}
          columns={provinceColumns(
            fmt,
            t,
            (code) => canOpen(code),
            asOf,
            (p) => (lang === 'en' ? provinceName(p.code) : p.name),
          )}
          rowKey={(p) => p.code}
          initial={{ key: 'rank', direction: 'ascending' }}
          caption={t('stats.table.title')}
          rowClass={(p) => (p.code === own ? 'own' : undefined)}
          testId="national-table"
        />
        <table className="total-table">
          <tbody>
            <tr>
              <th scope="row">{t('common.wholeCountry')}</th>
              <td>
                {t('stats.installs')}: <strong>{fmt.count(national.total.installs)}</strong>
              </td>
              <td>
                {t('stats.phoneRegistered')}: <strong>{fmt.count(national.total.phoneRegistered)}</strong>
              </td>
              <td>
                {t('stats.smartphones')}: <strong>{fmt.count(national.total.smartphones)}</strong>
              </td>
              <td>
                {t('stats.rate')}: <strong>{fmt.percent(national.total.rate)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      </section>
    </DashboardFrame>
  );
}

function DashboardFrame({ children }: { readonly children: ReactNode }) {
  const { t } = useTexts();
  return (
    <>
      <h1>{t('stats.title')}</h1>
      {children}
    </>
  );
}

export type T = ReturnType<typeof useTexts>['t'];

/** The gap to the target: fraction points still missing and the registrations needed, or reached. */
export function gapKpi(p: ProgressStats['total'], fmt: StatsFormat, t: T): Kpi {
  if (p.gap === null) return { label: t('stats.gap'), value: fmt.count(null) };
  if (p.gap <= 0)
    return {
      label: t('stats.gap'),
      value: t('stats.gapReached'),
      note: t('stats.gapOver', { points: fmt.points(-p.gap) }),
      tone: 'good',
      testId: 'kpi-gap',
    };
  return {
    label: t('stats.needed', { target: fmt.percent(p.target, 0) }),
    value: fmt.count(p.phoneRegisteredNeeded),
    note: t('stats.gapNeeded', { points: fmt.points(p.gap) }),
    tone: 'bad',
    testId: 'kpi-gap',
  };
}

function nationalKpis(national: NationalStats, progress: ProgressStats, fmt: StatsFormat, t: T): Kpi[] {
  const total = national.total;
  const reached = progress.provinces.filter((p) => p.gap !== null && p.gap <= 0).length;
  return [
    { label: t('stats.installs'), value: fmt.count(total.installs), testId: 'kpi-installs' },
    { label: t('stats.phoneRegistered'), value: fmt.count(total.phoneRegistered), testId: 'kpi-phone' },
    {
      label: t('stats.active'),
      value: fmt.count(total.active),
      note: t('stats.activeNote', { days: national.activeDays }),
    },
    { label: t('stats.smartphones'), value: fmt.count(total.smartphones) },
    { label: t('stats.rate'), value: fmt.percent(total.rate), testId: 'kpi-rate' },
    {
      label: t('stats.reachedProvinces'),
      value: `${reached}/${national.provinces.length}`,
      note: t('stats.targetNote', { value: fmt.percent(progress.target, 0) }),
    },
    gapKpi(progress.total, fmt, t),
  ];
}

function provinceKpis(
  mine: ProvinceStat,
  progress: ProgressStats,
  national: NationalStats,
  fmt: StatsFormat,
  t: T,
): Kpi[] {
  const gap = progress.provinces.find((p) => p.code === mine.code);
  return [
    { label: t('stats.installs'), value: fmt.count(mine.installs), note: mine.name, testId: 'kpi-installs' },
    { label: t('stats.phoneRegistered'), value: fmt.count(mine.phoneRegistered), testId: 'kpi-phone' },
    {
      label: t('stats.active'),
      value: fmt.count(mine.active),
      note: t('stats.activeNote', { days: national.activeDays }),
    },
    { label: t('stats.smartphones'), value: fmt.count(mine.smartphones) },
    { label: t('stats.rate'), value: fmt.percent(mine.rate), testId: 'kpi-rate' },
    {
      label: t('stats.rank'),
      value: mine.rank === null ? fmt.count(null) : `${mine.rank}/${national.provinces.length}`,
      note: mine.change?.rank
        ? t('stats.rankChange', { change: fmt.signedCount(mine.change.rank) })
        : undefined,
      testId: 'kpi-rank',
    },
    ...(gap ? [gapKpi(gap, fmt, t)] : []),
  ];
}

/** The columns of the province table (also used for districts, without the change). */
export function provinceColumns<R extends ProvinceStat | Omit<ProvinceStat, 'change'>>(
  fmt: StatsFormat,
  t: T,
  link: ((code: string) => boolean) | undefined,
  asOf: string | undefined,
  nameOf: (row: R) => string = (row) => row.name,
): Column<R>[] {
  const columns: Column<R>[] = [
    {
      key: 'rank',
      label: t('stats.rank'),
      value: (r) => r.rank,
      render: (r) => r.rank ?? '—',
      numeric: true,
    },
    {
      key: 'name',
      label: t('stats.area'),
      value: (r) => nameOf(r),
      rowHeader: true,
      render: (r) =>
        link?.(r.code) ? <Link href={withAsOf(`/dashboard/${r.code}`, asOf)}>{nameOf(r)}</Link> : nameOf(r),
    },
    {
      key: 'installs',
      label: t('stats.installs'),
      value: (r) => r.installs,
      render: (r) => fmt.count(r.installs),
      numeric: true,
    },
    {
      key: 'phoneRegistered',
      label: t('stats.phoneRegistered'),
      value: (r) => r.phoneRegistered,
      render: (r) => fmt.count(r.phoneRegistered),
      numeric: true,
    },
    {
      key: 'active',
      label: t('stats.active'),
      value: (r) => r.active,
      render: (r) => fmt.count(r.active),
      numeric: true,
    },
    {
      key: 'smartphones',
      label: t('stats.smartphones'),
      value: (r) => r.smartphones,
      render: (r) => fmt.count(r.smartphones),
      numeric: true,
    },
    {
      key: 'rate',
      label: t('stats.rate'),
      value: (r) => r.rate,
      render: (r) => fmt.percent(r.rate),
      numeric: true,
    },
  ];
  if (link === undefined) return columns;
  return [
    ...columns,
    {
      key: 'change',
      label: t('stats.rankChangeColumn'),
      value: (r) => ('change' in r ? (r.change?.rank ?? null) : null),
      numeric: true,
      render: (r) => {
        const change = 'change' in r ? r.change?.rank : null;
        if (change === null || change === undefined) return '—';
        if (change === 0) return <span title={t('stats.rankSame')}>=</span>;
        return (
          <span className={change > 0 ? 'up' : 'down'}>
            <span aria-hidden="true">{change > 0 ? '▲' : '▼'}</span>
            <span className="visually-hidden">{change > 0 ? t('stats.rankUp') : t('stats.rankDown')} </span>
            {Math.abs(change)}
          </span>
        );
      },
    },
  ];
}
