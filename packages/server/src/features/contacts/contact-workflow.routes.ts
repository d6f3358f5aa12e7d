/**
 * Contact workflow routes (docs/api.md, "Contact workflow"), scoped like every admin route (a
 * contact outside the caller's province or districts is 404):
 *
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
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { authenticateAdmin, hasPermission } from '../../auth.js';
import { CaseFromContactRequest, ErrorResponse } from '../../schemas.js';
import {
  addContactNote,
  CONTACT_STATUSES,
  changeContact,
  createConfirmedCaseFromContact,
  MAX_NOTE_LENGTH,
  readContactDetail,
} from './contact-workflow.js';

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
