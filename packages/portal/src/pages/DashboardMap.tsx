/**
 * The choropleth map of the install rate by province: the reports package's simplified Natural
 * Earth boundaries (packages/reports/data, provenance in its PROVENANCE.md) drawn as SVG paths with
 * the same projection, extent and colour classes as the report's map image
 * (packages/reports/src/charts.ts), including the Hoàng Sa and Trường Sa archipelagos, drawn in
 * the colour of their province (Đà Nẵng, Khánh Hòa) and labelled as Vietnamese territory.
 * The JSON is bundled with this lazily loaded page.
 */
import geoText from '../../../reports/data/provinces-63-simplified.geojson?raw';
import { useTexts } from '../i18n';
import { navigate } from '../router';
import type { StatsFormat } from '../stats-format';

type Ring = readonly (readonly number[])[];
interface Feature {
  readonly properties: {
    readonly code: string;
    readonly name: string;
    readonly name_en?: string;
    readonly kind: 'province' | 'archipelago';
    readonly province?: string;
    readonly label?: readonly [number, number];
  };
  readonly geometry:
    | { readonly type: 'Polygon'; readonly coordinates: readonly Ring[] }
    | { readonly type: 'MultiPolygon'; readonly coordinates: readonly (readonly Ring[])[] }
    | { readonly type: 'MultiPoint'; readonly coordinates: readonly (readonly number[])[] };
}

const FEATURES = (JSON.parse(geoText) as { features: Feature[] }).features;

/** Map extent (as the report's map): the mainland and both archipelagos. */
const EXTENT = { west: 101.9, east: 117.2, south: 7.2, north: 23.6 };
const COS_LAT = Math.cos((15.5 * Math.PI) / 180);
const WIDTH = 560;
const SCALE = WIDTH / ((EXTENT.east - EXTENT.west) * COS_LAT);
const HEIGHT = Math.round((EXTENT.north - EXTENT.south) * SCALE);

/** Colour classes relative to the target: below 20 %, 40 %, … of it, then reached (as the report). */
export const MAP_COLOURS = ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'] as const;
const NO_DATA = '#e4e4e4';

function mapClass(rate: number, target: number): number {
  if (rate >= target) return MAP_COLOURS.length - 1;
  return Math.min(MAP_COLOURS.length - 2, Math.floor((rate / target) * 5));
}

const px = (lon: number, lat: number): [number, number] => [
  (lon - EXTENT.west) * COS_LAT * SCALE,
  (EXTENT.north - lat) * SCALE,
];
const f1 = (v: number) => v.toFixed(1);
const ringPath = (ring: Ring) =>
  `M${ring
    .map((p) =>
      px(p[0] as number, p[1] as number)
        .map(f1)
        .join(','),
    )
    .join('L')}Z`;

const PATHS = FEATURES.flatMap((f) => {
  const g = f.geometry;
  if (g.type === 'MultiPoint') return [];
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return [
    {
      code: f.properties.code,
      name: f.properties.name,
      d: polys.map((p) => p.map(ringPath).join('')).join(''),
    },
  ];
});
const ARCHIPELAGOS = FEATURES.filter((f) => f.geometry.type === 'MultiPoint');

export interface MapArea {
  readonly code: string;
  readonly name: string;
  readonly rate: number | null;
  readonly rank: number | null;
}

export function RateMap({
  areas,
  target,
  highlight,
  fmt,
  linkOf,
}: {
  readonly areas: readonly MapArea[];
  readonly target: number;
  readonly highlight: string | null;
  readonly fmt: StatsFormat;
  /** The page of a province; undefined for provinces the user may not open. */
  readonly linkOf: (code: string) => string | undefined;
}) {
  const { t, lang } = useTexts();
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const colourOf = (code: string) => {
    const rate = byCode.get(code)?.rate;
    return rate === null || rate === undefined ? NO_DATA : MAP_COLOURS[mapClass(rate, target)];
  };
  const step = (i: number) => fmt.percent(target * 0.2 * i, target * 20 * i < 10 ? 1 : 0);
  const legend = [
    t('stats.map.below', { value: step(1) }),
    ...[1, 2, 3, 4].map((i) => t('stats.map.between', { from: step(i), to: step(i + 1) })),
    t('stats.map.reached', { value: fmt.percent(target, 0) }),
  ];
  const fontSize = 11;
  const highlighted = PATHS.find((p) => p.code === highlight);
  return (
    <figure className="rate-map">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="rate-map-caption"
        data-testid="rate-map"
      >
        <title>{t('stats.map.title')}</title>
        <rect width={WIDTH} height={HEIGHT} className="sea" />
        {PATHS.map((p) => {
          const area = byCode.get(p.code);
          const link = linkOf(p.code);
          const title = `${area?.name ?? p.name}: ${fmt.percent(area?.rate)}${
            area?.rank ? ` · ${t('stats.rankOf', { rank: area.rank, of: areas.length })}` : ''
          }`;
          const shape = (
            <path d={p.d} data-code={p.code} fill={colourOf(p.code)} className="province">
              <title>{title}</title>
            </path>
          );
          if (!link) return <g key={p.code}>{shape}</g>;
          // A mouse shortcut: out of the tab order, since the ranked table has the same links.
          return (
            <a
              key={p.code}
              href={link}
              tabIndex={-1}
              className="clickable"
              onClick={(event) => {
                event.preventDefault();
                navigate(link);
              }}
            >
              {shape}
            </a>
          );
        })}
        {highlighted ? <path d={highlighted.d} className="highlight" /> : null}
        {ARCHIPELAGOS.map((f) => {
          const province = f.properties.province ?? '';
          // The map's own short name, as the report's map labels it: "(Đà Nẵng)".
          const provinceName = PATHS.find((p) => p.code === province)?.name ?? '';
          const [lx, ly] = px(...(f.properties.label ?? [0, 0]));
          const points = f.geometry.type === 'MultiPoint' ? f.geometry.coordinates : [];
          return (
            <g key={f.properties.code} data-archipelago={f.properties.code}>
              {points.map((p) => {
                const [x, y] = px(p[0] as number, p[1] as number);
                return (
                  <circle
                    key={`${p[0]},${p[1]}`}
                    cx={f1(x)}
                    cy={f1(y)}
                    r={2.4}
                    fill={colourOf(province)}
                    className="island"
                  />
                );
              })}
              <text
                x={f1(lx)}
                y={f1(ly)}
                fontSize={fontSize}
                className="archipelago-name"
                textAnchor="middle"
              >
                {lang === 'en' && f.properties.name_en ? f.properties.name_en : f.properties.name}
              </text>
              <text
                x={f1(lx)}
                y={f1(ly + fontSize * 1.2)}
                fontSize={fontSize * 0.9}
                className="archipelago-province"
                textAnchor="middle"
              >
                ({provinceName})
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption id="rate-map-caption">
        <span className="visually-hidden">{t('stats.map.label')}. </span>
        <ul className="map-legend">
          {legend.map((label, i) => (
            <li key={label}>
              <span className="swatch" style={{ background: MAP_COLOURS[i] }} aria-hidden="true" />
              {label}
            </li>
          ))}
          <li>
            <span className="swatch" style={{ background: NO_DATA }} aria-hidden="true" />
            {t('stats.map.noData')}
          </li>
        </ul>
        <small className="hint">{t('stats.map.source')}</small>
      </figcaption>
    </figure>
  );
}
