import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rateChartSvg, rateMapSvg, renderMapPng, renderRateChartPng } from '../src/index.js';
import { nationalTable } from './fixture.js';

const provinces = nationalTable().provinces.map(({ code, name, rate }) => ({ code, name, rate }));

/** Width and height from a PNG's IHDR. */
function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

describe('map data', () => {
  const geo = JSON.parse(
    readFileSync(new URL('../data/provinces-63-simplified.geojson', import.meta.url), 'utf8'),
  ) as {
    features: { properties: { code: string; kind: string; name: string; province?: string } }[];
  };

  it('has the 63 provinces and both archipelagos, attached to Đà Nẵng and Khánh Hòa', () => {
    const kinds = geo.features.map((f) => f.properties.kind);
    expect(kinds.filter((k) => k === 'province')).toHaveLength(63);
    const arch = geo.features.filter((f) => f.properties.kind === 'archipelago').map((f) => f.properties);
    expect(arch.map((a) => [a.name, a.province])).toEqual([
      ['Quần đảo Hoàng Sa', '48'],
      ['Quần đảo Trường Sa', '56'],
    ]);
    const codes = new Set(
      geo.features.filter((f) => f.properties.kind === 'province').map((f) => f.properties.code),
    );
    for (const p of provinces) expect(codes.has(p.code)).toBe(true);
  });

  it('stays small', () => {
    expect(
      readFileSync(new URL('../data/provinces-63-simplified.geojson', import.meta.url)).length,
    ).toBeLessThan(80_000);
  });
});

describe('charts', () => {
  it('draws every province on the map, colours the archipelagos as their provinces and labels them', () => {
    const svg = rateMapSvg(
      { type: 'rate-map', title: 'map', provinces, target: 0.5, highlight: '19' },
      560,
      560,
    );
    expect(svg.match(/<path /g)).toHaveLength(63 + 1);
    expect(svg).toContain('Quần đảo Hoàng Sa');
    expect(svg).toContain('Quần đảo Trường Sa');
    expect(svg).toContain('(Đà Nẵng)');
    expect(svg).toContain('(Khánh Hòa)');
    // Đà Nẵng (52,30 %) has reached the target: its islands take the darkest class.
    expect(svg.match(/<circle [^>]*fill="#08519c"/g)?.length).toBe(9);
    expect(svg).toContain('Từ 50 % (đạt mục tiêu)');
    expect(svg).toContain('>Thái Nguyên<');
  });

  it('draws one bar a province and the target line', () => {
    const svg = rateChartSvg(
      { type: 'rate-bar', title: 'bars', areas: provinces, target: 0.5, highlight: '19' },
      900,
      450,
    );
    expect(svg).toContain('Mục tiêu 50 %');
    expect(svg).toContain('Đà Nẵng');
    expect(svg).toContain('Hà Nội');
    expect(svg.startsWith('<svg')).toBe(true);
    // The background and one bar a province; the highlighted one red, Đà Nẵng (over the target) green.
    expect(svg.match(/<rect /g)).toHaveLength(1 + 63);
    expect(svg.match(/fill="#c0392b"\/>/g)).toHaveLength(1);
    expect(svg.match(/fill="#2e7d32"\/>/g)).toHaveLength(1);
  });

  it('renders PNGs at the print size', () => {
    const map = renderMapPng(
      { title: 'map', provinces, target: 0.5 },
      { widthMm: 100, heightMm: 100, dpi: 100 },
    );
    expect(pngSize(map)).toEqual([394, 394]);
    const bars = renderRateChartPng(
      { title: 'bars', areas: provinces, target: 0.5 },
      { widthMm: 200, heightMm: 100, dpi: 100 },
    );
    expect(pngSize(bars)).toEqual([787, 394]);
    const again = renderMapPng(
      { title: 'map', provinces, target: 0.5 },
      { widthMm: 100, heightMm: 100, dpi: 100 },
    );
    expect(Buffer.compare(Buffer.from(again), Buffer.from(map))).toBe(0);
  });
});
