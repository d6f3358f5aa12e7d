/**
 * The storage contract of phone registration and of the rate limiter: the same behaviour on
 * SQLite and PostgreSQL, including under concurrent requests (Promise.all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import type { ApiError } from '../src/errors.js';
import { insertInstall } from '../src/features/installs/installs.repository.js';
import {
  claimAttempt,
  deleteChallenge,
  findChallenge,
  findPhoneByHash,
  linkInstallPhone,
  type OtpChallengeRow,
  purgeExpiredChallenges,
  purgeUnlinkedPhones,
  putChallenge,
  upsertPhone,
} from '../src/features/phones/phones.repository.js';
import { PHONE_RETENTION_TASKS } from '../src/features/phones/phones.retention.js';
import { hashSecret, keyedHash, newId } from '../src/ids.js';
import {
  bucketKey,
  clientNetwork,
  consume,
  incrementCounter,
  purgeRateLimits,
  type RateLimitContext,
} from '../src/rate-limit.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { memorySmsSender } from '../src/sms/memory-sender.js';
import type { Storage } from '../src/storage/storage.js';
import {
  createTestStorage,
  ENGINES,
  engineAvailable,
  TEST_SECRETS,
  testClock,
  testConfig,
} from './harness.js';

const T0 = Date.UTC(2020, 7, 8, 9, 0, 0);
const HOUR = 3_600_000;

const newInstall = (id: string) => ({
  id,
  token_hash: hashSecret(`token-${id}`),
  platform: 'android',
  app_version: '1.0.0',
  province_code: '01',
  district_code: '001',
  admin_units_as_of: '2020-11-01',
  locale: 'vi',
  created_at: T0,
  last_active_at: null,
  phone_id: null,
  phone_verified_at: null,
  carrier: null,
});

/** A number's hash unique to one test. */
const uniqueHash = () => keyedHash(TEST_SECRETS.phoneHashKey, newId('+84'));

const challenge = (installId: string, phoneHash: Uint8Array, at: number): OtpChallengeRow => ({
  id: newId('otp_'),
  install_id: installId,
  phone_hash: phoneHash,
  code_hash: keyedHash(TEST_SECRETS.codeHashKey, newId()),
  sent_at: at,
  expires_at: at + 300_000,
  attempts: 0,
});

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`phone registration storage on ${engine}`, () => {
    let storage: Storage;
    let destroy: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, destroy } = await createTestStorage(engine));
    });
    afterAll(() => destroy());

    const install = async () => {
      const id = newId('ins_');
      await insertInstall(storage.db, newInstall(id));
      return id;
    };

    it('stores a challenge, refuses a replacement during the cooldown, replaces it after', async () => {
      const installId = await install();
      const hash = uniqueHash();
      const first = challenge(installId, hash, T0);
      expect(await putChallenge(storage.db, first, T0 - 60_000)).toBe(true);
      const early = challenge(installId, hash, T0 + 30_000);
      expect(await putChallenge(storage.db, early, T0 + 30_000 - 60_000)).toBe(false);
      const stored = await findChallenge(storage.db, installId, hash);
      expect(stored?.id).toBe(first.id);
      expect(new Uint8Array(stored!.code_hash)).toEqual(first.code_hash);
      expect(stored?.sent_at).toBe(T0);

      await claimAttempt(storage.db, first.id, 5, T0 + 1);
      const later = challenge(installId, hash, T0 + 60_000);
      expect(await putChallenge(storage.db, later, T0 + 60_000 - 60_000)).toBe(true);
      const replaced = await findChallenge(storage.db, installId, hash);
      expect(replaced).toMatchObject({
        id: later.id,
        sent_at: T0 + 60_000,
        expires_at: T0 + 360_000,
        attempts: 0,
      });
      expect(await claimAttempt(storage.db, first.id, 5, T0 + 60_001)).toBeUndefined();
    });

    it('keeps one challenge per install and number', async () => {
      const [a, b] = [await install(), await install()];
      const hash = uniqueHash();
      expect(await putChallenge(storage.db, challenge(a, hash, T0), T0)).toBe(true);
      expect(await putChallenge(storage.db, challenge(b, hash, T0), T0)).toBe(true);
      expect(await putChallenge(storage.db, challenge(a, uniqueHash(), T0), T0)).toBe(true);
      expect((await findChallenge(storage.db, a, hash))?.install_id).toBe(a);
      expect((await findChallenge(storage.db, b, hash))?.install_id).toBe(b);
    });

    it('lets exactly one of concurrent requests after the cooldown replace the challenge', async () => {
      const installId = await install();
      const hash = uniqueHash();
      await putChallenge(storage.db, challenge(installId, hash, T0), T0);
      const at = T0 + 120_000;
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          putChallenge(storage.db, challenge(installId, hash, at), at - 60_000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('claims attempts up to the maximum, atomically under concurrency', async () => {
      const installId = await install();
      const row = challenge(installId, uniqueHash(), T0);
      await putChallenge(storage.db, row, T0);
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => claimAttempt(storage.db, row.id, 5, T0 + 1)),
      );
      expect(claims.filter((c) => c !== undefined).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(claims.filter((c) => c === undefined)).toHaveLength(7);
      expect((await findChallenge(storage.db, installId, row.phone_hash))?.attempts).toBe(5);
    });

    it('claims no attempt of an expired or missing challenge', async () => {
      const installId = await install();
      const row = challenge(installId, uniqueHash(), T0);
      await putChallenge(storage.db, row, T0);
      expect(await claimAttempt(storage.db, row.id, 5, row.expires_at - 1)).toBe(1);
      expect(await claimAttempt(storage.db, row.id, 5, row.expires_at)).toBeUndefined();
      expect(await claimAttempt(storage.db, 'otp_missing', 5, T0)).toBeUndefined();
    });

    it('deletes a challenge once: of concurrent deletes, one wins', async () => {
      const installId = await install();
      const row = challenge(installId, uniqueHash(), T0);
      await putChallenge(storage.db, row, T0);
      const results = await Promise.all(Array.from({ length: 6 }, () => deleteChallenge(storage.db, row.id)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await findChallenge(storage.db, installId, row.phone_hash)).toBeUndefined();
    });

    it('purges expired challenges only, and challenges go with their install', async () => {
      const installId = await install();
      const old = challenge(installId, uniqueHash(), T0 - 10 * HOUR);
      const fresh = challenge(installId, uniqueHash(), T0);
      await putChallenge(storage.db, old, T0);
      await putChallenge(storage.db, fresh, T0);
      expect(await purgeExpiredChallenges(storage.db, T0 - HOUR)).toBeGreaterThanOrEqual(1);
      expect(await findChallenge(storage.db, installId, old.phone_hash)).toBeUndefined();
      expect(await findChallenge(storage.db, installId, fresh.phone_hash)).toBeDefined();
      await storage.db.deleteFrom('installs').where('id', '=', installId).execute();
      expect(await findChallenge(storage.db, installId, fresh.phone_hash)).toBeUndefined();
    });

    it('keeps one row per number: a second verification finds it and updates it', async () => {
      const hash = uniqueHash();
      const enc = new Uint8Array([1, 2, 3]);
      const id = await upsertPhone(storage.db, {
        id: newId('ph_'),
        phone_hash: hash,
        phone_enc: enc,
        carrier: 'viettel',
        created_at: T0,
        verified_at: T0,
      });
      const again = await upsertPhone(storage.db, {
        id: newId('ph_'),
        phone_hash: hash,
        phone_enc: new Uint8Array([9, 9, 9]),
        carrier: 'vinaphone',
        created_at: T0 + 5,
        verified_at: T0 + 5,
      });
      expect(again).toBe(id);
      const row = await findPhoneByHash(storage.db, hash);
      expect(row).toMatchObject({ id, carrier: 'vinaphone', created_at: T0, verified_at: T0 + 5 });
      expect(new Uint8Array(row!.phone_enc)).toEqual(enc);
    });

    it('resolves concurrent first verifications of one number to one row', async () => {
      const hash = uniqueHash();
      const ids = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          upsertPhone(storage.db, {
            id: newId('ph_'),
            phone_hash: hash,
            phone_enc: new Uint8Array([i]),
            carrier: null,
            created_at: T0,
            verified_at: T0,
          }),
        ),
      );
      expect(new Set(ids).size).toBe(1);
      const rows = await storage.db
        .selectFrom('phones')
        .select('id')
        .where('phone_hash', '=', hash)
        .execute();
      expect(rows).toEqual([{ id: ids[0] }]);
    });

    it('links an install to a number, and purges numbers no install links to after the grace', async () => {
      const installId = await install();
      const phone = (at: number) => ({
        id: newId('ph_'),
        phone_hash: uniqueHash(),
        phone_enc: new Uint8Array([7]),
        carrier: 'mobifone',
        created_at: at,
        verified_at: at,
      });
      const linked = await upsertPhone(storage.db, phone(T0 - 10 * HOUR));
      const unlinkedOld = await upsertPhone(storage.db, phone(T0 - 10 * HOUR));
      const unlinkedRecent = await upsertPhone(storage.db, phone(T0));
      await linkInstallPhone(storage.db, installId, linked, 'mobifone', T0);
      const row = await storage.db
        .selectFrom('installs')
        .selectAll()
        .where('id', '=', installId)
        .executeTakeFirst();
      expect(row).toMatchObject({ phone_id: linked, phone_verified_at: T0, carrier: 'mobifone' });
      expect(await purgeUnlinkedPhones(storage.db, T0 - HOUR)).toBeGreaterThanOrEqual(1);
      const left = new Set((await storage.db.selectFrom('phones').select('id').execute()).map((r) => r.id));
      expect(left.has(linked)).toBe(true);
      expect(left.has(unlinkedOld)).toBe(false);
      expect(left.has(unlinkedRecent)).toBe(true);
    });

    it('purges through its retention tasks', async () => {
      const ctx = createContext(testConfig(), {
        storage,
        secrets: TEST_SECRETS,
        adminUnits: loadAdminUnits(),
        sms: memorySmsSender(),
      });
      const installId = await install();
      const far = T0 + 1000 * HOUR;
      await putChallenge(storage.db, challenge(installId, uniqueHash(), T0), T0);
      await incrementCounter(storage.db, bucketKey(ctx, `test:${newId()}`, HOUR), T0, T0 + HOUR);
      await upsertPhone(storage.db, {
        id: newId('ph_'),
        phone_hash: uniqueHash(),
        phone_enc: new Uint8Array([1]),
        carrier: null,
        created_at: T0,
        verified_at: T0,
      });
      const names = PHONE_RETENTION_TASKS.map((t) => t.name);
      expect(names).toEqual(['otp_challenges', 'rate_limits', 'unlinked_phones']);
      for (const task of PHONE_RETENTION_TASKS) expect(await task.purge(ctx, far)).toBeGreaterThanOrEqual(1);
      for (const task of PHONE_RETENTION_TASKS) expect(await task.purge(ctx, far)).toBe(0);
    });

    describe('rate limiter', () => {
      const clock = testClock(T0);
      const ctx = (): RateLimitContext => ({ storage, secrets: TEST_SECRETS, now: clock.now });
      const bucket = () => `test:${newId()}`;

      it('increments atomically: concurrent increments see 1…n', async () => {
        const key = bucketKey(ctx(), bucket(), HOUR);
        const counts = await Promise.all(
          Array.from({ length: 40 }, () => incrementCounter(storage.db, key, T0, T0 + HOUR)),
        );
        expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      });

      it('lets `limit` requests through per window, then answers 429 with Retry-After', async () => {
        const name = bucket();
        clock.set(Math.ceil(clock.now() / HOUR) * HOUR + 10 * 60_000); // 10 min into a window
        for (let i = 1; i <= 3; i++) {
          const state = await consume(ctx(), name, 3, HOUR, 'test requests');
          expect(state).toEqual({ count: i, remaining: 3 - i, resetAt: clock.now() + 50 * 60_000 });
        }
        const error = (await consume(ctx(), name, 3, HOUR, 'test requests').catch(
          (e: unknown) => e,
        )) as ApiError;
        expect(error.code).toBe('rate_limited');
        expect(error.status).toBe(429);
        expect(error.headers).toEqual({ 'Retry-After': '3000' });
        expect(error.message).toBe('too many test requests (at most 3 per hour); try again in 50 min');
        clock.advance(50 * 60_000 - 1);
        await expect(consume(ctx(), name, 3, HOUR)).rejects.toMatchObject({
          headers: { 'Retry-After': '1' },
        });
        clock.advance(1);
        expect((await consume(ctx(), name, 3, HOUR)).count).toBe(1);
      });

      it('enforces the limit under concurrent requests', async () => {
        const name = bucket();
        const results = await Promise.allSettled(
          Array.from({ length: 25 }, () => consume(ctx(), name, 10, HOUR)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
        expect(results.filter((r) => r.status === 'rejected')).toHaveLength(15);
      });

      it('counts buckets, and window lengths of one bucket, separately', async () => {
        const [a, b] = [bucket(), bucket()];
        await consume(ctx(), a, 1, HOUR);
        await expect(consume(ctx(), a, 1, HOUR)).rejects.toMatchObject({ code: 'rate_limited' });
        expect((await consume(ctx(), b, 1, HOUR)).count).toBe(1);
        expect((await consume(ctx(), a, 1, 60_000)).count).toBe(1);
      });

      it('stores only keyed hashes of bucket names', async () => {
        const name = `test:client:203.0.113.77:${newId()}`;
        await consume(ctx(), name, 5, HOUR);
        const rows = await storage.db.selectFrom('rate_limits').selectAll().execute();
        const text = rows.map((r) => Buffer.from(r.bucket).toString('latin1')).join('|');
        expect(text).not.toContain('203.0.113.77');
        const key = bucketKey(ctx(), name, HOUR);
        expect(rows.filter((r) => Buffer.from(r.bucket).equals(Buffer.from(key)))).toHaveLength(1);
      });

      it('purges the windows that ended', async () => {
        const name = bucket();
        const start = Math.ceil(clock.now() / HOUR) * HOUR;
        clock.set(start);
        await consume(ctx(), name, 5, HOUR);
        clock.set(start + HOUR);
        await consume(ctx(), name, 5, HOUR);
        const key = Buffer.from(bucketKey(ctx(), name, HOUR));
        const windows = async () =>
          (await storage.db.selectFrom('rate_limits').selectAll().execute())
            .filter((r) => Buffer.from(r.bucket).equals(key))
            .map((r) => r.window_start);
        expect((await windows()).sort()).toEqual([start, start + HOUR]);
        expect(await purgeRateLimits({ storage }, start + HOUR)).toBeGreaterThanOrEqual(1);
        expect(await windows()).toEqual([start + HOUR]);
      });
    });
  });
}

describe('client networks for per-client limits', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:0:0:1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    ['1::2:3:4:5:192.0.2.33', '1:0:2:3::/64'],
    ['unknown', 'unknown'],
  ])('%s is limited as %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });
});
