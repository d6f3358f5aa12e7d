/**
 * Portal login sessions. The cookie `bz_session` carries a random 256-bit session ID; the
 * database keeps only its SHA-256, the user, the CSRF token bound to the session, the last
 * request time (idle expiry, `BLUEZONE_SESSION_IDLE_MINUTES`) and the absolute expiry
 * (`BLUEZONE_SESSION_MAX_HOURS`). The cookie is `HttpOnly`, `SameSite=Strict`, `Path=/admin/v1`
 * and `Secure` unless `BLUEZONE_COOKIE_SECURE=false`. Parsing the one cookie needs no library.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { hashSecret, newBearerSecret } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import type { UsersTable } from '../../storage/users.table.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'bz_session';

/** Path the cookie is sent to: the admin API only. */
const COOKIE_PATH = '/admin/v1';

const MINUTE_MS = 60_000;

/** The session ID in the `Cookie` header of `request`, if any well-formed one. */
export function readSessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/** The `Set-Cookie` value that stores `sessionId` for `maxAgeSeconds`. */
export function sessionCookie(config: Config, sessionId: string, maxAgeSeconds: number): string {
  const secure = config.cookieSecure ? '; Secure' : '';
  return `${SESSION_COOKIE}=${sessionId}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly${secure}; SameSite=Strict`;
}

/** The `Set-Cookie` value that deletes the session cookie. */
export function clearedSessionCookie(config: Config): string {
  return sessionCookie(config, '', 0);
}

/** A new session's secrets: the cookie value is shown to the browser only. */
export interface NewSession {
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

/** Starts a session for `userId` at `now`. */
export async function createSession(
  db: Kysely<Database>,
  config: Config,
  userId: string,
  now: number,
): Promise<NewSession> {
  const sessionId = newBearerSecret();
  const csrfToken = newBearerSecret();
  const expiresAt = now + config.sessionMaxHours * 60 * MINUTE_MS;
  await db
    .insertInto('user_sessions')
    .values({
      id_hash: hashSecret(sessionId),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { sessionId, csrfToken, expiresAt };
}

/** A live session and its (enabled) user. */
export interface ActiveSession {
  readonly idHash: Uint8Array;
  readonly csrfToken: string;
  readonly expiresAt: number;
  readonly user: UsersTable;
}

/**
 * The live session of `request`'s cookie, its idle timer restarted. 401 `unauthorized` without
 * a cookie or for an unknown one (logged out, user disabled), `session_expired` past the idle or
 * absolute expiry (the session is deleted).
 */
export async function findActiveSession(ctx: AppContext, request: FastifyRequest): Promise<ActiveSession> {
  const sessionId = readSessionCookie(request);
  if (sessionId === undefined) {
    throw new ApiError(
      'unauthorized',
      'send an API key in the X-API-Key header, or log in with POST /admin/v1/session',
    );
  }
  const idHash = hashSecret(sessionId);
  const row = await ctx.storage.db
    .selectFrom('user_sessions')
    .innerJoin('users', 'users.id', 'user_sessions.user_id')
    .selectAll('users')
    .select([
      'user_sessions.csrf_token',
      'user_sessions.last_seen_at',
      'user_sessions.expires_at as session_expires_at',
    ])
    .where('user_sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row || row.disabled_at !== null) {
    throw new ApiError('unauthorized', 'this session has ended; log in again with POST /admin/v1/session');
  }
  const now = ctx.now();
  const idleLimit = ctx.config.sessionIdleMinutes * MINUTE_MS;
  if (now >= row.session_expires_at || now - row.last_seen_at >= idleLimit) {
    await ctx.storage.db.deleteFrom('user_sessions').where('id_hash', '=', idHash).execute();
    throw new ApiError(
      'session_expired',
      now >= row.session_expires_at
        ? `the session reached its maximum age of ${ctx.config.sessionMaxHours} hours; log in again`
        : `the session was idle for more than ${ctx.config.sessionIdleMinutes} minutes; log in again`,
    );
  }
  await ctx.storage.db
    .updateTable('user_sessions')
    .set({ last_seen_at: now })
    .where('id_hash', '=', idHash)
    .execute();
  const { csrf_token, last_seen_at: _seen, session_expires_at, ...user } = row;
  return { idHash, csrfToken: csrf_token, expiresAt: session_expires_at, user };
}

/** Ends one session. */
export async function deleteSession(db: Kysely<Database>, idHash: Uint8Array): Promise<void> {
  await db.deleteFrom('user_sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of `userId`, except `keep` (the caller's own, after a password change). */
export async function deleteUserSessions(
  db: Kysely<Database>,
  userId: string,
  keep?: Uint8Array,
): Promise<void> {
  let query = db.deleteFrom('user_sessions').where('user_id', '=', userId);
  if (keep !== undefined) query = query.where('id_hash', '!=', keep);
  await query.execute();
}
