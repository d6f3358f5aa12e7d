/**
 * API keys: created by `bluezone apikeys add`, shown once, stored as a SHA-256 hash.
 *
 * @module
 */
import type { Kysely } from 'kysely';
import type { ApiKeyRole } from '../auth.js';
import { hashSecret, newBearerSecret, newId } from '../ids.js';
import type { Database } from '../storage/database.js';

/** A newly created key; `key` is the only copy of the secret. */
export interface CreatedApiKey {
  readonly id: string;
  readonly key: string;
  readonly role: ApiKeyRole;
}

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
