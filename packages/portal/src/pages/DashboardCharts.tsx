/**
 * The ECharts charts of the statistics pages (loaded with them, never with the rest of the portal):
 * rate bars with the target line (carriers, districts) and the daily series with the target line.
 * Each chart has its figures as a table in a <details> for keyboards and screen readers.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { ErrorMessage, Loading } from '../components';
import { useTexts } from '../i18n';
import type { SeriesPoint } from '../stats-api';
import type { StatsFormat } from '../stats-format';

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

const BAR = '#4a7ab5';
const REACHED = '#2e7d32';
const TARGET = '#c0392b';

/** A chart drawn from `option`, again whenever `key` (naming what the option shows) changes. */
function useChart(option: echarts.EChartsCoreOption, key: string) {
  const element = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the option is rebuilt on each render; `key` names its content
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    chart.setOption(option);
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [key]);
  return element;
}

export interface RateBar {
  readonly name: string;
  readonly rate: number | null;
  readonly count: number | null;
  readonly base: number | null;
}

/** Horizontal bars of a rate by area (carriers, districts), highest first, with the target line. */
/** The bars of areas or carriers with their rate, phone-registered installs and smartphones. */
export function rateBarsOf(
  rows: readonly {
    readonly name: string;
    readonly rate: number | null;
    readonly phoneRegistered: number | null;
    readonly smartphones: number | null;
  }[],
): RateBar[] {
  return rows.map((r) => ({ name: r.name, rate: r.rate, count: r.phoneRegistered, base: r.smartphones }));
}

export function RateBars({
  bars,
  target,
  fmt,
  label,
  countLabel,
  baseLabel,
  testId,
}: {
  readonly bars: readonly RateBar[];
  readonly target: number;
  readonly fmt: StatsFormat;
  readonly label: string;
  readonly countLabel: string;
  readonly baseLabel: string;
  readonly testId: string;
}) {
  const { t, lang } = useTexts();
  const shown = [...bars].filter((b) => b.rate !== null).sort((a, b) => (b.rate ?? 0) - (a.rate ?? 0));
  const height = Math.max(160, 40 + shown.length * 28);
  const element = useChart(
    {
      animation: false,
      grid: { left: 8, right: 70, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'item',
        formatter: (p: { dataIndex: number }) => {
          const b = shown[p.dataIndex];
          return b
            ? `${b.name}: ${fmt.percent(b.rate)}<br/>${countLabel}: ${fmt.count(b.count)}<br/>${baseLabel}: ${fmt.count(b.base)}`
            : '';
        },
      },
      xAxis: {
        type: 'value',
        min: 0,
        // A round 10 % above the largest value and the target.
        max: (v: { max: number }) => Math.ceil(Math.max(v.max, target) * 11) / 10,
        axisLabel: { formatter: (v: number) => fmt.percent(v, 0) },
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: shown.map((b) => b.name),
        axisLabel: { width: 150, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          data: shown.map((b) => ({
            value: b.rate,
            itemStyle: { color: (b.rate ?? 0) >= target ? REACHED : BAR },
          })),
          label: { show: true, position: 'right', formatter: (p: { value: number }) => fmt.percent(p.value) },
          markLine: {
            symbol: 'none',
            silent: true,
            lineStyle: { color: TARGET, type: 'dashed', width: 2 },
            label: {
              formatter: () => t('stats.targetLine', { value: fmt.percent(target, 0) }),
              color: TARGET,
              // The category axis runs top to bottom: the start of the line is at the top.
              position: 'start',
            },
            data: [{ xAxis: target }],
          },
        },
      ],
    },
    JSON.stringify([bars, target, lang, label]),
  );
  if (shown.length === 0) return <p>{t('stats.noRates')}</p>;
  return (
    <>
      <div
        ref={element}
        className="chart"
        style={{ height }}
        role="img"
        aria-label={label}
        data-testid={testId}
      />
      <details className="chart-data">
        <summary>{t('stats.chartData')}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('stats.area')}</th>
              <th scope="col" className="num">
                {countLabel}
              </th>
              <th scope="col" className="num">
                {baseLabel}
              </th>
              <th scope="col" className="num">
                {t('stats.rate')}
              </th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.name}>
                <th scope="row">{b.name}</th>
                <td className="num">{fmt.count(b.count)}</td>
                <td className="num">{fmt.count(b.base)}</td>
                <td className="num">{fmt.percent(b.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

/** A panel titled `title` with the daily series chart, or its load error, or "loading". */
export function SeriesPanel({
  id,
  title,
  series,
  target,
  fmt,
}: {
  readonly id: string;
  readonly title: string;
  readonly series: { readonly data: readonly SeriesPoint[] | undefined; readonly error: unknown };
  readonly target: number;
  readonly fmt: StatsFormat;
}) {
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ErrorMessage error={series.error} />
      {series.data ? (
        <SeriesChart points={series.data} target={target} fmt={fmt} label={title} />
      ) : series.error ? null : (
        <Loading />
      )}
    </section>
  );
}

/** The daily rate (left axis, with the target line) and phone-registered installs (right axis). */
export function SeriesChart({
  points,
  target,
  fmt,
  label,
}: {
  readonly points: readonly SeriesPoint[];
  readonly target: number;
  readonly fmt: StatsFormat;
  readonly label: string;
}) {
  const texts = useTexts();
  const { lang } = texts;
  const { t } = texts;
  const element = useChart(
    {
      animation: false,
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, data: [t('stats.rate'), t('stats.phoneRegistered')] },
      tooltip: {
        trigger: 'axis',
        formatter: (items: { dataIndex: number }[]) => {
          const p = points[items[0]?.dataIndex ?? -1];
          return p
            ? `${texts.day(p.date)}<br/>${t('stats.rate')}: ${fmt.percent(p.rate)}<br/>${t('stats.phoneRegistered')}: ${fmt.count(p.phoneRegistered)}<br/>${t('stats.installs')}: ${fmt.count(p.installs)}`
            : '';
        },
      },
      xAxis: { type: 'category', data: points.map((p) => texts.day(p.date)) },
      yAxis: [
        {
          type: 'value',
          min: 0,
          // A round 10 % above the largest value and the target.
          max: (v: { max: number }) => Math.ceil(Math.max(v.max, target) * 11) / 10,
          axisLabel: { formatter: (v: number) => fmt.percent(v, 0) },
        },
        {
          type: 'value',
          min: 0,
          splitLine: { show: false },
          axisLabel: { formatter: (v: number) => fmt.count(v) },
        },
      ],
      series: [
        {
          name: t('stats.rate'),
          type: 'line',
          data: points.map((p) => p.rate),
          color: BAR,
          showSymbol: points.length < 40,
          markLine: {
            symbol: 'none',
            silent: true,
            lineStyle: { color: TARGET, type: 'dashed', width: 2 },
            label: {
              formatter: () => t('stats.targetLine', { value: fmt.percent(target, 0) }),
              color: TARGET,
              position: 'insideEndTop',
            },
            data: [{ yAxis: target }],
          },
        },
        {
          name: t('stats.phoneRegistered'),
          type: 'bar',
          yAxisIndex: 1,
          data: points.map((p) => p.phoneRegistered),
          color: '#b7cbe3',
          barMaxWidth: 14,
        },
      ],
    },
    JSON.stringify([points, target, lang, label]),
  );
  return (
    <>
      <div ref={element} className="chart series" role="img" aria-label={label} data-testid="series-chart" />
      <details className="chart-data">
        <summary>{t('stats.chartData')}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('stats.day')}</th>
              <th scope="col" className="num">
                {t('stats.installs')}
              </th>
              <th scope="col" className="num">
                {t('stats.phoneRegistered')}
              </th>
              <th scope="col" className="num">
                {t('stats.rate')}
              </th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.date}>
                <th scope="row">{texts.day(p.date)}</th>
                <td className="num">{fmt.count(p.installs)}</td>
                <td className="num">{fmt.count(p.phoneRegistered)}</td>
                <td className="num">{fmt.percent(p.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}
