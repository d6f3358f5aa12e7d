/**
 * The statistics tables as pure functions of the counters and denominators: the national table
 * (63 provinces, ranked by install rate, ties sharing a rank), the total, carriers, a province
 * with its districts, top-N/bottom-N, progress to the target, tracing yield, and small-cell
 * suppression for public outputs. No I/O: the admin API, the CLI and the reports all call these,
 * so a figure is computed one way everywhere. Definitions: docs/statistics.md.
 *
 * @module
 */

/** Counts of one area (before suppression). */
export interface AreaCounts {
  readonly installs: number;
  readonly phoneRegistered: number;
  readonly active: number;
}

/** Fields that public outputs suppress below k. */
export type SuppressibleField = 'installs' | 'phoneRegistered' | 'active';

/** One row of a ranked table: a province of the national table or a district of a province. */
export interface AreaRow {
  /** GSO code (2 digits for a province, 3 for a district). */
  readonly code: string;
  readonly name: string;
  /** Installs created at or before the as-of instant; null when suppressed. */
  readonly installs: number | null;
  /** Installs with a verified phone number, one per number; null when suppressed. */
  readonly phoneRegistered: number | null;
  /** Installs with a check-in in the active window; null when suppressed. */
  readonly active: number | null;
  /** Smartphones of the area (latest denominator in effect); null when none was imported. */
  readonly smartphones: number | null;
  /** phoneRegistered ÷ smartphones, a fraction; null without a denominator or when suppressed. */
  readonly rate: number | null;
  /** 1 = highest rate; ties share a rank (1, 2, 2, 4); null when the rate is null. */
  readonly rank: number | null;
  /** The fields withheld because they were below k (public outputs only; else empty). */
  readonly suppressed: SuppressibleField[];
}

/** Change of a province since the previous period. */
export interface AreaChange {
  /** The previous period's as-of instant (ISO). */
  readonly since: string;
  readonly installs: number | null;
  readonly phoneRegistered: number | null;
  /** Difference of the rates (fraction points: 0.0125 = +1,25 percentage points). */
  readonly rate: number | null;
  /** Previous rank − rank: positive = moved up. */
  readonly rank: number | null;
}

/** A province row of the national table. */
export interface ProvinceRow extends AreaRow {
  /** Change since the previous period; null when no previous period was asked for. */
  readonly change: AreaChange | null;
}

/** The total row. */
export interface TotalRow {
  readonly installs: number;
  readonly phoneRegistered: number;
  readonly active: number;
  /** Sum of the provinces' smartphones that have a denominator; null when none has. */
  readonly smartphones: number | null;
  /**
   * Phone-registered installs of the provinces with a denominator ÷ their smartphones (so a
   * province without a denominator does not inflate the rate); null when none has.
   */
  readonly rate: number | null;
}

/** Install rate on one carrier. */
export interface CarrierRow {
  /** Carrier ID from vn-carriers.json, or `other` for numbers of no known prefix. */
  readonly carrier: string;
  /** Display name ("Viettel", …, "Khác"). */
  readonly name: string;
  /** Phone numbers on the carrier (one per number); null when suppressed. */
  readonly phoneRegistered: number | null;
  /** The carrier's smartphone subscribers (sum of its province rows); null when none imported. */
  readonly smartphones: number | null;
  readonly rate: number | null;
  readonly suppressed: SuppressibleField[];
}

/** The national table. */
export interface NationalTable {
  /** ISO instant the figures count up to (inclusive). */
  readonly asOf: string;
  /** Days of the active window. */
  readonly activeDays: number;
  /** Whether small cells are suppressed (public output). */
  readonly public: boolean;
  /** k: counts below it (and above 0) are suppressed in public outputs. */
  readonly suppressBelow: number;
  /** The 63 provinces by rank (then code); provinces without a rate last, by code. */
  readonly provinces: ProvinceRow[];
  readonly total: TotalRow;
  readonly carriers: CarrierRow[];
}

/** A province with its districts. */
export interface ProvinceDistricts {
  readonly asOf: string;
  readonly activeDays: number;
  readonly public: boolean;
  readonly suppressBelow: number;
  /** The province's row as in the national table (rank among the 63). */
  readonly province: ProvinceRow;
  /** Its districts ranked by rate among themselves. */
  readonly districts: AreaRow[];
  /** Installs that named no district. */
  readonly unknownDistrict: AreaCounts;
}

/** Progress of an area (or the country) to the target rate. */
export interface TargetProgress {
  readonly code: string | null;
  readonly name: string;
  /** Target rate, a fraction (BLUEZONE_STATS_TARGET). */
  readonly target: number;
  readonly rate: number | null;
  /** target − rate (fraction points), 0 once reached; null without a rate. */
  readonly gap: number | null;
  /** rate ÷ target, capped at 1; null without a rate. */
  readonly progress: number | null;
  /** Phone registrations still needed to reach the target (0 once reached); null without a denominator. */
  readonly phoneRegisteredNeeded: number | null;
}

/** Tracing yield of one province over a period. */
export interface TracingYieldRow {
  readonly code: string;
  readonly name: string;
  /** Cases (F0) entered in the period (recursive cases of F1s are not counted again). */
  readonly cases: number;
  /** F1 contacts reported in the period on those provinces' cases. */
  readonly f1: number;
  /** F2 contacts reported in the period. */
  readonly f2: number;
  /** f1 ÷ cases; null without cases. */
  readonly f1PerCase: number | null;
  /** f2 ÷ cases; null without cases. */
  readonly f2PerCase: number | null;
}

/** Tracing yield over a period, per province and in total. */
export interface TracingYield {
  /** Start of the period (ISO instant, inclusive). */
  readonly from: string;
  /** End of the period (ISO instant, exclusive). */
  readonly to: string;
  /** Provinces with at least one case or contact, by code. */
  readonly provinces: TracingYieldRow[];
  readonly total: Omit<TracingYieldRow, 'code' | 'name'>;
}

/** Rate of `numerator` over `denominator`: null without a positive denominator. */
export function rateOf(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator <= 0) return null;
  return numerator / denominator;
}

/**
 * Competition ranks by rate, highest first ("1, 2, 2, 4"): rows whose rates are exactly equal as
 * fractions share a rank (compared by cross-multiplication of the integers, not by rounded
 * floats). Rows without a rate get null. Returns the ranks in input order.
 */
export function competitionRanks(
  rows: readonly { readonly numerator: number | null; readonly denominator: number | null }[],
): (number | null)[] {
  const rated = rows
    .map((r, i) => ({ ...r, i }))
    .filter(
      (r): r is { numerator: number; denominator: number; i: number } =>
        r.numerator !== null && r.denominator !== null && r.denominator > 0,
    );
  // a/b vs c/d ⇔ a·d vs c·b; counts stay far below 2^53 / 10^8, so the products are exact.
  const compare = (
    x: { numerator: number; denominator: number },
    y: { numerator: number; denominator: number },
  ) => y.numerator * x.denominator - x.numerator * y.denominator;
  rated.sort(compare);
  const ranks: (number | null)[] = rows.map(() => null);
  for (let j = 0; j < rated.length; j++) {
    const previous = rated[j - 1];
    const current = rated[j]!;
    ranks[current.i] =
      previous !== undefined && compare(previous, current) === 0 ? ranks[previous.i]! : j + 1;
  }
  return ranks;
}

function suppressCount(value: number, k: number): number | null {
  return value > 0 && value < k ? null : value;
}

interface Area {
  readonly code: string;
  readonly name: string;
}

/** Rows for `areas` with ranks among them, suppressed when `k` is given. */
function rankedRows(
  areas: readonly Area[],
  counts: ReadonlyMap<string, AreaCounts>,
  smartphones: ReadonlyMap<string, number>,
  k: number | undefined,
): AreaRow[] {
  const rows = areas.map((a) => {
    const c = counts.get(a.code) ?? { installs: 0, phoneRegistered: 0, active: 0 };
    const smartphoneCount = smartphones.get(a.code) ?? null;
    const suppressed: SuppressibleField[] = [];
    const cell = (field: SuppressibleField): number | null => {
      const value = c[field];
      if (k === undefined) return value;
      const shown = suppressCount(value, k);
      if (shown === null) suppressed.push(field);
      return shown;
    };
    const installs = cell('installs');
    const phoneRegistered = cell('phoneRegistered');
    const active = cell('active');
    return {
      code: a.code,
      name: a.name,
      installs,
      phoneRegistered,
      active,
      smartphones: smartphoneCount,
      rate: rateOf(phoneRegistered, smartphoneCount),
      rank: null as number | null,
      suppressed,
    };
  });
  // Ranks among the rates shown: a rank computed with a suppressed rate would reveal it.
  const ranks = competitionRanks(
    rows.map((r) => ({ numerator: r.phoneRegistered, denominator: r.smartphones })),
  );
  return rows.map((r, i) => ({ ...r, rank: ranks[i] ?? null }));
}

/** Sorts by rank, unranked last, then by code. */
function byRank<T extends { readonly rank: number | null; readonly code: string }>(rows: T[]): T[] {
  return rows.sort(
    (a, b) =>
      (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
      a.code.localeCompare(b.code),
  );
}

/** The inputs of {@link nationalTable}. */
export interface NationalTableInput {
  readonly asOf: string;
  readonly activeDays: number;
  /** The 63 provinces (code, Vietnamese name). */
  readonly provinces: readonly Area[];
  /** Counts per province code. */
  readonly counts: ReadonlyMap<string, AreaCounts>;
  /** Smartphones per province code (provinces without a denominator absent). */
  readonly smartphones: ReadonlyMap<string, number>;
  /** The previous period, for the change columns. */
  readonly previous?: {
    readonly asOf: string;
    readonly counts: ReadonlyMap<string, AreaCounts>;
    readonly smartphones: ReadonlyMap<string, number>;
  };
  /** Carriers (ID, display name) in display order, `other` last. */
  readonly carriers: readonly { readonly id: string; readonly name: string }[];
  /** Phone numbers per carrier ID (`other` for unknown prefixes). */
  readonly carrierPhones: ReadonlyMap<string, number>;
  /** Smartphone subscribers per carrier ID. */
  readonly carrierSmartphones: ReadonlyMap<string, number>;
  /** Suppress counts in 1…k−1 (public output); absent = internal output, nothing suppressed. */
  readonly suppressBelow?: number;
  /** k to report when not suppressing (the configured value). */
  readonly k: number;
}

/** The national table: every province ranked, the total, the carriers. */
export function nationalTable(input: NationalTableInput): NationalTable {
  const k = input.suppressBelow;
  const rows = rankedRows(input.provinces, input.counts, input.smartphones, k);
  const previousRows = input.previous
    ? new Map(
        rankedRows(input.provinces, input.previous.counts, input.previous.smartphones, k).map((r) => [
          r.code,
          r,
        ]),
      )
    : undefined;
  const provinces: ProvinceRow[] = rows.map((row) => {
    const before = previousRows?.get(row.code);
    if (!before || !input.previous) return { ...row, change: null };
    const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    return {
      ...row,
      change: {
        since: input.previous.asOf,
        installs: diff(row.installs, before.installs),
        phoneRegistered: diff(row.phoneRegistered, before.phoneRegistered),
        rate: diff(row.rate, before.rate),
        rank: diff(before.rank, row.rank),
      },
    };
  });
  let installs = 0;
  let phoneRegistered = 0;
  let active = 0;
  let smartphones: number | null = null;
  let ratedPhones = 0;
  for (const p of input.provinces) {
    const c = input.counts.get(p.code);
    installs += c?.installs ?? 0;
    phoneRegistered += c?.phoneRegistered ?? 0;
    active += c?.active ?? 0;
    const s = input.smartphones.get(p.code);
    if (s !== undefined) {
      smartphones = (smartphones ?? 0) + s;
      ratedPhones += c?.phoneRegistered ?? 0;
    }
  }
  const carriers: CarrierRow[] = input.carriers.map((c) => {
    const phones = input.carrierPhones.get(c.id) ?? 0;
    const shown = k === undefined ? phones : suppressCount(phones, k);
    const subscribers = input.carrierSmartphones.get(c.id) ?? null;
    return {
      carrier: c.id,
      name: c.name,
      phoneRegistered: shown,
      smartphones: subscribers,
      rate: rateOf(shown, subscribers),
      suppressed: shown === null ? ['phoneRegistered'] : [],
    };
  });
  return {
    asOf: input.asOf,
    activeDays: input.activeDays,
    public: k !== undefined,
    suppressBelow: k ?? input.k,
    provinces: byRank(provinces),
    total: { installs, phoneRegistered, active, smartphones, rate: rateOf(ratedPhones, smartphones) },
    carriers,
  };
}

/** The inputs of {@link provinceDistricts}. */
export interface ProvinceDistrictsInput {
  readonly province: ProvinceRow;
  readonly asOf: string;
  readonly activeDays: number;
  /** The province's districts (code, name). */
  readonly districts: readonly Area[];
  /** Counts per district code; "" = installs without a district. */
  readonly counts: ReadonlyMap<string, AreaCounts>;
  readonly smartphones: ReadonlyMap<string, number>;
  readonly suppressBelow?: number;
  readonly k: number;
}

/** A province with its districts, ranked among themselves. */
export function provinceDistricts(input: ProvinceDistrictsInput): ProvinceDistricts {
  const k = input.suppressBelow;
  const unknown = input.counts.get('') ?? { installs: 0, phoneRegistered: 0, active: 0 };
  const shown = (v: number) => (k === undefined ? v : (suppressCount(v, k) ?? 0));
  return {
    asOf: input.asOf,
    activeDays: input.activeDays,
    public: k !== undefined,
    suppressBelow: k ?? input.k,
    province: input.province,
    districts: byRank(rankedRows(input.districts, input.counts, input.smartphones, k)),
    unknownDistrict: {
      installs: shown(unknown.installs),
      phoneRegistered: shown(unknown.phoneRegistered),
      active: shown(unknown.active),
    },
  };
}

/** The first `n` ranked provinces and the last `n` ranked ones (lowest first). */
export function topAndBottom(
  table: Pick<NationalTable, 'provinces'>,
  n: number,
): { top: ProvinceRow[]; bottom: ProvinceRow[] } {
  const ranked = table.provinces.filter((p) => p.rank !== null);
  return { top: ranked.slice(0, n), bottom: ranked.slice(-n).reverse() };
}

/** Progress of a row (or the total, with `code` null) to `target`. */
export function targetProgress(
  row: {
    readonly code?: string;
    readonly name?: string;
    readonly phoneRegistered: number | null;
    readonly smartphones: number | null;
    readonly rate: number | null;
  },
  target: number,
): TargetProgress {
  const rate = row.rate;
  const needed =
    row.smartphones === null || row.phoneRegistered === null
      ? null
      : Math.max(0, Math.ceil(target * row.smartphones - 1e-9) - row.phoneRegistered);
  return {
    code: row.code ?? null,
    name: row.name ?? 'Toàn quốc',
    target,
    rate,
    gap: rate === null ? null : Math.max(0, target - rate),
    progress: rate === null ? null : Math.min(1, rate / target),
    phoneRegisteredNeeded: needed,
  };
}

/** Tracing yield rows and total from per-province counts. */
export function tracingYield(
  from: string,
  to: string,
  provinces: readonly Area[],
  counts: ReadonlyMap<string, { readonly cases: number; readonly f1: number; readonly f2: number }>,
): TracingYield {
  const per = (cases: number, n: number) => (cases > 0 ? n / cases : null);
  const rows: TracingYieldRow[] = [];
  let cases = 0;
  let f1 = 0;
  let f2 = 0;
  for (const p of provinces) {
    const c = counts.get(p.code);
    if (!c || (c.cases === 0 && c.f1 === 0 && c.f2 === 0)) continue;
    rows.push({
      code: p.code,
      name: p.name,
      ...c,
      f1PerCase: per(c.cases, c.f1),
      f2PerCase: per(c.cases, c.f2),
    });
    cases += c.cases;
    f1 += c.f1;
    f2 += c.f2;
  }
  return {
    from,
    to,
    provinces: rows.sort((a, b) => a.code.localeCompare(b.code)),
    total: { cases, f1, f2, f1PerCase: per(cases, f1), f2PerCase: per(cases, f2) },
  };
}
