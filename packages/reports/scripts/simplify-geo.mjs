#!/usr/bin/env node
/**
 * One-off: simplify the 63-province boundaries for the report map and add the Hoàng Sa (Paracel)
 * and Trường Sa (Spratly) archipelagos. Reproducible: same input, same output bytes.
 *
 *   node packages/reports/scripts/simplify-geo.mjs \
 *     ../shared/data/vn-geo/provinces-63.geojson packages/reports/data/provinces-63-simplified.geojson
 *
 * Topology is kept: the rings are cut into arcs at the vertices where the set of rings sharing a
 * segment changes, each arc is simplified once (Douglas–Peucker, tolerance TOLERANCE degrees) and
 * the same simplified arc is used by every ring that has it, so neighbours keep identical borders
 * (no gaps, no overlaps). Islands smaller than MIN_ISLAND square degrees are dropped (invisible at
 * the report's scale), and coordinates are rounded to 3 decimals (~110 m).
 *
 * No dependencies: plain Node.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const TOLERANCE = 0.012;
const MIN_ISLAND = 0.0004;
const DECIMALS = 3;

/**
 * Approximate positions (WGS84, ±0.1°) of the main islands and reefs of the two archipelagos, from
 * general reference maps; they only place dots and labels on a national map. Hoàng Sa is a district
 * (huyện) of Đà Nẵng (GSO 48), Trường Sa a district of Khánh Hòa (GSO 56).
 */
const ARCHIPELAGOS = [
  {
    code: '48-HS',
    name: 'Quần đảo Hoàng Sa',
    name_en: 'Hoang Sa (Paracel) archipelago',
    province: '48',
    label: [111.9, 17.85],
    islands: [
      ['Đảo Phú Lâm', 112.34, 16.83],
      ['Đảo Cây', 112.26, 16.98],
      ['Đảo Linh Côn', 112.73, 16.67],
      ['Đảo Hoàng Sa', 111.61, 16.53],
      ['Đảo Quang Ảnh', 111.51, 16.45],
      ['Đảo Hữu Nhật', 111.58, 16.46],
      ['Đảo Duy Mộng', 111.6, 16.46],
      ['Đảo Tri Tôn', 111.2, 15.78],
      ['Đảo Bạch Quy', 111.0, 16.05],
    ],
  },
  {
    code: '56-TS',
    name: 'Quần đảo Trường Sa',
    name_en: 'Truong Sa (Spratly) archipelago',
    province: '56',
    label: [113.4, 12.3],
    islands: [
      ['Đảo Song Tử Tây', 114.33, 11.43],
      ['Đảo Thị Tứ', 114.28, 11.05],
      ['Đảo Loại Ta', 114.42, 10.68],
      ['Đảo Ba Bình', 114.36, 10.38],
      ['Đảo Nam Yết', 114.36, 10.18],
      ['Đảo Sơn Ca', 114.48, 10.38],
      ['Đảo Sinh Tồn', 114.33, 9.89],
      ['Đảo Trường Sa', 111.92, 8.64],
      ['Đảo An Bang', 112.92, 7.89],
      ['Đảo Phan Vinh', 113.69, 8.97],
      ['Đảo Trường Sa Đông', 112.55, 8.93],
    ],
  },
];

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: simplify-geo.mjs INPUT.geojson OUTPUT.geojson');
  process.exit(2);
}
const source = JSON.parse(readFileSync(input, 'utf8'));

const key = (p) => `${p[0]},${p[1]}`;

// Rings: open (no closing duplicate), with their feature and polygon.
const rings = [];
for (const [fi, f] of source.features.entries()) {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  for (const [pi, poly] of polys.entries()) {
    for (const [ri, ring] of poly.entries()) {
      const open = ring.slice(0, -1);
      rings.push({ fi, pi, ri, points: open });
    }
  }
}

// Which rings have each segment (unordered).
const segKey = (a, b) => {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
};
const segRings = new Map();
for (const [id, r] of rings.entries()) {
  const n = r.points.length;
  for (let i = 0; i < n; i++) {
    const k = segKey(r.points[i], r.points[(i + 1) % n]);
    const s = segRings.get(k) ?? [];
    s.push(id);
    segRings.set(k, s);
  }
}
const vertexRings = new Map();
for (const [id, r] of rings.entries()) {
  for (const p of r.points) {
    const s = vertexRings.get(key(p)) ?? new Set();
    s.add(id);
    vertexRings.set(key(p), s);
  }
}

function perpDistance(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

function douglasPeucker(points) {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [s, e] = stack.pop();
    let best = -1;
    let bestD = 0;
    for (let i = s + 1; i < e; i++) {
      const d = perpDistance(points[i], points[s], points[e]);
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0 && bestD > TOLERANCE) {
      keep[best] = 1;
      stack.push([s, best], [best, e]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

const arcCache = new Map();
function simplifyArc(arc) {
  const forward = arc.map(key).join(';');
  const backward = [...arc].reverse().map(key).join(';');
  const reversed = backward < forward;
  const canonical = reversed ? backward : forward;
  let simplified = arcCache.get(canonical);
  if (!simplified) {
    simplified = douglasPeucker(reversed ? [...arc].reverse() : arc);
    arcCache.set(canonical, simplified);
  }
  return reversed ? [...simplified].reverse() : simplified;
}

const round = (v) => Number(v.toFixed(DECIMALS));

function ringArea(points) {
  let a = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const q = points[(i + 1) % points.length];
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

const simplifiedRings = rings.map((r, id) => {
  const pts = r.points;
  const n = pts.length;
  const segSet = (i) => segRings.get(segKey(pts[(i + n) % n], pts[(i + 1 + n) % n])).join(',');
  const junction = [];
  for (let i = 0; i < n; i++) {
    if (vertexRings.get(key(pts[i])).size >= 3 || segSet(i - 1) !== segSet(i)) junction.push(i);
  }
  if (junction.length === 0) {
    // A ring no other ring touches: cut it at vertex 0 and at the vertex farthest from it.
    let far = 0;
    let farD = -1;
    for (let i = 1; i < n; i++) {
      const d = Math.hypot(pts[i][0] - pts[0][0], pts[i][1] - pts[0][1]);
      if (d > farD) {
        farD = d;
        far = i;
      }
    }
    junction.push(0, far);
  } else if (junction.length === 1) {
    junction.push((junction[0] + Math.floor(n / 2)) % n);
    junction.sort((a, b) => a - b);
  }
  const out = [];
  for (let j = 0; j < junction.length; j++) {
    const s = junction[j];
    const e = junction[(j + 1) % junction.length];
    const arc = [];
    for (let i = s; ; i = (i + 1) % n) {
      arc.push(pts[i]);
      if (i === e && arc.length > 1) break;
    }
    const simple = simplifyArc(arc);
    out.push(...simple.slice(0, -1));
  }
  const rounded = [];
  for (const p of out) {
    const q = [round(p[0]), round(p[1])];
    const last = rounded[rounded.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) rounded.push(q);
  }
  while (rounded.length > 1 && key(rounded[0]) === key(rounded[rounded.length - 1])) rounded.pop();
  return { ...r, id, points: rounded };
});

const features = source.features.map((f, fi) => {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const kept = [];
  for (const [pi] of polys.entries()) {
    const outer = simplifiedRings.find((r) => r.fi === fi && r.pi === pi && r.ri === 0);
    if (outer.points.length < 3) continue;
    const area = Math.abs(ringArea(outer.points));
    kept.push({ pi, area, outer });
  }
  const largest = Math.max(...kept.map((k) => k.area));
  const polygons = kept
    .filter((k) => k.area === largest || k.area >= MIN_ISLAND)
    .map((k) => {
      const ringsOf = simplifiedRings
        .filter((r) => r.fi === fi && r.pi === k.pi && r.points.length >= 3)
        .sort((a, b) => a.ri - b.ri);
      return ringsOf.map((r) => [...r.points, r.points[0]]);
    });
  const p = f.properties;
  return {
    type: 'Feature',
    id: p.gso_code,
    properties: { code: p.gso_code, name: p.name, kind: 'province', centroid: p.centroid },
    geometry:
      polygons.length === 1
        ? { type: 'Polygon', coordinates: polygons[0] }
        : { type: 'MultiPolygon', coordinates: polygons },
  };
});

for (const a of ARCHIPELAGOS) {
  features.push({
    type: 'Feature',
    id: a.code,
    properties: {
      code: a.code,
      name: a.name,
      name_en: a.name_en,
      kind: 'archipelago',
      province: a.province,
      label: a.label,
      islands: a.islands.map(([name]) => name),
      approximate: true,
    },
    geometry: { type: 'MultiPoint', coordinates: a.islands.map(([, lon, lat]) => [lon, lat]) },
  });
}

const collection = {
  type: 'FeatureCollection',
  name: 'vn-provinces-63-simplified',
  features,
};
// One feature per line: small diffs, still compact.
const text = `{"type":"FeatureCollection","name":${JSON.stringify(collection.name)},"features":[\n${features
  .map((f) => JSON.stringify(f))
  .join(',\n')}\n]}\n`;
writeFileSync(output, text);
const points = features.reduce((n, f) => n + JSON.stringify(f.geometry.coordinates).split('],[').length, 0);
console.error(
  `${features.length} features, about ${points} points, ${Buffer.byteLength(text)} bytes (${arcCache.size} arcs)`,
);
