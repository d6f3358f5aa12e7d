/**
 * Queries of phone registration: one-time code challenges, verified numbers, the link from an
 * install to its number. Each function is one statement, atomic on both engines; callers combine
 * them in `Storage.transaction` when a request writes more than one row.
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/database.js';
import type { OtpChallengesTable, PhonesTable } from '../../storage/phones.table.js';

export type OtpChallengeRow = OtpChallengesTable;
export type PhoneRow = PhonesTable;

/** The challenge of `installId` for the number hashing to `phoneHash`, if any. */
export async function findChallenge(
  db: Kysely<Database>,
  installId: string,
  phoneHash: Uint8Array,
): Promise<OtpChallengeRow | undefined> {
  return db
    .selectFrom('otp_challenges')
    .selectAll()
    .where('install_id', '=', installId)
    .where('phone_hash', '=', phoneHash)
    .executeTakeFirst();
}

/**
 * Stores `row` as the install's challenge for its number, replacing the previous one (new id,
 * code, times, attempts 0) only if that one was sent at or before `sentBefore` (the resend
 * cooldown). Returns false, writing nothing, while the cooldown runs. Atomic: of two concurrent
 * calls after the cooldown, one replaces and the other sees the new row and returns false.
 */
export async function putChallenge(
  db: Kysely<Database>,
  row: OtpChallengeRow,
  sentBefore: number,
): Promise<boolean> {
  const stored = await db
    .insertInto('otp_challenges')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['install_id', 'phone_hash'])
        .doUpdateSet({
          id: row.id,
          code_hash: row.code_hash,
          sent_at: row.sent_at,
          expires_at: row.expires_at,
          attempts: row.attempts,
        })
        .where('otp_challenges.sent_at', '<=', sentBefore),
    )
    .returning('id')
    .executeTakeFirst();
  return stored?.id === row.id;
}

/**
 * Claims one verification attempt of challenge `id` if fewer than `maxAttempts` were made and it
 * has not expired at `now`; returns the attempt's number (1…max), or undefined when none is left
 * (or the challenge is gone). Concurrent claims never exceed `maxAttempts` in total.
 */
export async function claimAttempt(
  db: Kysely<Database>,
  id: string,
  maxAttempts: number,
  now: number,
): Promise<number | undefined> {
  const row = await db
    .updateTable('otp_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', maxAttempts)
    .where('expires_at', '>', now)
    .returning('attempts')
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.attempts);
}

/** Deletes challenge `id`; true if this call deleted it (single use: only one caller wins). */
export async function deleteChallenge(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('otp_challenges').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Deletes challenges that expired at or before `before`; returns how many. */
export async function purgeExpiredChallenges(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('otp_challenges').where('expires_at', '<=', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Inserts the verified number `row`, or, when a row with its hash exists, records the new
 * verification on that row (`verified_at`, `carrier`). Returns the ID of the number's one row.
 */
export async function upsertPhone(db: Kysely<Database>, row: PhoneRow): Promise<string> {
  const stored = await db
    .insertInto('phones')
    .values(row)
    .onConflict((oc) =>
      oc.column('phone_hash').doUpdateSet({ verified_at: row.verified_at, carrier: row.carrier }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return stored.id;
}

/** The number whose keyed hash is `phoneHash`, if any. */
export async function findPhoneByHash(
  db: Kysely<Database>,
  phoneHash: Uint8Array,
): Promise<PhoneRow | undefined> {
  return db.selectFrom('phones').selectAll().where('phone_hash', '=', phoneHash).executeTakeFirst();
}

/** Links install `installId` to number `phoneId` (verified at `at`, with the number's carrier). */
export async function linkInstallPhone(
  db: Kysely<Database>,
  installId: string,
  phoneId: string,
  carrier: string | null,
  at: number,
): Promise<void> {
  await db
    .updateTable('installs')
    .set({ phone_id: phoneId, phone_verified_at: at, carrier })
    .where('id', '=', installId)
    .execute();
}

/**
 * Deletes numbers no install links to any more (an install verified another number) and last
 * verified before `verifiedBefore`; returns how many. The grace period keeps a number that is
 * being linked by a verification in flight.
 */
export async function purgeUnlinkedPhones(db: Kysely<Database>, verifiedBefore: number): Promise<number> {
  const result = await db
    .deleteFrom('phones')
    .where('verified_at', '<', verifiedBefore)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('installs').select('installs.id').whereRef('installs.phone_id', '=', 'phones.id')),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
