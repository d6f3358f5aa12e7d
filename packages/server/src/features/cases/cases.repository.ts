/**
 * Storage of cases, verification codes, verification tokens and the verify lock-out counter. Every
 * function takes a Kysely handle, the database or a transaction; callers that write more than one
 * row pass a transaction. Codes and tokens are only ever handled as hashes here.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { AdminScope } from '../../auth.js';
import type {
  CasesTable,
  VerificationCodesTable,
  VerificationFailuresTable,
  VerificationTokensTable,
} from '../../storage/cases.table.js';
import type { Database } from '../../storage/database.js';

export type CaseRow = CasesTable;
export type VerificationCodeRow = VerificationCodesTable;
export type VerificationTokenRow = VerificationTokensTable;
export type VerificationFailureRow = VerificationFailuresTable;

/** Inserts a new case. */
export async function insertCase(db: Kysely<Database>, row: CaseRow): Promise<void> {
  await db.insertInto('cases').values(row).execute();
}

/** The case with `id`, if any. */
export async function findCase(db: Kysely<Database>, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Position in the newest-first case list: the last case of the previous page. */
export interface CaseListPosition {
  readonly createdAt: number;
  readonly id: string;
}

/** Cases newest first (ties by id, descending), optionally of one province and in a scope, after `after`. */
export async function listCases(
  db: Kysely<Database>,
  options: {
    provinceCode?: string | undefined;
    limit: number;
    after?: CaseListPosition | undefined;
    /** Only cases in the caller's scope (auth.ts). */
    scope?: AdminScope | undefined;
  },
): Promise<CaseRow[]> {
  let query = db.selectFrom('cases').selectAll();
  if (options.provinceCode !== undefined) query = query.where('province_code', '=', options.provinceCode);
  const scope = options.scope;
  if (scope?.provinceCode !== undefined) {
    query = query.where('province_code', '=', scope.provinceCode);
    if (scope.districtCodes !== undefined)
      query = query.where('district_code', 'in', [...scope.districtCodes, '']);
  }
  const after = options.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/**
 * Frees the given code hashes for reuse: deletes the codes with those hashes that can never
 * verify again (claimed, invalidated or expired at `now`). Returns true when one of the hashes
 * still belongs to a live code — the caller must draw another code.
 */
export async function releaseCodeHashes(
  db: Kysely<Database>,
  hashes: readonly Uint8Array[],
  now: number,
): Promise<boolean> {
  const rows = await db
    .selectFrom('verification_codes')
    .select(['id', 'claimed_at', 'invalidated_at', 'expires_at'])
    .where('code_hash', 'in', [...hashes])
    .execute();
  const live = rows.some((r) => r.claimed_at === null && r.invalidated_at === null && r.expires_at > now);
  if (live) return true;
  if (rows.length > 0)
    await db
      .deleteFrom('verification_codes')
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
  return false;
}

/**
 * Makes `codes` the case's codes: invalidates its unclaimed codes, inserts the new ones and
 * records their issue time and expiry on the case (clearing the claim time, which belongs to
 * the codes now replaced).
 */
export async function replaceCaseCodes(
  db: Kysely<Database>,
  caseId: string,
  codes: { readonly short: VerificationCodeRow; readonly long: VerificationCodeRow },
  now: number,
): Promise<void> {
  await db
    .updateTable('verification_codes')
    .set({ invalidated_at: now })
    .where('case_id', '=', caseId)
    .where('claimed_at', 'is', null)
    .where('invalidated_at', 'is', null)
    .execute();
  await db.insertInto('verification_codes').values([codes.short, codes.long]).execute();
  await db
    .updateTable('cases')
    .set({
      codes_issued_at: now,
      short_code_expires_at: codes.short.expires_at,
      long_code_expires_at: codes.long.expires_at,
      codes_claimed_at: null,
    })
    .where('id', '=', caseId)
    .execute();
}

/** The code whose keyed hash is `hash`, if any. */
export async function findCodeByHash(
  db: Kysely<Database>,
  hash: Uint8Array,
): Promise<VerificationCodeRow | undefined> {
  return db.selectFrom('verification_codes').selectAll().where('code_hash', '=', hash).executeTakeFirst();
}

/**
 * Claims `code` and, with it, the other live code of its case. Locks the case row first so that
 * concurrent claims of a case's two codes serialize. Returns false (and claims nothing) unless
 * `code` was still unclaimed, not invalidated and unexpired at `now`; run it in a transaction.
 */
export async function claimCaseCodes(
  db: Kysely<Database>,
  code: Pick<VerificationCodeRow, 'id' | 'case_id'>,
  now: number,
): Promise<boolean> {
  await db.updateTable('cases').set({ codes_claimed_at: now }).where('id', '=', code.case_id).execute();
  const claimed = await db
    .updateTable('verification_codes')
    .set({ claimed_at: now })
    .where('id', '=', code.id)
    .where('claimed_at', 'is', null)
    .where('invalidated_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return false;
  await db
    .updateTable('verification_codes')
    .set({ claimed_at: now })
    .where('case_id', '=', code.case_id)
    .where('claimed_at', 'is', null)
    .where('invalidated_at', 'is', null)
    .execute();
  return true;
}

/** Inserts a verification token (its hash). */
export async function insertToken(db: Kysely<Database>, row: VerificationTokenRow): Promise<void> {
  await db.insertInto('verification_tokens').values(row).execute();
}

/** The token whose SHA-256 is `hash`, if any. */
export async function findTokenByHash(
  db: Kysely<Database>,
  hash: Uint8Array,
): Promise<VerificationTokenRow | undefined> {
  return db.selectFrom('verification_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

/**
 * Marks a token exchanged for the certificate hashing to `certificateHash`, and records the
 * certificate on its case. Returns false (and writes nothing) unless the token was still
 * unexchanged and unexpired at `now`; run it in a transaction.
 */
export async function exchangeToken(
  db: Kysely<Database>,
  token: Pick<VerificationTokenRow, 'id' | 'case_id'>,
  certificateHash: Uint8Array,
  now: number,
): Promise<boolean> {
  const exchanged = await db
    .updateTable('verification_tokens')
    .set({ exchanged_at: now, certificate_hash: certificateHash })
    .where('id', '=', token.id)
    .where('exchanged_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(exchanged.numUpdatedRows) !== 1) return false;
  await db
    .updateTable('cases')
    .set({ token_exchanged_at: now, certificate_issued_at: now })
    .where('id', '=', token.case_id)
    .execute();
  return true;
}

/**
 * For the publish endpoint: adds `count` to `keys_published` of the case whose certificate
 * hashes (SHA-256 of the JWT text) to `certificateHash`. Returns the case ID, or undefined when
 * no token was exchanged for that certificate.
 */
export async function addKeysPublished(
  db: Kysely<Database>,
  certificateHash: Uint8Array,
  count: number,
): Promise<string | undefined> {
  const token = await db
    .selectFrom('verification_tokens')
    .select('case_id')
    .where('certificate_hash', '=', certificateHash)
    .executeTakeFirst();
  if (!token) return undefined;
  await db
    .updateTable('cases')
    .set({ keys_published: sql<number>`keys_published + ${count}` })
    .where('id', '=', token.case_id)
    .execute();
  return token.case_id;
}

/** The case whose token was exchanged for the certificate hashing to `certificateHash`, if any. */
export async function findCaseIdByCertificateHash(
  db: Kysely<Database>,
  certificateHash: Uint8Array,
): Promise<string | undefined> {
  const token = await db
    .selectFrom('verification_tokens')
    .select('case_id')
    .where('certificate_hash', '=', certificateHash)
    .executeTakeFirst();
  return token?.case_id;
}

/** Records one wrong code for the lock-out. */
export async function insertVerificationFailure(
  db: Kysely<Database>,
  row: VerificationFailureRow,
): Promise<void> {
  await db.insertInto('verification_failures').values(row).execute();
}

/** Which failures to count: one client's bucket, or every failure of one code kind. */
export type FailureScope = { readonly bucket: Uint8Array } | { readonly kind: string };

/**
 * Times, oldest first, of the failures in `scope` at or after `since`. The lock-out stops
 * recording at its limit (give or take concurrent requests), so the list stays short.
 */
export async function verificationFailureTimes(
  db: Kysely<Database>,
  scope: FailureScope,
  since: number,
): Promise<number[]> {
  let query = db.selectFrom('verification_failures').select('at').where('at', '>=', since);
  query = 'bucket' in scope ? query.where('bucket', '=', scope.bucket) : query.where('kind', '=', scope.kind);
  const rows = await query.orderBy('at', 'asc').execute();
  return rows.map((r) => r.at);
}

/** Deletes failures older than `before`. Returns how many. */
export async function pruneVerificationFailures(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('verification_failures').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes codes that can no longer verify since before `before` (expired, claimed or
 * invalidated) and tokens expired before it — with them the certificate hashes, so pass a time
 * after the last certificate expired. Case rows keep the status. Returns how many rows went.
 */
export async function purgeDeadCodesAndTokens(db: Kysely<Database>, before: number): Promise<number> {
  const codes = await db
    .deleteFrom('verification_codes')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<', before),
        eb('claimed_at', '<', before),
        eb('invalidated_at', '<', before),
      ]),
    )
    .executeTakeFirst();
  const tokens = await db
    .deleteFrom('verification_tokens')
    .where('expires_at', '<', before)
    .executeTakeFirst();
  return Number(codes.numDeletedRows) + Number(tokens.numDeletedRows);
}

/** One audit log entry (no codes, tokens or personal data in `details`). */
export interface AuditEntry {
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details: Record<string, unknown>;
}

/** Appends an audit log entry. */
export async function insertAuditEntry(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: entry.id,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      details: JSON.stringify(entry.details),
    })
    .execute();
}
