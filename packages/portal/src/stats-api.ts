/**
 * The statistics and reports calls of the admin API (docs/statistics.md, docs/reports.md):
 * `/admin/v1/stats/*` and `/admin/v1/reports`. Rates are fractions (0.2707 = 27,07 %); a count is
 * null only in public (suppressed) outputs, which the portal does not ask for.
 */
import { apiCall, callRaw, withQuery } from './api';

export interface AreaStat {
  readonly code: string;
  readonly name: string;
  readonly installs: number | null;
  readonly phoneRegistered: number | null;
  readonly active: number | null;
  readonly smartphones: number | null;
  readonly rate: number | null;
  readonly rank: number | null;
}

export interface ProvinceStat extends AreaStat {
  readonly change: {
    readonly since: string;
    readonly installs: number | null;
    readonly phoneRegistered: number | null;
    readonly rate: number | null;
    /** Previous rank − rank: positive = moved up. */
    readonly rank: number | null;
  } | null;
}

export interface TotalStat {
  readonly installs: number;
  readonly phoneRegistered: number;
  readonly active: number;
  readonly smartphones: number | null;
  readonly rate: number | null;
}

export interface CarrierStat {
  readonly carrier: string;
  readonly name: string;
  readonly phoneRegistered: number | null;
  readonly smartphones: number | null;
  readonly rate: number | null;
}

export interface NationalStats {
  readonly asOf: string;
  readonly activeDays: number;
  readonly provinces: ProvinceStat[];
  readonly total: TotalStat;
  readonly carriers: CarrierStat[];
}

export interface Progress {
  readonly code: string | null;
  readonly name: string;
  readonly target: number;
  readonly rate: number | null;
  /** target − rate (fraction points). */
  readonly gap: number | null;
  readonly progress: number | null;
  readonly phoneRegisteredNeeded: number | null;
}

export interface ProgressStats {
  readonly asOf: string;
  readonly target: number;
  readonly total: Progress;
  readonly provinces: Progress[];
}

export interface ProvinceDistricts {
  readonly asOf: string;
  readonly activeDays: number;
  readonly province: ProvinceStat;
  readonly districts: AreaStat[];
  readonly unknownDistrict: {
    readonly installs: number;
    readonly phoneRegistered: number;
    readonly active: number;
  };
}

export interface SeriesPoint {
  readonly date: string;
  readonly installs: number | null;
  readonly phoneRegistered: number | null;
  readonly active: number | null;
  readonly smartphones: number | null;
  readonly rate: number | null;
}

/** `asOf` as the API takes it: an ISO instant on a whole hour, or undefined for the last whole hour. */
export type AsOf = string | undefined;

export const nationalStats = (asOf: AsOf) =>
  apiCall<NationalStats>('GET', withQuery('/admin/v1/stats/national', { asOf }));
export const progressStats = (asOf: AsOf) =>
  apiCall<ProgressStats>('GET', withQuery('/admin/v1/stats/progress', { asOf }));
export const provinceStats = (code: string, asOf: AsOf) =>
  apiCall<ProvinceDistricts>(
    'GET',
    withQuery(`/admin/v1/stats/provinces/${encodeURIComponent(code)}`, { asOf }),
  );
export const seriesStats = (query: { from: string; to: string; provinceCode?: string }) =>
  apiCall<{ provinceCode: string | null; points: SeriesPoint[] }>(
    'GET',
    withQuery('/admin/v1/stats/series', query),
  );

export interface ImportSummary {
  readonly importId: string;
  readonly kind: string;
  readonly rows: number;
  readonly phoneRegistered?: number;
  readonly withActivity?: number;
}

/** Uploads a CSV file to `POST /admin/v1/stats/{kind}` (all or nothing). */
export const importCsv = (kind: 'denominators' | 'installs', text: string) =>
  callRaw<ImportSummary>(`/admin/v1/stats/${kind}`, { text, type: 'text/csv' }, 'json');

// ---- Reports ----

export type ReportKind = 'quick' | 'national' | 'tracing';
export type ReportFormat = 'docx' | 'pdf' | 'xlsx';

export interface ReportFile {
  readonly format: ReportFormat;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly url: string;
}

export interface IssuedReport {
  readonly id: string;
  readonly kind: ReportKind;
  readonly number: string;
  readonly date: string;
  readonly asOf: string;
  readonly provinceCode: string | null;
  readonly params: ReportParams;
  readonly author: string;
  readonly createdAt: string;
  readonly files: ReportFile[];
}

export interface ReportParams {
  provinceCode?: string;
  round?: number;
  asOf?: string;
  exampleProvince?: string;
  tracingFrom?: string;
  from?: string;
  to?: string;
  date?: string;
}

export interface ReportContent {
  narrative?: {
    basis?: string;
    basisIssuer?: string;
    directives?: string;
    agencies?: string;
    propaganda?: string;
    telecom?: string;
    grassroots?: string;
    lessons?: string[];
    proposals?: string[];
  };
  campaign?: {
    press?: { from: string; to: string; articles: number; outlets: number };
    smsMessages?: number;
    zaloMessages?: number;
    audioFiles?: number;
    fanpages?: { name: string; followers: number }[];
  };
  directions?: string[];
  issuer?: { parentBody?: string; body?: string; code?: string; place?: string };
  signer?: { authority?: string; title?: string; name?: string };
  recipients?: string[];
}

export interface ReportRequest {
  readonly kind: ReportKind;
  readonly params: ReportParams;
  readonly content?: ReportContent;
}

export const listReports = (query: { kind?: ReportKind; cursor?: string | null } = {}) =>
  apiCall<{ reports: IssuedReport[]; nextCursor: string | null }>(
    'GET',
    withQuery('/admin/v1/reports', { ...query, limit: 50 }),
  );
export const issueReport = (request: ReportRequest) =>
  apiCall<IssuedReport>('POST', '/admin/v1/reports', request);
/** Renders a report without numbering or registering it. */
export const previewReport = (request: ReportRequest, format: ReportFormat) =>
  callRaw<Blob>(
    withQuery('/admin/v1/reports/preview', { format }),
    { text: JSON.stringify(request), type: 'application/json' },
    'blob',
  );

// ---- As of ----

const HOUR = 3_600_000;
const VN_OFFSET = 7 * HOUR;

/** The Vietnamese date (YYYY-MM-DD) and hour (0–24) of an instant; 24:00 is written as that day's end. */
export function vietnamDateHour(iso: string): { date: string; hour: number } {
  const local = new Date(Date.parse(iso) + VN_OFFSET);
  const hour = local.getUTCHours();
  if (hour === 0) {
    // 00:00 is 24:00 of the day before, as the documents write it ("tính đến 24h00 ngày 12/9").
    const before = new Date(local.getTime() - 24 * HOUR);
    return { date: before.toISOString().slice(0, 10), hour: 24 };
  }
  return { date: local.toISOString().slice(0, 10), hour };
}

/** The ISO instant of a Vietnamese date and hour (0–24), as the API takes it. */
export function asOfParam(date: string, hour: number): string {
  const day = hour === 24 ? nextDay(date) : date;
  return `${day}T${String(hour % 24).padStart(2, '0')}:00:00+07:00`;
}

/** The calendar day after `day` (YYYY-MM-DD). */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);
}

/** The calendar day `n` days before `day` (YYYY-MM-DD). */
export function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 24 * HOUR).toISOString().slice(0, 10);
}
