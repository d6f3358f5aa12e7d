/**
 * A province's installation statistics with its districts (table and bars) and its daily series,
 * as of the dashboard's hour. Reached from the dashboard's map or table. A province user may open
 * only their own province: the API answers 404 for any other, shown as the server's message.
 */
import { useMemo } from 'react';
import { ErrorMessage, Loading, useLoad } from '../components';
import { useTexts } from '../i18n';
import { Link } from '../router';
import { progressStats, provinceStats, seriesStats } from '../stats-api';
import { statsFormat } from '../stats-format';
import { gapKpi, provinceColumns, SERIES_DAYS, seriesRange } from './Dashboard';
import { RateBars, rateBarsOf, SeriesPanel } from './DashboardCharts';
import { AsOfPicker, KpiCards, SortableTable, useAsOfParam, useAsOfText, withAsOf } from './DashboardParts';

export function ProvincePage({ code }: { readonly code: string }) {
  const { t, lang } = useTexts();
  const fmt = useMemo(() => statsFormat(lang), [lang]);
  const asOf = useAsOfParam();
  const asOfText = useAsOfText();
  const data = useLoad(async () => {
    const [province, progress] = await Promise.all([provinceStats(code, asOf), progressStats(asOf)]);
    return { province, progress };
  }, [code, asOf]);
  const series = useLoad(
    async () =>
      data.data
        ? (await seriesStats({ ...seriesRange(data.data.province.asOf), provinceCode: code })).points
        : undefined,
    [data.data, code],
  );
  const back = (
    <p>
      <Link href={withAsOf('/dashboard', asOf)}>← {t('stats.backToDashboard')}</Link>
    </p>
  );
  if (!data.data)
    return (
      <>
        <h1>{t('stats.province.title', { name: code })}</h1>
        {back}
        {data.error ? <ErrorMessage error={data.error} /> : <Loading />}
      </>
    );
  const { province: result, progress } = data.data;
  const p = result.province;
  const target = progress.target;
  const gap = progress.provinces.find((g) => g.code === code);
  const unknown = result.unknownDistrict;
  return (
    <>
      <h1>{t('stats.province.title', { name: p.name })}</h1>
      {back}
      <p className="as-of-line" data-testid="as-of">
        {asOfText(result.asOf)}
      </p>
      <section className="panel" aria-label={t('stats.asOfPick')}>
        <AsOfPicker asOf={result.asOf} path={`/dashboard/${code}`} />
      </section>
      <KpiCards
        label={t('stats.kpis')}
        items={[
          { label: t('stats.installs'), value: fmt.count(p.installs), testId: 'kpi-installs' },
          { label: t('stats.phoneRegistered'), value: fmt.count(p.phoneRegistered), testId: 'kpi-phone' },
          {
            label: t('stats.active'),
            value: fmt.count(p.active),
            note: t('stats.activeNote', { days: result.activeDays }),
          },
          { label: t('stats.smartphones'), value: fmt.count(p.smartphones) },
          { label: t('stats.rate'), value: fmt.percent(p.rate), testId: 'kpi-rate' },
          {
            label: t('stats.rank'),
            value: p.rank === null ? '—' : `${p.rank}/${progress.provinces.length}`,
            testId: 'kpi-rank',
          },
          ...(gap ? [gapKpi(gap, fmt, t)] : []),
        ]}
      />
      <div className="columns stats-columns">
        <section className="panel" aria-labelledby="district-bars-title">
          <h2 id="district-bars-title">{t('stats.districts.bars')}</h2>
          <RateBars
            bars={rateBarsOf(result.districts)}
            target={target}
            fmt={fmt}
            label={t('stats.districts.bars')}
            countLabel={t('stats.phoneRegistered')}
            baseLabel={t('stats.smartphones')}
            testId="district-chart"
          />
        </section>
        <SeriesPanel
          id="province-series-title"
          title={t('stats.series.title', { days: SERIES_DAYS })}
          series={series}
          target={target}
          fmt={fmt}
        />
      </div>
      <section className="panel" aria-labelledby="districts-title">
        <h2 id="districts-title">{t('stats.districts.title')}</h2>
        <SortableTable
          rows={result.districts}
          columns={provinceColumns(fmt, t, undefined, asOf)}
          rowKey={(d) => d.code}
          initial={{ key: 'rank', direction: 'ascending' }}
          caption={t('stats.districts.title')}
          testId="district-table"
        />
        {unknown.installs > 0 ? (
          <p className="hint">
            {t('stats.districts.unknown', {
              installs: fmt.count(unknown.installs),
              phone: fmt.count(unknown.phoneRegistered),
            })}
          </p>
        ) : null}
      </section>
    </>
  );
}
