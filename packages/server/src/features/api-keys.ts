/**
 * API keys: created by `bluezone apikeys add` or by a national admin through
 * `POST /admin/v1/api-keys` (api-keys.routes.ts), shown once, stored as a SHA-256 hash; listed
 * without their secret; revoked by setting `revoked_at` (auth.ts refuses a revoked key at its
 * next request). Key use is not tracked: there is no last-used time.
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { ApiKeyRole } from '../auth.js';
import { hashSecret, newBearerSecret, newId } from '../ids.js';
import type { Database } from '../storage/database.js';
import type { ApiKeysTable } from '../storage/foundation.table.js';

/** A newly created key; `key` is the only copy of the secret. */
export interface CreatedApiKey {
  readonly id: string;
  readonly key: string;
  readonly role: ApiKeyRole;
}

/** Longest key label (name), in characters. */
export const MAX_API_KEY_LABEL = 100;

/** Creates an API key with `role`. */
export async function createApiKey(
  db: Kysely<Database>,
  role: ApiKeyRole,
  name: string,
  now: number,
): Promise<CreatedApiKey> {
  const id = newId('key_');
  const key = `bz_${newBearerSecret()}`;
  await db
    .insertInto('api_keys')
    .values({ id, key_hash: hashSecret(key), role, name, created_at: now, revoked_at: null })
    .execute();
  return { id, key, role };
}

/** A stored key without its hash. */
export type ApiKeyRecord = Omit<ApiKeysTable, 'key_hash'>;

/** Every key, newest first (ties by ID). */
export async function listApiKeys(db: Kysely<Database>): Promise<ApiKeyRecord[]> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'role', 'name', 'created_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The key `id`, if it exists. */
export async function findApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyRecord | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'role', 'name', 'created_at', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Revokes key `id` at `now` unless it is revoked already. Returns its revocation time (the
 * earlier one for a key revoked before) and whether this call revoked it; undefined for an
 * unknown key.
 */
export async function revokeApiKey(
  db: Kysely<Database>,
  id: string,
  now: number,
): Promise<{ readonly revokedAt: number; readonly revokedNow: boolean } | undefined> {
  const updated = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return { revokedAt: now, revokedNow: true };
  const row = await findApiKey(db, id);
  if (!row || row.revoked_at === null) return undefined;
  return { revokedAt: row.revoked_at, revokedNow: false };
}

/**
 * Creates an API key of role `partner` for partner `partnerId` with `scopes` (partner interop,
 * features/partners). The scopes are stored as a JSON array next to the hash.
 */
export async function createPartnerApiKey(
  db: Kysely<Database>,
  partnerId: string,
  scopes: readonly string[],
  name: string,
  now: number,
): Promise<CreatedApiKey> {
  const id = newId('key_');
  const key = `bz_${newBearerSecret()}`;
  await db
    .insertInto('api_keys')
    .values({
      id,
      key_hash: hashSecret(key),
      role: 'partner',
      name,
      created_at: now,
      revoked_at: null,
      partner_id: partnerId,
      scopes: JSON.stringify(scopes),
    })
    .execute();
  return { id, key, role: 'partner' };
}
