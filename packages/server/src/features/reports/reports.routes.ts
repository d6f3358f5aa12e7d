/**
 * Admin API of issued reports (docs/api.md, "Reports"; the register: docs/reports.md):
 *
 * - `POST /admin/v1/reports` — issue: number, render DOCX/PDF(/XLSX), register; 201 with links.
 * - `GET /admin/v1/reports` — the register, newest first, filtered and paginated.
 * - `GET /admin/v1/reports/{id}` — one report with its parameters, content and figures.
 * - `GET /admin/v1/reports/{id}/file.{docx|pdf|xlsx}` — the exact bytes issued (strong ETag =
 *   SHA-256, Content-Disposition with the Vietnamese file name as RFC 5987 `filename*`).
 * - `POST /admin/v1/reports/preview?format=` — render without numbering or registering.
 * - `/admin/v1/reports/drafts` — narrative saved before issuing (POST, GET, PUT, DELETE).
 *
 * Scope: reading needs `stats.read`; a caller scoped to a province sees only that province's quick
 * reports (404 for any other id). Issuing, previewing and drafts need a national or province admin
 * (or an admin API key); national and tracing reports need national scope (national admin or key).
 * Issues and downloads are audited (`report.issue`, `report.download`).
 *
 * @module
 */
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { type AdminPrincipal, actorOf, authenticateAdmin } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { decodeCursor, encodeCursor } from '../../pagination.js';
import { ErrorResponse } from '../../schemas.js';
import { matchesEtag } from '../exports/exports.routes.js';
import { vietnamIso } from '../stats/stats.service.js';
import { ReportRejected } from './reports.figures.js';
import {
  authorNames,
  deleteDraft,
  findDraft,
  findReport,
  findReportFile,
  insertDraft,
  listDrafts,
  listReports,
  type ReportDraftRow,
  type ReportFileInfo,
  type ReportRow,
  reportFileInfos,
  updateDraft,
} from './reports.repository.js';
import {
  DraftRequest,
  IssueReportRequest,
  REPORT_FORMATS,
  REPORT_KINDS,
  type ReportContent,
  type ReportFormat,
  type ReportKind,
  type ReportParams,
} from './reports.schemas.js';
import {
  contentDisposition,
  issueReport,
  previewReport,
  REPORT_CONTENT_TYPES,
  type ReportDeps,
  reportFileName,
  reportTitle,
} from './reports.service.js';

const FileSchema = Type.Object({
  format: Type.String(),
  contentType: Type.String(),
  size: Type.Integer({ description: 'bytes' }),
  sha256: Type.String({ description: 'hex SHA-256 of the bytes; the download’s ETag' }),
  url: Type.String({ description: 'download link' }),
});
const ReportSummary = {
  id: Type.String(),
  kind: Type.String(),
  number: Type.String({ description: 'as printed: "05/BC-STTTT"' }),
  year: Type.Integer(),
  sequence: Type.Integer({ description: 'the number within the series and year' }),
  date: Type.String({ description: 'report date (YYYY-MM-DD)' }),
  asOf: Type.String({ description: 'figures as of (tracing: end of the period), Vietnam time' }),
  provinceCode: Type.Union([Type.String(), Type.Null()]),
  params: Type.Unknown({ description: 'the parameters as resolved' }),
  author: Type.String({ description: 'user:<id>, apikey:<id> or cli' }),
  authorName: Type.String({ description: 'the username, "API key <name>", or cli' }),
  createdAt: Type.String(),
  files: Type.Array(FileSchema),
};
const ReportSummarySchema = Type.Object(ReportSummary);
const ReportDetailSchema = Type.Object({
  ...ReportSummary,
  content: Type.Unknown({ description: 'narrative, campaign figures, issuer, signer, recipients as issued' }),
  figures: Type.Unknown({ description: 'the figures printed' }),
});
const DraftSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  params: Type.Unknown(),
  content: Type.Unknown(),
  author: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

const notFound = (id: string) => new ApiError('not_found', `no report ${JSON.stringify(id)} in your scope`);
const draftNotFound = (id: string) =>
  new ApiError('not_found', `no report draft ${JSON.stringify(id)} in your scope`);

/** Whether `principal` may read a report or draft of `kind` for `provinceCode`. */
function visible(principal: AdminPrincipal, kind: string, provinceCode: string | null): boolean {
  const own = principal.scope.provinceCode;
  return own === undefined || (kind === 'quick' && provinceCode === own);
}

/** Throws unless `principal` may issue (preview, draft) a report of `kind` for `provinceCode`. */
function checkWrite(principal: AdminPrincipal, kind: ReportKind, provinceCode: string | undefined): void {
  const admin =
    principal.kind === 'apikey' || principal.role === 'national_admin' || principal.role === 'province_admin';
  if (!admin)
    throw new ApiError('forbidden', `the role ${principal.role} may read reports but not issue them`);
  const own = principal.scope.provinceCode;
  if (own === undefined) return;
  if (kind !== 'quick') throw new ApiError('forbidden', `${kind} reports are issued by a national admin`);
  if (provinceCode !== undefined && provinceCode !== own)
    throw new ApiError('forbidden', `you may issue quick reports only for your province (${own})`);
}

function toApiError(error: unknown): unknown {
  return error instanceof ReportRejected ? new ApiError(error.code, error.message) : error;
}

function summary(row: ReportRow, files: readonly ReportFileInfo[], names: ReadonlyMap<string, string>) {
  return {
    id: row.id,
    kind: row.kind,
    number: row.number,
    year: Number(row.year),
    sequence: Number(row.seq),
    date: row.report_date,
    asOf: vietnamIso(Number(row.as_of)),
    provinceCode: row.province_code,
    params: JSON.parse(row.params) as unknown,
    author: row.author,
    authorName: names.get(row.author) ?? row.author,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    files: files.map((f) => ({
      format: f.format,
      contentType: f.content_type,
      size: Number(f.size),
      sha256: f.sha256,
      url: `/admin/v1/reports/${row.id}/file.${f.format}`,
    })),
  };
}

function draftView(row: ReportDraftRow) {
  const body = JSON.parse(row.body) as { params: unknown; content: unknown };
  return {
    id: row.id,
    kind: row.kind,
    params: body.params,
    content: body.content,
    author: row.author,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

function deps(ctx: AppContext): ReportDeps {
  return { storage: ctx.storage, adminUnits: ctx.adminUnits, now: ctx.now, config: ctx.config };
}

/** The request with a draft's params and content filled in (request fields win). */
async function withDraft(
  ctx: AppContext,
  principal: AdminPrincipal,
  body: IssueReportRequest,
): Promise<{ kind: ReportKind; params: ReportParams; content?: ReportContent | undefined }> {
  if (body.draftId === undefined) return body;
  const draft = await findDraft(ctx.storage.db, body.draftId);
  if (!draft || !visible(principal, draft.kind, draft.province_code)) throw draftNotFound(body.draftId);
  if (draft.kind !== body.kind)
    throw new ApiError(
      'invalid_request',
      `draft ${body.draftId} is of a ${draft.kind} report, not ${body.kind}`,
    );
  const saved = JSON.parse(draft.body) as { params: ReportParams; content?: ReportContent };
  return {
    kind: body.kind,
    // A province user's quick draft belongs to their province even before it names it.
    params: {
      ...(draft.province_code === null ? {} : { provinceCode: draft.province_code }),
      ...saved.params,
      ...body.params,
    },
    content: body.content ?? saved.content,
  };
}

/** Quick drafts of a province user belong to their province. */
function draftProvince(principal: AdminPrincipal, body: DraftRequest): string | null {
  if (body.kind !== 'quick') return null;
  return body.params.provinceCode ?? principal.scope.provinceCode ?? null;
}

export const reportRoutes: RouteModule = async (app, ctx) => {
  app.post(
    '/admin/v1/reports',
    {
      schema: {
        tags: ['admin'],
        summary: 'Issue a report: number it, render DOCX, PDF (and XLSX), register the exact bytes',
        body: IssueReportRequest,
        response: {
          201: ReportSummarySchema,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      checkWrite(principal, request.body.kind, request.body.params.provinceCode);
      const asked = await withDraft(ctx, principal, request.body);
      checkWrite(principal, asked.kind, asked.params.provinceCode);
      try {
        const issued = await issueReport(
          deps(ctx),
          asked,
          actorOf(principal),
          request.body.draftId === undefined ? {} : { draftId: request.body.draftId },
        );
        return reply
          .status(201)
          .header('location', `/admin/v1/reports/${issued.report.id}`)
          .send(
            summary(issued.report, issued.files, await authorNames(ctx.storage.db, [issued.report.author])),
          );
      } catch (error) {
        throw toApiError(error);
      }
    },
  );

  app.post(
    '/admin/v1/reports/preview',
    {
      schema: {
        tags: ['admin'],
        summary: 'Render a report in one format without numbering or registering it',
        querystring: Type.Object({ format: Type.Enum([...REPORT_FORMATS]) }, { additionalProperties: false }),
        body: IssueReportRequest,
        produces: [...Object.values(REPORT_CONTENT_TYPES), 'application/json'],
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      checkWrite(principal, request.body.kind, request.body.params.provinceCode);
      const asked = await withDraft(ctx, principal, request.body);
      checkWrite(principal, asked.kind, asked.params.provinceCode);
      const format = request.query.format;
      try {
        const preview = await previewReport(deps(ctx), asked, format);
        return reply
          .header('content-type', REPORT_CONTENT_TYPES[format])
          .header(
            'content-disposition',
            contentDisposition(reportFileName(undefined, preview.title, preview.date, format)),
          )
          .header('cache-control', 'no-store')
          .send(Buffer.from(preview.bytes));
      } catch (error) {
        throw toApiError(error);
      }
    },
  );

  app.get(
    '/admin/v1/reports',
    {
      schema: {
        tags: ['admin'],
        summary: 'The register of issued reports, newest first',
        querystring: Type.Object(
          {
            kind: Type.Optional(Type.Enum([...REPORT_KINDS])),
            provinceCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
            year: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
            limit: Type.Optional(
              Type.String({
                pattern: '^[0-9]{1,3}$',
                description: `1 to ${MAX_PAGE}, default ${DEFAULT_PAGE}`,
              }),
            ),
            cursor: Type.Optional(
              Type.String({ maxLength: 200, description: 'nextCursor of the previous page' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            reports: Type.Array(ReportSummarySchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const q = request.query;
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      if (limit < 1 || limit > MAX_PAGE)
        throw new ApiError('invalid_request', `limit must be from 1 to ${MAX_PAGE}, got ${limit}`);
      if (q.provinceCode !== undefined && !ctx.adminUnits.provinces.has(q.provinceCode))
        throw new ApiError('invalid_request', `there is no province ${q.provinceCode}`);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const rows = await listReports(ctx.storage.db, {
        kind: q.kind,
        provinceCode: q.provinceCode,
        year: q.year === undefined ? undefined : Number(q.year),
        scope: principal.scope,
        limit: limit + 1,
        after: after && { createdAt: after.time, id: after.id },
      });
      const page = rows.slice(0, limit);
      const files = await reportFileInfos(
        ctx.storage.db,
        page.map((r) => r.id),
      );
      const names = await authorNames(
        ctx.storage.db,
        page.map((r) => r.author),
      );
      const last = page[page.length - 1];
      return {
        reports: page.map((r) => summary(r, files.get(r.id) ?? [], names)),
        nextCursor:
          rows.length > limit && last ? encodeCursor({ time: Number(last.created_at), id: last.id }) : null,
      };
    },
  );

  // Drafts before `/:id` routes read better; the router prefers static segments anyway.
  app.post(
    '/admin/v1/reports/drafts',
    {
      schema: {
        tags: ['admin'],
        summary: 'Save a draft: parameters and narrative before issuing',
        body: DraftRequest,
        response: { 201: DraftSchema, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const body = request.body;
      checkWrite(principal, body.kind, body.params.provinceCode);
      const now = ctx.now();
      const row: ReportDraftRow = {
        id: newId('rdf_'),
        kind: body.kind,
        province_code: draftProvince(principal, body),
        body: JSON.stringify({ params: body.params, content: body.content ?? {} }),
        author: actorOf(principal),
        created_at: now,
        updated_at: now,
      };
      await insertDraft(ctx.storage.db, row);
      return reply.status(201).send(draftView(row));
    },
  );

  app.get(
    '/admin/v1/reports/drafts',
    {
      schema: {
        tags: ['admin'],
        summary: 'Drafts in your scope, most recently saved first',
        response: {
          200: Type.Object({ drafts: Type.Array(DraftSchema) }),
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      return { drafts: (await listDrafts(ctx.storage.db, principal.scope, MAX_PAGE)).map(draftView) };
    },
  );

  app.get(
    '/admin/v1/reports/drafts/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'A draft',
        params: IdParams,
        response: { 200: DraftSchema, 404: ErrorResponse },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const draft = await findDraft(ctx.storage.db, request.params.id);
      if (!draft || !visible(principal, draft.kind, draft.province_code))
        throw draftNotFound(request.params.id);
      return draftView(draft);
    },
  );

  app.put(
    '/admin/v1/reports/drafts/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Replace a draft (parameters and content as a whole)',
        params: IdParams,
        body: DraftRequest,
        response: { 200: DraftSchema, 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const draft = await findDraft(ctx.storage.db, request.params.id);
      if (!draft || !visible(principal, draft.kind, draft.province_code))
        throw draftNotFound(request.params.id);
      const body = request.body;
      checkWrite(principal, body.kind, body.params.provinceCode);
      const changes = {
        kind: body.kind,
        province_code: draftProvince(principal, body),
        body: JSON.stringify({ params: body.params, content: body.content ?? {} }),
        author: actorOf(principal),
        updated_at: ctx.now(),
      };
      await updateDraft(ctx.storage.db, draft.id, changes);
      return draftView({ ...draft, ...changes });
    },
  );

  app.delete(
    '/admin/v1/reports/drafts/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a draft',
        params: IdParams,
        response: { 204: Type.Null(), 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const draft = await findDraft(ctx.storage.db, request.params.id);
      if (!draft || !visible(principal, draft.kind, draft.province_code))
        throw draftNotFound(request.params.id);
      checkWrite(principal, draft.kind as ReportKind, draft.province_code ?? undefined);
      await deleteDraft(ctx.storage.db, draft.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/admin/v1/reports/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'An issued report: number, parameters, content, figures, files',
        params: IdParams,
        response: { 200: ReportDetailSchema, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const row = await findReport(ctx.storage.db, request.params.id);
      if (!row || !visible(principal, row.kind, row.province_code)) throw notFound(request.params.id);
      const files = await reportFileInfos(ctx.storage.db, [row.id]);
      return {
        ...summary(row, files.get(row.id) ?? [], await authorNames(ctx.storage.db, [row.author])),
        content: JSON.parse(row.content) as unknown,
        figures: JSON.parse(row.figures) as unknown,
      };
    },
  );

  app.get(
    '/admin/v1/reports/:id/file.:format',
    {
      schema: {
        tags: ['admin'],
        summary: 'Download a format of an issued report: exactly the bytes issued (ETag = SHA-256)',
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 64 }),
          format: Type.Enum([...REPORT_FORMATS]),
        }),
        produces: [...Object.values(REPORT_CONTENT_TYPES), 'application/json'],
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'stats.read');
      const { id, format } = request.params;
      const row = await findReport(ctx.storage.db, id);
      if (!row || !visible(principal, row.kind, row.province_code)) throw notFound(id);
      const file = await findReportFile(ctx.storage.db, id, format);
      if (!file)
        throw new ApiError(
          'not_found',
          `report ${row.number} has no ${format.toUpperCase()} (a ${row.kind} report)`,
        );
      const etag = `"${file.sha256}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
      // HEAD (answered from this handler) delivers no file: not a download.
      if (request.method === 'GET')
        await ctx.storage.db
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: ctx.now(),
            actor: actorOf(principal),
            action: 'report.download',
            subject: `report:${id}`,
            details: JSON.stringify({ format, number: row.number, sha256: file.sha256 }),
          })
          .execute();
      const name = reportFileName(
        row.number,
        reportTitle(row, ctx.adminUnits),
        row.report_date,
        format as ReportFormat,
      );
      return reply
        .header('content-type', file.content_type)
        .header('content-disposition', contentDisposition(name))
        .send(Buffer.from(file.bytes));
    },
  );
};
