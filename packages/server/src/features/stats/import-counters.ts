/**
 * The counter increments of an installs import, aggregated in memory and written once per
 * distinct counter row at the end of the file (docs/statistics.md, "Imports").
 *
 * An imported file is history spread over months and districts. Each install bumps, in each grain
 * (province, district, platform; carrier for a number), the hour column of one **day row**
 * (`stats_counters` keeps a day's 24 hour buckets as columns). Here a day row is a *cell*: a
 * small-integer key (grain, area or value, day — always a V8 small integer, so the map allocates
 * nothing per lookup) to an offset in one `Int32Array` of 48 hour counts per cell. At the end the
 * cells are sorted in the table's primary-key order (both counter tables are clustered on their
 * keys, so sorted upserts walk the B-tree sequentially) and written through one prepared upsert on
 * SQLite, or as {@link CounterDeltas} on PostgreSQL.
 *
 * @module
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { HourCounts } from '../../storage/stats.table.js';
import {
  ACTIVITY_COLUMNS,
  activityParams,
  activityUpsertSql,
  COUNTER_COLUMNS,
  COUNTER_UPSERT_SQL,
  CounterDeltas,
  type CounterRows,
  counterUpsertSql,
  HOUR_COLUMNS,
  NO_CARRIER,
  OTHER_CARRIER,
} from './counters.js';
import { dayNumber, GAP_NONE, hourBucket } from './periods.js';

/** Days of the packed keys: [0, 2^15), 1970-01-01 to 2059. */
const DAYS = 2 ** 15;
/** Distinct areas, platforms or carriers of the packed keys. */
const DIMS = 2 ** 12;
/** Hour counts per cell: installs of hours 1…24, then phone registrations of hours 1…24. */
const SLOTS = 48;
/** Text order of the grains, as SQLite sorts the `grain` column. */
const GRAINS = ['carrier', 'district', 'platform', 'province'] as const;
const G_CARRIER = 0;
const G_DISTRICT = 1;
const G_PLATFORM = 2;
const G_PROVINCE = 3;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** rank[id] = position of `values[id]` in the order of `compare`. */
function ranks<T>(values: readonly T[], compare: (a: T, b: T) => number): Int32Array {
  const order = values.map((_, i) => i).sort((a, b) => compare(values[a]!, values[b]!));
  const rank = new Int32Array(values.length);
  order.forEach((id, r) => {
    rank[id] = r;
  });
  return rank;
}

/** Interns strings to small integers in first-seen order. */
class Interner {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

/** Areas (province, district or '') interned without building a string per row. */
class Areas {
  private readonly byProvince = new Map<string, Map<string, number>>();
  readonly provinces: string[] = [];
  readonly districts: string[] = [];
  /** The area of each area's province (district ''). */
  readonly provinceArea: number[] = [];
  id(province: string, district: string): number {
    let inner = this.byProvince.get(province);
    if (!inner) {
      inner = new Map();
      this.byProvince.set(province, inner);
    }
    let id = inner.get(district);
    if (id === undefined) {
      const provinceArea = district === '' ? this.provinces.length : this.id(province, '');
      id = this.provinces.length;
      this.provinces.push(province);
      this.districts.push(district);
      this.provinceArea.push(provinceArea);
      inner.set(district, id);
    }
    return id;
  }
}

/** Days per page of the cell index. */
const PAGE = 256;

/**
 * Day rows being summed, `width` counts each: (grain, dimension, day) → offset of the cell's counts
 * in `counts`, found through pages of 256 days per grain and dimension held in two typed arrays
 * (two dependent loads; no hash map, no object, nothing allocated per lookup).
 */
class Cells {
  /** Page number + 1 (0: none yet) of each (grain, dimension, day ÷ 256). */
  private readonly pageOf = new Int32Array(GRAINS.length * DIMS * (DAYS / PAGE));
  /** Per page, offset + 1 (0: no cell yet) of each of its days. */
  private pages = new Int32Array(PAGE * 64);
  private pageCount = 0;
  /** The packed key (grain, dimension, day) of each cell, in creation order. */
  readonly keys: number[] = [];
  counts: Int32Array;
  constructor(readonly width: number) {
    this.counts = new Int32Array(width * 4096);
  }
  /** The offset of the cell of (grain, dim, day), created with zero counts when new. */
  cell(grain: number, dim: number, day: number): number {
    const gd = grain * DIMS + dim;
    const pi = gd * (DAYS / PAGE) + (day >> 8);
    let page = this.pageOf[pi]!;
    if (page === 0) {
      page = ++this.pageCount;
      this.pageOf[pi] = page;
      if (page * PAGE > this.pages.length) this.pages = grow(this.pages);
    }
    const at = (page - 1) * PAGE + (day & (PAGE - 1));
    const known = this.pages[at]!;
    if (known !== 0) return known - 1;
    const offset = this.keys.length * this.width;
    this.keys.push(gd * DAYS + day);
    this.pages[at] = offset + 1;
    if (offset + this.width > this.counts.length) this.counts = grow(this.counts);
    return offset;
  }
}

/** A copy of `array` twice as long. */
function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}

/** The counter increments of the installs of one import. */
export class ImportCounters {
  private readonly cells = new Cells(SLOTS);
  /** Check-ins (all first ones: gap {@link GAP_NONE}), one count per cell. */
  private readonly activity = new Cells(1);
  private readonly areas = new Areas();
  private readonly platforms = new Interner();
  private readonly carriers = new Interner();
  /** Events that do not fit a packed key (before 1970, after 2059, …), counted the general way. */
  private readonly outliers = new CounterDeltas();

  /**
   * Counts one install: created at `createdAt`; its number verified at `phoneVerifiedAt` (carrier
   * `carrier`, null: `other`); a check-in at `lastActiveAt` (a first one: no previous day).
   */
  add(
    province: string,
    district: string | null,
    platform: string,
    createdAt: number,
    phoneVerifiedAt: number | null,
    carrier: string | null,
    lastActiveAt: number | null,
  ): void {
    const area = this.areas.id(province, district ?? '');
    const pl = this.platforms.id(platform);
    const packable = area < DIMS && pl < DIMS;
    const cells = this.cells;
    const hour = hourBucket(createdAt);
    const day = Math.floor((hour - 1) / 24);
    let pCell = -1;
    let dCell = -1;
    let plCell = -1;
    if (packable && day >= 0 && day < DAYS) {
      const slot = hour - 1 - 24 * day;
      pCell = cells.cell(G_PROVINCE, this.areas.provinceArea[area]!, day);
      dCell = cells.cell(G_DISTRICT, area, day);
      plCell = cells.cell(G_PLATFORM, pl, day);
      const counts = cells.counts;
      counts[pCell + slot]!++;
      counts[dCell + slot]!++;
      counts[plCell + slot]!++;
    } else {
      this.outliers.installAt({ province, district, platform, carrier: NO_CARRIER }, hour, 1);
    }
    const carrierDim = phoneVerifiedAt === null ? NO_CARRIER : (carrier ?? OTHER_CARRIER);
    if (phoneVerifiedAt !== null) {
      const c = this.carriers.id(carrierDim);
      const pHour = hourBucket(phoneVerifiedAt);
      const pDay = Math.floor((pHour - 1) / 24);
      if (packable && c < DIMS && pDay >= 0 && pDay < DAYS) {
        const slot = 24 + pHour - 1 - 24 * pDay;
        if (pDay !== day || pCell < 0) {
          pCell = cells.cell(G_PROVINCE, this.areas.provinceArea[area]!, pDay);
          dCell = cells.cell(G_DISTRICT, area, pDay);
          plCell = cells.cell(G_PLATFORM, pl, pDay);
        }
        const cCell = cells.cell(G_CARRIER, c, pDay);
        const counts = cells.counts;
        counts[pCell + slot]!++;
        counts[dCell + slot]!++;
        counts[plCell + slot]!++;
        counts[cCell + slot]!++;
      } else {
        this.outliers.phoneAt({ province, district, platform, carrier: carrierDim }, pHour, 1);
      }
    }
    if (lastActiveAt !== null) {
      const c = this.carriers.id(carrierDim);
      const aDay = dayNumber(lastActiveAt);
      if (packable && c < DIMS && aDay >= 0 && aDay < DAYS) {
        this.checkIn(G_PROVINCE, this.areas.provinceArea[area]!, aDay);
        this.checkIn(G_DISTRICT, area, aDay);
        this.checkIn(G_PLATFORM, pl, aDay);
        this.checkIn(G_CARRIER, c, aDay);
      } else {
        this.outliers.checkIn({ province, district, platform, carrier: carrierDim }, aDay, GAP_NONE, 1);
      }
    }
  }

  private checkIn(grain: number, dim: number, day: number): void {
    this.activity.counts[this.activity.cell(grain, dim, day)]!++;
  }

  /** The sums so far, as plain data (structured-cloneable: what the counting worker sends back). */
  data(): ImportCountsData {
    const { cells, activity, areas } = this;
    return {
      cellKeys: new Float64Array(cells.keys),
      cellCounts: cells.counts.slice(0, cells.keys.length * SLOTS),
      activityKeys: new Float64Array(activity.keys),
      activityCounts: activity.counts.slice(0, activity.keys.length),
      provinces: areas.provinces,
      districts: areas.districts,
      platforms: this.platforms.values,
      carriers: this.carriers.values,
      outliers: this.outliers.rows(),
    };
  }

  /** The sums so far, ready to be written. */
  counts(): ImportCounts {
    return new ImportCounts(this.data());
  }
}

/** The counts of an import: the cells of {@link ImportCounters} as plain data. */
export interface ImportCountsData {
  /** Packed key (grain, dimension, day) of each counter cell. */
  readonly cellKeys: Float64Array<ArrayBuffer>;
  /** 48 hour counts per counter cell (installs of hours 1…24, then phone registrations). */
  readonly cellCounts: Int32Array<ArrayBuffer>;
  /** Packed key (grain, dimension, day) of each activity cell (gap {@link GAP_NONE}). */
  readonly activityKeys: Float64Array<ArrayBuffer>;
  readonly activityCounts: Int32Array<ArrayBuffer>;
  /** Areas by ID: province and district ('' for a province). */
  readonly provinces: readonly string[];
  readonly districts: readonly string[];
  /** Platforms and carriers by ID. */
  readonly platforms: readonly string[];
  readonly carriers: readonly string[];
  /** Rows of the events that did not fit a packed key. */
  readonly outliers: CounterRows;
}

/** Summed counter increments, ready to be written in the caller's transaction. */
export interface CounterSums {
  /** Writes through a better-sqlite3 connection. */
  writeSqlite(raw: SqliteDatabase.Database): void;
  /** Writes through Kysely (PostgreSQL). */
  write(db: Kysely<Database>): Promise<void>;
}

/** The summed counts of an import, written in the counter tables' primary-key order. */
export class ImportCounts implements CounterSums {
  constructor(readonly data: ImportCountsData) {}

  /** The rows of the events that did not fit a packed key. */
  outliers(): CounterRows {
    return this.data.outliers;
  }

  /** The text ranks of each grain's dimension values, for the tables' primary-key order. */
  private dimRanks(): readonly Int32Array[] {
    const { provinces, districts } = this.data;
    const area = ranks(
      provinces.map((p, i) => [p, districts[i]!] as const),
      (a, b) => compareText(a[0], b[0]) || compareText(a[1], b[1]),
    );
    const byGrain: Int32Array[] = [];
    byGrain[G_CARRIER] = ranks(this.data.carriers, compareText);
    byGrain[G_DISTRICT] = area;
    byGrain[G_PLATFORM] = ranks(this.data.platforms, compareText);
    byGrain[G_PROVINCE] = area;
    return byGrain;
  }

  /** The dimension columns (province, district, carrier, platform) of `dim` in `grain`. */
  private dimColumns(grain: number, dim: number): [string, string, string, string] {
    const { provinces, districts } = this.data;
    if (grain === G_CARRIER) return ['', '', this.data.carriers[dim]!, ''];
    if (grain === G_PLATFORM) return ['', '', '', this.data.platforms[dim]!];
    if (grain === G_PROVINCE) return [provinces[dim]!, '', '', ''];
    return [provinces[dim]!, districts[dim]!, '', ''];
  }

  /**
   * The positions of `keys` (packed grain, dimension, day) in primary-key order: grain, day, then
   * the dimension's text rank.
   */
  private sorted(keys: Float64Array): Int32Array {
    const byGrain = this.dimRanks();
    const sortKey = (key: number) => {
      const day = key % DAYS;
      const rest = (key - day) / DAYS;
      const dim = rest % DIMS;
      const grain = (rest - dim) / DIMS;
      return (grain * DAYS + day) * DIMS + byGrain[grain]![dim]!;
    };
    const n = keys.length;
    const order = new Int32Array(n);
    if (4 * DAYS * DIMS * n < Number.MAX_SAFE_INTEGER) {
      // One numeric sort of (sort key, position) packed in a double.
      const packed = new Float64Array(n);
      for (let i = 0; i < n; i++) packed[i] = sortKey(keys[i]!) * n + i;
      packed.sort();
      for (let i = 0; i < n; i++) order[i] = packed[i]! % n;
    } else {
      const sk = Array.from(keys, sortKey);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => sk[a]! - sk[b]!);
    }
    return order;
  }

  /** Calls `fn` with each cell of `keys` in primary-key order: grain, day, dimension columns, position. */
  private forEachCell(
    keys: Float64Array,
    fn: (grain: string, day: number, dims: [string, string, string, string], i: number) => void,
  ): void {
    for (const i of this.sorted(keys)) {
      const key = keys[i]!;
      const day = key % DAYS;
      const rest = (key - day) / DAYS;
      const dim = rest % DIMS;
      const grain = (rest - dim) / DIMS;
      fn(GRAINS[grain]!, day, this.dimColumns(grain, dim), i);
    }
  }

  /** Sums 24 hour counts from `offset`. */
  private total(offset: number): number {
    const counts = this.data.cellCounts;
    let n = 0;
    for (let s = 0; s < 24; s++) n += counts[offset + s]!;
    return n;
  }

  /** The counts as {@link CounterDeltas} (the portable path, PostgreSQL). */
  deltas(): CounterDeltas {
    const deltas = CounterDeltas.fromRows(this.data.outliers);
    const counts = this.data.cellCounts;
    this.forEachCell(
      this.data.cellKeys,
      (grain, period, [province_code, district_code, carrier, platform], i) => {
        const offset = i * SLOTS;
        const hours = Object.fromEntries(HOUR_COLUMNS.map((column, s) => [column, counts[offset + s]!]));
        deltas.addCounterRow({
          grain,
          period,
          province_code,
          district_code,
          carrier,
          platform,
          installs: this.total(offset),
          phone_registered: this.total(offset + 24),
          ...(hours as HourCounts),
        });
      },
    );
    const activity = this.data.activityCounts;
    this.forEachActivityCell((row) => deltas.addActivityRow(row), activity);
    return deltas;
  }

  private forEachActivityCell(fn: (row: Database['stats_activity']) => void, counts: Int32Array): void {
    this.forEachCell(
      this.data.activityKeys,
      (grain, day, [province_code, district_code, carrier, platform], i) =>
        fn({
          grain,
          day,
          gap: GAP_NONE,
          province_code,
          district_code,
          carrier,
          platform,
          installs: counts[i]!,
        }),
    );
  }

  /** Writes the counts through `db` (in the caller's transaction): the portable path. */
  async write(db: Kysely<Database>): Promise<void> {
    await this.deltas().write(db);
  }

  /**
   * Writes the counts into new tables `counter_rows` and `activity_rows` of `db`, in the counter
   * tables' primary-key order (rowid order = key order): the counting worker's staging file, which
   * the importing connection attaches and upserts from in one statement per table
   * ({@link StagedImportCounts}). The outliers are not staged.
   */
  stage(db: SqliteDatabase.Database): void {
    db.exec(`create table counter_rows (${COUNTER_COLUMNS.join(', ')});
      create table activity_rows (${ACTIVITY_COLUMNS.join(', ')})`);
    const counterRow = db.prepare(
      `insert into counter_rows values (${COUNTER_COLUMNS.map(() => '?').join(', ')})`,
    );
    const activityRow = db.prepare(
      `insert into activity_rows values (${ACTIVITY_COLUMNS.map(() => '?').join(', ')})`,
    );
    db.transaction(() => {
      this.forEachCounterParams((params) => counterRow.run(params));
      this.forEachActivityCell((r) => activityRow.run(activityParams(r)), this.data.activityCounts);
    })();
  }

  /** Calls `fn` with the parameters of each counter row ({@link COUNTER_COLUMNS}), in key order (one array, reused). */
  private forEachCounterParams(fn: (params: readonly (string | number)[]) => void): void {
    const params: (string | number)[] = new Array(8 + SLOTS);
    const counts = this.data.cellCounts;
    this.forEachCell(this.data.cellKeys, (grain, day, dims, i) => {
      const offset = i * SLOTS;
      params[0] = grain;
      params[1] = day;
      params[2] = dims[0];
      params[3] = dims[1];
      params[4] = dims[2];
      params[5] = dims[3];
      params[6] = this.total(offset);
      params[7] = this.total(offset + 24);
      for (let s = 0; s < SLOTS; s++) params[8 + s] = counts[offset + s]!;
      fn(params);
    });
  }

  /**
   * Writes the counts through a better-sqlite3 connection (in the caller's transaction on it): each
   * distinct counter row once, in primary-key order, through one prepared upsert per table.
   */
  writeSqlite(raw: SqliteDatabase.Database): void {
    const counters = raw.prepare(COUNTER_UPSERT_SQL);
    this.forEachCounterParams((params) => counters.run(params));
    // The activity rows (a few per area and day) and the outliers, the general way.
    const rest = CounterDeltas.fromRows(this.data.outliers);
    this.forEachActivityCell((row) => rest.addActivityRow(row), this.data.activityCounts);
    rest.writeSqlite(raw);
  }
}

/**
 * Counts staged by the counting worker in the tables of {@link ImportCounts.stage}, in a file the
 * importing connection has attached as `schema`: written with one upsert statement per table
 * (SQLite reads the staged rows in key order and adds them, with no call per row), and the
 * outliers the general way.
 */
export class StagedImportCounts implements CounterSums {
  constructor(
    private readonly schema: string,
    private readonly outliers: CounterRows,
  ) {}

  writeSqlite(raw: SqliteDatabase.Database): void {
    const from = (columns: readonly string[], table: string) =>
      `select ${columns.join(', ')} from ${this.schema}.${table} where true order by rowid`;
    raw.prepare(counterUpsertSql(from(COUNTER_COLUMNS, 'counter_rows'))).run();
    raw.prepare(activityUpsertSql(from(ACTIVITY_COLUMNS, 'activity_rows'))).run();
    CounterDeltas.fromRows(this.outliers).writeSqlite(raw);
  }

  async write(): Promise<void> {
    throw new Error('staged counts are written through the SQLite connection that attached them');
  }
}
