/**
 * API-key management for national admins (docs/api.md, "API keys"), the portal's page of what
 * `bluezone apikeys add` does on the command line:
 *
 * - `GET /admin/v1/api-keys` → `{apiKeys}`: every key (never its secret or hash), newest first.
 * - `POST /admin/v1/api-keys` `{role, label}` → 201 `{apiKey, key}`: the secret, shown once and
 *   stored only as its SHA-256 (api-keys.ts `createApiKey`).
 * - `DELETE /admin/v1/api-keys/:id` → `{apiKey}`: revokes the key; it is refused from its next
 *   request on. Idempotent.
 *
 * Only a `national_admin` session may do this: province users and other roles get 403 (these are
 * not reads of objects in a scope), and so do API keys — a leaked key must not be able to mint
 * keys that outlive its own revocation. Changes are audited in their transaction (`apikey.create`,
 * `apikey.revoke`; the role, never the secret or the label).
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../app.js';
import {
  type AdminPrincipal,
  API_KEY_ROLES,
  type ApiKeyRole,
  actorOf,
  authenticateAdmin,
  STANDALONE_API_KEY_ROLES,
} from '../auth.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { newId } from '../ids.js';
import { ErrorResponse } from '../schemas.js';
import {
  type ApiKeyRecord,
  createApiKey,
  findApiKey,
  listApiKeys,
  MAX_API_KEY_LABEL,
  revokeApiKey,
} from './api-keys.js';

const ApiKey = Type.Object({
  id: Type.String(),
  role: Type.Enum([...API_KEY_ROLES], {
    description: 'what the key may call (docs/api.md, "Users, sessions and scope")',
  }),
  label: Type.String({ description: 'what the key is for' }),
  createdAt: Type.String({ description: 'ISO 8601' }),
  revoked: Type.Boolean(),
  revokedAt: Type.Union([Type.String(), Type.Null()], { description: 'ISO 8601; null while it works' }),
});

/** Body of `POST /admin/v1/api-keys`. */
export const NewApiKeyRequest = Type.Object(
  {
    role: Type.Enum([...STANDALONE_API_KEY_ROLES], {
      description: 'partner keys are made with their partner (POST /admin/v1/partners)',
    }),
    label: Type.String({
      minLength: 1,
      maxLength: MAX_API_KEY_LABEL,
      description: `what the key is for, 1 to ${MAX_API_KEY_LABEL} characters`,
    }),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const iso = (ms: number) => new Date(ms).toISOString();

function apiKeyView(row: ApiKeyRecord) {
  return {
    id: row.id,
    role: row.role as ApiKeyRole,
    label: row.name,
    createdAt: iso(row.created_at),
    revoked: row.revoked_at !== null,
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  };
}

/** The caller if it is a national admin's session; 401/403 otherwise. */
async function authenticateKeyManager(ctx: AppContext, request: FastifyRequest): Promise<AdminPrincipal> {
  const principal = await authenticateAdmin(ctx, request, 'users.manage', { apiKeyRoles: ['admin'] });
  if (principal.kind === 'apikey')
    throw new ApiError(
      'forbidden',
      'API keys are managed by national admins in the portal (or with bluezone apikeys add), not with an API key',
    );
  if (principal.role !== 'national_admin' || principal.scope.provinceCode !== undefined)
    throw new ApiError('forbidden', `only a national_admin may manage API keys, not a ${principal.role}`);
  return principal;
}

/** Registers the API-key routes. */
export const apiKeyRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/admin/v1/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Every API key (without its secret), newest first',
        response: {
          200: Type.Object({ apiKeys: Type.Array(ApiKey) }),
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      await authenticateKeyManager(ctx, request);
      const keys = await listApiKeys(ctx.storage.db);
      return reply.header('cache-control', 'no-store').send({ apiKeys: keys.map(apiKeyView) });
    },
  );

  app.post(
    '/admin/v1/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key: the secret is returned once (needs X-CSRF-Token)',
        body: NewApiKeyRequest,
        response: {
          201: Type.Object({
            apiKey: ApiKey,
            key: Type.String({ description: 'the secret, shown only now: send it as X-API-Key' }),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateKeyManager(ctx, request);
      const label = request.body.label.trim();
      if (label.length === 0) throw new ApiError('invalid_request', 'body.label must not be only spaces');
      const role = request.body.role as ApiKeyRole;
      const now = ctx.now();
      const created = await ctx.storage.transaction(async (trx) => {
        const key = await createApiKey(trx, role, label, now);
        await trx
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: now,
            actor: actorOf(principal),
            action: 'apikey.create',
            subject: `apikey:${key.id}`,
            details: JSON.stringify({ role }),
          })
          .execute();
        return key;
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({
          apiKey: apiKeyView({ id: created.id, role, name: label, created_at: now, revoked_at: null }),
          key: created.key,
        });
    },
  );

  app.delete(
    '/admin/v1/api-keys/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key: it is refused from its next request on (needs X-CSRF-Token)',
        params: IdParams,
        response: {
          200: Type.Object({ apiKey: ApiKey }),
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateKeyManager(ctx, request);
      const id = request.params.id;
      const now = ctx.now();
      const row = await ctx.storage.transaction(async (trx) => {
        const result = await revokeApiKey(trx, id, now);
        const found = result === undefined ? undefined : await findApiKey(trx, id);
        if (result === undefined || found === undefined)
          throw new ApiError(
            'not_found',
            `no API key ${JSON.stringify(id)}; take the id from GET /admin/v1/api-keys`,
          );
        if (result.revokedNow) {
          await trx
            .insertInto('audit_log')
            .values({
              id: newId('aud_'),
              at: now,
              actor: actorOf(principal),
              action: 'apikey.revoke',
              subject: `apikey:${id}`,
              details: JSON.stringify({ role: found.role }),
            })
            .execute();
        }
        return found;
      });
      return reply.header('cache-control', 'no-store').send({ apiKey: apiKeyView(row) });
    },
  );
};
