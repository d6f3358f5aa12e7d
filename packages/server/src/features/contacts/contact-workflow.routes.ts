/**
 * Contact workflow routes (docs/api.md, "Contact workflow"), scoped like every admin route (a
 * contact outside the caller's province or districts is 404):
 *
 * - `GET /admin/v1/contacts` (contacts.read): the contacts in the caller's scope, filtered and
 *   paginated, newest report first — no phone numbers, no notes (audited `contacts.list`).
 * - `GET /admin/v1/contacts/:id` (contacts.read): the contact with its status, assignment and —
 *   for callers who may read personal data — its notes (audited).
 * - `PATCH /admin/v1/contacts/:id` `{status?, assignedTo?}` (cases.write): the status workflow
 *   and the assignment.
 * - `POST /admin/v1/contacts/:id/notes` `{text}` (cases.write): appends a note.
 * - `POST /admin/v1/contacts/:id/confirmed-case` (cases.write): a tested_positive contact → a
 *   new confirmed case with its codes.
 *
 * @module
 */
import { type Static, Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { type AdminPrincipal, authenticateAdmin, hasPermission } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../pagination.js';
import { CaseFromContactRequest, DateString, ErrorResponse } from '../../schemas.js';
import { calendarDateMs } from '../cases/cases.service.js';
import {
  addContactNote,
  CONTACT_STATUSES,
  changeContact,
  createConfirmedCaseFromContact,
  listContactsPage,
  MAX_NOTE_LENGTH,
  readContactDetail,
} from './contact-workflow.js';
import type { ContactLevel, ContactListFilter } from './contacts.repository.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const Note = Type.Object({
  id: Type.String(),
  author: Type.String({ description: 'user:<id> or apikey:<id>' }),
  createdAt: Type.String(),
  text: Type.String(),
});

const ContactDetail = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  level: Type.String(),
  status: Type.String({ description: 'reported or recursive_case' }),
  workflowStatus: Type.Enum([...CONTACT_STATUSES]),
  assignedTo: Type.Union([Type.String(), Type.Null()], { description: 'the user following the contact up' }),
  workflowUpdatedAt: Type.Union([Type.String(), Type.Null()]),
  confirmedCaseId: Type.Union([Type.String(), Type.Null()]),
  exposureDays: Type.Union([Type.Array(Type.String()), Type.Null()]),
  maxRiskLevel: Type.Union([Type.Integer(), Type.Null()]),
  matchedKeys: Type.Integer(),
  reportCount: Type.Integer(),
  reportedAt: Type.String(),
  updatedAt: Type.String(),
  recursiveCaseId: Type.Union([Type.String(), Type.Null()]),
  purgedAt: Type.Union([Type.String(), Type.Null()]),
  notes: Type.Optional(Type.Array(Note, { description: 'only for roles that may read personal data' })),
});

/** An item of `GET /admin/v1/contacts`: the detail without notes, with the case's place. */
const ContactListItem = Type.Object({
  ...Type.Omit(ContactDetail, ['notes']).properties,
  provinceCode: Type.String({ description: 'the province of the contact’s case' }),
  districtCode: Type.Union([Type.String(), Type.Null()], {
    description: 'the district of the contact’s case',
  }),
});

/** Query of `GET /admin/v1/contacts`. */
export const ContactListQuery = Type.Object(
  {
    provinceCode: Type.Optional(
      Type.String({ pattern: '^[0-9]{2}$', description: 'the case’s province (GSO code)' }),
    ),
    districtCode: Type.Optional(
      Type.String({ pattern: '^[0-9]{3}$', description: 'the case’s district (GSO code)' }),
    ),
    level: Type.Optional(
      Type.Enum(['1', '2', 'F1', 'F2'], { description: '1 (or F1): F1 contacts; 2 (or F2): F2 contacts' }),
    ),
    status: Type.Optional(Type.Enum([...CONTACT_STATUSES], { description: 'the workflow status' })),
    exposureFrom: Type.Optional(DateString('an exposure day on or after this day, YYYY-MM-DD')),
    exposureTo: Type.Optional(DateString('an exposure day on or before this day, YYYY-MM-DD')),
    assignedTo: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{1,64}$',
        description: 'a user ID; me: the caller (a session only); none: assigned to nobody',
      }),
    ),
    caseId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'one case’s contacts' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 100, default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
type ContactListQuery = Static<typeof ContactListQuery>;

const MAX_LIST_PAGE = 100;
const DEFAULT_LIST_PAGE = 50;

/** The list filter of a query, checked beyond its schema (400 `invalid_request` naming the field). */
function contactListFilter(
  ctx: AppContext,
  principal: AdminPrincipal,
  query: ContactListQuery,
): ContactListFilter {
  const invalid = (message: string) => new ApiError('invalid_request', message);
  if (query.provinceCode !== undefined) {
    const problem = ctx.adminUnits.check(query.provinceCode, query.districtCode);
    if (problem) throw invalid(problem);
  } else if (query.districtCode !== undefined && !ctx.adminUnits.districts.has(query.districtCode)) {
    throw invalid(
      `districtCode ${query.districtCode} is not a GSO district code (units as of ${ctx.adminUnits.asOf})`,
    );
  }
  for (const field of ['exposureFrom', 'exposureTo'] as const) {
    const day = query[field];
    if (day !== undefined && calendarDateMs(day) === undefined)
      throw invalid(`${field} ${day} is not a calendar date; send YYYY-MM-DD`);
  }
  if (
    query.exposureFrom !== undefined &&
    query.exposureTo !== undefined &&
    query.exposureFrom > query.exposureTo
  )
    throw invalid(`exposureFrom ${query.exposureFrom} is after exposureTo ${query.exposureTo}; swap them`);
  let assignedTo: string | null | undefined = query.assignedTo;
  if (assignedTo === 'none') assignedTo = null;
  else if (assignedTo === 'me') {
    if (principal.kind !== 'user')
      throw invalid('assignedTo=me needs a portal session; an API key is assigned nothing, send a user ID');
    assignedTo = principal.id;
  }
  return {
    provinceCode: query.provinceCode,
    districtCode: query.districtCode,
    level: query.level === undefined ? undefined : (`F${query.level.slice(-1)}` as ContactLevel),
    workflowStatus: query.status,
    exposureFrom: query.exposureFrom,
    exposureTo: query.exposureTo,
    assignedTo,
    caseId: query.caseId,
  };
}

/** Body of `PATCH /admin/v1/contacts/:id`. */
export const ContactChangeRequest = Type.Object(
  {
    status: Type.Optional(Type.Enum([...CONTACT_STATUSES])),
    assignedTo: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
        description: 'a health_officer or province_admin of the contact’s province; null unassigns',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Body of `POST /admin/v1/contacts/:id/notes`. */
export const NoteRequest = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: MAX_NOTE_LENGTH }) },
  { additionalProperties: false },
);

const ConfirmedCaseResponse = Type.Object({
  caseId: Type.String(),
  shortCode: Type.String(),
  longCode: Type.String(),
  expiresAt: Type.String(),
  longExpiresAt: Type.String(),
  contactId: Type.String(),
  sourceCaseId: Type.String(),
});

/** Registers the contact workflow routes. */
export const contactWorkflowRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/admin/v1/contacts',
    {
      schema: {
        tags: ['admin'],
        summary: 'The contacts in your scope, filtered, newest report first (no phone numbers; audited)',
        security: [{ apiKey: [] }],
        querystring: ContactListQuery,
        response: {
          200: Type.Object({
            contacts: Type.Array(ContactListItem),
            nextCursor: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as cursor for the next page; null on the last page',
            }),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'contacts.read');
      const query = request.query;
      const limit = query.limit === undefined ? DEFAULT_LIST_PAGE : Number(query.limit);
      if (limit < 1 || limit > MAX_LIST_PAGE)
        throw new ApiError('invalid_request', `limit must be from 1 to ${MAX_LIST_PAGE}, got ${limit}`);
      const filter = contactListFilter(ctx, principal, query);
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const { contacts, next } = await listContactsPage(ctx, principal, filter, {
        limit,
        after: cursor === undefined ? undefined : { reportedAt: cursor.time, id: cursor.id },
      });
      return reply.header('cache-control', 'no-store').send({
        contacts,
        nextCursor: next === undefined ? null : encodeCursor({ time: next.reportedAt, id: next.id }),
      });
    },
  );

  app.get(
    '/admin/v1/contacts/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'A contact with its workflow status, assignment and notes (audited)',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: { 200: ContactDetail, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'contacts.read');
      const detail = await readContactDetail(
        ctx,
        principal,
        request.params.id,
        hasPermission(principal, 'contacts.reveal'),
      );
      return reply.header('cache-control', 'no-store').send(detail);
    },
  );

  app.patch(
    '/admin/v1/contacts/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a contact’s workflow status and/or assignment',
        security: [{ apiKey: [] }],
        params: IdParams,
        body: ContactChangeRequest,
        response: { 200: ContactDetail, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.write', { apiKeyRoles: ['admin'] });
      const detail = await changeContact(ctx, principal, request.params.id, request.body);
      return reply.header('cache-control', 'no-store').send(detail);
    },
  );

  app.post(
    '/admin/v1/contacts/:id/notes',
    {
      schema: {
        tags: ['admin'],
        summary: 'Append a note to a contact (encrypted at rest; notes cannot be edited or deleted)',
        security: [{ apiKey: [] }],
        params: IdParams,
        body: NoteRequest,
        response: { 201: Note, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.write', { apiKeyRoles: ['admin'] });
      const note = await addContactNote(ctx, principal, request.params.id, request.body.text);
      return reply.status(201).header('cache-control', 'no-store').send(note);
    },
  );

  app.post(
    '/admin/v1/contacts/:id/confirmed-case',
    {
      schema: {
        tags: ['admin'],
        summary: 'Enter a tested_positive contact as a new confirmed (F0) case and issue its codes',
        security: [{ apiKey: [] }],
        params: IdParams,
        body: CaseFromContactRequest,
        response: {
          201: ConfirmedCaseResponse,
          400: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
      // The body is optional: none means every default.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'cases.write', { apiKeyRoles: ['admin'] });
      const issued = await createConfirmedCaseFromContact(ctx, principal, request.params.id, request.body);
      return reply.status(201).header('cache-control', 'no-store').send(issued);
    },
  );
};
