/**
 * Portal users: creation (API and `bluezone users add`), login with lock-out, password change
 * and reset, disabling, listing within a scope. Every change and every login attempt writes an
 * audit entry (actor `user:<id>`, never a password or username typed by a stranger).
 *
 * Lock-out: after {@link LOGIN_LOCKOUT}.maxFailures wrong passwords in a row the account refuses
 * logins for {@link LOGIN_LOCKOUT}.lockMs. Unknown usernames behave the same — a bounded
 * in-process counter, and a dummy argon2id verification for the same timing — so that answers
 * never tell whether a username exists.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import {
  type AdminPrincipal,
  type AdminScope,
  actorOf,
  inAdminScope,
  USER_ROLES,
  type UserRole,
} from '../../auth.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Database } from '../../storage/database.js';
import type { UsersTable } from '../../storage/users.table.js';
import {
  DUMMY_PASSWORD_HASH,
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from './passwords.js';
import { createSession, deleteUserSessions, type NewSession } from './sessions.js';

/** Failed logins before a lock, and its length. */
export const LOGIN_LOCKOUT = { maxFailures: 5, lockMs: 15 * 60_000 } as const;

/** Usernames: lower-case letters, digits, `.`, `_`, `-`, 3 to 64 characters. */
export const USERNAME_PATTERN = '^[a-z0-9._-]{3,64}$';

/** A user as the API shows it (never the password hash). */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly role: UserRole;
  readonly provinceCode: string | null;
  readonly districtCodes: string[] | null;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The API view of a user row. */
export function userView(row: UsersTable): UserView {
  return {
    id: row.id,
    username: row.username,
    role: row.role as UserRole,
    provinceCode: row.province_code,
    districtCodes: row.district_codes === null ? null : (JSON.parse(row.district_codes) as string[]),
    disabled: row.disabled_at !== null,
    lockedUntil: row.locked_until === null ? null : iso(row.locked_until),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

async function audit(
  db: Kysely<Database>,
  entry: {
    at: number;
    actor: string;
    action: string;
    subject: string | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId('aud_'),
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    })
    .execute();
}

/** A user to create. */
export interface NewUser {
  readonly username: string;
  readonly role: UserRole;
  readonly provinceCode?: string | null | undefined;
  readonly districtCodes?: readonly string[] | null | undefined;
  /** Absent: a strong password is generated and returned once. */
  readonly password?: string | undefined;
}

/** Why `input` is not a valid user, or undefined. Checks the fields, not the caller's rights. */
export function newUserProblem(
  input: NewUser,
  check: (province: string, district: string | null | undefined) => string | undefined,
): string | undefined {
  if (!new RegExp(USERNAME_PATTERN).test(input.username))
    return `username must be 3 to 64 lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(input.username)}`;
  if (!(USER_ROLES as readonly string[]).includes(input.role))
    return `role must be one of ${USER_ROLES.join(', ')}, got ${JSON.stringify(input.role)}`;
  const province = input.provinceCode ?? null;
  if (input.role === 'national_admin' && province !== null)
    return 'a national_admin has national scope: leave provinceCode out';
  if (input.role !== 'national_admin' && province === null)
    return `a ${input.role} needs the provinceCode of the province they work for`;
  if (province !== null) {
    const problem = check(province, undefined);
    if (problem) return problem;
    for (const district of input.districtCodes ?? []) {
      const districtProblem = check(province, district);
      if (districtProblem) return districtProblem;
    }
  } else if (input.districtCodes) return 'districtCodes need a provinceCode';
  if (input.password !== undefined) return passwordProblem(input.password, input.username);
  return undefined;
}

/**
 * Creates a user (validated with {@link newUserProblem}) with the audit entry `user.create`.
 * Returns the user and, when none was given, the generated password (shown once). 409 for a
 * taken username.
 */
export async function createUser(
  ctx: Pick<AppContext, 'storage' | 'adminUnits'>,
  actor: string,
  input: NewUser,
  now: number,
): Promise<{ user: UserView; password?: string }> {
  const problem = newUserProblem(input, (p, d) => ctx.adminUnits.check(p, d));
  if (problem) throw new ApiError('invalid_request', problem);
  const generated = input.password === undefined ? generatePassword() : undefined;
  const passwordHash = await hashPassword(input.password ?? generated ?? '');
  const row: UsersTable = {
    id: newId('usr_'),
    username: input.username,
    password_hash: passwordHash,
    role: input.role,
    province_code: input.provinceCode ?? null,
    district_codes:
      input.districtCodes && input.districtCodes.length > 0
        ? JSON.stringify([...new Set(input.districtCodes)].sort())
        : null,
    failed_attempts: 0,
    locked_until: null,
    created_at: now,
    updated_at: now,
    disabled_at: null,
  };
  await ctx.storage.transaction(async (trx) => {
    const taken = await trx
      .selectFrom('users')
      .select('id')
      .where('username', '=', input.username)
      .executeTakeFirst();
    if (taken) throw new ApiError('conflict', `the username ${input.username} is taken; choose another`);
    await trx.insertInto('users').values(row).execute();
    await audit(trx, {
      at: now,
      actor,
      action: 'user.create',
      subject: `user:${row.id}`,
      details: { role: row.role, provinceCode: row.province_code },
    });
  });
  return { user: userView(row), ...(generated === undefined ? {} : { password: generated }) };
}

/** Failed attempts against unknown usernames (keyed by SHA-256), bounded. */
const unknownAttempts = new Map<string, { failures: number; lockedUntil: number }>();
const MAX_UNKNOWN_TRACKED = 10_000;

function unknownKey(username: string): string {
  return createHash('sha256').update(username, 'utf8').digest('base64');
}

const lockedError = (until: number, now: number) =>
  new ApiError('account_locked', undefined, { 'retry-after': String(Math.ceil((until - now) / 1000)) });

const loginFailed = () => new ApiError('login_failed');

/** Logs `username` in with `password`: a new session, or `login_failed` / `account_locked`. */
export async function login(
  ctx: AppContext,
  username: string,
  password: string,
): Promise<{ user: UserView; session: NewSession }> {
  const now = ctx.now();
  const name = username.trim().toLowerCase();
  const user = await ctx.storage.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', name)
    .executeTakeFirst();
  if (!user) {
    const key = unknownKey(name);
    const entry = unknownAttempts.get(key);
    if (entry && entry.lockedUntil > now) throw lockedError(entry.lockedUntil, now);
    await verifyPassword(password, DUMMY_PASSWORD_HASH);
    const failures = (entry && entry.lockedUntil === 0 ? entry.failures : 0) + 1;
    if (unknownAttempts.size >= MAX_UNKNOWN_TRACKED) unknownAttempts.clear();
    unknownAttempts.set(
      key,
      failures >= LOGIN_LOCKOUT.maxFailures
        ? { failures: 0, lockedUntil: now + LOGIN_LOCKOUT.lockMs }
        : { failures, lockedUntil: 0 },
    );
    await audit(ctx.storage.db, {
      at: now,
      actor: 'anonymous',
      action: 'user.login.failure',
      subject: null,
      details: { reason: 'unknown_user' },
    });
    throw loginFailed();
  }
  if (user.locked_until !== null && user.locked_until > now) {
    await audit(ctx.storage.db, {
      at: now,
      actor: `user:${user.id}`,
      action: 'user.login.failure',
      subject: `user:${user.id}`,
      details: { reason: 'locked' },
    });
    throw lockedError(user.locked_until, now);
  }
  const ok = await verifyPassword(password, user.password_hash);
  if (!ok || user.disabled_at !== null) {
    const failures = user.failed_attempts + 1;
    const lock = failures >= LOGIN_LOCKOUT.maxFailures;
    await ctx.storage.db
      .updateTable('users')
      .set(
        lock
          ? { failed_attempts: 0, locked_until: now + LOGIN_LOCKOUT.lockMs }
          : { failed_attempts: sql<number>`failed_attempts + 1` },
      )
      .where('id', '=', user.id)
      .execute();
    await audit(ctx.storage.db, {
      at: now,
      actor: `user:${user.id}`,
      action: 'user.login.failure',
      subject: `user:${user.id}`,
      details: { reason: ok ? 'disabled' : 'wrong_password', locked: lock },
    });
    throw loginFailed();
  }
  const session = await ctx.storage.transaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ failed_attempts: 0, locked_until: null })
      .where('id', '=', user.id)
      .execute();
    await audit(trx, { at: now, actor: `user:${user.id}`, action: 'user.login', subject: `user:${user.id}` });
    return createSession(trx, ctx.config, user.id, now);
  });
  return { user: userView({ ...user, failed_attempts: 0, locked_until: null }), session };
}

/** The user `id`, if it exists. */
export async function findUser(db: Kysely<Database>, id: string): Promise<UsersTable | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Changes the caller's password after checking the current one (a wrong one counts towards the
 * lock-out). Ends the user's other sessions. Audit entry `user.password.change`.
 */
export async function changeOwnPassword(
  ctx: AppContext,
  userId: string,
  keepSession: Uint8Array,
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  const now = ctx.now();
  const user = await findUser(ctx.storage.db, userId);
  if (!user) throw new ApiError('unauthorized', 'this session has ended; log in again');
  if (!(await verifyPassword(currentPassword, user.password_hash))) {
    const lock = user.failed_attempts + 1 >= LOGIN_LOCKOUT.maxFailures;
    await ctx.storage.db
      .updateTable('users')
      .set(
        lock
          ? { failed_attempts: 0, locked_until: now + LOGIN_LOCKOUT.lockMs }
          : { failed_attempts: sql<number>`failed_attempts + 1` },
      )
      .where('id', '=', user.id)
      .execute();
    throw new ApiError('login_failed', 'currentPassword is wrong; type your present password again');
  }
  const problem = passwordProblem(newPassword, user.username);
  if (problem) throw new ApiError('password_too_weak', problem);
  const hash = await hashPassword(newPassword);
  await ctx.storage.transaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: hash, updated_at: now, failed_attempts: 0 })
      .where('id', '=', user.id)
      .execute();
    await deleteUserSessions(trx, user.id, keepSession);
    await audit(trx, {
      at: now,
      actor: `user:${user.id}`,
      action: 'user.password.change',
      subject: `user:${user.id}`,
    });
  });
}

/** Whether `principal` may manage `user` (scope): national scope all, a province its own users. */
export function userInScope(scope: AdminScope, user: UsersTable): boolean {
  if (scope.provinceCode === undefined) return true;
  if (user.province_code !== scope.provinceCode) return false;
  if (scope.districtCodes === undefined) return true;
  const districts = user.district_codes === null ? [] : (JSON.parse(user.district_codes) as string[]);
  return districts.length > 0 && districts.every((d) => inAdminScope(scope, user.province_code, d));
}

/** The user `id` if `principal` may manage it, else 404 (also for users outside the scope). */
export async function requireUserInScope(
  ctx: AppContext,
  principal: AdminPrincipal,
  id: string,
): Promise<UsersTable> {
  const user = await findUser(ctx.storage.db, id);
  if (!user || !userInScope(principal.scope, user)) {
    throw new ApiError('not_found', `no user ${JSON.stringify(id)}; take the id from GET /admin/v1/users`);
  }
  return user;
}

/** Filters of the user list; all optional, combined with AND. */
export interface UserListFilter {
  readonly provinceCode?: string | undefined;
  readonly role?: UserRole | undefined;
  readonly disabled?: boolean | undefined;
}

/** Users in `scope` matching `filter`, by username. A province outside the scope matches nobody. */
export async function listUsers(
  db: Kysely<Database>,
  scope: AdminScope,
  filter: UserListFilter = {},
): Promise<UserView[]> {
  let query = db.selectFrom('users').selectAll().orderBy('username');
  if (scope.provinceCode !== undefined) query = query.where('province_code', '=', scope.provinceCode);
  if (filter.provinceCode !== undefined) query = query.where('province_code', '=', filter.provinceCode);
  if (filter.role !== undefined) query = query.where('role', '=', filter.role);
  if (filter.disabled !== undefined)
    query = query.where('disabled_at', filter.disabled ? 'is not' : 'is', null);
  const rows = await query.execute();
  return rows.filter((r) => userInScope(scope, r)).map(userView);
}

/** A user a contact can be assigned to, as the assignment drop-down shows it. */
export interface OfficerView {
  readonly id: string;
  readonly username: string;
  readonly role: UserRole;
  readonly provinceCode: string;
  readonly districtCodes: string[] | null;
}

/**
 * The users contacts can be assigned to (contact-workflow.ts `ASSIGNEE_ROLES`, active) of the
 * caller's province — all of it, whatever districts the caller is limited to, since a contact
 * may be assigned to any officer of its case's province — or, for national callers, of
 * `provinceCode` (every province when absent). By username.
 */
export async function listOfficers(
  db: Kysely<Database>,
  scope: AdminScope,
  roles: readonly UserRole[],
  provinceCode: string | undefined,
): Promise<OfficerView[]> {
  let query = db
    .selectFrom('users')
    .select(['id', 'username', 'role', 'province_code', 'district_codes'])
    .where('role', 'in', [...roles])
    .where('disabled_at', 'is', null)
    .where('province_code', 'is not', null)
    .orderBy('username');
  if (scope.provinceCode !== undefined) query = query.where('province_code', '=', scope.provinceCode);
  if (provinceCode !== undefined) query = query.where('province_code', '=', provinceCode);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    role: r.role as UserRole,
    provinceCode: r.province_code ?? '',
    districtCodes: r.district_codes === null ? null : (JSON.parse(r.district_codes) as string[]),
  }));
}

/**
 * Sets a new generated password for `user`, unlocks it and ends its sessions (audit
 * `user.password.reset`). Returns the password, shown once.
 */
export async function resetPassword(
  ctx: AppContext,
  principal: AdminPrincipal,
  user: UsersTable,
): Promise<string> {
  const now = ctx.now();
  const password = generatePassword();
  const hash = await hashPassword(password);
  await ctx.storage.transaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: hash, failed_attempts: 0, locked_until: null, updated_at: now })
      .where('id', '=', user.id)
      .execute();
    await deleteUserSessions(trx, user.id);
    await audit(trx, {
      at: now,
      actor: actorOf(principal),
      action: 'user.password.reset',
      subject: `user:${user.id}`,
    });
  });
  return password;
}

/** Disables `user` and ends its sessions (audit `user.disable`); idempotent. */
export async function disableUser(
  ctx: AppContext,
  principal: AdminPrincipal,
  user: UsersTable,
): Promise<UserView> {
  const now = ctx.now();
  if (principal.kind === 'user' && principal.id === user.id)
    throw new ApiError('conflict', 'you cannot disable your own account; ask another admin');
  const disabledAt = user.disabled_at ?? now;
  await ctx.storage.transaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ disabled_at: disabledAt, updated_at: now })
      .where('id', '=', user.id)
      .execute();
    await deleteUserSessions(trx, user.id);
    await audit(trx, {
      at: now,
      actor: actorOf(principal),
      action: 'user.disable',
      subject: `user:${user.id}`,
    });
  });
  return userView({ ...user, disabled_at: disabledAt, updated_at: now });
}
