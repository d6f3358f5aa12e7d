/**
 * Reference data: provinces with their 2020 average population and the 707 districts in force in
 * November 2020 come from the server's reference data (`loadAdminUnits`, `loadPopulation`; their
 * provenance is in packages/server/data); the fitted channel from `packages/sim/data`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { loadAdminUnits, loadPopulation } from '@bluezone/server';

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
  if (!provinces) {
    const population = loadPopulation();
    provinces = [...loadAdminUnits().provinces.values()].map((p) => ({
      code: p.code,
      name: p.name,
      population: population.get(p.code) ?? 0,
    }));
  }
  return provinces;
}

/** A province by its two-digit GSO code, or undefined. */
export function findProvince(code: string): ProvinceInfo | undefined {
  return loadProvinces().find((p) => p.code === code);
}

/** The districts of a province (GSO list of 2020-11-01). */
export function provinceDistricts(code: string): readonly DistrictInfo[] {
  districts ??= [...loadAdminUnits().districts.values()].map((d) => ({
    code: d.code,
    name: d.name,
    province: d.provinceCode,
  }));
  return districts.filter((d) => d.province === code);
}

/** The channel parameters fitted by `scripts/fit-channel.mjs`. */
export function loadChannelFit(): ChannelFit {
  fit ??= readJson<ChannelFit>('channel-fit.json');
  return fit;
}
