/**
 * The statistics counters: the writes made in the same transaction as an install registering, a
 * number being verified and a heartbeat checking in, and the reads that answer "as of" an hour
 * from them without scanning installs. Each write is one multi-row upsert statement. See
 * docs/statistics.md, "Counters".
 *
 * @module
 */
import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { HourCounts } from '../../storage/stats.table.js';
import {
  type AsOfPeriods,
  activeWindow,
  dayNumber,
  dayOfBucket,
  GAP_NONE,
  hourBucket,
  MAX_ACTIVE_DAYS,
} from './periods.js';

/** Carrier dimension of a verified number whose prefix matches no carrier ("Khác"). */
export const OTHER_CARRIER = 'other';
/** Carrier dimension of an install without a verified number (activity rows only). */
export const NO_CARRIER = 'none';

/** The hour columns of a counter row: installs `i01`…`i24`, then phone registrations `p01`…`p24`. */
export const HOUR_COLUMNS: readonly (keyof HourCounts)[] = (['i', 'p'] as const).flatMap((kind) =>
  Array.from({ length: 24 }, (_, h) => `${kind}${String(h + 1).padStart(2, '0')}` as keyof HourCounts),
);

/** A counter row's hour columns, all 0. */
export function emptyHourCounts(): HourCounts {
  return Object.fromEntries(HOUR_COLUMNS.map((c) => [c, 0])) as HourCounts;
}

/** `iHH + …` of the first `hours` hour buckets of a day (installs `i` or phone registrations `p`). */
function sumOfHours(kind: 'i' | 'p', hours: number) {
  const columns = HOUR_COLUMNS.slice(kind === 'i' ? 0 : 24, (kind === 'i' ? 0 : 24) + hours);
  return sql.join(
    columns.map((c) => sql.ref(c)),
    sql` + `,
  );
}

/** The columns of a counter row, in the table's order. */
export const COUNTER_COLUMNS = [
  'grain',
  'period',
  'province_code',
  'district_code',
  'carrier',
  'platform',
  'installs',
  'phone_registered',
  ...HOUR_COLUMNS,
] as const;

/** The columns of an activity row, in the table's order. */
export const ACTIVITY_COLUMNS = [
  'grain',
  'day',
  'gap',
  'province_code',
  'district_code',
  'carrier',
  'platform',
  'installs',
] as const;

/**
 * An upsert into `stats_counters` adding to the rows there: `source` is `values (…)` or a
 * `select` of the {@link COUNTER_COLUMNS} (with a `where`, which SQLite's upsert grammar needs).
 */
export function counterUpsertSql(source: string): string {
  const sums = COUNTER_COLUMNS.slice(6);
  return `insert into stats_counters (${COUNTER_COLUMNS.join(', ')}) ${source}
  on conflict (grain, period, province_code, district_code, carrier, platform) do update
  set ${sums.map((c) => `${c} = stats_counters.${c} + excluded.${c}`).join(', ')}`;
}

/** An upsert into `stats_activity` adding to the rows there; `source` as in {@link counterUpsertSql}. */
export function activityUpsertSql(source: string): string {
  return `insert into stats_activity (${ACTIVITY_COLUMNS.join(', ')}) ${source}
  on conflict (grain, day, gap, province_code, district_code, carrier, platform) do update
  set installs = stats_activity.installs + excluded.installs`;
}

const placeholders = (n: number) => `values (${Array.from({ length: n }, () => '?').join(', ')})`;

/** Upsert of one counter row (grain, day, 4 dimensions, totals, 48 hour counts), adding to the row. */
export const COUNTER_UPSERT_SQL = counterUpsertSql(placeholders(COUNTER_COLUMNS.length));

/** The values of an activity row in {@link ACTIVITY_COLUMNS} order. */
export function activityParams(row: Database['stats_activity']): (string | number)[] {
  return ACTIVITY_COLUMNS.map((column) => row[column]);
}

/** Upsert of one activity row, adding to the row. */
export const ACTIVITY_UPSERT_SQL = activityUpsertSql(placeholders(ACTIVITY_COLUMNS.length));

/** The ON CONFLICT updates of a counter row (Kysely), adding the excluded row to it. */
const COUNTER_UPDATES = Object.fromEntries(
  ['installs', 'phone_registered', ...HOUR_COLUMNS].map((c) => [
    c,
    sql`${sql.ref(`stats_counters.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
  ]),
) as Record<'installs' | 'phone_registered' | keyof HourCounts, RawBuilder<number>>;

/** Grains of the counters; see `StatsCountersTable`. */
export type Grain = 'province' | 'district' | 'carrier' | 'platform';

/** The dimensions of one install. */
export interface InstallDims {
  readonly province: string;
  readonly district: string | null;
  readonly platform: string;
  /** Carrier ID, `other`, or `none` when the install has no verified number. */
  readonly carrier: string;
}

/** One counter row's key (without period). */
interface Key {
  readonly grain: Grain;
  readonly province_code: string;
  readonly district_code: string;
  readonly carrier: string;
  readonly platform: string;
}

/** The grain keys an event of `dims` counts in; the carrier grain only when `withCarrier`. */
export function grainKeys(dims: InstallDims, withCarrier: boolean): Key[] {
  const none = { province_code: '', district_code: '', carrier: '', platform: '' };
  const keys: Key[] = [
    { ...none, grain: 'province', province_code: dims.province },
    { ...none, grain: 'district', province_code: dims.province, district_code: dims.district ?? '' },
    { ...none, grain: 'platform', platform: dims.platform },
  ];
  if (withCarrier) keys.push({ ...none, grain: 'carrier', carrier: dims.carrier });
  return keys;
}

/** The dimensions of an install row (as stored). */
export function statsDims(row: {
  readonly province_code: string;
  readonly district_code: string | null;
  readonly platform: string;
  readonly phone_verified_at: number | null;
  readonly carrier: string | null;
}): InstallDims {
  return {
    province: row.province_code,
    district: row.district_code,
    platform: row.platform,
    carrier: carrierDim(row.phone_verified_at, row.carrier),
  };
}

/** The carrier dimension of an install: its carrier, `other` for an unknown prefix, `none` without a number. */
export function carrierDim(phoneVerifiedAt: number | null, carrier: string | null): string {
  if (phoneVerifiedAt === null) return NO_CARRIER;
  return carrier ?? OTHER_CARRIER;
}

/** SQLite's BINARY order of two ASCII texts (JavaScript's `<` on code units is the same). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The primary-key order of `stats_counters` (grain, period, province, district, carrier, platform). */
function compareCounterKeys(a: Database['stats_counters'], b: Database['stats_counters']): number {
  return (
    compareText(a.grain, b.grain) ||
    a.period - b.period ||
    compareText(a.province_code, b.province_code) ||
    compareText(a.district_code, b.district_code) ||
    compareText(a.carrier, b.carrier) ||
    compareText(a.platform, b.platform)
  );
}

/** The primary-key order of `stats_activity` (grain, day, gap, province, district, carrier, platform). */
function compareActivityKeys(a: Database['stats_activity'], b: Database['stats_activity']): number {
  return (
    compareText(a.grain, b.grain) ||
    a.day - b.day ||
    a.gap - b.gap ||
    compareText(a.province_code, b.province_code) ||
    compareText(a.district_code, b.district_code) ||
    compareText(a.carrier, b.carrier) ||
    compareText(a.platform, b.platform)
  );
}

/** Counter and activity rows (plain data). */
export interface CounterRows {
  readonly counters: readonly Database['stats_counters'][];
  readonly activity: readonly Database['stats_activity'][];
}

/** A batch of counter increments, merged by key, written in one upsert per table. */
export class CounterDeltas {
  /** Deltas holding `rows` (merged by key). */
  static fromRows(rows: CounterRows): CounterDeltas {
    const deltas = new CounterDeltas();
    for (const row of rows.counters) deltas.addCounterRow(row);
    for (const row of rows.activity) deltas.addActivityRow(row);
    return deltas;
  }

  /** The rows, as plain data. */
  rows(): CounterRows {
    return { counters: [...this.counters.values()], activity: [...this.activity.values()] };
  }

  private readonly counters = new Map<string, Database['stats_counters']>();
  private readonly activity = new Map<string, Database['stats_activity']>();

  /** Counts an install created at `createdAt`. */
  install(dims: InstallDims, createdAt: number): void {
    this.installAt(dims, hourBucket(createdAt), 1);
  }

  /** Counts a phone number first verified at `verifiedAt` (carrier grain included). */
  phone(dims: InstallDims, verifiedAt: number): void {
    this.phoneAt(dims, hourBucket(verifiedAt), 1);
  }

  /** Counts `n` installs created in hour bucket `hour`. */
  installAt(dims: InstallDims, hour: number, n: number): void {
    this.add(dims, hour, 'installs', false, n);
  }

  /** Counts `n` phone numbers first verified in hour bucket `hour`. */
  phoneAt(dims: InstallDims, hour: number, n: number): void {
    this.add(dims, hour, 'phone_registered', true, n);
  }

  /** Counts `n` check-ins on day number `day`, `gap` days after the previous one (or {@link GAP_NONE}). */
  checkIn(dims: InstallDims, day: number, gap: number, n = 1): void {
    const g = Math.min(Math.max(gap, 1), GAP_NONE);
    for (const key of grainKeys(dims, true)) {
      const id = `${key.grain}|${day}|${g}|${key.province_code}|${key.district_code}|${key.carrier}|${key.platform}`;
      const row = this.activity.get(id);
      if (row) row.installs += n;
      else this.activity.set(id, { ...key, day, gap: g, installs: n });
    }
  }

  get size(): number {
    return this.counters.size + this.activity.size;
  }

  /** Adds a whole counter row's counts (totals and hours) to the row of its key. */
  addCounterRow(row: Database['stats_counters']): void {
    const id = `${row.grain}|${row.period}|${row.province_code}|${row.district_code}|${row.carrier}|${row.platform}`;
    const mine = this.counters.get(id);
    if (!mine) {
      this.counters.set(id, { ...row });
      return;
    }
    mine.installs += row.installs;
    mine.phone_registered += row.phone_registered;
    for (const column of HOUR_COLUMNS) mine[column] += row[column];
  }

  /** Adds an activity row's count to the row of its key. */
  addActivityRow(row: Database['stats_activity']): void {
    const id = `${row.grain}|${row.day}|${row.gap}|${row.province_code}|${row.district_code}|${row.carrier}|${row.platform}`;
    const mine = this.activity.get(id);
    if (mine) mine.installs += row.installs;
    else this.activity.set(id, { ...row });
  }

  private add(
    dims: InstallDims,
    hour: number,
    field: 'installs' | 'phone_registered',
    withCarrier: boolean,
    n: number,
  ) {
    const day = dayOfBucket(hour);
    const column = `${field === 'installs' ? 'i' : 'p'}${String(hour - 24 * day).padStart(2, '0')}` as const;
    for (const key of grainKeys(dims, withCarrier)) {
      const id = `${key.grain}|${day}|${key.province_code}|${key.district_code}|${key.carrier}|${key.platform}`;
      let row = this.counters.get(id);
      if (!row) {
        row = { ...key, period: day, installs: 0, phone_registered: 0, ...emptyHourCounts() };
        this.counters.set(id, row);
      }
      row[field] += n;
      row[column as keyof HourCounts] += n;
    }
  }

  /**
   * Adds the increments through a better-sqlite3 connection with one prepared statement per
   * table (the bulk import's path; in the caller's transaction on that connection). The rows are
   * written in primary-key order: both tables are clustered on their key (`WITHOUT ROWID`), so
   * sorted upserts walk the B-tree sequentially instead of touching a random page each — an import
   * spread over months and districts has several distinct counter rows per install.
   */
  writeSqlite(raw: SqliteDatabase.Database): void {
    const counters = raw.prepare(COUNTER_UPSERT_SQL);
    for (const r of [...this.counters.values()].sort(compareCounterKeys)) {
      const values: number[] = [r.installs, r.phone_registered];
      for (const column of HOUR_COLUMNS) values.push(r[column]);
      counters.run(r.grain, r.period, r.province_code, r.district_code, r.carrier, r.platform, values);
    }
    const activity = raw.prepare(ACTIVITY_UPSERT_SQL);
    for (const r of [...this.activity.values()].sort(compareActivityKeys)) activity.run(activityParams(r));
  }

  /** Adds the increments to the tables (in the caller's transaction). */
  async write(db: Kysely<Database>): Promise<void> {
    const chunk = 1000;
    const counters = [...this.counters.values()];
    for (let i = 0; i < counters.length; i += chunk) {
      const rows = counters.slice(i, i + chunk);
      // Only the hour columns some row adds to (one for an install or a verification): a
      // statement of 48 more columns costs each registration more than its insert does.
      const hours = HOUR_COLUMNS.filter((c) => rows.some((r) => r[c] !== 0));
      const columns = ['installs', 'phone_registered', ...hours] as const;
      await db
        .insertInto('stats_counters')
        .values(
          rows.map((r) => ({
            grain: r.grain,
            period: r.period,
            province_code: r.province_code,
            district_code: r.district_code,
            carrier: r.carrier,
            platform: r.platform,
            ...Object.fromEntries(columns.map((c) => [c, r[c]])),
            // The hour columns left out are 0 by default (a new row) or keep their value.
          })) as Database['stats_counters'][],
        )
        .onConflict((oc) =>
          oc
            .columns(['grain', 'period', 'province_code', 'district_code', 'carrier', 'platform'])
            .doUpdateSet(Object.fromEntries(columns.map((c) => [c, COUNTER_UPDATES[c]]))),
        )
        .execute();
    }
    const activity = [...this.activity.values()];
    for (let i = 0; i < activity.length; i += chunk) {
      await db
        .insertInto('stats_activity')
        .values(activity.slice(i, i + chunk))
        .onConflict((oc) =>
          oc
            .columns(['grain', 'day', 'gap', 'province_code', 'district_code', 'carrier', 'platform'])
            .doUpdateSet({
              installs: sql`stats_activity.installs + excluded.installs`,
            }),
        )
        .execute();
    }
  }
}

/** The gap of a check-in on `day` after the previous check-in at `previousMs` (null: none). */
export function checkInGap(day: number, previousMs: number | null): number {
  return previousMs === null ? GAP_NONE : Math.min(day - dayNumber(previousMs), GAP_NONE);
}

/** Counts a new install (call in the registering transaction). */
export async function countInstall(
  db: Kysely<Database>,
  dims: InstallDims,
  createdAt: number,
): Promise<void> {
  const deltas = new CounterDeltas();
  deltas.install(dims, createdAt);
  await deltas.write(db);
}

/** Counts a newly verified phone number (call in the verifying transaction). */
export async function countPhone(db: Kysely<Database>, dims: InstallDims, verifiedAt: number): Promise<void> {
  const deltas = new CounterDeltas();
  deltas.phone(dims, verifiedAt);
  await deltas.write(db);
}

/** Counts an install's first check-in of a day (call in the heartbeat's transaction). */
export async function countCheckIn(
  db: Kysely<Database>,
  dims: InstallDims,
  day: number,
  previousMs: number | null,
): Promise<void> {
  const deltas = new CounterDeltas();
  deltas.checkIn(dims, day, checkInGap(day, previousMs));
  await deltas.write(db);
}

/** Figures of one area. */
export interface Counts {
  installs: number;
  phoneRegistered: number;
  active: number;
}

const dimColumn = {
  province: 'province_code',
  district: 'district_code',
  carrier: 'carrier',
  platform: 'platform',
} as const;

/**
 * Installs, phone-registered and active counts per value of the grain's dimension as of `asOf`
 * (restricted to one province for the district grain). Reads the day rows before the as-of day,
 * the first hour columns of the as-of day's rows and the activity rows of the window: never installs.
 */
export async function countsAsOf(
  db: Kysely<Database>,
  grain: Grain,
  asOf: AsOfPeriods,
  activeDays: number,
  province?: string,
): Promise<Map<string, Counts>> {
  if (!Number.isInteger(activeDays) || activeDays < 1 || activeDays > MAX_ACTIVE_DAYS)
    throw new RangeError(`activeDays must be 1-${MAX_ACTIVE_DAYS}`);
  const column = dimColumn[grain];
  const result = new Map<string, Counts>();
  const entry = (key: string): Counts => {
    let c = result.get(key);
    if (!c) {
      c = { installs: 0, phoneRegistered: 0, active: 0 };
      result.set(key, c);
    }
    return c;
  };
  const base = () => {
    let q = db.selectFrom('stats_counters').where('grain', '=', grain);
    if (province !== undefined) q = q.where('province_code', '=', province);
    return q;
  };
  // The whole days before the as-of day, then the first hours of its day (none at 24:00).
  const hours = asOf.hour - asOf.firstPartialHour;
  const sums = [
    base()
      .where('period', '<=', asOf.lastFullDay)
      .select((eb) => [
        eb.ref(column).as('key'),
        eb.fn.sum<number>('installs').as('installs'),
        eb.fn.sum<number>('phone_registered').as('phone'),
      ])
      .groupBy(column),
  ];
  if (hours > 0)
    sums.push(
      base()
        .where('period', '=', asOf.lastFullDay + 1)
        .select((eb) => [
          eb.ref(column).as('key'),
          sql<number>`sum(${sumOfHours('i', hours)})`.as('installs'),
          sql<number>`sum(${sumOfHours('p', hours)})`.as('phone'),
        ])
        .groupBy(column),
    );
  for (const query of sums) {
    for (const row of await query.execute()) {
      const c = entry(String(row.key));
      c.installs += Number(row.installs);
      c.phoneRegistered += Number(row.phone);
    }
  }
  const { first, last } = activeWindow(asOf, activeDays);
  let active = db
    .selectFrom('stats_activity')
    .where('grain', '=', grain)
    .where('day', '>=', first)
    .where('day', '<=', last)
    .where(sql<boolean>`gap > day - ${first}`)
    .select((eb) => [eb.ref(column).as('key'), eb.fn.sum<number>('installs').as('active')])
    .groupBy(column);
  if (province !== undefined) active = active.where('province_code', '=', province);
  for (const row of await active.execute()) entry(String(row.key)).active += Number(row.active);
  return result;
}

/** One day of a time series: counts as of 24:00 of that Vietnamese day. */
export interface DailyCounts extends Counts {
  readonly day: number;
}

/**
 * Daily counts from day `from` to day `to` (day numbers, at most 400 days), each as of the end of
 * its day, national or for one province: cumulative sums of the province grain's day rows and
 * the active window of each day.
 */
export async function dailyCounts(
  db: Kysely<Database>,
  from: number,
  to: number,
  activeDays: number,
  province?: string,
): Promise<DailyCounts[]> {
  let before = db
    .selectFrom('stats_counters')
    .where('grain', '=', 'province')
    .where('period', '<', from)
    .select((eb) => [
      eb.fn.sum<number>('installs').as('installs'),
      eb.fn.sum<number>('phone_registered').as('phone'),
    ]);
  let within = db
    .selectFrom('stats_counters')
    .where('grain', '=', 'province')
    .where('period', '>=', from)
    .where('period', '<=', to)
    .select((eb) => [
      'period',
      eb.fn.sum<number>('installs').as('installs'),
      eb.fn.sum<number>('phone_registered').as('phone'),
    ])
    .groupBy('period');
  let activity = db
    .selectFrom('stats_activity')
    .where('grain', '=', 'province')
    .where('day', '>=', from - activeDays + 1)
    .where('day', '<=', to)
    .select((eb) => ['day', 'gap', eb.fn.sum<number>('installs').as('n')])
    .groupBy(['day', 'gap']);
  if (province !== undefined) {
    before = before.where('province_code', '=', province);
    within = within.where('province_code', '=', province);
    activity = activity.where('province_code', '=', province);
  }
  const start = await before.executeTakeFirst();
  let installs = Number(start?.installs ?? 0);
  let phone = Number(start?.phone ?? 0);
  const byDay = new Map((await within.execute()).map((r) => [Number(r.period), r]));
  const checkIns = (await activity.execute()).map((r) => ({
    day: Number(r.day),
    gap: Number(r.gap),
    n: Number(r.n),
  }));
  const out: DailyCounts[] = [];
  for (let day = from; day <= to; day++) {
    const row = byDay.get(day);
    installs += Number(row?.installs ?? 0);
    phone += Number(row?.phone ?? 0);
    const first = day - activeDays + 1;
    let active = 0;
    for (const c of checkIns) if (c.day >= first && c.day <= day && c.gap > c.day - first) active += c.n;
    out.push({ day, installs, phoneRegistered: phone, active });
  }
  return out;
}
