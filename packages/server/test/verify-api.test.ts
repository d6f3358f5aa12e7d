/**
 * The Google-compatible verification API over HTTP, in-process, on both engines: code → token →
 * certificate accepted by the protocol's verifier, single use and expiry of codes and tokens,
 * `accept`, the lock-out, roles, bad bodies, chaff, and fuzzed bodies that never cause a 5xx or
 * a partial write.
 */
import { randomBytes } from 'node:crypto';
import {
  EN_INTERVAL_SECONDS,
  verificationBase64Encode,
  verifyVerificationCertificate,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../src/features/signing-keys/signing-keys.js';
import {
  CERTIFICATE_AUDIENCE,
  certificateTrustedKeys,
} from '../src/features/verification-api/certificates.js';
import { VERIFY_LOCKOUT } from '../src/features/verification-api/lock-out.js';
import {
  type CaseTestApp,
  countRows,
  createCaseTestApp,
  createCaseViaApi,
  phoneUpload,
  post,
  validCase,
  verify,
} from './cases-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';

const HOUR = 3_600_000;
let ipCounter = 0;
/** A client address of its own, so that one test's wrong codes never lock another out. */
const freshIp = () => {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

type VerifyBody = { testtype: string; symptomDate?: string; testDate?: string; token: string };

const onsetOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000 / EN_INTERVAL_SECONDS;

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`verification API on ${engine}`, () => {
    let t: CaseTestApp;
    beforeAll(async () => {
      t = await createCaseTestApp(engine);
    });
    afterAll(() => t.close());

    const certificate = (token: string, ekeyhmac: string, key = t.keys.device) =>
      post(t, '/api/certificate', { token, ekeyhmac, padding: randomBytes(9).toString('base64') }, key);

    it('code → token → certificate that the key server verifies for exactly the uploaded keys', async () => {
      const issued = await createCaseViaApi(t);
      const ip = freshIp();
      const res = await verify(t, issued.shortCode, ['confirmed'], ip);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json<VerifyBody>();
      expect(body).toEqual({
        testtype: 'confirmed',
        symptomDate: '2020-08-04',
        testDate: '2020-08-07',
        token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const upload = phoneUpload(4);
      const cert = await certificate(body.token, upload.ekeyhmac);
      expect(cert.statusCode).toBe(200);
      const jwt = cert.json<{ certificate: string }>().certificate;
      const options = {
        trustedKeys: await certificateTrustedKeys(t.ctx),
        audience: CERTIFICATE_AUDIENCE,
        now: Math.floor(t.clock.now() / 1000) + 60,
      };
      const verified = await verifyVerificationCertificate(jwt, upload, options);
      expect(verified.ok).toBe(true);
      if (verified.ok) {
        expect(verified.value).toMatchObject({
          issuer: 'vn-moh',
          healthAuthority: 'vn-moh',
          reportType: 'confirmed',
          symptomOnsetInterval: onsetOf('2020-08-04'),
        });
      }
      const header = decodeProtectedHeader(jwt);
      const claims = decodeJwt(jwt);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
      expect(header.kid).toMatch(/^certificate-/);
      expect(claims).toMatchObject({
        iss: 'vn-moh',
        aud: CERTIFICATE_AUDIENCE,
        iat: Math.floor(t.clock.now() / 1000),
      });
      // Other keys, or the same keys with another hmackey, do not match the certificate.
      const other = phoneUpload(4);
      const wrongKeys = await verifyVerificationCertificate(
        jwt,
        { keys: other.keys, hmacKey: upload.hmacKey },
        options,
      );
      expect(wrongKeys.ok ? 'ok' : wrongKeys.error.code).toBe('certificate_hmac_mismatch');
      const wrongKey = await verifyVerificationCertificate(
        jwt,
        { keys: upload.keys, hmacKey: other.hmacKey },
        options,
      );
      expect(wrongKey.ok ? 'ok' : wrongKey.error.code).toBe('certificate_hmac_mismatch');
      // Audited, without codes or tokens.
      const audit = await t.storage.db
        .selectFrom('audit_log')
        .select(['action', 'actor', 'details'])
        .where('subject', '=', `case:${issued.caseId}`)
        .execute();
      expect(audit.map((a) => a.action).sort()).toEqual([
        'case.certificate.issue',
        'case.code.claim',
        'case.codes.issue',
        'case.create',
      ]);
      expect(audit.find((a) => a.action === 'case.code.claim')?.actor).toBe(`apikey:${t.keys.deviceId}`);
      const text = JSON.stringify(audit);
      for (const secret of [issued.shortCode, issued.longCode, body.token, jwt])
        expect(text).not.toContain(secret);
    });

    it('redeems the long code typed in lower case with dashes; a likely case without symptoms', async () => {
      const issued = await createCaseViaApi(t, {
        provinceCode: '01',
        testType: 'likely',
        testDate: '2020-08-06',
      });
      const typed = `${issued.longCode.slice(0, 4)}-${issued.longCode.slice(4, 8)} ${issued.longCode.slice(8)}`;
      const res = await verify(t, typed.toLowerCase(), ['likely'], freshIp());
      expect(res.statusCode).toBe(200);
      const body = res.json<VerifyBody>();
      expect(body).toEqual({ testtype: 'likely', testDate: '2020-08-06', token: expect.any(String) });
      const upload = phoneUpload(1);
      const jwt = (await certificate(body.token, upload.ekeyhmac)).json<{ certificate: string }>()
        .certificate;
      const verified = await verifyVerificationCertificate(jwt, upload, {
        trustedKeys: await certificateTrustedKeys(t.ctx),
        audience: CERTIFICATE_AUDIENCE,
        now: Math.floor(t.clock.now() / 1000),
      });
      expect(verified.ok && verified.value).toMatchObject({
        reportType: 'likely',
        // Without a symptom date the onset is the test date, as in Google's server.
        symptomOnsetInterval: onsetOf('2020-08-06'),
      });
    });

    it('claims both codes of a case at once: neither verifies again', async () => {
      const issued = await createCaseViaApi(t);
      const ip = freshIp();
      expect((await verify(t, issued.longCode, undefined, ip)).statusCode).toBe(200);
      for (const code of [issued.shortCode, issued.longCode]) {
        const again = await verify(t, code, undefined, ip);
        expect(again.statusCode).toBe(400);
        expect(again.json()).toEqual({
          errorCode: 'code_invalid',
          error: expect.stringContaining('already used'),
        });
      }
      expect(await countRows(t.storage, 'verification_tokens')).toBeGreaterThan(0);
    });

    it('expires the short code after 1 hour and the long code after 24 hours', async () => {
      const own = await createCaseTestApp(engine);
      try {
        const issued = await createCaseViaApi(own);
        own.clock.advance(HOUR);
        const short = await verify(own, issued.shortCode);
        expect(short.statusCode).toBe(400);
        expect(short.json()).toEqual({ errorCode: 'code_expired', error: expect.stringContaining('1 hour') });
        own.clock.advance(23 * HOUR - 1);
        const late = await createCaseViaApi(own);
        expect((await verify(own, issued.longCode)).statusCode).toBe(200);
        own.clock.advance(24 * HOUR);
        const long = await verify(own, late.longCode);
        expect(long.json()).toEqual({
          errorCode: 'code_expired',
          error: expect.stringContaining('24 hours'),
        });
        // Expired codes are not wrong guesses: nothing was counted.
        expect(await countRows(own.storage, 'verification_failures')).toBe(0);
      } finally {
        await own.close();
      }
    });

    it('answers code_not_found for unknown codes and code_invalid for typos and non-codes, counting only the first', async () => {
      const ip = freshIp();
      const before = await countRows(t.storage, 'verification_failures');
      const notFound = await verify(t, '00000000', undefined, ip);
      expect(notFound.statusCode).toBe(400);
      expect(notFound.json()).toEqual({
        errorCode: 'code_not_found',
        error: expect.stringContaining('no such code'),
      });
      expect((await verify(t, '2222-3333-4444-5555', undefined, ip)).json().errorCode).toBe('code_not_found');
      expect(await countRows(t.storage, 'verification_failures')).toBe(before + 2);
      const typo = await verify(t, '00000001', undefined, ip);
      expect(typo.json()).toEqual({ errorCode: 'code_invalid', error: expect.stringContaining('mistyped') });
      for (const junk of ['', '1234', 'hello world', 'O0O0O0O0O0O0O0O0', '123456789012']) {
        const res = await verify(t, junk, undefined, ip);
        expect(res.statusCode).toBe(400);
        expect(res.json().errorCode).toBe('code_invalid');
      }
      expect(await countRows(t.storage, 'verification_failures')).toBe(before + 2);
    });

    it('answers 412 unsupported_test_type when accept excludes the case, leaving the code usable', async () => {
      const issued = await createCaseViaApi(t, { ...validCase, testType: 'likely' });
      const ip = freshIp();
      const refused = await verify(t, issued.shortCode, ['confirmed'], ip);
      expect(refused.statusCode).toBe(412);
      expect(refused.json()).toEqual({
        errorCode: 'unsupported_test_type',
        error: expect.stringContaining('likely'),
      });
      const ok = await verify(t, issued.shortCode, ['negative'], ip);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().testtype).toBe('likely');
    });

    it('answers 400 invalid_test_type for an unknown accept value, before looking at the code', async () => {
      const before = await countRows(t.storage, 'verification_failures');
      const res = await verify(t, '00000000', ['confirmed', 'positive'], freshIp());
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        errorCode: 'invalid_test_type',
        error: expect.stringContaining('"positive"'),
      });
      expect(await countRows(t.storage, 'verification_failures')).toBe(before);
    });

    it.each([
      ['/api/verify', { code: '00000000' }],
      ['/api/certificate', { token: 'x'.repeat(43), ekeyhmac: verificationBase64Encode(new Uint8Array(32)) }],
    ])('%s: 401 without or with an unknown API key, 403 for admin or lab keys', async (url, body) => {
      const none = await post(t, url, body);
      expect(none.statusCode).toBe(401);
      expect(none.json()).toEqual({
        errorCode: 'unauthorized',
        error: 'send an API key in the X-API-Key header',
      });
      expect((await post(t, url, body, `bz_${'y'.repeat(43)}`)).json().errorCode).toBe('unauthorized');
      for (const key of [t.keys.admin, t.keys.lab]) {
        const res = await post(t, url, body, key);
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({
          errorCode: 'forbidden',
          error: 'this endpoint needs an API key with role device',
        });
      }
    });

    it.each([
      ['{"code":', 'unparsable_request', 400],
      ['', 'unparsable_request', 400],
      [[], 'unparsable_request', 400],
      [{}, 'unparsable_request', 400],
      [{ code: 12345678 }, 'unparsable_request', 400],
      [{ code: '00000000', accept: 'confirmed' }, 'unparsable_request', 400],
      [{ code: '00000000', accept: [1] }, 'unparsable_request', 400],
      [{ code: '00000000', extra: true }, 'unparsable_request', 400],
      [{ code: '0'.repeat(65) }, 'unparsable_request', 400],
    ])('verify rejects the body %j with %s', async (payload, errorCode, status) => {
      const res = await post(t, '/api/verify', payload, t.keys.device, { remoteAddress: freshIp() });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ errorCode, error: expect.any(String) });
    });

    it('verify answers 415 for a non-JSON body and 413 for an oversized one, in its own shape', async () => {
      const text = await t.app.inject({
        method: 'POST',
        url: '/api/verify',
        payload: 'code=00000000',
        headers: { 'content-type': 'text/plain', 'x-api-key': t.keys.device },
      });
      expect(text.statusCode).toBe(415);
      expect(text.json()).toEqual({ errorCode: 'unsupported_media_type', error: expect.any(String) });
      const big = await post(t, '/api/verify', { code: '1', padding: 'A'.repeat(300_000) }, t.keys.device);
      expect(big.statusCode).toBe(413);
      expect(big.json().errorCode).toBe('body_too_large');
    });

    it('exchanges a token once; a reused token is token_invalid, an unknown or malformed one too', async () => {
      const issued = await createCaseViaApi(t);
      const token = (await verify(t, issued.shortCode, undefined, freshIp())).json<VerifyBody>().token;
      const upload = phoneUpload();
      expect((await certificate(token, upload.ekeyhmac)).statusCode).toBe(200);
      const again = await certificate(token, upload.ekeyhmac);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({
        errorCode: 'token_invalid',
        error: expect.stringContaining('already used'),
      });
      for (const bad of [randomBytes(32).toString('base64url'), 'not-a-token', '']) {
        const res = await certificate(bad, upload.ekeyhmac);
        expect(res.statusCode).toBe(400);
        expect(res.json().errorCode).toBe('token_invalid');
      }
    });

    it('expires tokens after 24 hours with token_expired', async () => {
      const own = await createCaseTestApp(engine);
      try {
        const issued = await createCaseViaApi(own);
        const token = (await verify(own, issued.longCode)).json<VerifyBody>().token;
        own.clock.advance(24 * HOUR);
        const res = await post(
          own,
          '/api/certificate',
          { token, ekeyhmac: phoneUpload().ekeyhmac },
          own.keys.device,
        );
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          errorCode: 'token_expired',
          error: expect.stringContaining('24 hours'),
        });
        const row = await own.storage.db
          .selectFrom('verification_tokens')
          .selectAll()
          .executeTakeFirstOrThrow();
        expect(row.exchanged_at).toBeNull();
      } finally {
        await own.close();
      }
    });

    it('answers hmac_invalid for an ekeyhmac that is not strict base64 of 32 bytes, keeping the token', async () => {
      const issued = await createCaseViaApi(t);
      const token = (await verify(t, issued.shortCode, undefined, freshIp())).json<VerifyBody>().token;
      const mac = randomBytes(32);
      for (const bad of [
        '',
        verificationBase64Encode(new Uint8Array(31)),
        verificationBase64Encode(new Uint8Array(33)),
        mac.toString('base64url'),
        mac.toString('base64').replace(/=$/, ''),
        mac.toString('hex'),
      ]) {
        const res = await certificate(token, bad);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ errorCode: 'hmac_invalid', error: expect.stringContaining('ekeyhmac') });
      }
      expect((await certificate(token, mac.toString('base64'))).statusCode).toBe(200);
    });

    it('signs with the active certificate key after a rotation; both keys stay trusted', async () => {
      const own = await createCaseTestApp(engine);
      try {
        const first = await createCaseViaApi(own);
        const t1 = (await verify(own, first.shortCode)).json<VerifyBody>().token;
        const u1 = phoneUpload();
        const c1 = (
          await post(own, '/api/certificate', { token: t1, ekeyhmac: u1.ekeyhmac }, own.keys.device)
        ).json().certificate as string;
        own.clock.advance(1000);
        const rotated = await rotateSigningKey(own.ctx, 'certificate');
        const second = await createCaseViaApi(own);
        const t2 = (await verify(own, second.shortCode)).json<VerifyBody>().token;
        const u2 = phoneUpload();
        const c2 = (
          await post(own, '/api/certificate', { token: t2, ekeyhmac: u2.ekeyhmac }, own.keys.device)
        ).json().certificate as string;
        expect(decodeProtectedHeader(c2).kid).toBe(rotated.id);
        expect(decodeProtectedHeader(c1).kid).not.toBe(rotated.id);
        const trustedKeys = await certificateTrustedKeys(own.ctx);
        expect(trustedKeys.map((k) => k.kid)).toContain(rotated.id);
        const now = Math.floor(own.clock.now() / 1000);
        for (const [jwt, upload] of [
          [c1, u1],
          [c2, u2],
        ] as const) {
          const result = await verifyVerificationCertificate(jwt, upload, {
            trustedKeys,
            audience: CERTIFICATE_AUDIENCE,
            now,
          });
          expect(result.ok).toBe(true);
        }
      } finally {
        await own.close();
      }
    });

    it(`locks a client out after ${VERIFY_LOCKOUT.perClient} wrong codes in an hour, per API key and network`, async () => {
      const own = await createCaseTestApp(engine);
      try {
        const issued = await createCaseViaApi(own);
        const attacker = '2001:db8:aa:bb::1';
        // Typos are caught by the check digit and cost nothing.
        for (let i = 0; i < 15; i++)
          expect((await verify(own, '00000001', undefined, attacker)).json().errorCode).toBe('code_invalid');
        for (let i = 0; i < VERIFY_LOCKOUT.perClient; i++) {
          own.clock.advance(60_000);
          expect((await verify(own, '00000000', undefined, attacker)).json().errorCode).toBe(
            'code_not_found',
          );
        }
        // Even the right code is refused now, also from another address of the same /64.
        for (const address of [attacker, '2001:db8:aa:bb:ffff::9']) {
          const locked = await verify(own, issued.shortCode, undefined, address);
          expect(locked.statusCode).toBe(429);
          expect(locked.json()).toEqual({
            errorCode: 'code_attempts_exceeded',
            error: expect.stringContaining('too many'),
          });
          // The first wrong code (counted 9 min ago) leaves the window in 51 min.
          expect(locked.headers['retry-after']).toBe(String(51 * 60));
        }
        // Locked-out requests are not counted again.
        expect(await countRows(own.storage, 'verification_failures')).toBe(VERIFY_LOCKOUT.perClient);
        // Other networks are not affected.
        expect((await verify(own, issued.longCode, undefined, '2001:db8:aa:cc::1')).statusCode).toBe(200);
        const later = await createCaseViaApi(own);
        own.clock.advance(51 * 60_000 - 1000);
        expect((await verify(own, later.shortCode, undefined, attacker)).statusCode).toBe(429);
        own.clock.advance(1000);
        expect((await verify(own, later.shortCode, undefined, attacker)).statusCode).toBe(200);
      } finally {
        await own.close();
      }
    });

    it(`pauses short codes for everyone after ${VERIFY_LOCKOUT.shortCodesGlobal} wrong short codes in an hour; long codes still work`, async () => {
      const own = await createCaseTestApp(engine);
      try {
        const issued = await createCaseViaApi(own);
        const now = own.clock.now();
        const rows = Array.from({ length: VERIFY_LOCKOUT.shortCodesGlobal }, (_, i) => ({
          bucket: randomBytes(32),
          kind: 'short',
          at: now - HOUR + 60_000 + i,
        }));
        await own.storage.db.insertInto('verification_failures').values(rows).execute();
        const paused = await verify(own, issued.shortCode, undefined, freshIp());
        expect(paused.statusCode).toBe(429);
        expect(paused.json()).toEqual({
          errorCode: 'code_attempts_exceeded',
          error: expect.stringContaining('SMS'),
        });
        expect(paused.headers['retry-after']).toBe('60');
        expect((await verify(own, issued.longCode, undefined, freshIp())).statusCode).toBe(200);
        const next = await createCaseViaApi(own);
        own.clock.advance(60_000);
        expect((await verify(own, next.shortCode, undefined, freshIp())).statusCode).toBe(200);
      } finally {
        await own.close();
      }
    });

    it('answers chaff requests with a decoy and changes nothing', async () => {
      const before = await Promise.all(
        (['verification_tokens', 'verification_failures', 'audit_log'] as const).map((x) =>
          countRows(t.storage, x),
        ),
      );
      const v = await post(t, '/api/verify', { code: '00000000' }, t.keys.device, {
        headers: { 'x-chaff': '1' },
      });
      expect(v.statusCode).toBe(200);
      expect(v.json()).toMatchObject({
        testtype: 'confirmed',
        token: expect.any(String),
        padding: expect.any(String),
      });
      const c = await post(t, '/api/certificate', { token: 'x', ekeyhmac: 'y' }, t.keys.device, {
        headers: { 'x-chaff': '1' },
      });
      expect(c.statusCode).toBe(200);
      expect(c.json().certificate.split('.')).toHaveLength(3);
      const after = await Promise.all(
        (['verification_tokens', 'verification_failures', 'audit_log'] as const).map((x) =>
          countRows(t.storage, x),
        ),
      );
      expect(after).toEqual(before);
    });

    it('never answers 5xx and never half-writes for any verify body (property)', async () => {
      const live = await createCaseViaApi(t);
      const code = fc.oneof(
        fc.constantFrom(live.shortCode, live.longCode, '00000000', '00000001', '2222222222222222'),
        fc.stringMatching(/^[0-9]{8}$/),
        fc.stringMatching(/^[2-9A-Z -]{14,20}$/),
        fc.string({ maxLength: 70 }),
        fc.integer(),
        fc.constant(null),
      );
      const accept = fc.oneof(
        fc.array(fc.constantFrom('confirmed', 'likely', 'negative', 'user-report', 'x', '__proto__'), {
          maxLength: 4,
        }),
        fc.constant(null),
        fc.string(),
        fc.array(fc.anything(), { maxLength: 2 }),
      );
      const body = fc.oneof(
        fc
          .record({ code, accept, padding: fc.oneof(fc.base64String(), fc.integer()) }, { requiredKeys: [] })
          .map((o) => JSON.stringify(o)),
        fc.json(),
        fc.string({ maxLength: 40 }),
      );
      await fc.assert(
        fc.asyncProperty(body, fc.ipV4(), async (payload, ip) => {
          const tables = ['verification_tokens', 'verification_failures', 'audit_log'] as const;
          const claimed = async () =>
            Number(
              (
                await t.storage.db
                  .selectFrom('verification_codes')
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .where('claimed_at', 'is not', null)
                  .executeTakeFirstOrThrow()
              ).n,
            );
          const before = [
            ...(await Promise.all(tables.map((x) => countRows(t.storage, x)))),
            await claimed(),
          ];
          const res = await post(t, '/api/verify', payload, t.keys.device, { remoteAddress: ip });
          expect(res.statusCode).toBeLessThan(500);
          const after = [...(await Promise.all(tables.map((x) => countRows(t.storage, x)))), await claimed()];
          if (res.statusCode === 200) {
            // One token, one audit row, both codes of the case claimed.
            expect(after).toEqual([before[0]! + 1, before[1], before[2]! + 1, before[3]! + 2]);
          } else {
            const { errorCode } = res.json<{ errorCode: string }>();
            expect(errorCode).toMatch(/^[a-z_]+$/);
            // Only a well-formed unknown code is counted (the counter may also prune old rows).
            if (errorCode !== 'code_not_found') expect(after).toEqual(before);
            else expect([after[0], after[2], after[3]]).toEqual([before[0], before[2], before[3]]);
          }
        }),
        { numRuns: 150 },
      );
    });

    it('never answers 5xx and never half-writes for any certificate body (property)', async () => {
      const tokens: string[] = [];
      for (let i = 0; i < 3; i++) {
        const issued = await createCaseViaApi(t);
        tokens.push((await verify(t, issued.longCode, undefined, freshIp())).json<VerifyBody>().token);
      }
      const good = phoneUpload().ekeyhmac;
      const body = fc.oneof(
        fc
          .record(
            {
              token: fc.oneof(
                fc.constantFrom(...tokens),
                fc.base64String({ maxLength: 60 }),
                fc.string(),
                fc.integer(),
              ),
              ekeyhmac: fc.oneof(
                fc.constant(good),
                fc.uint8Array({ minLength: 30, maxLength: 34 }).map((b) => Buffer.from(b).toString('base64')),
                fc.string({ maxLength: 50 }),
                fc.constant(null),
              ),
              padding: fc.oneof(fc.base64String(), fc.constant(null), fc.boolean()),
            },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
        fc.json(),
      );
      const exchanged = async () =>
        Number(
          (
            await t.storage.db
              .selectFrom('verification_tokens')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('exchanged_at', 'is not', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const before = [await exchanged(), await countRows(t.storage, 'audit_log')];
          const res = await post(t, '/api/certificate', payload, t.keys.device);
          expect(res.statusCode).toBeLessThan(500);
          const after = [await exchanged(), await countRows(t.storage, 'audit_log')];
          if (res.statusCode === 200) {
            expect(res.json().certificate.split('.')).toHaveLength(3);
            expect(after).toEqual([before[0]! + 1, before[1]! + 1]);
          } else {
            expect(['unparsable_request', 'token_invalid', 'token_expired', 'hmac_invalid']).toContain(
              res.json().errorCode,
            );
            expect(after).toEqual(before);
          }
        }),
        { numRuns: 150 },
      );
    });
  });
}
