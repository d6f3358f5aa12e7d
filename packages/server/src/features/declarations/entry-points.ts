/**
 * Reference data of entry declarations, shipped in `packages/server/data/` (see its
 * PROVENANCE.md): Vietnamese airports (IATA codes), international land border gates, and the
 * ISO 3166-1 alpha-2 country codes for nationalities. Loaded once.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** An airport arrivals may land at. */
export interface Airport {
  readonly code: string;
  readonly name: string;
  readonly provinceCode: string;
  readonly international: boolean;
}

/** A land border gate. */
export interface BorderGate {
  readonly code: string;
  readonly name: string;
  readonly provinceCode: string;
  /** ISO code of the neighbouring country. */
  readonly neighbour: string;
}

/** The lookups of entry declarations. */
export interface EntryPoints {
  readonly airports: ReadonlyMap<string, Airport>;
  readonly borderGates: ReadonlyMap<string, BorderGate>;
  /** ISO 3166-1 alpha-2 code → English short name. */
  readonly countries: ReadonlyMap<string, string>;
}

const dataUrl = (file: string) => new URL(`../../../data/${file}`, import.meta.url);

let loaded: EntryPoints | undefined;

/** The entry points and countries (read from the data files on first use). */
export function entryPoints(): EntryPoints {
  if (loaded) return loaded;
  const a = JSON.parse(readFileSync(dataUrl('entry-points/airports-vn.json'), 'utf8')) as {
    airports: Airport[];
  };
  const g = JSON.parse(readFileSync(dataUrl('entry-points/border-gates-vn.json'), 'utf8')) as {
    borderGates: BorderGate[];
  };
  const c = JSON.parse(readFileSync(dataUrl('iso-3166-1-alpha-2.json'), 'utf8')) as {
    countries: { code: string; name: string }[];
  };
  loaded = {
    airports: new Map(
      a.airports.map((x) => [
        x.code,
        { code: x.code, name: x.name, provinceCode: x.provinceCode, international: x.international },
      ]),
    ),
    borderGates: new Map(
      g.borderGates.map((x) => [
        x.code,
        { code: x.code, name: x.name, provinceCode: x.provinceCode, neighbour: x.neighbour },
      ]),
    ),
    countries: new Map(c.countries.map((x) => [x.code, x.name])),
  };
  return loaded;
}
