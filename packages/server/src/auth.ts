/**
 * Authentication of device calls (device token), integrations (API keys with roles) and
 * health-authority users (portal session cookie with CSRF token), and the one authorization rule
 * of the admin API: {@link authenticateAdmin} turns either credential into an
 * {@link AdminPrincipal} with a role and a scope (country, province, or districts of a province),
 * checked against {@link ROLE_PERMISSIONS}. Routes filter by the scope and answer 404 for objects
 * outside it.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import { ApiError } from './errors.js';
import { findInstallByTokenHash, type InstallRow } from './features/installs/installs.repository.js';
import { findActiveSession } from './features/users/sessions.js';
import { hashSecret, safeEqual } from './ids.js';

/** Roles an API key can have. */
export const API_KEY_ROLES = ['admin', 'lab', 'device', 'partner'] as const;
/** An API key role. */
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
/**
 * Roles of keys made on their own (`bluezone apikeys add`, `POST /admin/v1/api-keys`). A
 * `partner` key belongs to a partner and is made with it (`POST /admin/v1/partners`).
 */
export const STANDALONE_API_KEY_ROLES = ['admin', 'lab', 'device'] as const satisfies readonly ApiKeyRole[];

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

/** Roles a portal user can have. */
export const USER_ROLES = ['national_admin', 'province_admin', 'health_officer', 'viewer'] as const;
/** A portal user role. */
export type UserRole = (typeof USER_ROLES)[number];

/** What an admin caller may do. */
export const ADMIN_PERMISSIONS = [
  'cases.read',
  'cases.write',
  'codes.issue',
  'contacts.read',
  'contacts.reveal',
  'inbox.manage',
  'legacy.import',
  'users.manage',
  'audit.read',
  'stats.read',
  'stats.import',
  'declarations.read',
  'declarations.reveal',
  'declarations.write',
  'partners.manage',
] as const;
/** One admin action. */
export type AdminPermission = (typeof ADMIN_PERMISSIONS)[number];

/** The permissions of each user role (always within the user's scope). */
export const ROLE_PERMISSIONS: Readonly<Record<UserRole, readonly AdminPermission[]>> = {
  national_admin: ADMIN_PERMISSIONS,
  province_admin: ADMIN_PERMISSIONS,
  health_officer: [
    'cases.read',
    'cases.write',
    'codes.issue',
    'contacts.read',
    'contacts.reveal',
    'legacy.import',
    'stats.read',
    'declarations.read',
    'declarations.reveal',
    'declarations.write',
  ],
  viewer: ['cases.read', 'contacts.read', 'stats.read', 'declarations.read'],
};

/** The API key roles allowed each permission by default (national scope). */
const API_KEY_PERMISSIONS: Readonly<Record<AdminPermission, readonly ApiKeyRole[]>> = {
  'cases.read': ['admin', 'lab'],
  'cases.write': ['admin', 'lab'],
  'codes.issue': ['admin', 'lab'],
  'contacts.read': ['admin'],
  'contacts.reveal': ['admin'],
  'inbox.manage': ['admin'],
  'legacy.import': ['admin'],
  'users.manage': ['admin'],
  'audit.read': ['admin'],
  'stats.read': ['admin'],
  'stats.import': ['admin'],
  'declarations.read': ['admin'],
  'declarations.reveal': ['admin'],
  'declarations.write': ['admin'],
  'partners.manage': ['admin'],
};

/** Which cases, contacts and users a caller may see: all, one province, or districts of it. */
export interface AdminScope {
  /** Absent = the whole country. */
  readonly provinceCode?: string | undefined;
  /** Absent = the whole province. Only with a province. */
  readonly districtCodes?: readonly string[] | undefined;
}

/** An authenticated admin caller: a portal user (session cookie) or an API key. */
export interface AdminPrincipal {
  readonly kind: 'user' | 'apikey';
  readonly id: string;
  readonly role: UserRole | ApiKeyRole;
  readonly scope: AdminScope;
}

/** Whoever an audit entry names: an admin principal or an API key. */
export interface AuditActor {
  readonly kind?: 'user' | 'apikey';
  readonly id: string;
}

/** Who did something, for the audit log: `user:<id>` or `apikey:<id>`. */
export function actorOf(principal: AuditActor): string {
  return `${principal.kind ?? 'apikey'}:${principal.id}`;
}

/** Whether `principal` may do `permission` (API keys: by key role; users: {@link ROLE_PERMISSIONS}). */
export function hasPermission(principal: AdminPrincipal, permission: AdminPermission): boolean {
  if (principal.kind === 'apikey')
    return (API_KEY_PERMISSIONS[permission] as readonly string[]).includes(principal.role);
  return ROLE_PERMISSIONS[principal.role as UserRole].includes(permission);
}

/** Whether a case (or user) of `provinceCode`/`districtCode` is inside `scope`. */
export function inAdminScope(
  scope: AdminScope,
  provinceCode: string | null,
  districtCode: string | null | undefined,
): boolean {
  if (scope.provinceCode === undefined) return true;
  if (provinceCode !== scope.provinceCode) return false;
  if (scope.districtCodes === undefined) return true;
  return districtCode !== null && districtCode !== undefined && scope.districtCodes.includes(districtCode);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session user of `request` and its session, checking CSRF on state-changing methods. */
export async function authenticateSession(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<{ principal: AdminPrincipal; sessionIdHash: Uint8Array; csrfToken: string; expiresAt: number }> {
  const found = await findActiveSession(ctx, request);
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers['x-csrf-token'];
    const sent = typeof header === 'string' ? header : '';
    const enc = new TextEncoder();
    if (!safeEqual(enc.encode(sent), enc.encode(found.csrfToken))) {
      throw new ApiError(
        'csrf_invalid',
        sent === ''
          ? 'this change needs the X-CSRF-Token header; send the csrfToken of GET /admin/v1/session'
          : 'X-CSRF-Token does not belong to this session; send the csrfToken of GET /admin/v1/session',
      );
    }
  }
  const user = found.user;
  const districts = user.district_codes === null ? undefined : (JSON.parse(user.district_codes) as string[]);
  return {
    principal: {
      kind: 'user',
      id: user.id,
      role: user.role as UserRole,
      scope: {
        ...(user.province_code === null ? {} : { provinceCode: user.province_code }),
        ...(districts === undefined ? {} : { districtCodes: districts }),
      },
    },
    sessionIdHash: found.idHash,
    csrfToken: found.csrfToken,
    expiresAt: found.expiresAt,
  };
}

/**
 * The admin caller of `request` if it may do `permission`: an API key in `X-API-Key` (its role
 * decides; `admin` and `lab` keys have national scope; `apiKeyRoles` overrides the roles for one
 * route), else the portal session cookie (with `X-CSRF-Token` on every state-changing request)
 * and the user's role. 401 without credentials, 403 without the permission.
 */
export async function authenticateAdmin(
  ctx: AppContext,
  request: FastifyRequest,
  permission: AdminPermission,
  options: { apiKeyRoles?: readonly ApiKeyRole[] } = {},
): Promise<AdminPrincipal> {
  if (request.headers['x-api-key'] !== undefined) {
    const key = await authenticateApiKey(
      ctx,
      request,
      options.apiKeyRoles ?? API_KEY_PERMISSIONS[permission],
    );
    return { kind: 'apikey', id: key.id, role: key.role, scope: {} };
  }
  const { principal } = await authenticateSession(ctx, request);
  if (!hasPermission(principal, permission)) {
    throw new ApiError('forbidden', `the role ${principal.role} may not do this (needs ${permission})`);
  }
  return principal;
}
