/**
 * Authentication of device calls (device token) and integrations (API keys with roles).
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import { ApiError } from './errors.js';
import { findInstallByTokenHash, type InstallRow } from './features/installs/installs.repository.js';
import { hashSecret } from './ids.js';

/** Roles an API key can have. */
export const API_KEY_ROLES = ['admin', 'lab', 'device'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** The install that sent `request`, from its bearer device token; 401 otherwise. */
export async function authenticateDevice(ctx: AppContext, request: FastifyRequest): Promise<InstallRow> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer ([A-Za-z0-9_-]{20,128})$/.exec(header) : null;
  if (!match)
    throw new ApiError('unauthorized', 'send the device token as "Authorization: Bearer <deviceToken>"');
  const install = await findInstallByTokenHash(ctx.storage.db, hashSecret(match[1]!));
  if (!install)
    throw new ApiError('unauthorized', 'unknown device token; register again with POST /v1/installs');
  return install;
}

/** An authenticated API key. */
export interface ApiKeyPrincipal {
  readonly id: string;
  readonly role: ApiKeyRole;
}

/** The API key of `request` (header X-API-Key) if its role is one of `roles`; 401/403 otherwise. */
export async function authenticateApiKey(
  ctx: AppContext,
  request: FastifyRequest,
  roles: readonly ApiKeyRole[],
): Promise<ApiKeyPrincipal> {
  const key = request.headers['x-api-key'];
  if (typeof key !== 'string' || key.length < 20 || key.length > 128) {
    throw new ApiError('unauthorized', 'send an API key in the X-API-Key header');
  }
  const row = await ctx.storage.db
    .selectFrom('api_keys')
    .select(['id', 'role', 'revoked_at'])
    .where('key_hash', '=', hashSecret(key))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) throw new ApiError('unauthorized', 'unknown or revoked API key');
  if (!(roles as readonly string[]).includes(row.role)) {
    throw new ApiError('forbidden', `this endpoint needs an API key with role ${roles.join(' or ')}`);
  }
  return { id: row.id, role: row.role as ApiKeyRole };
}
