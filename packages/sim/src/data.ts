/**
 * Reference data copied into `packages/sim/data` (PROVENANCE.md there): provinces with their 2020
 * average population, the 707 districts in force in November 2020, and the fitted channel.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

function readJson<T>(name: string): T {
  // `src/` under vitest and `dist/` when built both sit next to `data/`.
  return JSON.parse(readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8')) as T;
}

export interface ProvinceInfo {
  readonly code: string;
  readonly name: string;
  /** GSO average population 2020 (preliminary). */
  readonly population: number;
}

export interface DistrictInfo {
  readonly code: string;
  readonly name: string;
  /** GSO type: quan, huyen, thi_xa, thanh_pho. */
  readonly type: string;
  readonly province: string;
}

export interface ChannelFit {
  readonly pathLoss: {
    readonly a0: number;
    readonly n: number;
    readonly residualSigmaDb: number;
    readonly positions: number;
  };
  readonly carriageLossDb: { readonly hand: number; readonly pocket: number; readonly bag: number };
  readonly bodySigmaDb: number;
  readonly mit: { readonly recordings: number; readonly scans: number };
}

let provinces: readonly ProvinceInfo[] | undefined;
let districts: readonly DistrictInfo[] | undefined;
let fit: ChannelFit | undefined;

/** The 63 provinces of 2020 with their population. */
export function loadProvinces(): readonly ProvinceInfo[] {
  provinces ??= readJson<{ provinces: ProvinceInfo[] }>('population-2020-average.json').provinces;
  return provinces;
}

/** A province by its two-digit GSO code, or undefined. */
export function findProvince(code: string): ProvinceInfo | undefined {
  return loadProvinces().find((p) => p.code === code);
}

/** The districts of a province (GSO list of 2020-11-01). */
export function provinceDistricts(code: string): readonly DistrictInfo[] {
  districts ??= readJson<{ districts: DistrictInfo[] }>('districts-2020-11.json').districts;
  return districts.filter((d) => d.province === code);
}

/** The channel parameters fitted by `scripts/fit-channel.mjs`. */
export function loadChannelFit(): ChannelFit {
  fit ??= readJson<ChannelFit>('channel-fit.json');
  return fit;
}
