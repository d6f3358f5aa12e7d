/**
 * The files the package ships and the renderers read: the Liberation Serif faces (`fonts/`) and the
 * simplified province map (`data/`). Read from the package itself, once, on first use.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The four faces of the document font. */
export type FontFace = 'regular' | 'bold' | 'italic' | 'boldItalic';

const FONT_FILES: Readonly<Record<FontFace, string>> = {
  regular: 'LiberationSerif-Regular.ttf',
  bold: 'LiberationSerif-Bold.ttf',
  italic: 'LiberationSerif-Italic.ttf',
  boldItalic: 'LiberationSerif-BoldItalic.ttf',
};

/** Family name of the embedded faces (metric-compatible with Times New Roman). */
export const EMBEDDED_FONT_FAMILY = 'Liberation Serif';
/** The font the documents name, as Decree 30/2020 requires. */
export const DOCUMENT_FONT = 'Times New Roman';

/** Absolute path of a file of this package (`src/` and `dist/` are both one level down). */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** Path of one face's TTF. */
export function fontPath(face: FontFace): string {
  return packageFile(`fonts/${FONT_FILES[face]}`);
}

const fontCache = new Map<FontFace, Buffer>();

/** The bytes of one face (cached). */
export function fontData(face: FontFace): Buffer {
  let data = fontCache.get(face);
  if (!data) {
    data = readFileSync(fontPath(face));
    fontCache.set(face, data);
  }
  return data;
}

/** A province polygon or an archipelago of the report map. */
export interface MapFeature {
  readonly type: 'Feature';
  readonly id: string;
  readonly properties: {
    readonly code: string;
    readonly name: string;
    readonly kind: 'province' | 'archipelago';
    /** Archipelagos: the GSO code of the province they belong to. */
    readonly province?: string;
    /** Archipelagos: where the label goes, [lon, lat]. */
    readonly label?: readonly [number, number];
    readonly centroid?: readonly [number, number];
  };
  readonly geometry:
    | { readonly type: 'Polygon'; readonly coordinates: number[][][] }
    | { readonly type: 'MultiPolygon'; readonly coordinates: number[][][][] }
    | { readonly type: 'MultiPoint'; readonly coordinates: number[][] };
}

let mapCache: readonly MapFeature[] | undefined;

/** The features of `data/provinces-63-simplified.geojson` (63 provinces, then the two archipelagos). */
export function mapFeatures(): readonly MapFeature[] {
  if (!mapCache) {
    const json = JSON.parse(readFileSync(packageFile('data/provinces-63-simplified.geojson'), 'utf8')) as {
      features: MapFeature[];
    };
    mapCache = json.features;
  }
  return mapCache;
}

/** The 63 provinces of the map (GSO code and Vietnamese name), in code order. */
export function mapProvinces(): { code: string; name: string }[] {
  return mapFeatures()
    .filter((f) => f.properties.kind === 'province')
    .map((f) => ({ code: f.properties.code, name: f.properties.name }))
    .sort((a, b) => a.code.localeCompare(b.code));
}
