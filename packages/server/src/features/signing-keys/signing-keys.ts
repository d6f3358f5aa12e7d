/**
 * The server's ECDSA P-256 signing keys, one active key per purpose, rotated by a job. Private
 * keys are stored encrypted (AES-256-GCM under the data key); public keys of non-retired keys
 * stay published so that what an older key signed still verifies.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { decryptAtRest, encryptAtRest } from '../../encryption.js';
import { newId } from '../../ids.js';

/** What a key signs. */
export type SigningPurpose = 'export' | 'certificate' | 'config' | 'qr';

/** A usable signing key. */
export interface SigningKey {
  readonly id: string;
  readonly purpose: SigningPurpose;
  readonly version: string;
  /** Node key object (for node:crypto); `toWebCrypto()` gives the WebCrypto form. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 DER of the private key (for WebCrypto import). */
  readonly privateKeyPkcs8: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  readonly publicKeySpki: Uint8Array;
  readonly activatedAt: number;
}

/** A published public key. */
export interface PublishedKey {
  readonly id: string;
  readonly version: string;
  readonly publicKeySpki: Uint8Array;
  readonly activatedAt: number;
}

const ENCRYPTION_PURPOSE = 'signing-key';

function toSigningKey(
  ctx: AppContext,
  row: {
    id: string;
    purpose: string;
    version: string;
    private_key_enc: Uint8Array;
    public_key_spki: Uint8Array;
    activated_at: number;
  },
): SigningKey {
  const pkcs8 = decryptAtRest(
    ctx.secrets.dataEncryptionKey,
    ENCRYPTION_PURPOSE,
    new Uint8Array(row.private_key_enc),
  );
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    id: row.id,
    purpose: row.purpose as SigningPurpose,
    version: row.version,
    privateKey,
    publicKey: createPublicKey(privateKey),
    privateKeyPkcs8: pkcs8,
    publicKeySpki: new Uint8Array(row.public_key_spki),
    activatedAt: row.activated_at,
  };
}

/** Generates a new key for `purpose`, active from now. Returns it. */
export async function rotateSigningKey(ctx: AppContext, purpose: SigningPurpose): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  const now = ctx.now();
  const count = await ctx.storage.db
    .selectFrom('signing_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('purpose', '=', purpose)
    .executeTakeFirstOrThrow();
  const row = {
    id: `${purpose}-${newId().slice(0, 10)}`,
    purpose,
    version: `v${Number(count.n) + 1}`,
    private_key_enc: encryptAtRest(ctx.secrets.dataEncryptionKey, ENCRYPTION_PURPOSE, pkcs8),
    public_key_spki: spki,
    created_at: now,
    activated_at: now,
    retired_at: null,
  };
  await ctx.storage.db.insertInto('signing_keys').values(row).execute();
  return toSigningKey(ctx, row);
}

/** The key that signs for `purpose` now (the most recently activated); created on first use. */
export async function activeSigningKey(ctx: AppContext, purpose: SigningPurpose): Promise<SigningKey> {
  const row = await ctx.storage.db
    .selectFrom('signing_keys')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('retired_at', 'is', null)
    .where('activated_at', '<=', ctx.now())
    .orderBy('activated_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (row) return toSigningKey(ctx, row);
  return ctx.storage
    .withLeaderLock(`signing-key-${purpose}`, () => rotateSigningKey(ctx, purpose))
    .then(async (created) => created ?? activeSigningKey(ctx, purpose));
}

/** Every published (not retired) key for `purpose`, oldest first. */
export async function publishedSigningKeys(
  ctx: AppContext,
  purpose: SigningPurpose,
): Promise<PublishedKey[]> {
  const rows = await ctx.storage.db
    .selectFrom('signing_keys')
    .select(['id', 'version', 'public_key_spki', 'activated_at'])
    .where('purpose', '=', purpose)
    .where('retired_at', 'is', null)
    .orderBy('activated_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    publicKeySpki: new Uint8Array(r.public_key_spki),
    activatedAt: r.activated_at,
  }));
}

/**
 * Retires the keys of `purpose` older than the active one, once the active key has signed for
 * `graceMs` (so that everything signed by the old keys has expired or been re-signed). Returns
 * how many keys were retired.
 */
export async function retireOldSigningKeys(
  ctx: AppContext,
  purpose: SigningPurpose,
  graceMs: number,
): Promise<number> {
  const active = await activeSigningKey(ctx, purpose);
  if (ctx.now() - active.activatedAt < graceMs) return 0;
  const result = await ctx.storage.db
    .updateTable('signing_keys')
    .set({ retired_at: ctx.now() })
    .where('purpose', '=', purpose)
    .where('retired_at', 'is', null)
    .where('id', '!=', active.id)
    .where('activated_at', '<', active.activatedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
