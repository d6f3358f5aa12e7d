/**
 * `POST /admin/v1/cases/:id/legacy-import` (admin): matches a legacy Bluezone contact log against
 * the case's legacy F0 record and records the case's sightings (legacy-import.service.ts). The
 * route takes bodies up to {@link LEGACY_IMPORT_LIMITS}.bodyLimitBytes — a 14-day log is a few
 * MB — while every other route keeps `BLUEZONE_BODY_LIMIT`.
 *
 * @module
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App, RouteModule } from '../../app.js';
import { type AdminPrincipal, actorOf, authenticateAdmin } from '../../auth.js';
import { errorBody } from '../../errors.js';
import { ErrorResponse } from '../../schemas.js';
import { requireCase } from '../contacts/contacts.service.js';
import { importLegacyTrace, LEGACY_IMPORT_LIMITS } from './legacy-import.service.js';

/** Body of `POST /admin/v1/cases/:id/legacy-import`. */
export const LegacyImportRequest = Type.Object(
  {
    trace: Type.String({
      maxLength: LEGACY_IMPORT_LIMITS.bodyLimitBytes,
      description: 'the text of data_trace.txt: own ID, contact ID, RSSI, timestamp, tab-separated',
    }),
    infoF: Type.Object(
      { data: Type.Array(Type.Unknown(), { description: '[{"daily_key","time_start","max","time_end"}]' }) },
      { description: 'the case’s legacy F0 record' },
    ),
    tolerance: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: LEGACY_IMPORT_LIMITS.maxTolerance,
        description: `slots of clock skew tolerated either side (default ${LEGACY_IMPORT_LIMITS.defaultTolerance})`,
      }),
    ),
  },
  { additionalProperties: false },
);

const LegacyImportResponse = Type.Object({
  caseId: Type.String(),
  importId: Type.String(),
  rows: Type.Integer({ description: 'well-formed sightings in the log' }),
  matches: Type.Array(
    Type.Object({
      line: Type.Integer(),
      contactId: Type.String(),
      timestamp: Type.Number({ description: 'Unix ms' }),
      slot: Type.Integer(),
    }),
  ),
  recorded: Type.Integer({ description: 'matches not recorded by an earlier import' }),
  malformed: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
  malformedLines: Type.Integer(),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Registers the import route in a scope whose 413 names the route's own limit. The API key is
 * checked before the (large) body is read.
 */
export const legacyImportRoutes: RouteModule = async (app, ctx) => {
  const principals = new WeakMap<object, AdminPrincipal>();
  const onRequest = async (request: FastifyRequest) => {
    principals.set(request, await authenticateAdmin(ctx, request, 'legacy.import'));
  };
  await app.register(async (scope: App) => {
    scope.setErrorHandler((error: FastifyError, _request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply
          .status(413)
          .send(
            errorBody(
              'body_too_large',
              `request body exceeds ${LEGACY_IMPORT_LIMITS.bodyLimitBytes} bytes; split the log into several imports`,
            ),
          );
      }
      throw error; // the app's handler answers everything else
    });

    scope.post(
      '/admin/v1/cases/:id/legacy-import',
      {
        bodyLimit: LEGACY_IMPORT_LIMITS.bodyLimitBytes,
        schema: {
          tags: ['admin'],
          summary: 'Match a legacy Bluezone contact log against the case’s legacy F0 record',
          security: [{ apiKey: [] }],
          params: IdParams,
          body: LegacyImportRequest,
          response: { 200: LegacyImportResponse, 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse },
        },
        onRequest,
      },
      async (request, reply) => {
        const principal = principals.get(request);
        if (!principal) throw new Error('the API key was not checked (onRequest hook missing)');
        await requireCase(ctx, request.params.id, principal.scope);
        const result = await importLegacyTrace(ctx.storage, {
          caseId: request.params.id,
          trace: request.body.trace,
          infoF: request.body.infoF,
          tolerance: request.body.tolerance,
          actor: actorOf(principal),
          now: ctx.now(),
        });
        return reply.header('cache-control', 'no-store').send(result);
      },
    );
  });
};
