/**
 * The charts of the reports as SVG and PNG: the install rate by province as bars with the target
 * line, and a choropleth map of the rate by province drawn from the
 * simplified Natural Earth boundaries with the Hoàng Sa and Trường Sa archipelagos. SVG → PNG with
 * resvg and the package's Liberation Serif (no system fonts), so the pictures are the same on every
 * machine.
 *
 * @module
 */
import { Resvg } from '@resvg/resvg-js';
import { EMBEDDED_FONT_FAMILY, fontPath, type MapFeature, mapFeatures } from './assets.js';
import { formatNumberVi, formatPercentVi } from './format.js';
import type { ChartSpec, RateChartSpec, RateMapSpec } from './model.js';

/** Size of a picture: millimetres on the page and the print resolution. */
export interface PictureSize {
  readonly widthMm: number;
  readonly heightMm: number;
  /** Dots per inch of the PNG (default 150). */
  readonly dpi?: number;
}

const CSS_DPI = 96;
const FONT_STACK = `${EMBEDDED_FONT_FAMILY}, Times New Roman, serif`;
const BAR = '#4a7ab5';
const BAR_REACHED = '#2e7d32';
const BAR_HIGHLIGHT = '#c0392b';
const TARGET = '#c0392b';

function cssPx(mm: number): number {
  return Math.round((mm / 25.4) * CSS_DPI);
}

/**
 * The bar chart as SVG, `width`×`height` CSS pixels: provinces by rate (highest first), a dashed
 * target line, bars at or over the target green, the highlighted province red. Drawn directly
 * (ECharts' server-side renderer gave the same picture at ~100 ms of CPU a chart, a fifth of the
 * report's DOCX budget; this takes ~2 ms).
 */
export function rateChartSvg(spec: RateChartSpec, width: number, height: number): string {
  const areas = [...spec.areas].sort((a, b) => b.rate - a.rate || a.code.localeCompare(b.code));
  const maxRate = Math.max(spec.target, ...areas.map((a) => a.rate));
  const yMax = Math.ceil((maxRate * 100 + 1) / 10) * 10;
  const labelSize = areas.length > 40 ? (width < 700 ? 7.5 : 10) : 11;
  const longest = Math.max(0, ...areas.map((a) => a.name.length));
  const left = 44;
  const right = 12;
  const top = 22;
  const bottom = Math.min(height * 0.45, Math.max(30, longest * labelSize * 0.55 + 12));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const y = (percent: number) => top + plotH * (1 - percent / yMax);
  const f1 = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_STACK}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (let v = 0; v <= yMax; v += 10) {
    const yy = f1(y(v));
    out.push(
      `<line x1="${left}" y1="${yy}" x2="${width - right}" y2="${yy}" stroke="${v === 0 ? '#333333' : '#dddddd'}" stroke-width="${v === 0 ? 1 : 0.8}"/>`,
      `<text x="${left - 6}" y="${f1(y(v) + 4)}" font-size="11" text-anchor="end">${v} %</text>`,
    );
  }
  const band = plotW / Math.max(1, areas.length);
  const barW = band * 0.75;
  areas.forEach((a, i) => {
    const x = left + i * band + (band - barW) / 2;
    const colour = a.code === spec.highlight ? BAR_HIGHLIGHT : a.rate >= spec.target ? BAR_REACHED : BAR;
    const yTop = y(Math.min(a.rate * 100, yMax));
    out.push(
      `<rect x="${f1(x)}" y="${f1(yTop)}" width="${f1(barW)}" height="${f1(top + plotH - yTop)}" fill="${colour}"/>`,
    );
    const lx = left + i * band + band / 2 + labelSize * 0.35;
    const ly = top + plotH + 6;
    out.push(
      `<text x="${f1(lx)}" y="${f1(ly)}" font-size="${labelSize}" text-anchor="end" transform="rotate(-90 ${f1(lx)} ${f1(ly)})"${a.code === spec.highlight ? ' font-weight="bold"' : ''}>${escapeXml(a.name)}</text>`,
    );
  });
  const yt = f1(y(spec.target * 100));
  out.push(
    `<line x1="${left}" y1="${yt}" x2="${width - right}" y2="${yt}" stroke="${TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${width - right - 2}" y="${f1(y(spec.target * 100) - 5)}" font-size="12" text-anchor="end" fill="${TARGET}">Mục tiêu ${escapeXml(formatPercentVi(spec.target, 0))}</text>`,
    '</svg>',
  );
  return out.join('');
}

/** Colour classes of the map, relative to the target: below 20 %, 40 %, … of it, then reached. */
const MAP_COLOURS = ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];

function mapClass(rate: number, target: number): number {
  if (rate >= target) return MAP_COLOURS.length - 1;
  return Math.min(MAP_COLOURS.length - 2, Math.floor((rate / target) * 5));
}

function legendLabels(target: number): string[] {
  const step = (i: number) => formatNumberVi(target * 20 * i, target * 20 * i < 10 ? 1 : 0);
  return [
    `Dưới ${step(1)} %`,
    ...[1, 2, 3, 4].map((i) => `${step(i)} % – dưới ${step(i + 1)} %`),
    `Từ ${formatPercentVi(target, 0)} (đạt mục tiêu)`,
  ];
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Map extent: the mainland and both archipelagos. */
const EXTENT = { west: 101.9, east: 117.2, south: 7.2, north: 23.6 };
const COS_LAT = Math.cos((15.5 * Math.PI) / 180);

/** The choropleth map as SVG, `width`×`height` CSS pixels. */
export function rateMapSvg(spec: RateMapSpec, width: number, height: number): string {
  const features = mapFeatures();
  const rates = new Map(spec.provinces.map((p) => [p.code, p.rate]));
  const geoW = (EXTENT.east - EXTENT.west) * COS_LAT;
  const geoH = EXTENT.north - EXTENT.south;
  const scale = Math.min(width / geoW, height / geoH);
  const offX = (width - geoW * scale) / 2;
  const offY = (height - geoH * scale) / 2;
  const px = (lon: number, lat: number): [number, number] => [
    offX + (lon - EXTENT.west) * COS_LAT * scale,
    offY + (EXTENT.north - lat) * scale,
  ];
  const f1 = (v: number) => v.toFixed(1);
  const colourOf = (code: string) => {
    const rate = rates.get(code);
    return rate === undefined ? '#f2f2f2' : (MAP_COLOURS[mapClass(rate, spec.target)] as string);
  };
  const ringPath = (ring: number[][]) =>
    `M${ring
      .map((p) =>
        px(p[0] as number, p[1] as number)
          .map(f1)
          .join(','),
      )
      .join('L')}Z`;
  const parts: string[] = [];
  const highlight: string[] = [];
  const labels: string[] = [];
  const fontSize = Math.max(9, Math.round(width / 55));
  for (const f of features as readonly MapFeature[]) {
    const g = f.geometry;
    if (g.type === 'MultiPoint') {
      const code = f.properties.province ?? '';
      for (const p of g.coordinates) {
        const [x, y] = px(p[0] as number, p[1] as number);
        parts.push(
          `<circle cx="${f1(x)}" cy="${f1(y)}" r="${f1(Math.max(1.6, scale * 0.09))}" fill="${colourOf(code)}" stroke="#333333" stroke-width="0.7"/>`,
        );
      }
      const [lx, ly] = px(...((f.properties.label ?? [0, 0]) as [number, number]));
      const province = features.find((x) => x.properties.code === code)?.properties.name ?? '';
      labels.push(
        `<text x="${f1(lx)}" y="${f1(ly)}" font-size="${fontSize}" font-style="italic" font-weight="bold" text-anchor="middle">${escapeXml(f.properties.name)}</text>`,
        `<text x="${f1(lx)}" y="${f1(ly + fontSize * 1.15)}" font-size="${fontSize * 0.9}" font-style="italic" text-anchor="middle">(${escapeXml(province)})</text>`,
      );
      continue;
    }
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const d = polys.map((poly) => poly.map(ringPath).join('')).join('');
    parts.push(`<path d="${d}" fill="${colourOf(f.properties.code)}" stroke="#ffffff" stroke-width="0.6"/>`);
    if (f.properties.code === spec.highlight) {
      highlight.push(`<path d="${d}" fill="none" stroke="${BAR_HIGHLIGHT}" stroke-width="2"/>`);
      const c = f.properties.centroid;
      if (c) {
        const [cx, cy] = px(c[0], c[1]);
        labels.push(
          `<text x="${f1(cx + scale * 0.9)}" y="${f1(cy)}" font-size="${fontSize}" font-weight="bold" fill="${BAR_HIGHLIGHT}">${escapeXml(f.properties.name)}</text>`,
        );
      }
    }
  }
  // Legend: top right, over the Gulf of Tonkin, where the map draws nothing.
  const legend: string[] = [];
  const box = Math.round(fontSize * 1.2);
  const [lx0, ly0] = px(110.2, 23.2);
  legend.push(
    `<text x="${f1(lx0)}" y="${f1(ly0)}" font-size="${fontSize}" font-weight="bold">Tỷ lệ cài đặt có số điện thoại</text>`,
    `<text x="${f1(lx0)}" y="${f1(ly0 + fontSize * 1.2)}" font-size="${fontSize}" font-weight="bold">trên số smartphone</text>`,
  );
  legendLabels(spec.target).forEach((label, i) => {
    const y = ly0 + fontSize * 1.8 + i * (box + 4);
    legend.push(
      `<rect x="${f1(lx0)}" y="${f1(y)}" width="${box}" height="${box}" fill="${MAP_COLOURS[i]}" stroke="#666666" stroke-width="0.6"/>`,
      `<text x="${f1(lx0 + box + 6)}" y="${f1(y + box * 0.8)}" font-size="${fontSize}">${escapeXml(label)}</text>`,
    );
  });
  const source = px(EXTENT.west + 0.15, EXTENT.south + 0.25);
  legend.push(
    `<text x="${f1(source[0])}" y="${f1(source[1])}" font-size="${Math.round(fontSize * 0.75)}" fill="#555555">Ranh giới tỉnh: Natural Earth (phạm vi công cộng), đã giản lược</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_STACK}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    ...highlight,
    ...labels,
    ...legend,
    '</svg>',
  ].join('');
}

/** SVG → PNG `widthMm` wide at `dpi`, with the package's fonts only. */
export function svgToPng(svg: string, widthMm: number, dpi = 150): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round((widthMm / 25.4) * dpi) },
    font: {
      fontFiles: [fontPath('regular'), fontPath('bold'), fontPath('italic'), fontPath('boldItalic')],
      loadSystemFonts: false,
      defaultFontFamily: EMBEDDED_FONT_FAMILY,
      serifFamily: EMBEDDED_FONT_FAMILY,
    },
    background: '#ffffff',
  });
  return new Uint8Array(resvg.render().asPng());
}

/** A chart of the model as SVG, sized for the page. */
export function chartSvg(chart: ChartSpec, size: PictureSize): string {
  const w = cssPx(size.widthMm);
  const h = cssPx(size.heightMm);
  return chart.type === 'rate-bar' ? rateChartSvg(chart, w, h) : rateMapSvg(chart, w, h);
}

/** A chart of the model as PNG, sized for the page. */
export function renderChartPng(chart: ChartSpec, size: PictureSize): Uint8Array {
  return svgToPng(chartSvg(chart, size), size.widthMm, size.dpi);
}

/** The rate-by-province bar chart with the target line, as PNG. */
export function renderRateChartPng(
  spec: Omit<RateChartSpec, 'type'>,
  size: PictureSize = { widthMm: 247, heightMm: 120 },
): Uint8Array {
  return renderChartPng({ type: 'rate-bar', ...spec }, size);
}

/** The choropleth map of the rate by province (with Hoàng Sa and Trường Sa), as PNG. */
export function renderMapPng(
  spec: Omit<RateMapSpec, 'type'>,
  size: PictureSize = { widthMm: 150, heightMm: 150 },
): Uint8Array {
  return renderChartPng({ type: 'rate-map', ...spec }, size);
}
