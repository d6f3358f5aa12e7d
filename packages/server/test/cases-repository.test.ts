/**
 * Contract of the case repository and service on both engines: cases, codes (live and dead,
 * claims, re-issue, hash collisions), tokens, the lock-out counter, keys published, purging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import {
  addKeysPublished,
  type CaseRow,
  claimCaseCodes,
  exchangeToken,
  findCase,
  findCodeByHash,
  findTokenByHash,
  insertAuditEntry,
  insertCase,
  insertToken,
  insertVerificationFailure,
  listCases,
  pruneVerificationFailures,
  purgeDeadCodesAndTokens,
  releaseCodeHashes,
  replaceCaseCodes,
  type VerificationCodeRow,
  verificationFailureTimes,
} from '../src/features/cases/cases.repository.js';
import { DEAD_CODE_RETENTION_MS, verificationRetentionTask } from '../src/features/cases/cases.retention.js';
import { caseStatus, createCase, reissueCodes } from '../src/features/cases/cases.service.js';
import { hashSecret, keyedHash, newId } from '../src/ids.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import type { Storage } from '../src/storage/storage.js';
import {
  createTestStorage,
  ENGINES,
  engineAvailable,
  TEST_SECRETS,
  testClock,
  testConfig,
} from './harness.js';

const T0 = 1_596_877_200_123;
const HOUR = 3_600_000;

const caseRow = (id: string, createdAt: number, provinceCode = '79'): CaseRow => ({
  id,
  province_code: provinceCode,
  district_code: null,
  admin_units_as_of: '2020-11-01',
  test_type: 'confirmed',
  symptom_date: null,
  test_date: '2020-08-07',
  health_authority: 'vn-moh',
  created_at: createdAt,
  created_by: 'apikey:key_test',
  codes_issued_at: createdAt,
  short_code_expires_at: createdAt + HOUR,
  long_code_expires_at: createdAt + 24 * HOUR,
  codes_claimed_at: null,
  token_exchanged_at: null,
  certificate_issued_at: null,
  keys_published: 0,
});

const codeRow = (
  caseId: string,
  kind: 'short' | 'long',
  secret: string,
  expiresAt: number,
): VerificationCodeRow => ({
  id: newId('vc_'),
  case_id: caseId,
  kind,
  code_hash: keyedHash(TEST_SECRETS.codeHashKey, secret),
  created_at: T0,
  expires_at: expiresAt,
  claimed_at: null,
  invalidated_at: null,
});

const principal = { id: 'key_lab', role: 'lab' as const };

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`case repository contract on ${engine}`, () => {
    let storage: Storage;
    let destroy: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, destroy } = await createTestStorage(engine));
    });
    afterAll(() => destroy());

    const context = (now: () => number) =>
      createContext(testConfig(), { storage, secrets: TEST_SECRETS, adminUnits: loadAdminUnits(), now });

    it('stores a case with times, nulls and the keys_published counter intact', async () => {
      const id = newId('case_');
      await insertCase(storage.db, { ...caseRow(id, T0), district_code: '760', symptom_date: '2020-08-04' });
      const row = await findCase(storage.db, id);
      expect(row).toMatchObject({
        id,
        district_code: '760',
        symptom_date: '2020-08-04',
        codes_claimed_at: null,
      });
      expect(row?.created_at).toBe(T0);
      expect(typeof row?.short_code_expires_at).toBe('number');
      expect(row?.keys_published).toBe(0);
      expect(await findCase(storage.db, 'case_missing')).toBeUndefined();
    });

    it('lists newest first with a province filter and keyset pages that survive equal times', async () => {
      const province = '96'; // no other test of this suite uses it
      const base = T0 + 10 * HOUR;
      const ids = ['case_a', 'case_b', 'case_c', 'case_d', 'case_e'].map((x) => `${x}_${engine}_${newId()}`);
      // Two pairs share a creation time; ties are ordered by id, descending.
      const times = [base, base + 1, base + 1, base + 2, base + 2];
      for (const [i, id] of ids.entries()) await insertCase(storage.db, caseRow(id, times[i]!, province));
      await insertCase(storage.db, caseRow(newId('case_'), base + 5, '79'));
      const expected = [...ids.entries()]
        .sort(([i, a], [j, b]) => times[j]! - times[i]! || (a < b ? 1 : -1))
        .map(([, id]) => id);
      const seen: string[] = [];
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await listCases(storage.db, { provinceCode: province, limit: 2, after });
        seen.push(...page.map((r) => r.id));
        if (page.length < 2) break;
        const last = page[page.length - 1]!;
        after = { createdAt: last.created_at, id: last.id };
      }
      expect(seen).toEqual(expected);
      const all = await listCases(storage.db, { limit: 1000 });
      for (let i = 1; i < all.length; i++)
        expect(all[i - 1]!.created_at).toBeGreaterThanOrEqual(all[i]!.created_at);
    });

    it('replaces codes: old unclaimed codes are invalidated, the case records the new expiry', async () => {
      const id = newId('case_');
      await insertCase(storage.db, caseRow(id, T0));
      const first = {
        short: codeRow(id, 'short', `s1-${id}`, T0 + HOUR),
        long: codeRow(id, 'long', `l1-${id}`, T0 + 24 * HOUR),
      };
      await replaceCaseCodes(storage.db, id, first, T0);
      const second = {
        short: codeRow(id, 'short', `s2-${id}`, T0 + 2 * HOUR),
        long: codeRow(id, 'long', `l2-${id}`, T0 + 25 * HOUR),
      };
      await replaceCaseCodes(storage.db, id, second, T0 + HOUR);
      expect((await findCodeByHash(storage.db, first.short.code_hash))?.invalidated_at).toBe(T0 + HOUR);
      expect((await findCodeByHash(storage.db, first.long.code_hash))?.invalidated_at).toBe(T0 + HOUR);
      expect((await findCodeByHash(storage.db, second.short.code_hash))?.invalidated_at).toBeNull();
      expect(await findCase(storage.db, id)).toMatchObject({
        codes_issued_at: T0 + HOUR,
        short_code_expires_at: T0 + 2 * HOUR,
        long_code_expires_at: T0 + 25 * HOUR,
      });
      // An invalidated code cannot be claimed; the live one can, and claims its sibling too.
      expect(await storage.transaction((trx) => claimCaseCodes(trx, first.short, T0 + HOUR))).toBe(false);
      expect(await storage.transaction((trx) => claimCaseCodes(trx, second.long, T0 + HOUR + 5))).toBe(true);
      expect((await findCodeByHash(storage.db, second.short.code_hash))?.claimed_at).toBe(T0 + HOUR + 5);
      expect((await findCase(storage.db, id))?.codes_claimed_at).toBe(T0 + HOUR + 5);
      expect(await storage.transaction((trx) => claimCaseCodes(trx, second.short, T0 + HOUR + 6))).toBe(
        false,
      );
    });

    it('refuses to claim an expired code and leaves the case unclaimed', async () => {
      const id = newId('case_');
      await insertCase(storage.db, caseRow(id, T0));
      const codes = {
        short: codeRow(id, 'short', `s-${id}`, T0 + HOUR),
        long: codeRow(id, 'long', `l-${id}`, T0 + 24 * HOUR),
      };
      await replaceCaseCodes(storage.db, id, codes, T0);
      const claimed = await storage
        .transaction(async (trx) => {
          if (!(await claimCaseCodes(trx, codes.short, T0 + HOUR))) throw new Error('rollback');
          return true;
        })
        .catch(() => false);
      expect(claimed).toBe(false);
      expect((await findCase(storage.db, id))?.codes_claimed_at).toBeNull();
      expect((await findCodeByHash(storage.db, codes.long.code_hash))?.claimed_at).toBeNull();
    });

    it('enforces unique code hashes and frees hashes of dead codes only', async () => {
      const id = newId('case_');
      await insertCase(storage.db, caseRow(id, T0));
      const live = codeRow(id, 'short', `live-${id}`, T0 + HOUR);
      const dead = codeRow(id, 'short', `dead-${id}`, T0 + 10);
      await storage.db.insertInto('verification_codes').values([live, dead]).execute();
      await expect(
        storage.db
          .insertInto('verification_codes')
          .values({ ...live, id: newId('vc_') })
          .execute(),
      ).rejects.toThrow();
      expect(await releaseCodeHashes(storage.db, [live.code_hash], T0 + 20)).toBe(true);
      expect(await findCodeByHash(storage.db, live.code_hash)).toBeDefined();
      expect(await releaseCodeHashes(storage.db, [dead.code_hash], T0 + 20)).toBe(false);
      expect(await findCodeByHash(storage.db, dead.code_hash)).toBeUndefined();
      expect(await releaseCodeHashes(storage.db, [keyedHash(TEST_SECRETS.codeHashKey, 'never')], T0)).toBe(
        false,
      );
    });

    it('exchanges a token once, before it expires, and remembers the certificate', async () => {
      const id = newId('case_');
      await insertCase(storage.db, caseRow(id, T0));
      const token = {
        id: newId('vt_'),
        case_id: id,
        token_hash: hashSecret(`token-${id}`),
        created_at: T0,
        expires_at: T0 + 24 * HOUR,
        exchanged_at: null,
        certificate_hash: null,
      };
      await insertToken(storage.db, token);
      expect((await findTokenByHash(storage.db, hashSecret(`token-${id}`)))?.id).toBe(token.id);
      expect(
        await storage.transaction((trx) => exchangeToken(trx, token, hashSecret('cert'), T0 + 24 * HOUR)),
      ).toBe(false);
      const certHash = hashSecret(`certificate-${id}`);
      expect(await storage.transaction((trx) => exchangeToken(trx, token, certHash, T0 + 60))).toBe(true);
      expect(await storage.transaction((trx) => exchangeToken(trx, token, certHash, T0 + 61))).toBe(false);
      const stored = await findTokenByHash(storage.db, hashSecret(`token-${id}`));
      expect(stored?.exchanged_at).toBe(T0 + 60);
      expect(new Uint8Array(stored!.certificate_hash!)).toEqual(certHash);
      expect(await findCase(storage.db, id)).toMatchObject({
        token_exchanged_at: T0 + 60,
        certificate_issued_at: T0 + 60,
      });
      expect(await addKeysPublished(storage.db, certHash, 7)).toBe(id);
      expect(await addKeysPublished(storage.db, certHash, 3)).toBe(id);
      expect((await findCase(storage.db, id))?.keys_published).toBe(10);
      expect(await addKeysPublished(storage.db, hashSecret('unknown certificate'), 3)).toBeUndefined();
    });

    it('counts failures by bucket and by kind within a window, and prunes old ones', async () => {
      const bucket = keyedHash(TEST_SECRETS.bucketHashKey, `bucket-${newId()}`);
      const other = keyedHash(TEST_SECRETS.bucketHashKey, `bucket-${newId()}`);
      const kind = `kind-${newId()}`;
      await insertVerificationFailure(storage.db, { bucket, kind, at: T0 + 3 });
      await insertVerificationFailure(storage.db, { bucket, kind, at: T0 + 1 });
      await insertVerificationFailure(storage.db, { bucket: other, kind, at: T0 + 2 });
      await insertVerificationFailure(storage.db, { bucket, kind: 'long', at: T0 - HOUR });
      expect(await verificationFailureTimes(storage.db, { bucket }, T0)).toEqual([T0 + 1, T0 + 3]);
      expect(await verificationFailureTimes(storage.db, { kind }, T0)).toEqual([T0 + 1, T0 + 2, T0 + 3]);
      expect(await verificationFailureTimes(storage.db, { bucket }, T0 - HOUR)).toHaveLength(3);
      expect(await pruneVerificationFailures(storage.db, T0)).toBeGreaterThanOrEqual(1);
      expect(await verificationFailureTimes(storage.db, { bucket }, 0)).toEqual([T0 + 1, T0 + 3]);
    });

    it('purges dead codes and expired tokens but keeps live ones and the case status', async () => {
      const id = newId('case_');
      const far = T0 + 1000 * 24 * HOUR;
      await insertCase(storage.db, caseRow(id, far));
      const expired = codeRow(id, 'short', `p-exp-${id}`, far + 10);
      const live = codeRow(id, 'long', `p-live-${id}`, far + 100 * HOUR);
      await storage.db.insertInto('verification_codes').values([expired, live]).execute();
      await insertToken(storage.db, {
        id: newId('vt_'),
        case_id: id,
        token_hash: hashSecret(`p-token-${id}`),
        created_at: far,
        expires_at: far + 10,
        exchanged_at: null,
        certificate_hash: null,
      });
      expect(await purgeDeadCodesAndTokens(storage.db, far + 20)).toBeGreaterThanOrEqual(2);
      expect(await findCodeByHash(storage.db, expired.code_hash)).toBeUndefined();
      expect(await findCodeByHash(storage.db, live.code_hash)).toBeDefined();
      expect(await findTokenByHash(storage.db, hashSecret(`p-token-${id}`))).toBeUndefined();
      expect(await findCase(storage.db, id)).toBeDefined();
    });

    it('runs as a retention task: dead codes go a week after they stopped working', async () => {
      const id = newId('case_');
      const at = T0 + 4000 * 24 * HOUR;
      await insertCase(storage.db, caseRow(id, at));
      const dead = codeRow(id, 'short', `r-dead-${id}`, at + HOUR);
      await storage.db.insertInto('verification_codes').values(dead).execute();
      const ctx = context(() => at);
      await verificationRetentionTask.purge(ctx, at + HOUR + DEAD_CODE_RETENTION_MS);
      expect(await findCodeByHash(storage.db, dead.code_hash)).toBeDefined();
      expect(
        await verificationRetentionTask.purge(ctx, at + HOUR + DEAD_CODE_RETENTION_MS + 1),
      ).toBeGreaterThanOrEqual(1);
      expect(await findCodeByHash(storage.db, dead.code_hash)).toBeUndefined();
    });

    it('writes audit entries with JSON details', async () => {
      const id = newId('aud_');
      await insertAuditEntry(storage.db, {
        id,
        at: T0,
        actor: 'apikey:key_x',
        action: 'case.create',
        subject: 'case:case_x',
        details: { testType: 'likely' },
      });
      const row = await storage.db
        .selectFrom('audit_log')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.details!)).toEqual({ testType: 'likely' });
    });

    it('creates a case with codes and audit rows in one transaction, and redraws a code in use', async () => {
      const clock = testClock(T0 + 2000 * 24 * HOUR);
      const ctx = context(clock.now);
      const zeros = () => 0;
      const input = { provinceCode: '79', testType: 'confirmed' as const, testDate: '2020-08-07' };
      const first = await createCase(ctx, principal, input, { random: zeros });
      expect(first.shortCode).toBe('00000000');
      // The same draw is taken by a live code: every draw collides, and nothing is written.
      const before = await storage.db.selectFrom('cases').select('id').execute();
      await expect(createCase(ctx, principal, input, { random: zeros })).rejects.toThrow(
        /no free verification code/,
      );
      expect(await storage.db.selectFrom('cases').select('id').execute()).toHaveLength(before.length);
      // A source that repeats the taken code once, then moves on, gets fresh codes.
      let calls = 0;
      const thenCounting = (max: number) => (calls++ < 23 ? 0 : calls % max);
      const second = await createCase(ctx, principal, input, { random: thenCounting });
      expect(second.shortCode).not.toBe('00000000');
      // Once the first case's codes are dead (claimed), their values are free again.
      const code = await findCodeByHash(storage.db, keyedHash(TEST_SECRETS.codeHashKey, first.shortCode));
      expect(await storage.transaction((trx) => claimCaseCodes(trx, code!, clock.now()))).toBe(true);
      const third = await createCase(ctx, principal, input, { random: zeros });
      expect(third.shortCode).toBe('00000000');
      const audit = await storage.db
        .selectFrom('audit_log')
        .select(['action', 'actor', 'details'])
        .where('subject', '=', `case:${third.caseId}`)
        .orderBy('action')
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['case.codes.issue', 'case.create']);
      expect(audit.every((a) => a.actor === 'apikey:key_lab')).toBe(true);
      expect(JSON.stringify(audit)).not.toContain(third.shortCode);
      expect(JSON.stringify(audit)).not.toContain(third.longCode);
    });

    it('re-issues codes for a known case only, and reports the status', async () => {
      const clock = testClock(T0 + 3000 * 24 * HOUR);
      const ctx = context(clock.now);
      const issued = await createCase(ctx, principal, {
        provinceCode: '01',
        testType: 'likely',
        testDate: '2020-08-07',
        symptomDate: '2020-08-01',
      });
      expect(await reissueCodes(ctx, principal, 'case_unknown')).toBeUndefined();
      clock.advance(HOUR + 1);
      const again = await reissueCodes(ctx, principal, issued.caseId);
      expect(again?.caseId).toBe(issued.caseId);
      const old = await findCodeByHash(storage.db, keyedHash(TEST_SECRETS.codeHashKey, issued.longCode));
      expect(old?.invalidated_at).toBe(clock.now());
      const row = await findCase(storage.db, issued.caseId);
      expect(caseStatus(row!, clock.now())).toMatchObject({
        caseId: issued.caseId,
        state: 'codes_issued',
        testType: 'likely',
        symptomDate: '2020-08-01',
        codesIssuedAt: new Date(clock.now()).toISOString(),
        expiresAt: again?.expiresAt,
        longExpiresAt: again?.longExpiresAt,
        codesClaimedAt: null,
        keysPublished: 0,
      });
      expect(caseStatus(row!, clock.now() + 25 * HOUR).state).toBe('codes_expired');
    });
  });
}
