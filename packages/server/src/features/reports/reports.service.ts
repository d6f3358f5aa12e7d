/**
 * Issued reports (docs/reports.md, "The register"): a report is asked for by kind, parameters and
 * content; its figures come from the statistics at the as-of instant; it is numbered in its
 * series, rendered in every format it has (DOCX, PDF and, with a statistics table, XLSX), and
 * stored with the exact bytes and their SHA-256 in one transaction with its audit entry, so that a
 * re-download returns exactly what was issued. A preview renders the same document without a
 * number and registers nothing. Shared by the admin API and the CLI.
 *
 * Numbering: one series per issuing body, restarting each year (the report date's year, Vietnam
 * time) — a province's quick reports are numbered in the series of its Department of Information
 * and Communications ("05/BC-STTTT"); national and tracing reports share the national series
 * ("12/BC-THH"), since one body issues both.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  buildNationalReport,
  buildQuickReport,
  buildTracingReport,
  type Issuer,
  type ReportDocument,
  type NationalTable as ReportNationalTable,
  renderDocx,
  renderPdf,
  renderXlsx,
} from '@bluezone/reports';
import type { Config } from '../../config.js';
import { newId } from '../../ids.js';
import type { AdminUnits } from '../../reference/admin-units.js';
import type { Storage } from '../../storage/storage.js';
import { vietnamDay } from '../../time.js';
import { DAY_MS, parseAsOf } from '../stats/periods.js';
import {
  nationalStats,
  provinceStats,
  type StatsDeps,
  tracingStats,
  vietnamIso,
} from '../stats/stats.service.js';
import {
  ReportRejected,
  reportNationalTable,
  reportProvinceDistricts,
  reportTracingRows,
  shortProvinceName,
} from './reports.figures.js';
import {
  deleteDraft,
  insertReport,
  nextReportSeq,
  type ReportFileRow,
  type ReportRow,
  reportSeqTaken,
} from './reports.repository.js';
import type { ReportContent, ReportFormat, ReportKind, ReportParams } from './reports.schemas.js';

/** What issuing needs: storage, reference data, the clock and the statistics settings. */
export interface ReportDeps {
  readonly storage: Storage;
  readonly adminUnits: AdminUnits;
  readonly now: () => number;
  readonly config: Pick<Config, 'activeDays' | 'statsMinCell' | 'statsTarget'>;
}

/** A report asked for: kind, parameters, content. */
export interface ReportRequest {
  readonly kind: ReportKind;
  readonly params: ReportParams;
  readonly content?: ReportContent | undefined;
}

/** Media types of the formats. */
export const REPORT_CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The formats of each kind: XLSX is the statistics table, which the tracing report does not have. */
export const FORMATS_OF: Readonly<Record<ReportKind, readonly ReportFormat[]>> = {
  quick: ['docx', 'pdf', 'xlsx'],
  national: ['docx', 'pdf', 'xlsx'],
  tracing: ['docx', 'pdf'],
};

/** The issuing body of national and tracing reports unless the content names another. */
export const NATIONAL_ISSUER: Required<Omit<Issuer, 'number' | 'bodyInSentence'>> = {
  parentBody: 'Bộ Thông tin và Truyền thông',
  body: 'Cục Tin học hóa',
  code: 'THH',
  place: 'Hà Nội',
};

/** The issuing body of a province's quick report: its Department of Information and Communications. */
export function provinceIssuer(fullName: string): Required<Omit<Issuer, 'number' | 'bodyInSentence'>> {
  const short = shortProvinceName(fullName);
  return {
    parentBody: `UBND ${fullName}`,
    body: 'Sở Thông tin và Truyền thông',
    code: 'STTTT',
    place: short === 'Hồ Chí Minh' ? 'Thành phố Hồ Chí Minh' : short,
  };
}

/** "05/BC-STTTT": numbers below 10 padded (Decree 30/2020, Phụ lục I). */
export function reportNumber(seq: number, code: string): string {
  return `${seq < 10 ? `0${seq}` : seq}/BC-${code}`;
}

/** A report ready to render: resolved parameters, the figures, and its document for a number. */
export interface PreparedReport {
  readonly kind: ReportKind;
  readonly series: string;
  readonly year: number;
  readonly provinceCode: string | null;
  readonly reportDate: string;
  readonly asOf: number;
  /** Normalized parameters, as stored. */
  readonly params: Record<string, unknown>;
  /** The content with the effective issuer, as stored. */
  readonly content: ReportContent & { issuer: Omit<Issuer, 'number'> };
  /** The figures printed, as stored. */
  readonly figures: Record<string, unknown>;
  /** Title for file names: "Báo cáo nhanh đợt 1 - Thái Nguyên". */
  readonly title: string;
  readonly formats: readonly ReportFormat[];
  /** The document with number `seq` (undefined: "…", a preview). */
  document(seq: number | undefined): ReportDocument;
  /** The statistics table of the XLSX, if the kind has one. */
  readonly table: ReportNationalTable | undefined;
}

const invalid = (message: string) => new ReportRejected('invalid_request', message);

function instant(value: string, name: string, now: number): number {
  const parsed = parseAsOf(value);
  if (!parsed.ok) throw invalid(`${name}: ${parsed.reason}`);
  if (parsed.ms > now)
    throw invalid(
      `${name} ${value} is in the future (now is ${vietnamIso(now)}); figures exist only up to the last whole hour`,
    );
  return parsed.ms;
}

/** The start of a period: a date is its 00:00 (Vietnam time), an instant itself. */
function periodStart(value: string, name: string, now: number): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) {
    const end = parseAsOf(value);
    if (!end.ok) throw invalid(`${name}: ${end.reason}`);
    if (end.ms - DAY_MS > now)
      throw invalid(`${name} ${value} is in the future (today is ${vietnamDay(now)} in Vietnam)`);
    return end.ms - DAY_MS;
  }
  return instant(value, name, now);
}

function reportDate(params: ReportParams, figuresDay: string, now: number): string {
  const today = vietnamDay(now);
  const date = params.date ?? today;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date)
    throw invalid(`date ${date} is not a calendar date; send YYYY-MM-DD`);
  if (date > today) throw invalid(`date ${date} is in the future (today is ${today} in Vietnam)`);
  if (date < figuresDay) throw invalid(`date ${date} is before the day of its figures (${figuresDay})`);
  return date;
}

function requireProvince(
  adminUnits: AdminUnits,
  code: string | undefined,
  name: string,
): { code: string; name: string } {
  if (code === undefined)
    throw invalid(`a quick report needs params.${name} (the GSO province code, 2 digits)`);
  const province = adminUnits.provinces.get(code);
  if (!province)
    throw invalid(`params.${name}: there is no province ${code}; use a GSO code such as 19 (Thái Nguyên)`);
  return { code, name: province.name };
}

function onlyFor(kind: ReportKind, params: ReportParams, allowed: readonly (keyof ReportParams)[]): void {
  for (const key of Object.keys(params) as (keyof ReportParams)[]) {
    if (params[key] !== undefined && !allowed.includes(key))
      throw invalid(`params.${key} does not apply to a ${kind} report (it takes ${allowed.join(', ')})`);
  }
}

/** Resolves and checks a request, and reads its figures. Throws {@link ReportRejected}. */
export async function prepareReport(deps: ReportDeps, request: ReportRequest): Promise<PreparedReport> {
  const now = deps.now();
  const stats: StatsDeps = { db: deps.storage.db, adminUnits: deps.adminUnits };
  const { activeDays, statsMinCell: k, statsTarget: target } = deps.config;
  const params = request.params;
  const content = request.content ?? {};
  const { issuer: issuerGiven, ...rest } = content;

  if (request.kind === 'quick') {
    onlyFor('quick', params, ['provinceCode', 'round', 'asOf', 'date']);
    const province = requireProvince(deps.adminUnits, params.provinceCode, 'provinceCode');
    if (params.round === undefined)
      throw invalid('a quick report needs params.round (the campaign round "đợt", from 1)');
    if (params.asOf === undefined)
      throw invalid('a quick report needs params.asOf (e.g. 2020-09-13T08:00+07:00)');
    const asOf = instant(params.asOf, 'params.asOf', now);
    const date = reportDate(params, vietnamDay(asOf - 1), now);
    const national = await nationalStats(stats, { asOf, activeDays, k });
    const row = national.provinces.find((p) => p.code === province.code);
    if (!row || row.smartphones === null || row.rate === null)
      throw new ReportRejected(
        'report_figures_missing',
        `${province.name} has no smartphone denominator in effect on ${vietnamDay(asOf - 1)}; import the denominators (bluezone import denominators, or POST /admin/v1/stats/denominators) before reporting its install rate`,
      );
    const table = reportNationalTable(national);
    const issuer = { ...provinceIssuer(province.name), ...issuerGiven };
    const round = params.round;
    return {
      kind: 'quick',
      series: `p:${province.code}`,
      year: Number(date.slice(0, 4)),
      provinceCode: province.code,
      reportDate: date,
      asOf,
      params: { provinceCode: province.code, round, asOf: vietnamIso(asOf), date, activeDays, target },
      content: { ...rest, issuer },
      figures: { national: table },
      title: `Báo cáo nhanh đợt ${round} - ${shortProvinceName(province.name)}`,
      formats: FORMATS_OF.quick,
      table,
      document: (seq) =>
        buildQuickReport({
          provinceCode: province.code,
          round,
          date,
          national: table,
          issuer: seq === undefined ? issuer : { ...issuer, number: seq },
          target,
          ...(rest.narrative ? { narrative: rest.narrative } : {}),
          ...(rest.campaign ? { campaign: rest.campaign } : {}),
          ...(rest.recipients ? { recipients: rest.recipients } : {}),
          ...(rest.signer ? { signer: rest.signer } : {}),
        }),
    };
  }

  if (request.kind === 'national') {
    onlyFor('national', params, ['asOf', 'tracingFrom', 'exampleProvince', 'date']);
    if (params.asOf === undefined)
      throw invalid('a national report needs params.asOf (e.g. 2020-09-13T08:00+07:00)');
    const asOf = instant(params.asOf, 'params.asOf', now);
    const date = reportDate(params, vietnamDay(asOf - 1), now);
    const tracingFrom =
      params.tracingFrom === undefined
        ? asOf - 14 * DAY_MS
        : periodStart(params.tracingFrom, 'params.tracingFrom', now);
    if (tracingFrom >= asOf) throw invalid('params.tracingFrom must be before params.asOf');
    const national = await nationalStats(stats, { asOf, activeDays, k });
    if (national.total.smartphones === null)
      throw new ReportRejected(
        'report_figures_missing',
        `no smartphone denominator is in effect on ${vietnamDay(asOf - 1)}; import the denominators before reporting install rates`,
      );
    const table = reportNationalTable(national);
    let example: ReturnType<typeof reportProvinceDistricts> | undefined;
    if (params.exampleProvince !== undefined) {
      const province = requireProvince(deps.adminUnits, params.exampleProvince, 'exampleProvince');
      const districts = await provinceStats(stats, province.code, { asOf, activeDays, k });
      const row = table.provinces.find((p) => p.code === province.code);
      if (!districts || !row || districts.province.smartphones === null)
        throw new ReportRejected(
          'report_figures_missing',
          `${province.name} (params.exampleProvince) has no smartphone denominator in effect on ${vietnamDay(asOf - 1)}`,
        );
      example = reportProvinceDistricts(districts, row);
    }
    const tracing = await tracingStats(stats, tracingFrom, asOf);
    const tracingFigures = {
      from: vietnamIso(tracingFrom),
      to: vietnamIso(asOf - 1000),
      rows: reportTracingRows(tracing),
    };
    const issuer = { ...NATIONAL_ISSUER, ...issuerGiven };
    return {
      kind: 'national',
      series: 'national',
      year: Number(date.slice(0, 4)),
      provinceCode: null,
      reportDate: date,
      asOf,
      params: {
        asOf: vietnamIso(asOf),
        tracingFrom: vietnamIso(tracingFrom),
        ...(example ? { exampleProvince: params.exampleProvince } : {}),
        date,
        activeDays,
        target,
      },
      content: { ...rest, issuer },
      figures: { national: table, tracing: tracingFigures, ...(example ? { example } : {}) },
      title: 'Báo cáo kết quả cài đặt Bluezone toàn quốc',
      formats: FORMATS_OF.national,
      table,
      document: (seq) =>
        buildNationalReport({
          date,
          national: table,
          issuer: seq === undefined ? issuer : { ...issuer, number: seq },
          target,
          activeDays,
          tracing: tracingFigures,
          ...(example ? { example } : {}),
          ...(rest.directions ? { directions: rest.directions } : {}),
          ...(rest.recipients ? { recipients: rest.recipients } : {}),
          ...(rest.signer ? { signer: rest.signer } : {}),
        }),
    };
  }

  onlyFor('tracing', params, ['from', 'to', 'date']);
  if (params.from === undefined || params.to === undefined)
    throw invalid('a tracing report needs params.from and params.to (dates or whole hours, Vietnam time)');
  const from = periodStart(params.from, 'params.from', now);
  const to = instant(params.to, 'params.to', now);
  if (to <= from) throw invalid('params.to must be after params.from');
  const date = reportDate(params, vietnamDay(to - 1), now);
  const tracing = await tracingStats(stats, from, to);
  const figures = { from: vietnamIso(from), to: vietnamIso(to - 1000), rows: reportTracingRows(tracing) };
  const issuer = { ...NATIONAL_ISSUER, ...issuerGiven };
  return {
    kind: 'tracing',
    series: 'national',
    year: Number(date.slice(0, 4)),
    provinceCode: null,
    reportDate: date,
    asOf: to,
    params: { from: vietnamIso(from), to: vietnamIso(to), date },
    content: { ...rest, issuer },
    figures: { tracing: figures },
    title: 'Báo cáo kết quả truy vết',
    formats: FORMATS_OF.tracing,
    table: undefined,
    document: (seq) =>
      buildTracingReport({
        date,
        from: figures.from,
        to: figures.to,
        rows: figures.rows,
        issuer: seq === undefined ? issuer : { ...issuer, number: seq },
        ...(rest.assessment ? { assessment: rest.assessment } : {}),
        ...(rest.recipients ? { recipients: rest.recipients } : {}),
        ...(rest.signer ? { signer: rest.signer } : {}),
      }),
  };
}

/** Renders `formats` of a prepared report with number `seq` (undefined: a preview). */
export async function renderReport(
  prepared: PreparedReport,
  seq: number | undefined,
  formats: readonly ReportFormat[] = prepared.formats,
): Promise<Map<ReportFormat, Uint8Array>> {
  const doc = prepared.document(seq);
  const out = new Map<ReportFormat, Uint8Array>();
  for (const format of formats) {
    if (format === 'docx') out.set(format, await renderDocx(doc));
    else if (format === 'pdf') out.set(format, await renderPdf(doc));
    else {
      if (!prepared.table) throw invalid(`a ${prepared.kind} report has no XLSX; ask for docx or pdf`);
      out.set(
        format,
        await renderXlsx(prepared.table, {
          author: prepared.content.issuer.body,
          created: doc.meta.created,
          ...(prepared.provinceCode === null ? {} : { highlight: prepared.provinceCode }),
        }),
      );
    }
  }
  return out;
}

/** Lower-case hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An issued report: its register row and its files. */
export interface IssuedReport {
  readonly report: ReportRow;
  readonly files: readonly ReportFileRow[];
}

/** How often issuing draws a new number after losing a race for one. */
const NUMBER_ATTEMPTS = 5;

/**
 * Issues a report: numbers it, renders every format, stores row, files and the audit entry
 * `report.issue` in one transaction (and removes draft `options.draftId`, if given).
 */
export async function issueReport(
  deps: ReportDeps,
  request: ReportRequest,
  author: string,
  options: { draftId?: string } = {},
): Promise<IssuedReport> {
  const prepared = await prepareReport(deps, request);
  const db = deps.storage.db;
  for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt++) {
    const seq = await nextReportSeq(db, prepared.series, prepared.year);
    const rendered = await renderReport(prepared, seq);
    const now = deps.now();
    const id = newId('rpt_');
    const code = prepared.content.issuer.code;
    const report: ReportRow = {
      id,
      kind: prepared.kind,
      series: prepared.series,
      year: prepared.year,
      seq,
      number: reportNumber(seq, code),
      province_code: prepared.provinceCode,
      report_date: prepared.reportDate,
      as_of: prepared.asOf,
      params: JSON.stringify(prepared.params),
      content: JSON.stringify(prepared.content),
      figures: JSON.stringify(prepared.figures),
      author,
      created_at: now,
    };
    const files: ReportFileRow[] = [...rendered].map(([format, bytes]) => ({
      report_id: id,
      format,
      content_type: REPORT_CONTENT_TYPES[format],
      bytes,
      sha256: sha256Hex(bytes),
      size: bytes.length,
    }));
    try {
      await deps.storage.transaction(async (trx) => {
        await insertReport(trx, report, files);
        await trx
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: now,
            actor: author,
            action: 'report.issue',
            subject: `report:${id}`,
            details: JSON.stringify({
              kind: report.kind,
              number: report.number,
              year: report.year,
              params: prepared.params,
              files: Object.fromEntries(files.map((f) => [f.format, f.sha256])),
            }),
          })
          .execute();
        if (options.draftId !== undefined) await deleteDraft(trx, options.draftId);
      });
    } catch (error) {
      // Another issue took this number between reading and inserting: draw the next one.
      if (await reportSeqTaken(db, prepared.series, prepared.year, seq)) continue;
      throw error;
    }
    return { report, files };
  }
  throw new Error(`could not number a report in series ${prepared.series} after ${NUMBER_ATTEMPTS} attempts`);
}

/** Renders one format of a report without numbering or registering it. */
export async function previewReport(
  deps: ReportDeps,
  request: ReportRequest,
  format: ReportFormat,
): Promise<{ bytes: Uint8Array; title: string; date: string }> {
  const prepared = await prepareReport(deps, request);
  if (!prepared.formats.includes(format))
    throw invalid(
      `a ${prepared.kind} report has no ${format.toUpperCase()}; ask for ${prepared.formats.join(' or ')}`,
    );
  const rendered = await renderReport(prepared, undefined, [format]);
  return { bytes: rendered.get(format)!, title: prepared.title, date: prepared.reportDate };
}

/** The title of an issued report for its file names. */
export function reportTitle(
  row: Pick<ReportRow, 'kind' | 'params' | 'province_code'>,
  adminUnits: AdminUnits,
): string {
  if (row.kind === 'quick') {
    const params = JSON.parse(row.params) as { round?: number };
    const name = shortProvinceName(
      adminUnits.provinces.get(row.province_code ?? '')?.name ?? row.province_code ?? '',
    );
    return `Báo cáo nhanh đợt ${params.round ?? ''} - ${name}`;
  }
  return row.kind === 'national' ? 'Báo cáo kết quả cài đặt Bluezone toàn quốc' : 'Báo cáo kết quả truy vết';
}

/** "05-BC-STTTT Báo cáo nhanh đợt 1 - Thái Nguyên 2020-09-13.docx". */
export function reportFileName(
  number: string | undefined,
  title: string,
  date: string,
  format: ReportFormat,
): string {
  const head = number === undefined ? 'Bản xem trước -' : number.replaceAll('/', '-');
  // The parts are ours (titles, province names, a validated date and issuer code): no control characters.
  return `${head} ${title} ${date}.${format}`.replace(/[\\/:*?"<>|]/g, '-');
}

/**
 * A Content-Disposition header for `name`: an ASCII fallback (diacritics removed, "đ" → "d") and
 * the exact UTF-8 name as RFC 5987/6266 `filename*`.
 */
export function contentDisposition(name: string): string {
  const ascii = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replaceAll('đ', 'd')
    .replaceAll('Đ', 'D')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
