/**
 * From the statistics tables (features/stats, nullable where a figure is unknown) to the inputs of
 * the reports package (`@bluezone/reports` figures, every figure a number). The reports print
 * province names without the "Tỉnh"/"Thành phố" prefix (they write "tỉnh Thái Nguyên" themselves).
 *
 * A province without a smartphone denominator has no rate: it is printed with 0 smartphones, rate
 * 0 and the rank shared by the provinces of rate 0 (1 + the provinces with a positive rate). A
 * quick report of such a province, or a national report without any denominator, is refused
 * ({@link ReportRejected}, `report_figures_missing`): its sentences would be wrong.
 *
 * @module
 */
import type {
  AreaStat,
  CarrierStat,
  NationalTable as ReportNationalTable,
  ProvinceDistricts as ReportProvinceDistricts,
  TracingYieldRow as ReportTracingRow,
} from '@bluezone/reports';
import type { AreaRow, NationalTable, ProvinceDistricts, TracingYield } from '../stats/table.js';

/** A report that cannot be made as asked: bad parameters, or figures that do not exist yet. */
export class ReportRejected extends Error {
  override readonly name = 'ReportRejected';
  readonly code: 'invalid_request' | 'report_figures_missing' | 'not_found' | 'forbidden';

  constructor(code: ReportRejected['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** "Thái Nguyên" from "Tỉnh Thái Nguyên", "Hà Nội" from "Thành phố Hà Nội". */
export function shortProvinceName(name: string): string {
  return name.replace(/^(Tỉnh|Thành phố)\s+/u, '');
}

function areaStats(rows: readonly AreaRow[], shortNames: boolean): AreaStat[] {
  const positive = rows.filter((r) => r.rate !== null && r.rate > 0).length;
  return rows.map((r) => ({
    code: r.code,
    name: shortNames ? shortProvinceName(r.name) : r.name,
    installs: r.installs ?? 0,
    phoneRegistered: r.phoneRegistered ?? 0,
    active: r.active ?? 0,
    smartphones: r.smartphones ?? 0,
    rate: r.rate ?? 0,
    rank: r.rank ?? positive + 1,
  }));
}

/** The national table as the reports print it. */
export function reportNationalTable(table: NationalTable): ReportNationalTable {
  const carriers: CarrierStat[] = [];
  for (const c of table.carriers) {
    if (c.rate === null || c.smartphones === null || c.phoneRegistered === null) continue;
    carriers.push({
      carrier: c.carrier,
      phoneRegistered: c.phoneRegistered,
      smartphones: c.smartphones,
      rate: c.rate,
    });
  }
  return {
    asOf: table.asOf,
    provinces: areaStats(table.provinces, true),
    total: {
      installs: table.total.installs,
      phoneRegistered: table.total.phoneRegistered,
      active: table.total.active,
      smartphones: table.total.smartphones ?? 0,
      rate: table.total.rate ?? 0,
    },
    carriers,
  };
}

/** A province with its districts as the reports print it. */
export function reportProvinceDistricts(
  stats: ProvinceDistricts,
  nationalRow: AreaStat,
): ReportProvinceDistricts {
  return { province: nationalRow, districts: areaStats(stats.districts, false) };
}

/** The tracing rows as the reports print them. */
export function reportTracingRows(tracing: TracingYield): ReportTracingRow[] {
  return tracing.provinces.map((p) => ({
    code: p.code,
    name: shortProvinceName(p.name),
    cases: p.cases,
    f1: p.f1,
    f2: p.f2,
  }));
}
