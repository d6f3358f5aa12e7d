/**
 * `bluezone stats rebuild`: recomputes every counter from the raw records — installs (app and
 * imported), their phone links and check-in days — in one transaction, replacing the counters.
 * One pass over installs, imported installs and install_days into a temporary table at the
 * finest grain (hour buckets), then the day rows of each grain from it. See docs/statistics.md, "Rebuild".
 *
 * @module
 */
import { type RawBuilder, sql } from 'kysely';
import type { Storage } from '../../storage/storage.js';
import { VIETNAM_OFFSET_MS } from '../../time.js';
import { HOUR_COLUMNS } from './counters.js';
import { GAP_NONE } from './periods.js';

/** What a rebuild counted. */
export interface RebuildSummary {
  readonly installs: number;
  readonly phoneRegistered: number;
  readonly checkIns: number;
  /** Counter rows written. */
  readonly counterRows: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Recomputes the counters of `storage` from the raw records. */
export async function rebuildCounters(storage: Storage): Promise<RebuildSummary> {
  const dayNum =
    storage.dialect === 'postgres'
      ? sql`(day::date - date '1970-01-01')`
      : sql`cast(julianday(day) - 2440587.5 as integer)`;
  // Hour bucket k holds ((k − 1) h, k h] of Vietnamese time (periods.ts hourBucket).
  // Integer division truncates toward zero in both engines; periods floor (before 1970 too).
  const floorDiv = (x: RawBuilder<unknown>, d: number) =>
    sql`(case when ${x} >= 0 then ${x} / ${sql.lit(d)} else -((${sql.lit(d - 1)} - ${x}) / ${sql.lit(d)}) end)`;
  const bucket = (column: string) =>
    floorDiv(sql`(${sql.ref(column)} + ${sql.lit(VIETNAM_OFFSET_MS + HOUR - 1)})`, HOUR);
  const dayOfPeriod = floorDiv(sql`(period - 1)`, 24);
  // Hour bucket k is column k − 24 × day of its day row (1…24): i01…i24, then p01…p24.
  const hourSums = HOUR_COLUMNS.map((_column, c) => {
    const kind = c < 24 ? 'i' : 'p';
    return sql`sum(case when kind = ${sql.lit(kind)} and period - 24 * ${dayOfPeriod} = ${sql.lit((c % 24) + 1)} then n else 0 end)`;
  });
  return storage.transaction(async (trx) => {
    await trx.deleteFrom('stats_counters').execute();
    await trx.deleteFrom('stats_activity').execute();
    await sql`drop table if exists stats_rebuild`.execute(trx);
    await sql`create temporary table stats_rebuild (
      kind text not null, period bigint not null, gap integer not null,
      province_code text not null, district_code text not null, carrier text not null, platform text not null,
      n bigint not null)`.execute(trx);
    await sql`insert into stats_rebuild
      select 'i', ${bucket('created_at')}, 0, province_code, coalesce(district_code, ''), '', platform, count(*)
      from (select created_at, province_code, district_code, platform from installs
        union all select created_at, province_code, district_code, platform from imported_installs) i
      group by 1, 2, 3, 4, 5, 6, 7`.execute(trx);
    // A number counts once, at its first verification, in the area of the install that made it;
    // an imported install with a verified number (no phone row) counts as one number.
    await sql`insert into stats_rebuild
      select 'p', ${bucket('phone_verified_at')}, 0, province_code, coalesce(district_code, ''),
        coalesce(carrier, 'other'), platform, count(*)
      from (
        select province_code, district_code, carrier, platform, phone_verified_at, phone_id,
          row_number() over (partition by phone_id order by phone_verified_at, id) as nth
        from installs where phone_verified_at is not null
      ) first_verifications
      where phone_id is null or nth = 1
      group by 1, 2, 3, 4, 5, 6, 7`.execute(trx);
    await sql`insert into stats_rebuild
      select 'p', ${bucket('phone_verified_at')}, 0, province_code, coalesce(district_code, ''),
        coalesce(carrier, 'other'), platform, count(*)
      from imported_installs where phone_verified_at is not null
      group by 1, 2, 3, 4, 5, 6, 7`.execute(trx);
    await sql`insert into stats_rebuild
      select 'a', a.day_number, case when a.gap is null or a.gap > ${sql.lit(GAP_NONE)} then ${sql.lit(GAP_NONE)} else a.gap end,
        i.province_code, coalesce(i.district_code, ''),
        case when i.phone_verified_at is null then 'none' else coalesce(i.carrier, 'other') end,
        i.platform, count(*)
      from (
        select install_id, day_number,
          day_number - lag(day_number) over (partition by install_id order by day_number) as gap
        from (select install_id, ${dayNum} as day_number from install_days) days
      ) a join installs i on i.id = a.install_id
      group by 1, 2, 3, 4, 5, 6, 7`.execute(trx);
    // An imported install's check-in is its last_active_at, with no check-in before it.
    await sql`insert into stats_rebuild
      select 'a', ${floorDiv(sql`(last_active_at + ${sql.lit(VIETNAM_OFFSET_MS)})`, DAY)}, ${sql.lit(GAP_NONE)},
        province_code, coalesce(district_code, ''),
        case when phone_verified_at is null then 'none' else coalesce(carrier, 'other') end,
        platform, count(*)
      from imported_installs where last_active_at is not null
      group by 1, 2, 3, 4, 5, 6, 7`.execute(trx);
    const grains = [
      { grain: 'province', cols: sql`province_code, '', '', ''`, group: sql`province_code` },
      {
        grain: 'district',
        cols: sql`province_code, district_code, '', ''`,
        group: sql`province_code, district_code`,
      },
      { grain: 'carrier', cols: sql`'', '', carrier, ''`, group: sql`carrier` },
      { grain: 'platform', cols: sql`'', '', '', platform`, group: sql`platform` },
    ];
    for (const g of grains) {
      const kinds = g.grain === 'carrier' ? sql`kind = 'p'` : sql`kind in ('i', 'p')`;
      await sql`insert into stats_counters
        (grain, period, province_code, district_code, carrier, platform, installs, phone_registered,
          ${sql.join(HOUR_COLUMNS.map((c) => sql.ref(c)))})
        select ${sql.lit(g.grain)}, ${dayOfPeriod}, ${g.cols},
          sum(case when kind = 'i' then n else 0 end), sum(case when kind = 'p' then n else 0 end),
          ${sql.join(hourSums)}
        from stats_rebuild where ${kinds} group by ${dayOfPeriod}, ${g.group}`.execute(trx);
      await sql`insert into stats_activity (grain, day, gap, province_code, district_code, carrier, platform, installs)
        select ${sql.lit(g.grain)}, period, gap, ${g.cols}, sum(n)
        from stats_rebuild where kind = 'a' group by period, gap, ${g.group}`.execute(trx);
    }
    const totals = await sql<{ kind: string; n: number | string }>`
      select kind, sum(n) as n from stats_rebuild group by kind`.execute(trx);
    const count = (kind: string) => Number(totals.rows.find((r) => r.kind === kind)?.n ?? 0);
    const rows = await trx
      .selectFrom('stats_counters')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await sql`drop table stats_rebuild`.execute(trx);
    return {
      installs: count('i'),
      phoneRegistered: count('p'),
      checkIns: count('a'),
      counterRows: Number(rows.n),
    };
  });
}
