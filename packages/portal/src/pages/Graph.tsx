import { GraphChart } from 'echarts/charts';
import { LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { caseGraph, type GraphEdge, type GraphNode, listCases } from '../api';
import { ErrorMessage, Field, Loading, useLoad } from '../components';
import { type Texts, useTexts } from '../i18n';
import { Link, navigate } from '../router';

echarts.use([GraphChart, TooltipComponent, LegendComponent, CanvasRenderer]);

const LEVEL_COLORS: Readonly<Record<string, string>> = { F0: '#c62828', F1: '#ef6c00', F2: '#f9a825' };
const LEVELS = ['F0', 'F1', 'F2'] as const;

/** Sơ đồ lây nhiễm: the F0 → F1 → F2 graph of a case; clicking a node opens it. */
export function GraphPage({ caseId }: { readonly caseId: string | undefined }) {
  const texts = useTexts();
  const { t } = texts;
  const [picked, setPicked] = useState(caseId ?? '');
  const cases = useLoad(async () => (await listCases({ limit: 100 })).cases, []);
  const graph = useLoad(async () => (caseId ? caseGraph(caseId) : undefined), [caseId]);

  useEffect(() => setPicked(caseId ?? ''), [caseId]);

  const show = (event: FormEvent) => {
    event.preventDefault();
    if (picked) navigate(`/graph/${encodeURIComponent(picked)}`);
  };

  const data = graph.data;
  const caseCount = data?.nodes.filter((n) => n.kind === 'case').length ?? 0;
  return (
    <>
      <h1>{t('graph.title')}</h1>
      <section className="panel">
        <form className="inline-form" onSubmit={show}>
          <Field label={t('graph.pick')}>
            {(id) =>
              cases.data ? (
                <select id={id} value={picked} onChange={(e) => setPicked(e.target.value)}>
                  <option value="" />
                  {cases.data.map((c) => (
                    <option key={c.caseId} value={c.caseId}>
                      {c.caseId} — {texts.day(c.testDate)}
                    </option>
                  ))}
                </select>
              ) : (
                <input id={id} value={picked} onChange={(e) => setPicked(e.target.value)} />
              )
            }
          </Field>
          <button type="submit">{t('graph.show')}</button>
        </form>
        <ErrorMessage error={cases.error} />
      </section>
      <ErrorMessage error={graph.error} />
      {caseId && graph.loading && !data ? <Loading /> : null}
      {data ? (
        <section className="panel" aria-labelledby="graph-summary">
          <h2 id="graph-summary">
            {t('graph.summary', {
              cases: texts.number(caseCount),
              contacts: texts.number(data.nodes.length - caseCount),
            })}
          </h2>
          {data.edges.length === 0 ? <p>{t('graph.empty')}</p> : <p className="hint">{t('graph.hint')}</p>}
          <GraphChartView nodes={data.nodes} edges={data.edges} texts={texts} />
          <details className="node-list">
            <summary>{t('graph.nodeList')}</summary>
            <ul>
              {data.nodes.map((n) => (
                <li key={n.id}>
                  <Link
                    href={
                      n.kind === 'case'
                        ? `/cases/${encodeURIComponent(n.id)}`
                        : `/contacts/${encodeURIComponent(n.id)}`
                    }
                  >
                    {n.level} · {n.kind === 'case' ? t('graph.caseNode') : t('graph.contactNode')} · {n.id}
                  </Link>
                </li>
              ))}
            </ul>
          </details>
        </section>
      ) : null}
    </>
  );
}

function GraphChartView({
  nodes,
  edges,
  texts,
}: {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly texts: Texts;
}) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    const { t } = texts;
    chart.setOption({
      tooltip: {
        formatter: (params: { dataType?: string; data?: { tooltip?: string } }) => params.data?.tooltip ?? '',
      },
      legend: [{ data: LEVELS.map((l) => l), bottom: 0 }],
      series: [
        {
          type: 'graph',
          layout: 'force',
          roam: true,
          draggable: true,
          zoom: nodes.length < 8 ? 1.6 : 1,
          force: { repulsion: 420, edgeLength: [90, 180], gravity: 0.06 },
          categories: LEVELS.map((name) => ({ name, itemStyle: { color: LEVEL_COLORS[name] } })),
          label: { show: true, position: 'right', formatter: '{b}', fontSize: 12 },
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 8,
          lineStyle: { color: '#90a4ae', width: 1.5, curveness: 0.1 },
          emphasis: { focus: 'adjacency' },
          data: nodes.map((n) => ({
            id: n.id,
            name: `${n.level} ${n.id.slice(-6)}`,
            category: LEVELS.indexOf(n.level as (typeof LEVELS)[number]),
            symbol: n.kind === 'case' ? 'roundRect' : 'circle',
            symbolSize: n.kind === 'case' ? 34 : 24,
            value: n.kind,
            tooltip: `${n.kind === 'case' ? t('graph.caseNode') : t('graph.contactNode')} ${n.level}<br/>${n.id}`,
          })),
          links: edges.map((e) => ({
            source: e.from,
            target: e.to,
            tooltip:
              e.exposureDays.length > 0
                ? `${t('contacts.exposureDays')}: ${e.exposureDays.map((d) => texts.day(d)).join(', ')}${
                    e.maxRiskLevel
                      ? `<br/>${t('contacts.risk')}: ${t(e.maxRiskLevel >= 2 ? 'risk.2' : 'risk.1')}`
                      : ''
                  }`
                : '',
          })),
        },
      ],
    });
    chart.on('click', (params) => {
      if (params.dataType !== 'node') return;
      const node = nodes.find((n) => n.id === (params.data as { id?: string } | undefined)?.id);
      if (!node) return;
      navigate(
        node.kind === 'case'
          ? `/cases/${encodeURIComponent(node.id)}`
          : `/contacts/${encodeURIComponent(node.id)}`,
      );
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [nodes, edges, texts]);
  return (
    <div ref={element} className="graph" role="img" aria-label={texts.t('graph.title')} data-testid="graph" />
  );
}
