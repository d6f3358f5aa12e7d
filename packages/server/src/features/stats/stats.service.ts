/**
 * The statistics queries: reads the counters and the denominators in effect and hands them to the
 * pure tables of `table.ts`. Shared by the admin API and the CLI (and through the CLI, the
 * reports). Never scans installs. See docs/statistics.md.
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { AdminUnits } from '../../reference/admin-units.js';
import type { Database } from '../../storage/database.js';
import { UNKNOWN_CARRIER_NAME, vnPhoneNumbers } from '../phones/phone-number.js';
import { type Counts, countsAsOf, dailyCounts, OTHER_CARRIER } from './counters.js';
import { asOfPeriods, dateOfDay, dayOfDate, HOUR_MS } from './periods.js';
import {
  type AreaCounts,
  type NationalTable,
  nationalTable,
  type ProvinceDistricts,
  provinceDistricts,
  rateOf,
  type TracingYield,
  tracingYield,
} from './table.js';

/** What the queries need. */
export interface StatsDeps {
  readonly db: Kysely<Database>;
  readonly adminUnits: AdminUnits;
}

/** Options of a query. */
export interface StatsQuery {
  /** The as-of instant, Unix ms on a whole hour. */
  readonly asOf: number;
  /** Days of the active window. */
  readonly activeDays: number;
  /** k of small-cell suppression (configured). */
  readonly k: number;
  /** Suppress counts in 1…k−1 (public output). */
  readonly public?: boolean;
}

/** The denominators in effect on a date: latest effective date ≤ the date, per area and carrier. */
export interface Denominators {
  /** Smartphones per province code. */
  readonly provinces: ReadonlyMap<string, number>;
  /** Smartphones per district code. */
  readonly districts: ReadonlyMap<string, number>;
  /** Subscribers per carrier ID (summed over provinces). */
  readonly carriers: ReadonlyMap<string, number>;
}

/**
 * The denominators in effect on `date` (YYYY-MM-DD). A province's figure is its all-carrier row;
 * without one, the sum of its districts' all-carrier rows; without those, the sum of its carrier
 * rows. A district's is its all-carrier row, else the sum of its carrier rows. A carrier's is the
 * sum over provinces of the province's carrier row, else of its districts' carrier rows.
 */
export async function denominatorsOn(db: Kysely<Database>, date: string): Promise<Denominators> {
  const rows = await db
    .selectFrom('stats_denominators')
    .select(['effective_date', 'province_code', 'district_code', 'carrier', 'smartphones'])
    .where('effective_date', '<=', date)
    .execute();
  const latest = new Map<string, { date: string; n: number; p: string; d: string; c: string }>();
  for (const r of rows) {
    const key = `${r.province_code}|${r.district_code}|${r.carrier}`;
    const seen = latest.get(key);
    if (!seen || seen.date < r.effective_date)
      latest.set(key, {
        date: r.effective_date,
        n: Number(r.smartphones),
        p: r.province_code,
        d: r.district_code,
        c: r.carrier,
      });
  }
  const sum = (into: Map<string, number>, key: string, n: number) => into.set(key, (into.get(key) ?? 0) + n);
  const provinceTotal = new Map<string, number>();
  const provinceByDistricts = new Map<string, number>();
  const provinceByCarriers = new Map<string, number>();
  const districtTotal = new Map<string, number>();
  const districtByCarriers = new Map<string, number>();
  const carrierByProvince = new Map<string, number>(); // key p|c
  const carrierByDistricts = new Map<string, number>(); // key p|c
  for (const r of latest.values()) {
    if (r.d === '' && r.c === '') provinceTotal.set(r.p, r.n);
    else if (r.d !== '' && r.c === '') {
      districtTotal.set(r.d, r.n);
      sum(provinceByDistricts, r.p, r.n);
    } else if (r.d === '') {
      sum(provinceByCarriers, r.p, r.n);
      carrierByProvince.set(`${r.p}|${r.c}`, r.n);
    } else {
      sum(districtByCarriers, r.d, r.n);
      sum(carrierByDistricts, `${r.p}|${r.c}`, r.n);
    }
  }
  const provinces = new Map<string, number>();
  for (const p of new Set([
    ...provinceTotal.keys(),
    ...provinceByDistricts.keys(),
    ...provinceByCarriers.keys(),
  ])) {
    provinces.set(p, provinceTotal.get(p) ?? provinceByDistricts.get(p) ?? provinceByCarriers.get(p)!);
  }
  const districts = new Map<string, number>();
  for (const d of new Set([...districtTotal.keys(), ...districtByCarriers.keys()]))
    districts.set(d, districtTotal.get(d) ?? districtByCarriers.get(d)!);
  const carriers = new Map<string, number>();
  for (const key of new Set([...carrierByProvince.keys(), ...carrierByDistricts.keys()])) {
    const c = key.slice(key.indexOf('|') + 1);
    sum(carriers, c, carrierByProvince.get(key) ?? carrierByDistricts.get(key)!);
  }
  return { provinces, districts, carriers };
}

/** The carriers in display order: the data's carriers, then `other` ("Khác"). */
export function carrierList(): { id: string; name: string }[] {
  const numbering = vnPhoneNumbers();
  return [
    ...numbering.carriers.map((id) => ({ id, name: numbering.carrierName(id) })),
    { id: OTHER_CARRIER, name: UNKNOWN_CARRIER_NAME },
  ];
}

/** The 63 provinces (code, Vietnamese name) in code order. */
export function provinceList(adminUnits: AdminUnits): { code: string; name: string }[] {
  return [...adminUnits.provinces.values()]
    .map((p) => ({ code: p.code, name: p.name }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

function toAreaCounts(counts: Map<string, Counts>): Map<string, AreaCounts> {
  return counts;
}

/** ISO text of an instant in Vietnam time: `2020-09-13T08:00:00+07:00`. */
export function vietnamIso(ms: number): string {
  return `${new Date(ms + 7 * HOUR_MS).toISOString().slice(0, 19)}+07:00`;
}

/** The national table as of `query.asOf`, with the change since `previousAsOf` when given. */
export async function nationalStats(
  deps: StatsDeps,
  query: StatsQuery & { readonly previousAsOf?: number },
): Promise<NationalTable> {
  const periods = asOfPeriods(query.asOf);
  const [counts, carrierCounts, denominators] = await Promise.all([
    countsAsOf(deps.db, 'province', periods, query.activeDays),
    countsAsOf(deps.db, 'carrier', periods, query.activeDays),
    denominatorsOn(deps.db, periods.date),
  ]);
  let previous: Parameters<typeof nationalTable>[0]['previous'];
  if (query.previousAsOf !== undefined) {
    const before = asOfPeriods(query.previousAsOf);
    const [c, d] = await Promise.all([
      countsAsOf(deps.db, 'province', before, query.activeDays),
      denominatorsOn(deps.db, before.date),
    ]);
    previous = { asOf: vietnamIso(query.previousAsOf), counts: toAreaCounts(c), smartphones: d.provinces };
  }
  const carrierPhones = new Map<string, number>();
  for (const [carrier, c] of carrierCounts) carrierPhones.set(carrier, c.phoneRegistered);
  return nationalTable({
    asOf: vietnamIso(query.asOf),
    activeDays: query.activeDays,
    provinces: provinceList(deps.adminUnits),
    counts: toAreaCounts(counts),
    smartphones: denominators.provinces,
    ...(previous ? { previous } : {}),
    carriers: carrierList(),
    carrierPhones,
    carrierSmartphones: denominators.carriers,
    ...(query.public ? { suppressBelow: query.k } : {}),
    k: query.k,
  });
}

/** A province with its districts as of `query.asOf`; undefined for an unknown province code. */
export async function provinceStats(
  deps: StatsDeps,
  provinceCode: string,
  query: StatsQuery,
): Promise<ProvinceDistricts | undefined> {
  if (!deps.adminUnits.provinces.has(provinceCode)) return undefined;
  const national = await nationalStats(deps, query);
  const province = national.provinces.find((p) => p.code === provinceCode)!;
  const periods = asOfPeriods(query.asOf);
  const [counts, denominators] = await Promise.all([
    countsAsOf(deps.db, 'district', periods, query.activeDays, provinceCode),
    denominatorsOn(deps.db, periods.date),
  ]);
  const districts = [...deps.adminUnits.districts.values()]
    .filter((d) => d.provinceCode === provinceCode)
    .map((d) => ({ code: d.code, name: d.name }))
    .sort((a, b) => a.code.localeCompare(b.code));
  return provinceDistricts({
    province,
    asOf: national.asOf,
    activeDays: query.activeDays,
    districts,
    counts: toAreaCounts(counts),
    smartphones: denominators.districts,
    ...(query.public ? { suppressBelow: query.k } : {}),
    k: query.k,
  });
}

/** One point of a time series. */
export interface SeriesPoint {
  /** The Vietnamese day (YYYY-MM-DD); figures as of 24:00 of it. */
  readonly date: string;
  readonly installs: number | null;
  readonly phoneRegistered: number | null;
  readonly active: number | null;
  readonly smartphones: number | null;
  readonly rate: number | null;
}

/** A daily time series. */
export interface Series {
  /** Province code, or null for the whole country. */
  readonly provinceCode: string | null;
  readonly activeDays: number;
  readonly public: boolean;
  readonly points: SeriesPoint[];
}

/** Most days of one time series. */
export const MAX_SERIES_DAYS = 400;

/** Daily figures from `from` to `to` (YYYY-MM-DD, inclusive), national or for one province. */
export async function seriesStats(
  deps: StatsDeps,
  options: {
    readonly from: string;
    readonly to: string;
    readonly provinceCode?: string;
    readonly activeDays: number;
    readonly k: number;
    readonly public?: boolean;
  },
): Promise<Series> {
  const from = dayOfDate(options.from);
  const to = dayOfDate(options.to);
  if (to < from || to - from + 1 > MAX_SERIES_DAYS)
    throw new RangeError(`a series covers 1 to ${MAX_SERIES_DAYS} days, from ≤ to`);
  const days = await dailyCounts(deps.db, from, to, options.activeDays, options.provinceCode);
  const points: SeriesPoint[] = [];
  const denominatorCache = new Map<string, Denominators>();
  let lastDenominators: Denominators | undefined;
  let lastDate = '';
  const effective = (
    await deps.db.selectFrom('stats_denominators').select('effective_date').distinct().execute()
  ).map((r) => r.effective_date);
  for (const d of days) {
    const date = dateOfDay(d.day);
    // Re-read the denominators only when an effective date falls into the series.
    if (!lastDenominators || effective.some((e) => e > lastDate && e <= date)) {
      lastDenominators = denominatorCache.get(date) ?? (await denominatorsOn(deps.db, date));
      denominatorCache.set(date, lastDenominators);
    }
    lastDate = date;
    const smartphones =
      options.provinceCode === undefined
        ? [...lastDenominators.provinces.values()].reduce((a, b) => a + b, 0) || null
        : (lastDenominators.provinces.get(options.provinceCode) ?? null);
    const hide = (v: number) => (options.public && v > 0 && v < options.k ? null : v);
    const phoneRegistered = hide(d.phoneRegistered);
    points.push({
      date,
      installs: hide(d.installs),
      phoneRegistered,
      active: hide(d.active),
      smartphones,
      rate: rateOf(phoneRegistered, smartphones),
    });
  }
  return {
    provinceCode: options.provinceCode ?? null,
    activeDays: options.activeDays,
    public: options.public === true,
    points,
  };
}

/** Cases, F1 and F2 reported per province over [from, to) (Unix ms). */
export async function tracingStats(deps: StatsDeps, from: number, to: number): Promise<TracingYield> {
  const cases = await deps.db
    .selectFrom('cases')
    .select((eb) => ['province_code', eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .where('parent_case_id', 'is', null)
    .groupBy('province_code')
    .execute();
  const contacts = await deps.db
    .selectFrom('contacts')
    .innerJoin('cases', 'cases.id', 'contacts.case_id')
    .select((eb) => [
      'cases.province_code as province_code',
      'contacts.level as level',
      eb.fn.countAll<number>().as('n'),
    ])
    .where('contacts.reported_at', '>=', from)
    .where('contacts.reported_at', '<', to)
    .groupBy(['cases.province_code', 'contacts.level'])
    .execute();
  const counts = new Map<string, { cases: number; f1: number; f2: number }>();
  const entry = (p: string) => {
    let c = counts.get(p);
    if (!c) {
      c = { cases: 0, f1: 0, f2: 0 };
      counts.set(p, c);
    }
    return c;
  };
  for (const r of cases) entry(r.province_code).cases += Number(r.n);
  for (const r of contacts) {
    if (r.level === 'F1') entry(r.province_code).f1 += Number(r.n);
    else if (r.level === 'F2') entry(r.province_code).f2 += Number(r.n);
  }
  return tracingYield(vietnamIso(from), vietnamIso(to), provinceList(deps.adminUnits), counts);
}
