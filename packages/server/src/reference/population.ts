/**
 * Population by province: GSO 2020 average population (preliminary), from
 * `packages/server/data/vn-stats/population-2020-average.json` (see its PROVENANCE.md).
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** What the figures are, for labels next to any rate computed from them. */
export const POPULATION_SOURCE = 'GSO, average population 2020 (preliminary)';

/** Persons per province GSO code (precision 100 persons). */
export function loadPopulation(): ReadonlyMap<string, number> {
  const data = JSON.parse(
    readFileSync(new URL('../../data/vn-stats/population-2020-average.json', import.meta.url), 'utf8'),
  ) as { provinces: { code: string; avg_population_2020: number }[] };
  return new Map(data.provinces.map((p) => [p.code, p.avg_population_2020]));
}
