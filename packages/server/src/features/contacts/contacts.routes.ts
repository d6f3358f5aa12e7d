/**
 * Contact tracing routes (docs/api.md, "Exposure reports and contact lists", "Recursive cases"):
 *
 * - `POST /v1/exposure-reports` (device token; verified phone number): a consented exposure
 *   report → the contact lists of the cases whose keys it matched. Accepts chaff.
 * - `GET /admin/v1/cases/:id/contacts` (admin): the case's contacts; `?reveal=phone` decrypts
 *   the numbers (audited per contact).
 * - `GET /admin/v1/cases/:id/graph` (admin): case → contacts → recursive cases → contacts.
 * - `POST /admin/v1/contacts/:id/recursive-case` (admin, lab): an F1 contact → a recursive case
 *   with its codes.
 * - `POST /admin/v1/cases/:id/close` (admin): closes a case; its contact data is deleted
 *   `BLUEZONE_CONTACT_RETENTION_DAYS` later.
 *
 * Also registers the legacy import (features/legacy-import), so that contact tracing is one entry
 * of the app's feature list. Reading contact data needs the admin role: lab keys enter cases but
 * may not read personal data.
 *
 * @module
 */

import { randomInt } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { authenticateAdmin, authenticateDevice, hasPermission, inAdminScope } from '../../auth.js';
import { randomPadding } from '../../chaff.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { decodeCursor, encodeCursor, type KeysetPosition } from '../../pagination.js';
import { CaseFromContactRequest, DateString, ErrorResponse } from '../../schemas.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { legacyImportRoutes } from '../legacy-import/legacy-import.routes.js';
import type { ContactListPosition } from './contacts.repository.js';
import { closeCaseById, readCaseContacts, readContactGraph } from './contacts.service.js';
import { EXPOSURE_REPORT_LIMITS, fileExposureReport } from './exposure-reports.js';
import { createRecursiveCase } from './recursive-cases.js';

const toKeyset = (position: ContactListPosition) => ({ time: position.reportedAt, id: position.id });
const fromKeyset = (position: KeysetPosition): ContactListPosition => ({
  reportedAt: position.time,
  id: position.id,
});

/** Body of `POST /v1/exposure-reports`. */
export const ExposureReportRequest = Type.Object(
  {
    exposureDays: Type.Array(DateString('a day of exposure, YYYY-MM-DD'), {
      minItems: 1,
      maxItems: EXPOSURE_REPORT_LIMITS.maxDays,
      uniqueItems: true,
      description: `the days of the exposures, each within the last ${EXPOSURE_REPORT_LIMITS.maxDays} days`,
    }),
    maxRiskLevel: Type.Integer({ minimum: 1, maximum: 2, description: 'highest risk level: 1 low, 2 high' }),
    matchedKeys: Type.Array(Type.String({ maxLength: 64 }), {
      minItems: 1,
      maxItems: EXPOSURE_REPORT_LIMITS.maxKeys,
      uniqueItems: true,
      description: 'standard base64 of the SHA-256 of each matched 16-byte key (44 characters)',
    }),
  },
  { additionalProperties: false },
);

/** Answer of `POST /v1/exposure-reports` (and of its chaff). */
export const ExposureReportResponse = Type.Object({
  reportId: Type.String(),
  contactLevel: Type.Enum(['F1', 'F2'], {
    description: 'F1 if a linked case is an F0 case, else F2 (also when no case was linked)',
  }),
  linkedCases: Type.Integer({ description: 'cases whose contact list you are now on' }),
  padding: Type.Optional(Type.String()),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Query of `GET /admin/v1/cases/:id/contacts`. */
export const ContactsQuery = Type.Object(
  {
    reveal: Type.Optional(Type.Enum(['phone'], { description: 'phone: show the phone numbers (audited)' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 100' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

const Contact = Type.Object({
  id: Type.String({ description: 'the contact ID (for recursive-case)' }),
  caseId: Type.String(),
  level: Type.String({ description: 'F1 or F2' }),
  status: Type.String({ description: 'reported or recursive_case' }),
  exposureDays: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'reported days; null once deleted by retention',
  }),
  maxRiskLevel: Type.Union([Type.Integer(), Type.Null()]),
  matchedKeys: Type.Integer(),
  reportCount: Type.Integer(),
  reportedAt: Type.String(),
  updatedAt: Type.String(),
  recursiveCaseId: Type.Union([Type.String(), Type.Null()]),
  purgedAt: Type.Union([Type.String(), Type.Null()]),
  phoneNumber: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: 'E.164; only with reveal=phone' }),
  ),
});

const Graph = Type.Object({
  nodes: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String({ description: 'case or contact' }),
      level: Type.String({ description: 'F0, F1 or F2' }),
    }),
  ),
  edges: Type.Array(
    Type.Object({
      from: Type.String(),
      to: Type.String(),
      exposureDays: Type.Array(Type.String()),
      maxRiskLevel: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
});

const RecursiveCaseResponse = Type.Object({
  caseId: Type.String(),
  shortCode: Type.String(),
  longCode: Type.String(),
  expiresAt: Type.String(),
  longExpiresAt: Type.String(),
  parentCaseId: Type.String(),
  contactId: Type.String(),
});

const ClosedCaseResponse = Type.Object({
  caseId: Type.String(),
  closedAt: Type.String(),
  contactDataDeletedAfter: Type.String({
    description: 'when the retention job deletes the contact data and legacy matches',
  }),
});

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/** A decoy answer to a chaff report, shaped like a real one. */
function chaffReport() {
  return {
    status: 200,
    body: {
      reportId: newId('rep_'),
      contactLevel: randomInt(4) === 0 ? 'F2' : 'F1',
      linkedCases: randomInt(3),
      padding: randomPadding(),
    },
  };
}

/** Registers the contact-tracing routes and the legacy import. */
export const contactRoutes: RouteModule = async (app, ctx) => {
  // The device token is checked before the body is parsed: without one the answer is 401.
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
    '/v1/exposure-reports',
    {
      schema: {
        tags: ['device'],
        summary: 'Report a consented exposure to the health authority’s contact lists',
        security: [{ deviceToken: [] }],
        body: ExposureReportRequest,
        response: {
          200: ExposureReportResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          429: ErrorResponse,
        },
      },
      config: { chaff: chaffReport },
      onRequest,
    },
    async (request, reply) => {
      const outcome = await fileExposureReport(ctx, installOf(request), request.body);
      return reply.header('cache-control', 'no-store').send(outcome);
    },
  );

  app.get(
    '/admin/v1/cases/:id/contacts',
    {
      schema: {
        tags: ['admin'],
        summary: 'The contact list of a case (phone numbers only with reveal=phone, audited)',
        security: [{ apiKey: [] }],
        params: IdParams,
        querystring: ContactsQuery,
        response: {
          200: Type.Object({
            contacts: Type.Array(Contact),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'contacts.read');
      const query = request.query;
      if (query.reveal === 'phone' && !hasPermission(principal, 'contacts.reveal'))
        throw new ApiError('forbidden', `the role ${principal.role} may not reveal phone numbers`);
      const limit = query.limit === undefined ? DEFAULT_PAGE : Number(query.limit);
      if (limit < 1 || limit > MAX_PAGE)
        throw new ApiError('invalid_request', `limit must be from 1 to ${MAX_PAGE}, got ${limit}`);
      const { contacts, next } = await readCaseContacts(
        ctx,
        principal,
        request.params.id,
        {
          limit,
          after: query.cursor === undefined ? undefined : fromKeyset(decodeCursor(query.cursor)),
          revealPhone: query.reveal === 'phone',
        },
        principal.scope,
      );
      return reply
        .header('cache-control', 'no-store')
        .send({ contacts, nextCursor: next === undefined ? null : encodeCursor(toKeyset(next)) });
    },
  );

  app.get(
    '/admin/v1/cases/:id/graph',
    {
      schema: {
        tags: ['admin'],
        summary:
          'The contact graph below a case: F0 case → F1 contacts → their recursive cases → F2 contacts',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: { 200: Graph, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'contacts.read');
      const graph = await readContactGraph(ctx, principal, request.params.id, principal.scope);
      return reply.header('cache-control', 'no-store').send(graph);
    },
  );

  app.post(
    '/admin/v1/contacts/:id/recursive-case',
    {
      schema: {
        tags: ['admin'],
        summary: 'Make an F1 contact a recursive case and issue its verification codes',
        security: [{ apiKey: [] }],
        params: IdParams,
        body: CaseFromContactRequest,
        response: { 201: RecursiveCaseResponse, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
      // The body is optional: none means every default.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'codes.issue');
      const body = request.body;
      if (
        body.provinceCode !== undefined &&
        !inAdminScope(principal.scope, body.provinceCode, body.districtCode ?? null)
      ) {
        throw new ApiError(
          'forbidden',
          `you may enter cases only in your province ${principal.scope.provinceCode}`,
        );
      }
      const issued = await createRecursiveCase(ctx, principal, request.params.id, body, principal.scope);
      return reply.status(201).header('cache-control', 'no-store').send(issued);
    },
  );

  app.post(
    '/admin/v1/cases/:id/close',
    {
      schema: {
        tags: ['admin'],
        summary: 'Close a case: its contact data is deleted BLUEZONE_CONTACT_RETENTION_DAYS later',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: { 200: ClosedCaseResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.write', { apiKeyRoles: ['admin'] });
      return closeCaseById(ctx, principal, request.params.id, principal.scope);
    },
  );

  await legacyImportRoutes(app, ctx);
};
