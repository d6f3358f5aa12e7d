/**
 * `POST /v1/phone/otp` and `POST /v1/phone/verify` in-process on both engines: the whole flow,
 * every error, every rate limit, concurrency, no number in clear in the database or the logs,
 * and a fuzz of both bodies.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { decryptTextAtRest } from '../src/encryption.js';
import { keyedHash } from '../src/ids.js';
import { SmsDeliveryError } from '../src/sms/sms-sender.js';
import type { Storage } from '../src/storage/storage.js';
import { ENGINES, engineAvailable, TEST_SECRETS } from './harness.js';
import {
  createPhoneTestApp,
  type Device,
  dumpDatabase,
  dumpText,
  e164,
  HOUR,
  lastCode,
  newDevice,
  phoneTableCounts,
  uniqueAddress,
  uniqueNumber,
} from './phones-helpers.js';

type ErrorBody = { error: { code: string; message: string } };

const phoneHash = (national: string) => keyedHash(TEST_SECRETS.phoneHashKey, e164(national));

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`phone registration over HTTP on ${engine}`, () => {
    let app: App;
    let storage: Storage;
    let env: Awaited<ReturnType<typeof createPhoneTestApp>>;
    beforeAll(async () => {
      env = await createPhoneTestApp(engine);
      ({ app, storage } = env);
    });
    afterAll(() => env.close());

    const device = (options?: Parameters<typeof newDevice>[1]) => newDevice(app, options);
    const code = (national: string) => lastCode(env.sms, national);
    /** Moves the clock to the start of the next hour (fresh rate-limit windows, known Retry-After). */
    const startOfNextHour = () => env.clock.set((Math.floor(env.clock.now() / HOUR) + 1) * HOUR);
    const installRow = (id: string) =>
      storage.db.selectFrom('installs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const phonesWithHash = (national: string) =>
      storage.db.selectFrom('phones').selectAll().where('phone_hash', '=', phoneHash(national)).execute();
    const expectError = (res: { statusCode: number; json: <T>() => T }, status: number, code: string) => {
      expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
      expect(res.json<ErrorBody>().error.code).toBe(code);
      return res.json<ErrorBody>().error.message;
    };
    /** Requests and verifies a code for `national`, typed as `typed`. */
    const requestAndVerify = async (d: Device, national: string, typed = national) => {
      expect((await d.otp({ phoneNumber: typed })).statusCode).toBe(200);
      const res = await d.verify({ phoneNumber: typed, code: code(national) });
      expect(res.statusCode).toBe(200);
      return res;
    };

    it('registers a number: code by SMS in Vietnamese, verification, encrypted storage', async () => {
      const d = await device();
      const national = uniqueNumber('091');
      const sent = await d.otp({
        phoneNumber: `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}`,
      });
      expect(sent.statusCode).toBe(200);
      expect(sent.json()).toEqual({ expiresInSeconds: 300, resendAfterSeconds: 60, codeLength: 6 });
      const sms = env.sms.memory.lastTo(e164(national));
      expect(sms?.text).toMatch(/^Mã xác thực Bluezone của bạn là \d{6}\. Mã có hiệu lực trong 5 phút\.$/);
      const otp = code(national);
      const challenge = await storage.db
        .selectFrom('otp_challenges')
        .selectAll()
        .where('install_id', '=', d.installId)
        .executeTakeFirstOrThrow();
      expect(challenge).toMatchObject({
        sent_at: env.clock.now(),
        expires_at: env.clock.now() + 300_000,
        attempts: 0,
      });
      expect(new Uint8Array(challenge.code_hash)).toEqual(
        keyedHash(TEST_SECRETS.codeHashKey, `otp|${challenge.id}|${otp}`),
      );

      env.clock.advance(299_999);
      const verified = await d.verify({ phoneNumber: e164(national), code: otp });
      expect(verified.statusCode).toBe(200);
      expect(verified.json()).toEqual({
        phoneNumber: e164(national),
        carrier: 'vinaphone',
        carrierName: 'VinaPhone',
      });

      const [phone] = await phonesWithHash(national);
      expect(phone).toBeDefined();
      expect(
        decryptTextAtRest(TEST_SECRETS.dataEncryptionKey, 'phone', new Uint8Array(phone!.phone_enc)),
      ).toBe(e164(national));
      expect(phone).toMatchObject({
        carrier: 'vinaphone',
        created_at: env.clock.now(),
        verified_at: env.clock.now(),
      });
      expect(await installRow(d.installId)).toMatchObject({
        phone_id: phone!.id,
        phone_verified_at: env.clock.now(),
        carrier: 'vinaphone',
      });
      const left = await storage.db
        .selectFrom('otp_challenges')
        .select('id')
        .where('install_id', '=', d.installId)
        .execute();
      expect(left).toEqual([]);
    });

    it('texts in English to an install whose locale is en, and names the carrier', async () => {
      const d = await device({ locale: 'en' });
      const national = uniqueNumber('098');
      expect((await d.otp({ phoneNumber: national })).statusCode).toBe(200);
      expect(env.sms.memory.lastTo(e164(national))?.text).toMatch(
        /^Your Bluezone verification code is \d{6}\. It is valid for 5 minutes\.$/,
      );
      const res = await d.verify({ phoneNumber: national, code: code(national) });
      expect(res.json()).toEqual({ phoneNumber: e164(national), carrier: 'viettel', carrierName: 'Viettel' });
    });

    it('accepts an old 11-digit number and registers its converted number', async () => {
      const d = await device();
      const rest = uniqueNumber('091').slice(3);
      expect((await d.otp({ phoneNumber: `0166${rest}` })).statusCode).toBe(200);
      const res = await d.verify({ phoneNumber: `036${rest}`, code: code(`036${rest}`) });
      expect(res.json()).toMatchObject({ phoneNumber: `+8436${rest}`, carrier: 'viettel' });
    });

    it('shares one phones row between installs of the same number (re-install)', async () => {
      const national = uniqueNumber();
      const first = await device();
      const second = await device();
      await requestAndVerify(first, national);
      const [before] = await phonesWithHash(national);
      env.clock.advance(3_000);
      await requestAndVerify(second, national, `+84 ${national.slice(1)}`);
      const rows = await phonesWithHash(national);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: before!.id,
        created_at: before!.created_at,
        verified_at: env.clock.now(),
      });
      expect((await installRow(first.installId)).phone_id).toBe(before!.id);
      expect((await installRow(second.installId)).phone_id).toBe(before!.id);
    });

    it('moves an install to a new number when it verifies another one', async () => {
      const d = await device();
      const [a, b] = [uniqueNumber('093'), uniqueNumber('070')];
      await requestAndVerify(d, a);
      await requestAndVerify(d, b);
      const [phoneB] = await phonesWithHash(b);
      expect(await installRow(d.installId)).toMatchObject({ phone_id: phoneB!.id, carrier: 'mobifone' });
    });

    it('rejects a wrong code with the attempts left, then accepts the right one', async () => {
      const d = await device();
      const national = uniqueNumber();
      await d.otp({ phoneNumber: national });
      const right = code(national);
      const wrong = right === '000000' ? '000001' : '000000';
      const before = await phoneTableCounts(storage);
      const message = expectError(await d.verify({ phoneNumber: national, code: wrong }), 400, 'otp_invalid');
      expect(message).toBe('the code is wrong; 4 attempts left before a new code is needed');
      const after = await phoneTableCounts(storage);
      expect(after.phones).toBe(before.phones);
      expect(after.linked).toBe(before.linked);
      expect((await installRow(d.installId)).phone_id).toBeNull();
      expect((await d.verify({ phoneNumber: national, code: right })).statusCode).toBe(200);
    });

    it('answers otp_expired once the code is 5 minutes old, and writes nothing', async () => {
      const d = await device();
      const national = uniqueNumber();
      await d.otp({ phoneNumber: national });
      env.clock.advance(300_000);
      const before = await phoneTableCounts(storage);
      const message = expectError(
        await d.verify({ phoneNumber: national, code: code(national) }),
        400,
        'otp_expired',
      );
      expect(message).toContain('codes expire after 5 minutes');
      expect(await phoneTableCounts(storage)).toEqual(before);
      expect(await phonesWithHash(national)).toEqual([]);
    });

    it('kills the code after 5 wrong attempts, even for the right code; a new code works', async () => {
      const d = await device();
      const national = uniqueNumber();
      await d.otp({ phoneNumber: national });
      const right = code(national);
      const wrong = right === '999999' ? '999998' : '999999';
      for (const left of [4, 3, 2, 1]) {
        const message = expectError(
          await d.verify({ phoneNumber: national, code: wrong }),
          400,
          'otp_invalid',
        );
        expect(message).toContain(`${left} attempt${left === 1 ? '' : 's'} left`);
      }
      expectError(await d.verify({ phoneNumber: national, code: wrong }), 400, 'otp_attempts_exceeded');
      const message = expectError(
        await d.verify({ phoneNumber: national, code: right }),
        400,
        'otp_attempts_exceeded',
      );
      expect(message).toContain('request a new one with POST /v1/phone/otp');
      expect(await phonesWithHash(national)).toEqual([]);

      env.clock.advance(60_000);
      expect((await d.otp({ phoneNumber: national })).statusCode).toBe(200);
      expect((await d.verify({ phoneNumber: national, code: code(national) })).statusCode).toBe(200);
    });

    it('uses a code once', async () => {
      const d = await device();
      const national = uniqueNumber();
      await d.otp({ phoneNumber: national });
      const otp = code(national);
      expect((await d.verify({ phoneNumber: national, code: otp })).statusCode).toBe(200);
      const before = await dumpDatabase(storage);
      const again = await d.verify({ phoneNumber: national, code: otp });
      expect(expectError(again, 400, 'otp_expired')).toContain('no code is pending for this number');
      const after = await dumpDatabase(storage);
      expect(after['phones']).toEqual(before['phones']);
      expect(after['installs']).toEqual(before['installs']);
    });

    it('answers otp_expired when no code was requested, and for another install’s code', async () => {
      const [a, b] = [await device(), await device()];
      const national = uniqueNumber();
      expectError(await a.verify({ phoneNumber: national, code: '123456' }), 400, 'otp_expired');
      await a.otp({ phoneNumber: national });
      expectError(await b.verify({ phoneNumber: national, code: code(national) }), 400, 'otp_expired');
      expect((await a.verify({ phoneNumber: national, code: code(national) })).statusCode).toBe(200);
    });

    it('makes a device wait 60 s between codes for one number; the new code replaces the old', async () => {
      const d = await device();
      const national = uniqueNumber();
      expect((await d.otp({ phoneNumber: national })).statusCode).toBe(200);
      const first = code(national);
      const sentBefore = env.sms.memory.sent.length;
      const now = await d.otp({ phoneNumber: national });
      expect(expectError(now, 429, 'rate_limited')).toContain('a code was sent to this number moments ago');
      expect(now.headers['retry-after']).toBe('60');
      env.clock.advance(45_500);
      expect((await d.otp({ phoneNumber: national })).headers['retry-after']).toBe('15');
      expect(env.sms.memory.sent.length).toBe(sentBefore);
      // Another number from the same device, and the same number from another device, need no wait.
      expect((await d.otp({ phoneNumber: uniqueNumber() })).statusCode).toBe(200);
      expect((await (await device()).otp({ phoneNumber: national })).statusCode).toBe(200);

      env.clock.advance(14_500);
      expect((await d.otp({ phoneNumber: national })).statusCode).toBe(200);
      const second = code(national);
      if (second !== first) {
        expectError(await d.verify({ phoneNumber: national, code: first }), 400, 'otp_invalid');
      }
      expect((await d.verify({ phoneNumber: national, code: second })).statusCode).toBe(200);
    });

    it('limits codes per number to 5 an hour, over all devices', async () => {
      startOfNextHour();
      const national = uniqueNumber();
      for (let i = 0; i < 5; i++)
        expect((await (await device()).otp({ phoneNumber: national })).statusCode).toBe(200);
      env.clock.advance(600_000);
      const late = await device();
      const res = await late.otp({ phoneNumber: national });
      expect(expectError(res, 429, 'rate_limited')).toBe(
        'too many codes requested for this phone number (at most 5 per hour); try again in 50 min',
      );
      expect(res.headers['retry-after']).toBe('3000');
      env.clock.advance(3_000_000);
      expect((await late.otp({ phoneNumber: national })).statusCode).toBe(200);
    });

    it('limits codes per install to 10 an hour', async () => {
      startOfNextHour();
      const d = await device();
      for (let i = 0; i < 10; i++)
        expect((await d.otp({ phoneNumber: uniqueNumber() })).statusCode).toBe(200);
      const res = await d.otp({ phoneNumber: uniqueNumber() });
      expect(expectError(res, 429, 'rate_limited')).toContain(
        'too many codes requested by this app (at most 10 per hour)',
      );
      expect(res.headers['retry-after']).toBe('3600');
    });

    it('limits codes per client address to 30 an hour', async () => {
      startOfNextHour();
      const address = uniqueAddress();
      for (let n = 0; n < 3; n++) {
        const d = await device({ address });
        for (let i = 0; i < 10; i++)
          expect((await d.otp({ phoneNumber: uniqueNumber() })).statusCode).toBe(200);
      }
      env.clock.advance(1_000);
      const res = await (await device({ address })).otp({ phoneNumber: uniqueNumber() });
      expect(expectError(res, 429, 'rate_limited')).toContain(
        'too many codes requested from this network (at most 30 per hour)',
      );
      expect(res.headers['retry-after']).toBe('3599');
      expect((await (await device()).otp({ phoneNumber: uniqueNumber() })).statusCode).toBe(200);
    });

    it('answers 503 when the SMS cannot be sent, leaving no challenge, and allows a retry at once', async () => {
      const d = await device();
      const national = uniqueNumber();
      env.sms.failWith(new SmsDeliveryError('the SMS gateway answered HTTP 502'));
      try {
        const res = await d.otp({ phoneNumber: national });
        expect(expectError(res, 503, 'unavailable')).toBe(
          'the SMS with the code could not be sent; try again in a minute',
        );
      } finally {
        env.sms.failWith(undefined);
      }
      const challenges = await storage.db
        .selectFrom('otp_challenges')
        .select('id')
        .where('install_id', '=', d.installId)
        .execute();
      expect(challenges).toEqual([]);
      expect((await d.otp({ phoneNumber: national })).statusCode).toBe(200);
      expect((await d.verify({ phoneNumber: national, code: code(national) })).statusCode).toBe(200);
    });

    it('sends one code when a device asks twice at once', async () => {
      const d = await device();
      const national = uniqueNumber();
      const results = await Promise.all([1, 2, 3].map(() => d.otp({ phoneNumber: national })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 429, 429]);
      expect(env.sms.memory.sent.filter((m) => m.to === e164(national))).toHaveLength(1);
    });

    it('links once when the right code is sent twice at once', async () => {
      const d = await device();
      const national = uniqueNumber();
      await d.otp({ phoneNumber: national });
      const otp = code(national);
      const results = await Promise.all([1, 2, 3].map(() => d.verify({ phoneNumber: national, code: otp })));
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 400, 400]);
      for (const r of results.filter((x) => x.statusCode === 400)) {
        expect(r.json<ErrorBody>().error.code).toBe('otp_expired');
      }
      expect(await phonesWithHash(national)).toHaveLength(1);
    });

    it.each([
      ['otp', {}, 'body is missing the required field "phoneNumber"'],
      ['otp', { phoneNumber: 912345678 }, 'body.phoneNumber must be string'],
      ['otp', { phoneNumber: null }, 'body.phoneNumber must be string'],
      ['otp', { phoneNumber: '' }, 'body.phoneNumber must NOT have fewer than 1 characters'],
      ['otp', { phoneNumber: '0'.repeat(33) }, 'body.phoneNumber must NOT have more than 32 characters'],
      ['otp', { phoneNumber: '0912345678', extra: 1 }, 'body has an unknown field "extra"'],
      ['otp', ['0912345678'], 'body must be object'],
      ['otp', '{"phoneNumber":', 'the body is not valid JSON'],
      ['verify', { phoneNumber: '0912345678' }, 'body is missing the required field "code"'],
      ['verify', { code: '123456' }, 'body is missing the required field "phoneNumber"'],
      ['verify', { phoneNumber: '0912345678', code: 123456 }, 'body.code must be string'],
      ['verify', { phoneNumber: '0912345678', code: '12345' }, 'body.code must match pattern'],
      ['verify', { phoneNumber: '0912345678', code: '1234567' }, 'body.code must match pattern'],
      ['verify', { phoneNumber: '0912345678', code: '12 456' }, 'body.code must match pattern'],
      ['verify', { phoneNumber: '0912345678', code: '١٢٣٤٥٦' }, 'body.code must match pattern'],
      ['verify', { phoneNumber: ['0912345678'], code: '123456' }, 'body.phoneNumber must be string'],
    ])('%s rejects %j with invalid_request and writes nothing', async (endpoint, body, message) => {
      const d = await device();
      const before = await phoneTableCounts(storage);
      const res = endpoint === 'otp' ? await d.otp(body) : await d.verify(body);
      expect(expectError(res, 400, 'invalid_request')).toContain(message);
      expect(await phoneTableCounts(storage)).toEqual(before);
    });

    it.each([
      ['0951234567', '095 is not a Vietnamese mobile network prefix'],
      ['+1 202 555 0123', 'only Vietnamese mobile numbers (country code +84)'],
      ['02437654321', 'landline'],
      ['091234567', 'phoneNumber has 9 digits'],
      ['0912345678x', 'may contain only digits'],
      ['   ', 'phoneNumber is empty'],
    ])(
      'rejects the number %j with phone_invalid on both endpoints, writing nothing',
      async (phoneNumber, message) => {
        const d = await device();
        const before = await phoneTableCounts(storage);
        expect(expectError(await d.otp({ phoneNumber }), 400, 'phone_invalid')).toContain(message);
        expect(expectError(await d.verify({ phoneNumber, code: '123456' }), 400, 'phone_invalid')).toContain(
          message,
        );
        expect(await phoneTableCounts(storage)).toEqual(before);
      },
    );

    it('answers 401 without a valid device token, whatever the body, and writes nothing', async () => {
      const before = await phoneTableCounts(storage);
      const sent = env.sms.memory.sent.length;
      for (const url of ['/v1/phone/otp', '/v1/phone/verify']) {
        for (const authorization of [undefined, 'Bearer short', 'Basic abc', `Bearer ${'x'.repeat(43)}`]) {
          for (const payload of [
            { phoneNumber: '0912345678', code: '123456' },
            { phoneNumber: 7 },
            'not json',
          ]) {
            const res = await app.inject({
              method: 'POST',
              url,
              headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
              payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
            });
            expect(res.statusCode).toBe(401);
            expect(res.json<ErrorBody>().error.code).toBe('unauthorized');
          }
        }
      }
      expect(await phoneTableCounts(storage)).toEqual(before);
      expect(env.sms.memory.sent.length).toBe(sent);
    });

    it('answers registered and unregistered numbers alike', async () => {
      const registered = uniqueNumber();
      await requestAndVerify(await device(), registered);
      const fresh = uniqueNumber();
      const d = await device();
      const [a, b] = [await d.otp({ phoneNumber: registered }), await d.otp({ phoneNumber: fresh })];
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect(a.json()).toEqual(b.json());
      const [x, y] = [
        await d.verify({
          phoneNumber: registered,
          code: code(registered) === '000000' ? '000001' : '000000',
        }),
        await d.verify({ phoneNumber: fresh, code: code(fresh) === '000000' ? '000001' : '000000' }),
      ];
      expect(x.json()).toEqual(y.json());
    });

    it('never stores a number or a code in clear', async () => {
      const national = uniqueNumber('086');
      const d = await device();
      await d.otp({ phoneNumber: national });
      const pending = code(national);
      const textWhilePending = dumpText(await dumpDatabase(storage));
      await d.verify({ phoneNumber: national, code: pending });
      const other = uniqueNumber('097');
      await d.otp({ phoneNumber: other });
      const text = dumpText(await dumpDatabase(storage));
      for (const dumped of [textWhilePending, text]) {
        for (const form of [national, e164(national), national.slice(1), other, other.slice(1)]) {
          expect(dumped).not.toContain(form);
        }
        expect(dumped).not.toContain(`|${pending}`);
      }
      expect(textWhilePending).not.toContain(pending);
      expect(text).not.toContain(d.address);
    });

    it('documents both endpoints in the OpenAPI document', async () => {
      const doc = (await app.inject('/docs/json')).json<{ paths: Record<string, unknown> }>();
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/phone/otp', '/v1/phone/verify']));
    });

    it('never answers 5xx and never half-writes, whatever the bodies (property)', async () => {
      const d = await device();
      const numbers = [uniqueNumber('091'), uniqueNumber('032'), uniqueNumber('099')];
      const phoneField = fc.oneof(
        fc.constantFrom(...numbers),
        fc.constantFrom(...numbers).map((n) => `+84 ${n.slice(1, 4)} ${n.slice(4)}`),
        fc.constantFrom(...numbers).map((n) => `0${n.slice(1)}`.replace(/(\d{3})/, '$1.')),
        fc.string({ maxLength: 40 }),
        fc.integer(),
        fc.constant(null),
      );
      const codeField = fc.oneof(
        fc.constant('RIGHT'),
        fc.stringMatching(/^\d{6}$/),
        fc.string({ maxLength: 8 }),
        fc.integer(),
      );
      const validPhone = fc
        .constantFrom(...numbers)
        .chain((n) =>
          fc.constantFrom(n, `+84 ${n.slice(1, 4)} ${n.slice(4)}`, `${n.slice(0, 4)}.${n.slice(4)}`),
        );
      const body = (withCode: boolean) =>
        fc.oneof(
          { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
          {
            weight: 2,
            arbitrary: withCode
              ? fc.record({ phoneNumber: phoneField, code: codeField }, { requiredKeys: [] })
              : fc.record({ phoneNumber: phoneField }, { requiredKeys: [] }),
          },
          {
            weight: 4,
            arbitrary: withCode
              ? fc.record({
                  phoneNumber: validPhone,
                  code: fc.oneof(fc.constant('RIGHT'), fc.stringMatching(/^\d{6}$/)),
                })
              : fc.record({ phoneNumber: validPhone }),
          },
        );
      const stateOf = async () => {
        const dump = await dumpDatabase(storage);
        const challenges = (dump['otp_challenges'] ?? []).filter((r) => r['install_id'] === d.installId);
        return {
          phones: JSON.stringify(
            [...(dump['phones'] ?? [])].sort((x, y) => String(x['id']).localeCompare(String(y['id']))),
          ),
          install: JSON.stringify((dump['installs'] ?? []).find((r) => r['id'] === d.installId)),
          // Sorted: PostgreSQL returns updated rows in a different order.
          challenges: challenges
            .map((r) => ({ id: String(r['id']), attempts: Number(r['attempts']) }))
            .sort((x, y) => x.id.localeCompare(y.id)),
        };
      };
      const post = async (which: 'otp' | 'verify', payload: unknown) => {
        let value = payload;
        if (which === 'verify' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const record = value as Record<string, unknown>;
          if (record['code'] === 'RIGHT' && typeof record['phoneNumber'] === 'string') {
            const digits = record['phoneNumber'].replace(/\D/g, '');
            const n = numbers.find((x) => digits.endsWith(x.slice(1)));
            const texted = n ? env.sms.memory.lastTo(e164(n))?.text : undefined;
            value = { ...record, code: texted ? /\d{6}/.exec(texted)![0] : '000000' };
          }
        }
        return which === 'otp' ? d.otp(value) : d.verify(value);
      };

      await fc.assert(
        fc.asyncProperty(body(false), body(true), async (otpBody, verifyBody) => {
          env.clock.advance(HOUR);

          const beforeOtp = await stateOf();
          const otp = await post('otp', otpBody);
          expect(otp.statusCode).toBeLessThan(500);
          const afterOtp = await stateOf();
          expect(afterOtp.phones).toBe(beforeOtp.phones);
          expect(afterOtp.install).toBe(beforeOtp.install);
          if (otp.statusCode === 200) {
            expect(afterOtp.challenges.length - beforeOtp.challenges.length).toBeLessThanOrEqual(1);
            expect(afterOtp.challenges.some((c) => c.attempts === 0)).toBe(true);
          } else {
            expect(otp.json<ErrorBody>().error.code).toMatch(/^[a-z_]+$/);
            expect(afterOtp.challenges).toEqual(beforeOtp.challenges);
          }

          const verify = await post('verify', verifyBody);
          expect(verify.statusCode).toBeLessThan(500);
          const afterVerify = await stateOf();
          if (verify.statusCode === 200) {
            const { phoneNumber } = verify.json<{ phoneNumber: string }>();
            const [phone] = await storage.db
              .selectFrom('phones')
              .selectAll()
              .where('phone_hash', '=', keyedHash(TEST_SECRETS.phoneHashKey, phoneNumber))
              .execute();
            expect((await installRow(d.installId)).phone_id).toBe(phone!.id);
            expect(afterVerify.challenges.length).toBe(afterOtp.challenges.length - 1);
          } else {
            expect(verify.json<ErrorBody>().error.code).toMatch(/^[a-z_]+$/);
            expect(afterVerify.phones).toBe(afterOtp.phones);
            expect(afterVerify.install).toBe(afterOtp.install);
            expect(afterVerify.challenges.map((c) => c.id)).toEqual(afterOtp.challenges.map((c) => c.id));
            const spent = afterVerify.challenges.reduce((n, c) => n + c.attempts, 0);
            const before = afterOtp.challenges.reduce((n, c) => n + c.attempts, 0);
            expect(spent - before).toBeLessThanOrEqual(1);
          }
        }),
        { numRuns: 80 },
      );

      // Every link points to a row whose number decrypts and hashes back to it.
      const linked = await storage.db
        .selectFrom('installs')
        .innerJoin('phones', 'phones.id', 'installs.phone_id')
        .select(['phones.phone_enc', 'phones.phone_hash'])
        .execute();
      for (const row of linked) {
        const number = decryptTextAtRest(
          TEST_SECRETS.dataEncryptionKey,
          'phone',
          new Uint8Array(row.phone_enc),
        );
        expect(new Uint8Array(row.phone_hash)).toEqual(keyedHash(TEST_SECRETS.phoneHashKey, number));
      }
      const dangling = await storage.db
        .selectFrom('installs')
        .leftJoin('phones', 'phones.id', 'installs.phone_id')
        .select('installs.id')
        .where('installs.phone_id', 'is not', null)
        .where('phones.id', 'is', null)
        .execute();
      expect(dangling).toEqual([]);
    });
  });
}

describe('phone registration: SMS from configuration, and logs', () => {
  it('texts codes through BLUEZONE_SMS=file:PATH, readable by a test', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bluezone-sms-')), 'sms.jsonl');
    const env = await createPhoneTestApp('sqlite', {
      config: { BLUEZONE_SMS: `file:${path}` },
      sms: 'config',
    });
    try {
      const d = await newDevice(env.app);
      const national = uniqueNumber();
      expect((await d.otp({ phoneNumber: national })).statusCode).toBe(200);
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      const record = JSON.parse(lines.at(-1)!) as { to: string; text: string; sentAt: string };
      expect(record.to).toBe(e164(national));
      expect(record.sentAt).toBe(new Date(env.clock.now()).toISOString());
      const otp = /\d{6}/.exec(record.text)![0];
      expect((await d.verify({ phoneNumber: national, code: otp })).statusCode).toBe(200);
    } finally {
      await env.close();
    }
  });

  it('never writes a number, a code or a client address to the log', async () => {
    const lines: string[] = [];
    const env = await createPhoneTestApp('sqlite', {
      config: { BLUEZONE_LOG_LEVEL: 'trace' },
      logStream: { write: (line) => lines.push(line) },
    });
    try {
      const d = await newDevice(env.app, { address: '198.51.100.23' });
      const national = uniqueNumber('096');
      await d.otp({ phoneNumber: national });
      await d.otp({ phoneNumber: national });
      const otp = lastCode(env.sms, national);
      await d.verify({ phoneNumber: national, code: otp === '000000' ? '000001' : '000000' });
      await d.verify({ phoneNumber: `+84${national.slice(1)}`, code: otp });
      env.sms.failWith(new SmsDeliveryError('the SMS gateway answered HTTP 500'));
      const other = uniqueNumber('097');
      await d.otp({ phoneNumber: other });
      await d.otp({ phoneNumber: '0951234567' });
      await d.verify({ phoneNumber: other, code: '12' });

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(10);
      expect(log).toContain('SMS not sent');
      expect(log).toContain('/v1/phone/otp');
      for (const secret of [
        national,
        national.slice(1),
        other,
        other.slice(1),
        '951234567',
        otp,
        d.token,
        '198.51.100.23',
      ]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await env.close();
    }
  });
});
