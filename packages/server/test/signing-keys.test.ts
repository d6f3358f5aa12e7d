import { createVerify, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { decryptAtRest, encryptAtRest } from '../src/encryption.js';
import {
  activeSigningKey,
  publishedSigningKeys,
  retireOldSigningKeys,
  rotateSigningKey,
} from '../src/features/signing-keys/signing-keys.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { memorySmsSender } from '../src/sms/memory-sender.js';
import { createTestStorage, ENGINES, engineAvailable, TEST_SECRETS, testClock } from './harness.js';

describe('encryption at rest', () => {
  const key = new Uint8Array(32).fill(3);
  it('round-trips and uses a fresh nonce each time', () => {
    const a = encryptAtRest(key, 'phone', '0912345678');
    const b = encryptAtRest(key, 'phone', '0912345678');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(decryptAtRest(key, 'phone', a)).toString()).toBe('0912345678');
    expect(Buffer.from(a).toString('latin1')).not.toContain('0912345678');
  });
  it('refuses a tampered value, another purpose or another key', () => {
    const a = encryptAtRest(key, 'phone', 'x');
    const tampered = Uint8Array.from(a);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => decryptAtRest(key, 'phone', tampered)).toThrow();
    expect(() => decryptAtRest(key, 'note', a)).toThrow();
    expect(() => decryptAtRest(new Uint8Array(32), 'phone', a)).toThrow();
    expect(() => decryptAtRest(key, 'phone', new Uint8Array(5))).toThrow(/not an encrypted value/);
  });
});

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`signing keys on ${engine}`, () => {
    let ctx: AppContext;
    let destroy: () => Promise<void>;
    const clock = testClock();
    beforeAll(async () => {
      const created = await createTestStorage(engine);
      destroy = created.destroy;
      ctx = {
        config: loadConfig({}),
        storage: created.storage,
        secrets: TEST_SECRETS,
        adminUnits: loadAdminUnits(),
        now: clock.now,
        sms: memorySmsSender(),
      };
    });
    afterAll(() => destroy());

    it('creates a key on first use, signs with it, and keeps the private key encrypted', async () => {
      const key = await activeSigningKey(ctx, 'export');
      expect(key.version).toBe('v1');
      expect((await activeSigningKey(ctx, 'export')).id).toBe(key.id);
      const signature = sign('sha256', Buffer.from('hello'), key.privateKey);
      expect(createVerify('sha256').update('hello').verify(key.publicKey, signature)).toBe(true);
      const row = await ctx.storage.db
        .selectFrom('signing_keys')
        .selectAll()
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow();
      expect(Buffer.from(row.private_key_enc).includes(Buffer.from(key.privateKeyPkcs8.subarray(-32)))).toBe(
        false,
      );
    });

    it('rotates: the new key signs, the old one stays published until retired after the grace period', async () => {
      const old = await activeSigningKey(ctx, 'certificate');
      clock.advance(1000);
      const fresh = await rotateSigningKey(ctx, 'certificate');
      expect(fresh.version).toBe('v2');
      expect((await activeSigningKey(ctx, 'certificate')).id).toBe(fresh.id);
      expect((await publishedSigningKeys(ctx, 'certificate')).map((k) => k.id)).toEqual([old.id, fresh.id]);
      expect(await retireOldSigningKeys(ctx, 'certificate', 60_000)).toBe(0);
      clock.advance(60_000);
      expect(await retireOldSigningKeys(ctx, 'certificate', 60_000)).toBe(1);
      expect((await publishedSigningKeys(ctx, 'certificate')).map((k) => k.id)).toEqual([fresh.id]);
      const exportIds = (await publishedSigningKeys(ctx, 'export')).map((k) => k.id);
      expect(exportIds).not.toContain(fresh.id);
      expect(exportIds).not.toContain(old.id);
    });
  });
}
