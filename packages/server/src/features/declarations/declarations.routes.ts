/**
 * Health declaration routes (docs/api.md "Health declarations, QR codes and partners",
 * docs/declarations.md):
 *
 * - `POST /v1/declarations/domestic`, `POST /v1/declarations/entry` (device token; verified phone
 *   number): declare; `GET /v1/declarations/current`: the current declaration (no personal
 *   fields); `POST /v1/declarations/daily-reports`: the day's symptom report of a person under
 *   monitoring; `GET /v1/declarations/entry-points`: airports, border gates, countries (public).
 * - `GET /admin/v1/declarations` (no personal fields; `monitoring=true` lists the people under
 *   monitoring with their report counts), `GET /admin/v1/declarations/:id` (personal fields,
 *   audited), `GET /admin/v1/declarations/:id/daily-reports` (audited),
 *   `POST /admin/v1/declarations/:id/status` — all scoped by province (404 outside).
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { authenticateAdmin, authenticateDevice } from '../../auth.js';
import { ApiError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../pagination.js';
import { ErrorResponse } from '../../schemas.js';
import type { InstallRow } from '../installs/installs.repository.js';
import {
  DailyReportRequest,
  DeclarationSummary,
  DomesticDeclarationRequest,
  EntryDeclarationRequest,
} from './declarations.schemas.js';
import {
  changeDeclarationStatus,
  deviceCurrentDeclaration,
  listDeclarationViews,
  readDailyReports,
  readDeclaration,
  submitDailyReport,
  submitDeclaration,
} from './declarations.service.js';
import { entryPoints } from './entry-points.js';

const deviceErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const ListQuery = Type.Object(
  {
    kind: Type.Optional(Type.Enum(['domestic', 'entry'])),
    status: Type.Optional(Type.Enum(['declared', 'monitoring', 'cleared', 'revoked'])),
    monitoring: Type.Optional(Type.Enum(['true'], { description: 'true: only people under monitoring now' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 100, default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const ListItem = Type.Intersect([
  DeclarationSummary,
  Type.Object({
    dailyReports: Type.Integer({ description: 'daily symptom reports received' }),
    lastReportOn: Type.Union([Type.String(), Type.Null()]),
  }),
]);

const StatusRequest = Type.Object(
  {
    status: Type.Enum(['monitoring', 'cleared', 'revoked'], {
      description:
        'monitoring, cleared (monitoring ended, healthy) or revoked (the declaration no longer counts)',
    }),
  },
  { additionalProperties: false },
);

/** Registers the declaration routes. */
export const declarationRoutes: RouteModule = (app, ctx) => {
  const installs = new WeakMap<object, InstallRow>();
  const onRequest = async (request: FastifyRequest) => {
    installs.set(request, await authenticateDevice(ctx, request));
  };
  const installOf = (request: FastifyRequest): InstallRow => {
    const install = installs.get(request);
    if (!install) throw new Error('the device was not authenticated (onRequest hook missing)');
    return install;
  };

  app.post(
    '/v1/declarations/domestic',
    {
      schema: {
        tags: ['declarations'],
        summary:
          'Make a domestic health declaration (symptoms, contacts, places and travel in the last 14 days)',
        security: [{ deviceToken: [] }],
        body: DomesticDeclarationRequest,
        response: { 201: DeclarationSummary, ...deviceErrors },
      },
      onRequest,
    },
    async (request, reply) => {
      const view = await submitDeclaration(ctx, installOf(request), 'domestic', request.body);
      return reply.status(201).header('cache-control', 'no-store').send(view);
    },
  );

  app.post(
    '/v1/declarations/entry',
    {
      schema: {
        tags: ['declarations'],
        summary: 'Make an entry declaration on arrival from abroad (puts the person under monitoring)',
        security: [{ deviceToken: [] }],
        body: EntryDeclarationRequest,
        response: { 201: DeclarationSummary, ...deviceErrors },
      },
      onRequest,
    },
    async (request, reply) => {
      const view = await submitDeclaration(ctx, installOf(request), 'entry', request.body);
      return reply.status(201).header('cache-control', 'no-store').send(view);
    },
  );

  app.get(
    '/v1/declarations/current',
    {
      schema: {
        tags: ['declarations'],
        summary: 'The declaration that counts now for this phone number (no personal fields)',
        security: [{ deviceToken: [] }],
        response: { 200: DeclarationSummary, ...deviceErrors },
      },
      onRequest,
    },
    async (request, reply) =>
      reply.header('cache-control', 'no-store').send(await deviceCurrentDeclaration(ctx, installOf(request))),
  );

  app.post(
    '/v1/declarations/daily-reports',
    {
      schema: {
        tags: ['declarations'],
        summary: 'Report today’s (or yesterday’s) symptoms while under health monitoring',
        security: [{ deviceToken: [] }],
        body: DailyReportRequest,
        response: {
          201: Type.Object({ declarationId: Type.String(), day: Type.String(), replaced: Type.Boolean() }),
          200: Type.Object({ declarationId: Type.String(), day: Type.String(), replaced: Type.Boolean() }),
          ...deviceErrors,
        },
      },
      onRequest,
    },
    async (request, reply) => {
      const stored = await submitDailyReport(ctx, installOf(request), request.body);
      return reply
        .status(stored.replaced ? 200 : 201)
        .header('cache-control', 'no-store')
        .send(stored);
    },
  );

  app.get(
    '/v1/declarations/entry-points',
    {
      schema: {
        tags: ['declarations'],
        summary: 'Airports, border gates and countries an entry declaration may name (reference data)',
        response: {
          200: Type.Object({
            airports: Type.Array(
              Type.Object({
                code: Type.String(),
                name: Type.String(),
                provinceCode: Type.String(),
                international: Type.Boolean(),
              }),
            ),
            borderGates: Type.Array(
              Type.Object({
                code: Type.String(),
                name: Type.String(),
                provinceCode: Type.String(),
                neighbour: Type.String(),
              }),
            ),
            countries: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
          }),
        },
      },
    },
    async (_request, reply) => {
      const points = entryPoints();
      return reply.header('cache-control', 'public, max-age=86400').send({
        airports: [...points.airports.values()],
        borderGates: [...points.borderGates.values()],
        countries: [...points.countries].map(([code, name]) => ({ code, name })),
      });
    },
  );

  app.get(
    '/admin/v1/declarations',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Declarations in your scope, newest first (no personal fields); monitoring=true: people under monitoring',
        security: [{ apiKey: [] }],
        querystring: ListQuery,
        response: {
          200: Type.Object({
            declarations: Type.Array(ListItem),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'declarations.read');
      const query = request.query;
      const limit = query.limit === undefined ? 50 : Number(query.limit);
      if (limit < 1 || limit > 100)
        throw new ApiError('invalid_request', `limit must be from 1 to 100, got ${limit}`);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const { declarations, next } = await listDeclarationViews(
        ctx,
        principal.scope,
        { kind: query.kind, status: query.status, monitoring: query.monitoring === 'true' },
        { limit, after: after === undefined ? undefined : { createdAt: after.time, id: after.id } },
      );
      return reply.header('cache-control', 'no-store').send({
        declarations,
        nextCursor: next === undefined ? null : encodeCursor({ time: next.createdAt, id: next.id }),
      });
    },
  );

  app.get(
    '/admin/v1/declarations/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'A declaration with its personal fields (decrypted; every read is audited)',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: {
          200: Type.Intersect([DeclarationSummary, Type.Object({ personal: Type.Unknown() })]),
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'declarations.reveal');
      const view = await readDeclaration(ctx, principal, request.params.id, principal.scope);
      return reply.header('cache-control', 'no-store').send(view);
    },
  );

  app.get(
    '/admin/v1/declarations/:id/daily-reports',
    {
      schema: {
        tags: ['admin'],
        summary: 'The daily symptom reports of a person under monitoring (decrypted; audited)',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: {
          200: Type.Object({
            declarationId: Type.String(),
            reports: Type.Array(
              Type.Object({ day: Type.String(), reportedAt: Type.String(), report: Type.Unknown() }),
            ),
          }),
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'declarations.reveal');
      const reports = await readDailyReports(ctx, principal, request.params.id, principal.scope);
      return reply.header('cache-control', 'no-store').send(reports);
    },
  );

  app.post(
    '/admin/v1/declarations/:id/status',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set a declaration’s status (partners that the person consented to are notified)',
        security: [{ apiKey: [] }],
        params: IdParams,
        body: StatusRequest,
        response: {
          200: DeclarationSummary,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'declarations.write');
      return changeDeclarationStatus(ctx, principal, request.params.id, request.body.status, principal.scope);
    },
  );
};
