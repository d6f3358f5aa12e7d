/**
 * The counter increments of an installs import, aggregated in memory with numeric keys and
 * written once per distinct counter row at the end of the file (docs/statistics.md, "Imports").
 *
 * An imported file is history spread over months and districts, so most of its installs land in
 * counter rows of their own (a day and an hour row in the province, district and platform grains,
 * and the carrier grain for a number): aggregating with string keys and row objects cost more than
 * the installs themselves. Here each install is one to three `Map<number, number>` bumps on a packed
 * event key (kind, period, area, platform, carrier; no allocation), the events are expanded into
 * counter-row contributions once at the end (sorted numbers, summed run by run), and the rows are
 * written in primary-key order (the counter tables are clustered on their keys), through one
 * prepared upsert on SQLite.
 *
 * @module
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import { CounterDeltas, type InstallDims, NO_CARRIER, OTHER_CARRIER } from './counters.js';
import { dayNumber, dayOfBucket, GAP_NONE, hourBucket } from './periods.js';

/** Periods (hour buckets, day numbers) of the packed keys: [1, 2^21), i.e. 1970 to 2209. */
const PERIODS = 2 ** 21;
/** Counts packed in the low bits of a counter contribution (see `writeSqlite`). */
const WEIGHTS = 2 ** 12;
const KIND_INSTALL = 0;
const KIND_PHONE = 1;
const KIND_ACTIVITY = 2;
/** Text order of the grains, as SQLite sorts the `grain` column. */
const GRAINS = ['carrier', 'district', 'platform', 'province'] as const;
const G_CARRIER = 0;
const G_DISTRICT = 1;
const G_PLATFORM = 2;
const G_PROVINCE = 3;
/** `res`: `day` sorts before `hour`. */
const RES = ['day', 'hour'] as const;
/** Areas a packed event key holds. */
const AREAS = 2 ** 16;
/** Largest gap plus one (gaps are 1…{@link GAP_NONE}). */
const GAPS = 128;

/** Interns strings to small integers in first-seen order; ranks them in text order at the end. */
class Interner {
  readonly ids = new Map<string, number>();
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
  /** rank[id] = position of value id in text order (SQLite's BINARY order for ASCII). */
  ranks(): Int32Array {
    const order = this.values.map((_, i) => i).sort((a, b) => compareText(this.values[a]!, this.values[b]!));
    const rank = new Int32Array(this.values.length);
    order.forEach((id, r) => {
      rank[id] = r;
    });
    return rank;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Areas (province, district or '') interned without building a string per row. */
class Areas {
  private readonly byProvince = new Map<string, Map<string, number>>();
  readonly provinces: string[] = [];
  readonly districts: string[] = [];
  id(province: string, district: string): number {
    let inner = this.byProvince.get(province);
    if (!inner) {
      inner = new Map();
      this.byProvince.set(province, inner);
    }
    let id = inner.get(district);
    if (id === undefined) {
      id = this.provinces.length;
      this.provinces.push(province);
      this.districts.push(district);
      inner.set(district, id);
    }
    return id;
  }
  ranks(): Int32Array {
    const { provinces, districts } = this;
    const order = provinces
      .map((_, i) => i)
      .sort((a, b) => compareText(provinces[a]!, provinces[b]!) || compareText(districts[a]!, districts[b]!));
    const rank = new Int32Array(provinces.length);
    order.forEach((id, r) => {
      rank[id] = r;
    });
    return rank;
  }
}

/** Distinct counter rows of one table: packed key → slot, with the summed columns by slot. */
class Cells {
  readonly slots = new Map<number, number>();
  readonly a: number[] = [];
  readonly b: number[] = [];
  add(key: number, a: number, b: number): void {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      this.slots.set(key, this.a.length);
      this.a.push(a);
      this.b.push(b);
    } else {
      this.a[slot]! += a;
      this.b[slot]! += b;
    }
  }
  /** The keys in ascending order (= the table's primary-key order, by construction of the keys). */
  sortedKeys(): Float64Array {
    const keys = new Float64Array(this.slots.size);
    let i = 0;
    for (const key of this.slots.keys()) keys[i++] = key;
    return keys.sort();
  }
}

/** The counter increments of the installs of one import. */
export class ImportCounters {
  private readonly events = new Map<number, number>();
  private readonly areas = new Areas();
  private readonly platforms = new Interner();
  private readonly carriers = new Interner();
  /** Events that do not fit a packed key (before 1970, …): kept apart, counted the general way. */
  private readonly outliers: { kind: number; period: number; dims: InstallDims }[] = [];

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
    const packable = area < AREAS && pl < 16;
    const base = (area * 16 + pl) * 64;
    this.event(KIND_INSTALL, hourBucket(createdAt), packable, base, '', province, district, platform);
    if (phoneVerifiedAt !== null)
      this.event(
        KIND_PHONE,
        hourBucket(phoneVerifiedAt),
        packable,
        base,
        carrier ?? OTHER_CARRIER,
        province,
        district,
        platform,
      );
    if (lastActiveAt !== null)
      this.event(
        KIND_ACTIVITY,
        dayNumber(lastActiveAt),
        packable,
        base,
        phoneVerifiedAt === null ? NO_CARRIER : (carrier ?? OTHER_CARRIER),
        province,
        district,
        platform,
      );
  }

  private event(
    kind: number,
    period: number,
    packable: boolean,
    base: number,
    carrier: string,
    province: string,
    district: string | null,
    platform: string,
  ): void {
    const c = this.carriers.id(carrier);
    if (packable && c < 64 && period > 0 && period < PERIODS) {
      const key = (kind * PERIODS + period) * 2 ** 26 + base + c;
      this.events.set(key, (this.events.get(key) ?? 0) + 1);
    } else {
      this.outliers.push({
        kind,
        period,
        dims: { province, district, platform, carrier: kind === KIND_INSTALL ? NO_CARRIER : carrier },
      });
    }
  }

  /** The outliers' increments. */
  private outlierDeltas(): CounterDeltas {
    const deltas = new CounterDeltas();
    for (const { kind, period, dims } of this.outliers) {
      if (kind === KIND_INSTALL) deltas.installAt(dims, period, 1);
      else if (kind === KIND_PHONE) deltas.phoneAt(dims, period, 1);
      else deltas.checkIn(dims, period, GAP_NONE, 1);
    }
    return deltas;
  }

  /** Calls `fn` for each aggregated event: kind, period, area, platform and carrier IDs, count. */
  private forEachEvent(
    fn: (kind: number, period: number, area: number, platform: number, carrier: number, n: number) => void,
  ): void {
    for (const [key, n] of this.events) {
      const low = key % 2 ** 26;
      const high = (key - low) / 2 ** 26;
      const period = high % PERIODS;
      const kind = (high - period) / PERIODS;
      const carrier = low % 64;
      const rest = (low - carrier) / 64;
      const platform = rest % 16;
      const area = (rest - platform) / 16;
      fn(kind, period, area, platform, carrier, n);
    }
  }

  /** The increments as {@link CounterDeltas} (the portable path, PostgreSQL). */
  deltas(): CounterDeltas {
    const deltas = this.outlierDeltas();
    const { provinces, districts } = this.areas;
    this.forEachEvent((kind, period, area, platform, carrier, n) => {
      const district = districts[area]!;
      const dims = {
        province: provinces[area]!,
        district: district === '' ? null : district,
        platform: this.platforms.values[platform]!,
        carrier: kind === KIND_INSTALL ? NO_CARRIER : this.carriers.values[carrier]!,
      };
      if (kind === KIND_INSTALL) deltas.installAt(dims, period, n);
      else if (kind === KIND_PHONE) deltas.phoneAt(dims, period, n);
      else deltas.checkIn(dims, period, GAP_NONE, n);
    });
    return deltas;
  }

  /** Writes the increments through `db` (in the caller's transaction): the portable path. */
  async write(db: Kysely<Database>): Promise<void> {
    await this.deltas().write(db);
  }

  /**
   * Writes the increments through a better-sqlite3 connection (in the caller's transaction on it):
   * each distinct counter row once, in primary-key order, with one prepared upsert per table.
   */
  writeSqlite(raw: SqliteDatabase.Database): void {
    const areas = this.areas;
    // Every province's all-district area and the empty area of the carrier and platform grains.
    const provinceArea = new Int32Array(areas.provinces.length);
    for (let i = 0, n = areas.provinces.length; i < n; i++)
      provinceArea[i] = areas.id(areas.provinces[i]!, '');
    const emptyArea = areas.id('', '');
    const emptyPlatform = this.platforms.id('');
    const emptyCarrier = this.carriers.id('');
    const areaRank = areas.ranks();
    const platformRank = this.platforms.ranks();
    const carrierRank = this.carriers.ranks();
    const nAreas = areaRank.length;
    const nCarriers = carrierRank.length;
    const nPlatforms = platformRank.length;
    const areaOf: number[] = [];
    areaRank.forEach((rank, id) => {
      areaOf[rank] = id;
    });
    const carrierOf: number[] = [];
    carrierRank.forEach((rank, id) => {
      carrierOf[rank] = id;
    });
    const platformOf: number[] = [];
    platformRank.forEach((rank, id) => {
      platformOf[rank] = id;
    });
    // Packed keys in the tables' primary-key order: grain, res (or day, gap), period, then the
    // area (province, district), carrier and platform by their text ranks.
    const dimsKey = (area: number, carrier: number, platform: number) =>
      (areaRank[area]! * nCarriers + carrierRank[carrier]!) * nPlatforms + platformRank[platform]!;
    const dimsSpan = nAreas * nCarriers * nPlatforms;
    if (
      8 * PERIODS * dimsSpan * 2 * WEIGHTS > Number.MAX_SAFE_INTEGER ||
      4 * PERIODS * GAPS * dimsSpan > Number.MAX_SAFE_INTEGER
    ) {
      this.deltas().writeSqlite(raw); // too many distinct areas for packed keys: the general path
      return;
    }
    // Counter contributions are numbers (counter row key, phone?, count) — sorted, then summed
    // run by run: cheaper than a map over several distinct counter rows per install.
    let contributions = new Float64Array(1 << 16);
    let length = 0;
    const contribute = (cell: number, phone: number, n: number) => {
      const base = (cell * 2 + phone) * WEIGHTS;
      for (let left = n; left > 0; left -= WEIGHTS - 1) {
        if (length === contributions.length) {
          const grown = new Float64Array(length * 2);
          grown.set(contributions);
          contributions = grown;
        }
        contributions[length++] = base + Math.min(left, WEIGHTS - 1);
      }
    };
    const activity = new Cells();
    this.forEachEvent((kind, period, area, platform, carrier, n) => {
      const province = provinceArea[area]!;
      if (kind === KIND_ACTIVITY) {
        const put = (grain: number, d: number) =>
          activity.add(((grain * PERIODS + period) * GAPS + GAP_NONE) * dimsSpan + d, n, 0);
        put(G_PROVINCE, dimsKey(province, emptyCarrier, emptyPlatform));
        put(G_DISTRICT, dimsKey(area, emptyCarrier, emptyPlatform));
        put(G_PLATFORM, dimsKey(emptyArea, emptyCarrier, platform));
        put(G_CARRIER, dimsKey(emptyArea, carrier, emptyPlatform));
        return;
      }
      const phone = kind === KIND_PHONE ? 1 : 0;
      const day = dayOfBucket(period);
      const put = (grain: number, d: number) => {
        contribute(((grain * 2 + 0) * PERIODS + day) * dimsSpan + d, phone, n);
        contribute(((grain * 2 + 1) * PERIODS + period) * dimsSpan + d, phone, n);
      };
      put(G_PROVINCE, dimsKey(province, emptyCarrier, emptyPlatform));
      put(G_DISTRICT, dimsKey(area, emptyCarrier, emptyPlatform));
      put(G_PLATFORM, dimsKey(emptyArea, emptyCarrier, platform));
      if (phone) put(G_CARRIER, dimsKey(emptyArea, carrier, emptyPlatform));
    });
    const dims = (d: number): [string, string, string, string] => {
      const p = d % nPlatforms;
      const rest = (d - p) / nPlatforms;
      const c = rest % nCarriers;
      const a = areaOf[(rest - c) / nCarriers]!;
      return [
        areas.provinces[a]!,
        areas.districts[a]!,
        this.carriers.values[carrierOf[c]!]!,
        this.platforms.values[platformOf[p]!]!,
      ];
    };
    const counterUpsert = raw.prepare(
      `insert into stats_counters (grain, res, period, province_code, district_code, carrier, platform, installs, phone_registered)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (grain, res, period, province_code, district_code, carrier, platform) do update
       set installs = stats_counters.installs + excluded.installs,
           phone_registered = stats_counters.phone_registered + excluded.phone_registered`,
    );
    const sorted = contributions.subarray(0, length).sort();
    for (let i = 0; i < length; ) {
      const key = Math.floor(sorted[i]! / (2 * WEIGHTS));
      let installs = 0;
      let phones = 0;
      for (; i < length; i++) {
        const v = sorted[i]!;
        const n = v % WEIGHTS;
        const rest = (v - n) / WEIGHTS;
        if ((rest - (rest % 2)) / 2 !== key) break;
        if (rest % 2 === 1) phones += n;
        else installs += n;
      }
      const d = key % dimsSpan;
      const high = (key - d) / dimsSpan;
      const period = high % PERIODS;
      const gr = (high - period) / PERIODS;
      const [province, district, carrier, platform] = dims(d);
      counterUpsert.run(
        GRAINS[gr >> 1],
        RES[gr & 1],
        period,
        province,
        district,
        carrier,
        platform,
        installs,
        phones,
      );
    }
    const activityUpsert = raw.prepare(
      `insert into stats_activity (grain, day, gap, province_code, district_code, carrier, platform, installs)
       values (?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (grain, day, gap, province_code, district_code, carrier, platform) do update
       set installs = stats_activity.installs + excluded.installs`,
    );
    for (const key of activity.sortedKeys()) {
      const slot = activity.slots.get(key)!;
      const d = key % dimsSpan;
      const high = (key - d) / dimsSpan;
      const gap = high % GAPS;
      const rest = (high - gap) / GAPS;
      const day = rest % PERIODS;
      const grain = (rest - day) / PERIODS;
      const [province, district, carrier, platform] = dims(d);
      activityUpsert.run(GRAINS[grain], day, gap, province, district, carrier, platform, activity.a[slot]);
    }
    this.outlierDeltas().writeSqlite(raw);
  }
}
