/**
 * Users, sessions and scope (docs/api.md, "Users, sessions and scope"):
 *
 * - `POST /admin/v1/session` `{username, password}` → `{user, csrfToken, expiresAt}` and the
 *   session cookie; `GET` → the same for the current session; `DELETE` logs out;
 *   `POST /admin/v1/session/password` changes the caller's password.
 * - `GET/POST /admin/v1/users`, `POST /admin/v1/users/:id/reset-password`,
 *   `POST /admin/v1/users/:id/disable` (permission `users.manage`: national admins and admin API
 *   keys for everyone, province admins for users of their province); the list filters by
 *   `provinceCode`, `role` and `disabled`.
 * - `GET /admin/v1/officers` (permission `contacts.read`) → `{officers}`: the active users a
 *   contact can be assigned to, for the assignment drop-down — health officers may not manage
 *   users, yet must see whom they can assign to.
 *
 * @module
 */
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { actorOf, authenticateAdmin, authenticateSession, USER_ROLES, type UserRole } from '../../auth.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { clientNetwork, consume } from '../../rate-limit.js';
import { ErrorResponse } from '../../schemas.js';
import { ASSIGNEE_ROLES } from '../contacts/contact-workflow.js';
import { PASSWORD_LIMITS } from './passwords.js';
import { clearedSessionCookie, deleteSession, sessionCookie } from './sessions.js';
import {
  changeOwnPassword,
  createUser,
  disableUser,
  findUser,
  listOfficers,
  listUsers,
  login,
  requireUserInScope,
  resetPassword,
  USERNAME_PATTERN,
  userView,
} from './users.service.js';

const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: Type.String(),
  provinceCode: Type.Union([Type.String(), Type.Null()]),
  districtCodes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  disabled: Type.Boolean(),
  lockedUntil: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const SessionResponse = Type.Object({
  user: User,
  csrfToken: Type.String({ description: 'send it as X-CSRF-Token with every state-changing request' }),
  expiresAt: Type.String({ description: 'absolute expiry of the session (idle expiry comes sooner)' }),
});

const Password = (description: string) =>
  Type.String({ minLength: 1, maxLength: PASSWORD_LIMITS.maxLength * 4, description });

const LoginRequest = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 200 }), password: Password('the password') },
  { additionalProperties: false },
);

const ChangePasswordRequest = Type.Object(
  {
    currentPassword: Password('the present password'),
    newPassword: Password(`${PASSWORD_LIMITS.minLength} to ${PASSWORD_LIMITS.maxLength} characters`),
  },
  { additionalProperties: false },
);

const NewUserRequest = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN }),
    role: Type.Enum([...USER_ROLES]),
    provinceCode: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{2}$' }), Type.Null()])),
    districtCodes: Type.Optional(
      Type.Union([
        Type.Array(Type.String({ pattern: '^[0-9]{3}$' }), { maxItems: 50, uniqueItems: true }),
        Type.Null(),
      ]),
    ),
    password: Type.Optional(Password('omit to have a strong one generated and returned once')),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Query of `GET /admin/v1/users`. */
export const UserListQuery = Type.Object(
  {
    provinceCode: Type.Optional(
      Type.String({ pattern: '^[0-9]{2}$', description: 'only the users of this province' }),
    ),
    role: Type.Optional(Type.Enum([...USER_ROLES], { description: 'only the users with this role' })),
    disabled: Type.Optional(
      Type.Enum(['true', 'false'], { description: 'true: only disabled users; false: only active ones' }),
    ),
  },
  { additionalProperties: false },
);

const Officer = Type.Object({
  id: Type.String({ description: 'send it as assignedTo (PATCH /admin/v1/contacts/:id)' }),
  username: Type.String(),
  role: Type.String({ description: 'health_officer or province_admin' }),
  provinceCode: Type.String(),
  districtCodes: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'the districts the officer works for; null: the whole province',
  }),
});

/** Query of `GET /admin/v1/officers`. */
export const OfficerListQuery = Type.Object(
  {
    provinceCode: Type.Optional(
      Type.String({
        pattern: '^[0-9]{2}$',
        description: 'the province (national callers; a province user sees their own province)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `provinceCode` checked against the 63 provinces (400 `invalid_request`). */
function checkProvince(ctx: AppContext, provinceCode: string | undefined): void {
  if (provinceCode === undefined) return;
  const problem = ctx.adminUnits.check(provinceCode, undefined);
  if (problem) throw new ApiError('invalid_request', problem);
}

/** Login attempts one client network may make per window (on top of the per-account lock-out). */
export const LOGIN_RATE_LIMIT = { limit: 20, windowMs: 10 * 60_000 } as const;

/** Registers the session and users routes. */
export const userRoutes: RouteModule = (app, ctx) => {
  const maxAgeSeconds = ctx.config.sessionMaxHours * 3600;

  app.post(
    '/admin/v1/session',
    {
      schema: {
        tags: ['admin'],
        summary: 'Log in: sets the session cookie and returns the CSRF token',
        body: LoginRequest,
        response: { 200: SessionResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      // Counted before the password is checked: guessing across many usernames is slowed too.
      await consume(
        ctx,
        `login:client:${clientNetwork(request.ip)}`,
        LOGIN_RATE_LIMIT.limit,
        LOGIN_RATE_LIMIT.windowMs,
        'login attempts from your network',
      );
      const { user, session } = await login(ctx, request.body.username, request.body.password);
      return reply
        .header('set-cookie', sessionCookie(ctx.config, session.sessionId, maxAgeSeconds))
        .header('cache-control', 'no-store')
        .send({ user, csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() });
    },
  );

  app.get(
    '/admin/v1/session',
    {
      schema: {
        tags: ['admin'],
        summary: 'The logged-in user and the session’s CSRF token',
        response: { 200: SessionResponse, 401: ErrorResponse },
      },
    },
    async (request, reply) => {
      const session = await authenticateSession(ctx, request);
      const user = await findUser(ctx.storage.db, session.principal.id);
      if (!user) throw new ApiError('unauthorized', 'this session has ended; log in again');
      return reply.header('cache-control', 'no-store').send({
        user: userView(user),
        csrfToken: session.csrfToken,
        expiresAt: new Date(session.expiresAt).toISOString(),
      });
    },
  );

  app.delete(
    '/admin/v1/session',
    {
      schema: {
        tags: ['admin'],
        summary: 'Log out (needs X-CSRF-Token)',
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const session = await authenticateSession(ctx, request);
      await ctx.storage.transaction(async (trx) => {
        await deleteSession(trx, session.sessionIdHash);
        await trx
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: ctx.now(),
            actor: actorOf(session.principal),
            action: 'user.logout',
            subject: `user:${session.principal.id}`,
            details: null,
          })
          .execute();
      });
      return reply.status(204).header('set-cookie', clearedSessionCookie(ctx.config)).send(null);
    },
  );

  app.post(
    '/admin/v1/session/password',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change your own password (ends your other sessions; needs X-CSRF-Token)',
        body: ChangePasswordRequest,
        response: { 204: Type.Null(), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const session = await authenticateSession(ctx, request);
      await changeOwnPassword(
        ctx,
        session.principal.id,
        session.sessionIdHash,
        request.body.currentPassword,
        request.body.newPassword,
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/admin/v1/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Users in your scope, by username',
        security: [{ apiKey: [] }],
        querystring: UserListQuery,
        response: {
          200: Type.Object({ users: Type.Array(User) }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'users.manage');
      const query = request.query;
      checkProvince(ctx, query.provinceCode);
      const users = await listUsers(ctx.storage.db, principal.scope, {
        provinceCode: query.provinceCode,
        role: query.role as UserRole | undefined,
        disabled: query.disabled === undefined ? undefined : query.disabled === 'true',
      });
      return reply.header('cache-control', 'no-store').send({ users });
    },
  );

  app.get(
    '/admin/v1/officers',
    {
      schema: {
        tags: ['admin'],
        summary: 'The active users a contact can be assigned to (health officers, province admins)',
        security: [{ apiKey: [] }],
        querystring: OfficerListQuery,
        response: {
          200: Type.Object({ officers: Type.Array(Officer) }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'contacts.read');
      checkProvince(ctx, request.query.provinceCode);
      const officers = await listOfficers(
        ctx.storage.db,
        { provinceCode: principal.scope.provinceCode },
        ASSIGNEE_ROLES,
        request.query.provinceCode,
      );
      return reply.header('cache-control', 'no-store').send({ officers });
    },
  );

  app.post(
    '/admin/v1/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a user (the password, if generated, is returned once)',
        security: [{ apiKey: [] }],
        body: NewUserRequest,
        response: {
          201: Type.Object({ user: User, password: Type.Optional(Type.String()) }),
          400: ErrorResponse,
          403: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'users.manage');
      const body = request.body;
      const scope = principal.scope;
      const provinceCode = body.provinceCode ?? (body.role === 'national_admin' ? null : scope.provinceCode);
      if (scope.provinceCode !== undefined) {
        if (body.role === 'national_admin' || provinceCode !== scope.provinceCode) {
          throw new ApiError(
            'forbidden',
            `you may create users of province ${scope.provinceCode} only, and no national_admin`,
          );
        }
        const districts = body.districtCodes ?? undefined;
        if (
          scope.districtCodes !== undefined &&
          (districts === undefined || districts.some((d) => !scope.districtCodes?.includes(d)))
        ) {
          throw new ApiError(
            'forbidden',
            `you may create users of your districts only (${scope.districtCodes.join(', ')})`,
          );
        }
      }
      const created = await createUser(
        ctx,
        actorOf(principal),
        {
          username: body.username,
          role: body.role as UserRole,
          provinceCode: provinceCode ?? null,
          districtCodes: body.districtCodes ?? null,
          password: body.password,
        },
        ctx.now(),
      );
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post(
    '/admin/v1/users/:id/reset-password',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set a new generated password (returned once), unlock, end the user’s sessions',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: { 200: Type.Object({ password: Type.String() }), 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'users.manage');
      const user = await requireUserInScope(ctx, principal, request.params.id);
      const password = await resetPassword(ctx, principal, user);
      return reply.header('cache-control', 'no-store').send({ password });
    },
  );

  app.post(
    '/admin/v1/users/:id/disable',
    {
      schema: {
        tags: ['admin'],
        summary: 'Disable a user and end their sessions',
        security: [{ apiKey: [] }],
        params: IdParams,
        response: { 200: Type.Object({ user: User }), 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      const principal = await authenticateAdmin(ctx, request, 'users.manage');
      const user = await requireUserInScope(ctx, principal, request.params.id);
      return { user: await disableUser(ctx, principal, user) };
    },
  );
};
