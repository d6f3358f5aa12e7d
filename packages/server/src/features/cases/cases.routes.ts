/**
 * Admin API for confirmed cases (`/admin/v1/cases`, API key in `X-API-Key` or a portal session,
 * within the caller's scope: auth.ts `authenticateAdmin`): enter a case and
 * get its verification codes, re-issue codes, list cases, read a case's upload status. Also
 * registers the device-facing verification API (`/api/verify`, `/api/certificate`), the other
 * half of upload authorization. See docs/api.md, "Upload authorization".
 *
 * @module
 */
import { type Static, Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { authenticateAdmin, inAdminScope } from '../../auth.js';
import { ApiError } from '../../errors.js';
import { decodeCursor, encodeCursor, type KeysetPosition } from '../../pagination.js';
import { DateString, ErrorResponse } from '../../schemas.js';
import { verificationApiRoutes } from '../verification-api/verification-api.routes.js';
import { type CaseListPosition, findCase, listCases } from './cases.repository.js';
import { CASE_TEST_TYPES, caseStatus, checkCaseDates, createCase, reissueCodes } from './cases.service.js';

const fromKeyset = (position: KeysetPosition): CaseListPosition => ({
  createdAt: position.time,
  id: position.id,
});

export const CreateCaseRequest = Type.Object(
  {
    provinceCode: Type.String({
      pattern: '^[0-9]{2}$',
      description: 'GSO province code of the case (2 digits)',
      examples: ['79'],
    }),
    districtCode: Type.Optional(
      Type.Union([
        Type.String({ pattern: '^[0-9]{3}$', description: 'GSO district code (3 digits)' }),
        Type.Null(),
      ]),
    ),
    testType: Type.Enum([...CASE_TEST_TYPES], {
      description: 'confirmed (positive test) or likely (clinical diagnosis)',
    }),
    symptomDate: Type.Optional(
      Type.Union([DateString('first day of symptoms, YYYY-MM-DD (Vietnam time)'), Type.Null()]),
    ),
    testDate: DateString('day the sample was taken, YYYY-MM-DD (Vietnam time)'),
  },
  { additionalProperties: false },
);
export type CreateCaseRequest = Static<typeof CreateCaseRequest>;

export const IssuedCodesResponse = Type.Object({
  caseId: Type.String(),
  shortCode: Type.String({
    description: '8 digits (7 random + Damm check digit), valid 1 hour: dictate it by phone',
    examples: ['12345671'],
  }),
  longCode: Type.String({
    description: '16 characters, valid 24 hours: send it in an SMS link',
    examples: ['K7QW3MZP9XRT2VHD'],
  }),
  expiresAt: Type.String({ description: 'expiry of the short code, ISO 8601 UTC' }),
  longExpiresAt: Type.String({ description: 'expiry of the long code, ISO 8601 UTC' }),
});

export const CaseStatusResponse = Type.Object({
  caseId: Type.String(),
  provinceCode: Type.String(),
  districtCode: Type.Union([Type.String(), Type.Null()]),
  testType: Type.String(),
  symptomDate: Type.Union([Type.String(), Type.Null()]),
  testDate: Type.String(),
  healthAuthority: Type.String(),
  createdAt: Type.String(),
  state: Type.Enum(
    ['codes_issued', 'codes_expired', 'codes_claimed', 'certificate_issued', 'keys_published'],
    {
      description: 'furthest step of the upload',
    },
  ),
  codesIssuedAt: Type.String({ description: 'when the current codes were issued' }),
  expiresAt: Type.String({ description: 'expiry of the current short code' }),
  longExpiresAt: Type.String({ description: 'expiry of the current long code' }),
  codesClaimedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'when the current codes were exchanged for a token',
  }),
  tokenExchangedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'when a token was last exchanged for a certificate',
  }),
  certificateIssuedAt: Type.Union([Type.String(), Type.Null()]),
  keysPublished: Type.Integer({ description: 'keys published with this case’s certificates' }),
});

const CaseParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ListCasesQuery = Type.Object(
  {
    provinceCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 100, default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

const notFound = (id: string) =>
  new ApiError('not_found', `no case ${JSON.stringify(id)}; check the caseId returned when it was entered`);

export const caseRoutes: RouteModule = async (app, ctx) => {
  app.post(
    '/admin/v1/cases',
    {
      schema: {
        tags: ['admin'],
        summary: 'Enter a confirmed case and issue its verification codes',
        security: [{ apiKey: [] }],
        body: CreateCaseRequest,
        response: { 201: IssuedCodesResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.write');
      const body = request.body;
      if (!inAdminScope(principal.scope, body.provinceCode, body.districtCode)) {
        throw new ApiError(
          'forbidden',
          `you may enter cases only in your scope (province ${principal.scope.provinceCode}${principal.scope.districtCodes ? `, districts ${principal.scope.districtCodes.join(', ')}` : ''})`,
        );
      }
      const problem =
        ctx.adminUnits.check(body.provinceCode, body.districtCode) ?? checkCaseDates(body, ctx.now());
      if (problem) throw new ApiError('invalid_request', problem);
      const issued = await createCase(ctx, principal, body);
      return reply.status(201).header('cache-control', 'no-store').send(issued);
    },
  );

  app.post(
    '/admin/v1/cases/:id/codes',
    {
      schema: {
        tags: ['admin'],
        summary: 'Re-issue the verification codes of a case (the previous ones stop working)',
        security: [{ apiKey: [] }],
        params: CaseParams,
        response: { 201: IssuedCodesResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'codes.issue');
      const found = await findCase(ctx.storage.db, request.params.id);
      if (!found || !inAdminScope(principal.scope, found.province_code, found.district_code))
        throw notFound(request.params.id);
      const issued = await reissueCodes(ctx, principal, request.params.id);
      if (!issued) throw notFound(request.params.id);
      return reply.status(201).header('cache-control', 'no-store').send(issued);
    },
  );

  app.get(
    '/admin/v1/cases',
    {
      schema: {
        tags: ['admin'],
        summary: 'List cases, newest first',
        security: [{ apiKey: [] }],
        querystring: ListCasesQuery,
        response: {
          200: Type.Object({
            cases: Type.Array(CaseStatusResponse),
            nextCursor: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as cursor for the next page; null on the last page',
            }),
          }),
        },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.read', { apiKeyRoles: ['admin'] });
      const query = request.query;
      const limit = query.limit === undefined ? DEFAULT_PAGE : Number(query.limit);
      if (limit < 1 || limit > MAX_PAGE)
        throw new ApiError('invalid_request', `limit must be from 1 to ${MAX_PAGE}, got ${limit}`);
      if (query.provinceCode !== undefined) {
        const problem = ctx.adminUnits.check(query.provinceCode, undefined);
        if (problem) throw new ApiError('invalid_request', problem);
      }
      const rows = await listCases(ctx.storage.db, {
        provinceCode: query.provinceCode,
        limit: limit + 1,
        after: query.cursor === undefined ? undefined : fromKeyset(decodeCursor(query.cursor)),
        scope: principal.scope,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const now = ctx.now();
      return {
        cases: page.map((row) => caseStatus(row, now)),
        nextCursor: rows.length > limit && last ? encodeCursor({ time: last.created_at, id: last.id }) : null,
      };
    },
  );

  app.get(
    '/admin/v1/cases/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'A case and its upload status',
        security: [{ apiKey: [] }],
        params: CaseParams,
        response: { 200: CaseStatusResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.read');
      const row = await findCase(ctx.storage.db, request.params.id);
      if (!row || !inAdminScope(principal.scope, row.province_code, row.district_code))
        throw notFound(request.params.id);
      return caseStatus(row, ctx.now());
    },
  );

  await verificationApiRoutes(app, ctx);
};
