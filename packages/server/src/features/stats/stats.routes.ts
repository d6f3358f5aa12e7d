/**
 * The statistics admin API (docs/api.md, "Statistics"; definitions in docs/statistics.md). Every
 * route needs `stats.read` (imports: `stats.import` and national scope, i.e. a national admin or
 * an admin API key).
 *
 * - `GET /admin/v1/stats/national` — the 63-province table ranked by rate, total, carriers, with
 *   the change since the previous period. Not personal data: every role sees the whole table.
 * - `GET /admin/v1/stats/ranking` — top-N and bottom-N provinces.
 * - `GET /admin/v1/stats/carriers` — rate per carrier.
 * - `GET /admin/v1/stats/provinces/{code}` — a province with its districts (province users: their
 *   own province only; 404 outside the scope, like the rest of the admin API).
 * - `GET /admin/v1/stats/series` — daily figures, national or of a province (scoped likewise).
 * - `GET /admin/v1/stats/progress` — progress of the country and each province to the target.
 * - `GET /admin/v1/stats/tracing` — cases, F1 and F2 per province over a period (province users:
 *   their province).
 * - `POST /admin/v1/stats/denominators`, `POST /admin/v1/stats/installs` — CSV imports (text/csv
 *   body), all or nothing; 400 `import_invalid` names the bad lines.
 *
 * Query parameters: `asOf` (ISO instant on a whole hour, or a date = its 24:00 Vietnam time;
 * default: the last whole hour), `previousAsOf` (default: 24 h before asOf), `activeDays`
 * (default BLUEZONE_ACTIVE_DAYS), `public=true` (suppress counts below BLUEZONE_STATS_MIN_CELL).
 *
 * @module
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { type AdminPrincipal, actorOf, authenticateAdmin } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { DateString, ErrorResponse } from '../../schemas.js';
import { ImportRejected, type ImportSummary, importDenominators, importInstalls } from './imports.js';
import { DAY_MS, HOUR_MS, MAX_ACTIVE_DAYS, parseAsOf } from './periods.js';
import {
  MAX_SERIES_DAYS,
  nationalStats,
  provinceStats,
  type StatsDeps,
  seriesStats,
  tracingStats,
} from './stats.service.js';
import { targetProgress, topAndBottom } from './table.js';

const Count = Type.Union([Type.Number(), Type.Null()]);
const Suppressed = Type.Array(Type.Enum(['installs', 'phoneRegistered', 'active']), {
  description: 'fields withheld because they were below k (public=true only)',
});
const AreaRow = {
  code: Type.String(),
  name: Type.String(),
  installs: Count,
  phoneRegistered: Count,
  active: Count,
  smartphones: Count,
  rate: Type.Union([Type.Number({ description: 'a fraction: 0.2707 = 27,07 %' }), Type.Null()]),
  rank: Count,
  suppressed: Suppressed,
};
const AreaRowSchema = Type.Object(AreaRow);
const ProvinceRowSchema = Type.Object({
  ...AreaRow,
  change: Type.Union([
    Type.Object({
      since: Type.String(),
      installs: Count,
      phoneRegistered: Count,
      rate: Count,
      rank: Type.Union([
        Type.Number({ description: 'previous rank − rank: positive = moved up' }),
        Type.Null(),
      ]),
    }),
    Type.Null(),
  ]),
});
const TableHead = {
  asOf: Type.String({ description: 'ISO instant (Vietnam time) the figures count up to, inclusive' }),
  activeDays: Type.Number(),
  public: Type.Boolean(),
  suppressBelow: Type.Number(),
};
const CarrierRowSchema = Type.Object({
  carrier: Type.String(),
  name: Type.String(),
  phoneRegistered: Count,
  smartphones: Count,
  rate: Count,
  suppressed: Suppressed,
});
const TotalSchema = Type.Object({
  installs: Type.Number(),
  phoneRegistered: Type.Number(),
  active: Type.Number(),
  smartphones: Count,
  rate: Count,
});
const NationalSchema = Type.Object({
  ...TableHead,
  provinces: Type.Array(ProvinceRowSchema),
  total: TotalSchema,
  carriers: Type.Array(CarrierRowSchema),
});
const ProgressSchema = Type.Object({
  code: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  target: Type.Number(),
  rate: Count,
  gap: Count,
  progress: Count,
  phoneRegisteredNeeded: Count,
});
const YieldRow = {
  cases: Type.Number(),
  f1: Type.Number(),
  f2: Type.Number(),
  f1PerCase: Count,
  f2PerCase: Count,
};
const ImportSummarySchema = Type.Object({
  importId: Type.String(),
  kind: Type.String(),
  rows: Type.Number(),
  phoneRegistered: Type.Optional(Type.Number()),
  withActivity: Type.Optional(Type.Number()),
});

const AsOfQuery = {
  asOf: Type.Optional(
    Type.String({
      description:
        'ISO instant on a whole hour (2020-09-13T08:00+07:00), or a date (= its end, 24:00); default: the last whole hour',
    }),
  ),
  activeDays: Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,2}$',
      description: `1–${MAX_ACTIVE_DAYS}; default BLUEZONE_ACTIVE_DAYS`,
    }),
  ),
  public: Type.Optional(Type.Enum(['true', 'false'], { description: 'true: suppress counts below k' })),
};
const StatsQuery = Type.Object(
  { ...AsOfQuery, previousAsOf: Type.Optional(Type.String({ description: 'default: 24 h before asOf' })) },
  { additionalProperties: false },
);
type StatsQuery = Static<typeof StatsQuery>;

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

/** The as-of instant of a request (default: the last whole hour). */
function asOfParam(ctx: AppContext, value: string | undefined, name = 'asOf'): number {
  if (value === undefined) return Math.floor(ctx.now() / HOUR_MS) * HOUR_MS;
  const parsed = parseAsOf(value);
  if (!parsed.ok) throw new ApiError('invalid_request', `${name}: ${parsed.reason}`);
  return parsed.ms;
}

function activeDaysParam(ctx: AppContext, value: string | undefined): number {
  if (value === undefined) return ctx.config.activeDays;
  const n = Number(value);
  if (n < 1 || n > MAX_ACTIVE_DAYS)
    throw new ApiError('invalid_request', `activeDays must be from 1 to ${MAX_ACTIVE_DAYS}`);
  return n;
}

function queryOf(ctx: AppContext, q: Omit<StatsQuery, 'previousAsOf'>) {
  return {
    asOf: asOfParam(ctx, q.asOf),
    activeDays: activeDaysParam(ctx, q.activeDays),
    k: ctx.config.statsMinCell,
    public: q.public === 'true',
  };
}

/** 404 for a province outside the caller's scope (as for every scoped object of the admin API). */
function checkProvinceScope(principal: AdminPrincipal, code: string): void {
  const own = principal.scope.provinceCode;
  if (own !== undefined && own !== code)
    throw new ApiError('not_found', `no statistics for province ${code} in your scope`);
}

async function readCsvImport(
  ctx: AppContext,
  request: FastifyRequest,
  run: typeof importDenominators,
): Promise<ImportSummary> {
  const principal = await authenticateAdmin(ctx, request, 'stats.import');
  if (
    principal.scope.provinceCode !== undefined ||
    (principal.kind === 'user' && principal.role !== 'national_admin')
  )
    throw new ApiError('forbidden', 'only a national admin (or an admin API key) may import statistics');
  const body = request.body;
  if (typeof body !== 'string')
    throw new ApiError('invalid_request', 'send the CSV file as the body with content-type text/csv');
  const now = ctx.now();
  try {
    const summary = await run({ storage: ctx.storage, adminUnits: ctx.adminUnits, now: ctx.now }, body, {
      actor: actorOf(principal),
    });
    await ctx.storage.db
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: actorOf(principal),
        action: `stats.import.${summary.kind}`,
        subject: `import:${summary.importId}`,
        details: JSON.stringify({ rows: summary.rows }),
      })
      .execute();
    return summary;
  } catch (error) {
    if (error instanceof ImportRejected) throw new ApiError('import_invalid', error.message);
    throw error;
  }
}

/** Largest CSV upload, bytes. */
const CSV_BODY_LIMIT = 256 * 1024 * 1024;

export const statsRoutes: RouteModule = async (root, ctx) => {
  const deps: StatsDeps = { db: ctx.storage.db, adminUnits: ctx.adminUnits };

  await root.register(async (plugin) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // CSV bodies only inside this plugin: the rest of the API stays JSON-only.
    app.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/admin/v1/stats/national',
      {
        schema: {
          tags: ['admin'],
          summary: 'National table: 63 provinces ranked by install rate, total, carriers',
          querystring: StatsQuery,
          response: { 200: NationalSchema, ...errors },
        },
      },
      async (request) => {
        await authenticateAdmin(ctx, request, 'stats.read');
        const q = queryOf(ctx, request.query);
        const previousAsOf =
          request.query.previousAsOf === undefined
            ? q.asOf - DAY_MS
            : asOfParam(ctx, request.query.previousAsOf, 'previousAsOf');
        return nationalStats(deps, { ...q, previousAsOf });
      },
    );

    app.get(
      '/admin/v1/stats/ranking',
      {
        schema: {
          tags: ['admin'],
          summary: 'Top-N and bottom-N provinces by install rate',
          querystring: Type.Object(
            {
              ...AsOfQuery,
              n: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$', description: '1–63, default 5' })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              ...TableHead,
              top: Type.Array(ProvinceRowSchema),
              bottom: Type.Array(ProvinceRowSchema),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        await authenticateAdmin(ctx, request, 'stats.read');
        const n = Number(request.query.n ?? '5');
        if (n < 1 || n > 63) throw new ApiError('invalid_request', 'n must be from 1 to 63');
        const table = await nationalStats(deps, queryOf(ctx, request.query));
        const { provinces: _, total: __, carriers: ___, ...head } = table;
        return { ...head, ...topAndBottom(table, n) };
      },
    );

    app.get(
      '/admin/v1/stats/carriers',
      {
        schema: {
          tags: ['admin'],
          summary: 'Install rate per carrier (phone-registered on the carrier ÷ its smartphone subscribers)',
          querystring: Type.Object(AsOfQuery, { additionalProperties: false }),
          response: { 200: Type.Object({ ...TableHead, carriers: Type.Array(CarrierRowSchema) }), ...errors },
        },
      },
      async (request) => {
        await authenticateAdmin(ctx, request, 'stats.read');
        const { provinces: _, total: __, ...rest } = await nationalStats(deps, queryOf(ctx, request.query));
        return rest;
      },
    );

    app.get(
      '/admin/v1/stats/provinces/:code',
      {
        schema: {
          tags: ['admin'],
          summary: 'A province with its districts',
          params: Type.Object({ code: Type.String({ pattern: '^[0-9]{2}$' }) }),
          querystring: Type.Object(AsOfQuery, { additionalProperties: false }),
          response: {
            200: Type.Object({
              ...TableHead,
              province: ProvinceRowSchema,
              districts: Type.Array(AreaRowSchema),
              unknownDistrict: Type.Object({
                installs: Type.Number(),
                phoneRegistered: Type.Number(),
                active: Type.Number(),
              }),
            }),
            404: ErrorResponse,
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = await authenticateAdmin(ctx, request, 'stats.read');
        checkProvinceScope(principal, request.params.code);
        const result = await provinceStats(deps, request.params.code, queryOf(ctx, request.query));
        if (!result) throw new ApiError('not_found', `no province ${request.params.code}`);
        return result;
      },
    );

    app.get(
      '/admin/v1/stats/series',
      {
        schema: {
          tags: ['admin'],
          summary: 'Daily figures (each as of 24:00 of its day), national or of one province',
          querystring: Type.Object(
            {
              from: DateString('first day'),
              to: DateString(`last day (at most ${MAX_SERIES_DAYS} days)`),
              provinceCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
              activeDays: AsOfQuery.activeDays,
              public: AsOfQuery.public,
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              provinceCode: Type.Union([Type.String(), Type.Null()]),
              activeDays: Type.Number(),
              public: Type.Boolean(),
              points: Type.Array(
                Type.Object({
                  date: Type.String(),
                  installs: Count,
                  phoneRegistered: Count,
                  active: Count,
                  smartphones: Count,
                  rate: Count,
                }),
              ),
            }),
            404: ErrorResponse,
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = await authenticateAdmin(ctx, request, 'stats.read');
        const { from, to, provinceCode } = request.query;
        if (provinceCode !== undefined) {
          checkProvinceScope(principal, provinceCode);
          if (!ctx.adminUnits.provinces.has(provinceCode))
            throw new ApiError('not_found', `no province ${provinceCode}`);
        }
        if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)))
          throw new ApiError('invalid_request', 'from and to must be calendar dates');
        try {
          return await seriesStats(deps, {
            from,
            to,
            ...(provinceCode === undefined ? {} : { provinceCode }),
            activeDays: activeDaysParam(ctx, request.query.activeDays),
            k: ctx.config.statsMinCell,
            public: request.query.public === 'true',
          });
        } catch (error) {
          if (error instanceof RangeError) throw new ApiError('invalid_request', error.message);
          throw error;
        }
      },
    );

    app.get(
      '/admin/v1/stats/progress',
      {
        schema: {
          tags: ['admin'],
          summary: 'Progress of the country and each province to the target rate',
          querystring: Type.Object(AsOfQuery, { additionalProperties: false }),
          response: {
            200: Type.Object({
              asOf: Type.String(),
              target: Type.Number(),
              total: ProgressSchema,
              provinces: Type.Array(ProgressSchema),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        await authenticateAdmin(ctx, request, 'stats.read');
        const table = await nationalStats(deps, queryOf(ctx, request.query));
        const target = ctx.config.statsTarget;
        return {
          asOf: table.asOf,
          target,
          total: targetProgress(table.total, target),
          provinces: table.provinces.map((p) => targetProgress(p, target)),
        };
      },
    );

    app.get(
      '/admin/v1/stats/tracing',
      {
        schema: {
          tags: ['admin'],
          summary: 'Tracing yield: cases, F1 and F2 reported, per case and per province, over a period',
          querystring: Type.Object(
            {
              from: Type.String({ description: 'ISO instant or date (00:00 Vietnam time), inclusive' }),
              to: Type.String({ description: 'ISO instant or date (its end, 24:00), exclusive' }),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              from: Type.String(),
              to: Type.String(),
              provinces: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), ...YieldRow })),
              total: Type.Object(YieldRow),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = await authenticateAdmin(ctx, request, 'stats.read');
        const fromDate = /^\d{4}-\d{2}-\d{2}$/.test(request.query.from);
        const from = fromDate
          ? asOfParam(ctx, request.query.from, 'from') - DAY_MS
          : asOfParam(ctx, request.query.from, 'from');
        const to = asOfParam(ctx, request.query.to, 'to');
        if (to <= from) throw new ApiError('invalid_request', 'to must be after from');
        const result = await tracingStats(deps, from, to);
        const own = principal.scope.provinceCode;
        if (own === undefined) return result;
        const mine = result.provinces.filter((p) => p.code === own);
        const row = mine[0];
        return {
          ...result,
          provinces: mine,
          total: row
            ? { cases: row.cases, f1: row.f1, f2: row.f2, f1PerCase: row.f1PerCase, f2PerCase: row.f2PerCase }
            : { cases: 0, f1: 0, f2: 0, f1PerCase: null, f2PerCase: null },
        };
      },
    );

    const csvSchema = (summary: string) => ({
      tags: ['admin'],
      summary,
      consumes: ['text/csv'],
      body: Type.String({ description: 'the CSV file (UTF-8, header line first)' }),
      response: { 200: ImportSummarySchema, 413: ErrorResponse, 415: ErrorResponse, ...errors },
    });

    app.post(
      '/admin/v1/stats/denominators',
      {
        schema: csvSchema('Import smartphone denominators (CSV, all or nothing)'),
        bodyLimit: CSV_BODY_LIMIT,
      },
      (request) => readCsvImport(ctx, request, importDenominators),
    );
    app.post(
      '/admin/v1/stats/installs',
      {
        schema: csvSchema('Import installs from another system (CSV, all or nothing)'),
        bodyLimit: CSV_BODY_LIMIT,
      },
      (request) => readCsvImport(ctx, request, importInstalls),
    );
  });
};
