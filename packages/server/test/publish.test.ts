/**
 * `POST /v1/publish` over HTTP, in-process, on both engines: Google's fields, codes and statuses;
 * every validation rule; certificates bound to exactly the uploaded keys (tampering, expiry,
 * audience, forgery); report type and onset from the certificate only; the case's keysPublished;
 * idempotent retries; revisions with the revision token; chaff; and fuzzed bodies that never
 * cause a 5xx or a partial write.
 */
import { randomBytes } from 'node:crypto';
import {
  type CertificateReportType,
  calculateVerificationHmac,
  ReportType,
  signVerificationCertificate,
  verificationBase64Encode,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { activeSigningKey } from '../src/features/signing-keys/signing-keys.js';
import { CERTIFICATE_AUDIENCE } from '../src/features/verification-api/certificates.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { ENGINES, engineAvailable, TEST_SECRETS, testConfig } from './harness.js';
import {
  caseBody,
  certify,
  certifyAndPublish,
  createPublishTestApp,
  DAY_INTERVALS,
  dayStart,
  HOUR_MS,
  hex,
  keyAt,
  type PublishTestApp,
  pastKeys,
  publish,
  publishBody,
  rows,
  storedKey,
  type TestKey,
} from './publish-helpers.js';

const START = Date.UTC(2020, 7, 8, 9, 0, 0);

type PublishOk = {
  revisionToken: string;
  insertedExposures: number;
  code?: string;
  error?: string;
  warnings?: string[];
  padding?: string;
};
type PublishErr = { code: string; error: string; padding?: string };

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`POST /v1/publish on ${engine}`, () => {
    let t: PublishTestApp;
    beforeAll(async () => {
      t = await createPublishTestApp(engine);
    });
    afterAll(() => t.close());
    beforeEach(() => t.clock.set(START));

    const keysPublished = async (caseId: string) =>
      Number(
        (
          await t.storage.db
            .selectFrom('cases')
            .select('keys_published')
            .where('id', '=', caseId)
            .executeTakeFirstOrThrow()
        ).keys_published,
      );

    /** Expects a Google-shaped error and that nothing was written. */
    async function expectRejected(
      body: unknown,
      status: number,
      code: string,
      message?: RegExp,
    ): Promise<PublishErr> {
      const before = await rows(t.storage, 'exposures');
      const res = await publish(t, body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['cache-control']).toBe('no-store');
      const err = res.json<PublishErr>();
      expect(err.code).toBe(code);
      expect(typeof err.error).toBe('string');
      expect(err.padding).toMatch(/^[A-Za-z0-9+/]+=*$/);
      if (message) expect(err.error).toMatch(message);
      expect(await rows(t.storage, 'exposures')).toBe(before);
      return err;
    }

    it('stores certified keys with the certificate’s report type and onset, and credits the case', async () => {
      const keys = pastKeys(t.clock.now());
      const certified = await certify(t, keys);
      // The phone's own onset is ignored: the certificate's (2020-08-04) counts.
      const res = await publish(
        t,
        publishBody(keys, certified, { symptomOnsetInterval: dayStart(START, 1) }),
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json<PublishOk>();
      expect(body.insertedExposures).toBe(13);
      expect(body.revisionToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(body.code).toBeUndefined();
      expect(body.padding).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const onset = dayStart(START, 4);
      for (const key of keys) {
        const row = await storedKey(t.storage, key.keyData);
        expect(row).toMatchObject({
          rolling_start_interval_number: key.rollingStartIntervalNumber,
          rolling_period: 144,
          transmission_risk: key.transmissionRiskLevel,
          report_type: ReportType.CONFIRMED_TEST,
          health_authority: 'vn-moh',
          region: 'VN',
          created_at: START,
          revised_at: null,
          exported_batch_id: null,
        });
        const days = (key.rollingStartIntervalNumber - onset) / DAY_INTERVALS;
        expect(row?.days_since_onset).toBe(days);
      }
      expect(await keysPublished(certified.caseId)).toBe(13);
      const status = await t.app.inject({
        url: `/admin/v1/cases/${certified.caseId}`,
        headers: { 'x-api-key': t.keys.admin },
      });
      expect(status.json()).toMatchObject({ state: 'keys_published', keysPublished: 13 });
      const audit = await t.storage.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'keys.publish')
        .where('subject', '=', `case:${certified.caseId}`)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(audit.details ?? '{}')).toMatchObject({ inserted: 13, reportType: 'confirmed' });
      for (const key of keys) expect(audit.details).not.toContain(verificationBase64Encode(key.keyData));
    });

    it('stores likely cases as clinical diagnoses and keeps far onsets out of the keys', async () => {
      const keys = pastKeys(t.clock.now(), [1, 2, 12]);
      const { certified } = await certifyAndPublish(t, keys, caseBody('likely', '2020-07-30'));
      expect(await keysPublished(certified.caseId)).toBe(3);
      const rowsOf = await Promise.all(keys.map((k) => storedKey(t.storage, k.keyData)));
      expect(rowsOf.map((r) => r?.report_type)).toEqual([2, 2, 2]);
      // Onset 2020-07-30: keys of 08-07, 08-06 and 07-27 are 8, 7 and -3 days from it.
      expect(rowsOf.map((r) => r?.days_since_onset)).toEqual([8, 7, -3]);
    });

    it('takes days since onset from the certificate only, within ±14 days', async () => {
      // Symptoms on 2020-07-20: the key of 08-07 is 18 days after, saved without it (a warning).
      const keys = pastKeys(START, [1, 7]);
      const res = await publish(
        t,
        publishBody(keys, await certify(t, keys, caseBody('confirmed', '2020-07-20'))),
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<PublishOk>().warnings).toEqual([
        expect.stringMatching(/^key 0 symptom onset is too large, 18 > 14/),
      ]);
      expect((await storedKey(t.storage, keys[0]!.keyData))?.days_since_onset).toBeNull();
      expect((await storedKey(t.storage, keys[1]!.keyData))?.days_since_onset).toBe(12);
      // Without a symptom date the onset is the test date (2020-08-07), as Google's server does.
      const more = pastKeys(START, [1, 3]);
      const res2 = await publish(t, publishBody(more, await certify(t, more, caseBody('confirmed', null))));
      expect(res2.statusCode, res2.body).toBe(200);
      expect(res2.json<PublishOk>().warnings).toBeUndefined();
      expect((await storedKey(t.storage, more[0]!.keyData))?.days_since_onset).toBe(0);
      expect((await storedKey(t.storage, more[1]!.keyData))?.days_since_onset).toBe(-2);
    });

    it('rejects an unknown health authority with 401 unknown_health_authority_id', async () => {
      const keys = pastKeys(t.clock.now(), [1]);
      const certified = await certify(t, keys);
      for (const id of ['other-ha', '', null]) {
        await expectRejected(
          publishBody(keys, certified, { healthAuthorityID: id }),
          401,
          'unknown_health_authority_id',
          /vn-moh/,
        );
      }
    });

    describe('validation', () => {
      const fake = { certificate: 'x.y.z', hmacKey: new Uint8Array(32) };
      const bodyWith = (key: Record<string, unknown>) => {
        const body = publishBody(pastKeys(START, [1]), fake);
        const [first] = body['temporaryExposureKeys'] as Record<string, unknown>[];
        return { ...body, temporaryExposureKeys: [{ ...first, ...key }] };
      };

      it('needs 1 to 30 keys', async () => {
        await expectRejected(publishBody([], fake), 400, 'bad_request', /empty/);
        const many = pastKeys(
          START,
          Array.from({ length: 31 }, (_, i) => 1 + (i % 13)),
        );
        await expectRejected(
          publishBody(many, fake),
          400,
          'bad_request',
          /too many exposure keys in publish: 31/,
        );
      });

      it('needs 16-byte keys in padded standard base64', async () => {
        const sixteen = randomBytes(16);
        for (const key of [
          randomBytes(15).toString('base64'),
          randomBytes(17).toString('base64'),
          sixteen.toString('base64url'),
          sixteen.toString('base64').replace(/=+$/, ''),
          ` ${sixteen.toString('base64')}`,
          '',
          '!!!!',
        ]) {
          await expectRejected(bodyWith({ key }), 400, 'bad_request', /key 0 cannot be imported/);
        }
      });

      it('needs a rolling period of 1-144, a transmission risk of 0-8 and a rolling start of 0 to 2^31-1', async () => {
        for (const [field, value, message] of [
          ['rollingPeriod', 0, /interval count/],
          ['rollingPeriod', 145, /interval count/],
          ['rollingPeriod', -1, /interval count/],
          ['transmissionRisk', 9, /transmission risk/],
          ['transmissionRisk', -1, /transmission risk/],
          ['rollingStartNumber', -1, /rollingStartNumber/],
          ['rollingStartNumber', 2 ** 31, /rollingStartNumber/],
        ] as const) {
          await expectRejected(bodyWith({ [field]: value }), 400, 'bad_request', message);
        }
      });

      it('refuses bodies that are not the API’s JSON', async () => {
        await expectRejected(bodyWith({ rollingPeriod: '144' }), 400, 'bad_request', /rollingPeriod/);
        await expectRejected(bodyWith({ rollingPeriod: 14.5 }), 400, 'bad_request');
        await expectRejected(bodyWith({ extra: 1 }), 400, 'bad_request', /unknown field "extra"/);
        await expectRejected({ ...publishBody([], fake), regions: ['VN'] }, 400, 'bad_request', /regions/);
        await expectRejected({ healthAuthorityID: 'vn-moh' }, 400, 'bad_request', /temporaryExposureKeys/);
        await expectRejected('not json', 400, 'bad_request');
        await expectRejected([], 400, 'bad_request');
        const text = await t.app.inject({
          method: 'POST',
          url: '/v1/publish',
          payload: 'a=b',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(text.statusCode).toBe(415);
        expect(text.json()).toMatchObject({ code: 'unsupported_media_type' });
      });

      it('refuses a key repeated with other intervals, and counts an exact repeat once', async () => {
        const [a] = pastKeys(START, [1]);
        const moved = { ...a!, rollingStartIntervalNumber: dayStart(START, 2) };
        await expectRejected(publishBody([a!, moved], fake), 400, 'bad_request', /key 1 repeats key 0/);
        const twice = [a!, a!];
        const certified = await certify(t, twice);
        const res = await publish(t, publishBody(twice, certified));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<PublishOk>().insertedExposures).toBe(1);
      });

      it('allows keys to overlap only by a shared start interval, at most 3 per start', async () => {
        const day = dayStart(START, 2);
        const misaligned = [keyAt(day, 144), keyAt(day + 10, 144)];
        await expectRejected(
          publishBody(misaligned, await certify(t, misaligned)),
          400,
          'bad_request',
          /non aligned overlapping/,
        );
        const four = [keyAt(day, 40), keyAt(day, 80), keyAt(day, 120), keyAt(day, 144)];
        await expectRejected(
          publishBody(four, await certify(t, four)),
          400,
          'bad_request',
          /too many overlapping keys for start interval: \d+ want: <= 3, got: 4/,
        );
        const three = [keyAt(day, 40), keyAt(day, 80), keyAt(day, 144)];
        const res = await publish(t, publishBody(three, await certify(t, three)));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<PublishOk>().insertedExposures).toBe(3);
      });

      it('drops keys older than 15 days or in the future with partial_failure, and refuses an upload of only those', async () => {
        const now = t.clock.now();
        const current = Math.floor(now / 600_000);
        const old = keyAt(dayStart(now, 16));
        const future = keyAt(current + 1, 144);
        const good = pastKeys(now, [1, 2]);
        const mixed = [old, ...good, future];
        const res = await publish(t, publishBody(mixed, await certify(t, mixed)));
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json<PublishOk>();
        expect(body.insertedExposures).toBe(2);
        expect(body.code).toBe('partial_failure');
        expect(body.error).toMatch(/key 0 cannot be imported: key expires before minimum window/);
        expect(body.error).toMatch(/key 3 cannot be imported: interval number \d+ is in the future/);
        expect(await storedKey(t.storage, old.keyData)).toBeUndefined();
        expect(await storedKey(t.storage, future.keyData)).toBeUndefined();
        // A key valid until just after the 15-day limit is still accepted (it was valid then).
        const edge = keyAt(Math.floor((now - 15 * 24 * HOUR_MS) / 600_000) - 143, 144);
        const accepted = await publish(t, publishBody([edge], await certify(t, [edge])));
        expect(accepted.statusCode, accepted.body).toBe(200);
        const onlyBad = [keyAt(dayStart(now, 20)), keyAt(current + 5, 10)];
        await expectRejected(
          publishBody(onlyBad, await certify(t, onlyBad)),
          400,
          'bad_request',
          /no key can be imported/,
        );
      });

      it('accepts today’s key (it is embargoed until its day ends, not refused)', async () => {
        const today = keyAt(dayStart(START, 0), 144);
        const res = await publish(t, publishBody([today], await certify(t, [today])));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<PublishOk>().insertedExposures).toBe(1);
      });
    });

    describe('certificates', () => {
      it('refuses a certificate for other keys, a subset or another hmacKey', async () => {
        const keys = pastKeys(START, [1, 2, 3]);
        const certified = await certify(t, keys);
        const other = pastKeys(START, [1, 2, 3]);
        await expectRejected(
          publishBody(other, certified),
          401,
          'health_authority_verification_certificate_invalid',
          /do not give the certificate's tekmac/,
        );
        await expectRejected(
          publishBody(keys.slice(0, 2), certified),
          401,
          'health_authority_verification_certificate_invalid',
        );
        const changedRisk = keys.map((k, i) => (i === 0 ? { ...k, transmissionRiskLevel: 5 } : k));
        await expectRejected(
          publishBody(changedRisk, certified),
          401,
          'health_authority_verification_certificate_invalid',
        );
        await expectRejected(
          publishBody(keys, { ...certified, hmacKey: new Uint8Array(randomBytes(32)) }),
          401,
          'health_authority_verification_certificate_invalid',
        );
        await expectRejected(
          publishBody(keys, certified, { hmacKey: 'not base64!' }),
          401,
          'health_authority_verification_certificate_invalid',
          /base64/,
        );
        // The untouched upload still works: nothing above consumed it.
        expect((await publish(t, publishBody(keys, certified))).statusCode).toBe(200);
      });

      it('refuses an expired certificate', async () => {
        const keys = pastKeys(START, [1]);
        const certified = await certify(t, keys);
        t.clock.advance(17 * 60_000);
        await expectRejected(
          publishBody(keys, certified),
          401,
          'health_authority_verification_certificate_invalid',
          /expired/,
        );
      });

      /** Signs a certificate for `keys` as the verification server would, with any key, audience, onset. */
      async function handSigned(
        keys: readonly TestKey[],
        hmacKey: Uint8Array,
        options: {
          audience?: string;
          privateKey?: CryptoKey;
          kid?: string;
          onset?: number;
          reportType?: CertificateReportType;
        } = {},
      ): Promise<string> {
        const real = await activeSigningKey(t.ctx, 'certificate');
        const privateKey =
          options.privateKey ??
          (await crypto.subtle.importKey(
            'pkcs8',
            Uint8Array.from(real.privateKeyPkcs8),
            { name: 'ECDSA', namedCurve: 'P-256' },
            false,
            ['sign'],
          ));
        return signVerificationCertificate(
          {
            issuer: 'vn-moh',
            audience: options.audience ?? CERTIFICATE_AUDIENCE,
            healthAuthority: 'vn-moh',
            tekmac: calculateVerificationHmac(keys, hmacKey),
            reportType: options.reportType ?? 'confirmed',
            ...(options.onset === undefined ? {} : { symptomOnsetInterval: options.onset }),
            now: Math.floor(t.clock.now() / 1000),
          },
          { kid: options.kid ?? real.id, privateKey },
        );
      }

      it('refuses a certificate for another audience, a forged one and no certificate at all', async () => {
        const keys = pastKeys(START, [1]);
        const hmacKey = new Uint8Array(randomBytes(32));
        const invalid = 'health_authority_verification_certificate_invalid';
        const wrongAudience = await handSigned(keys, hmacKey, { audience: 'another-keyserver' });
        await expectRejected(publishBody(keys, { certificate: wrongAudience, hmacKey }), 401, invalid, /aud/);
        const forger = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
          'sign',
          'verify',
        ]);
        const forged = await handSigned(keys, hmacKey, { privateKey: forger.privateKey });
        await expectRejected(publishBody(keys, { certificate: forged, hmacKey }), 401, invalid, /signature/);
        const unknownKid = await handSigned(keys, hmacKey, {
          privateKey: forger.privateKey,
          kid: 'cert-nope',
        });
        await expectRejected(publishBody(keys, { certificate: unknownKid, hmacKey }), 401, invalid);
        const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'x' })).toString('base64url');
        const claims = Buffer.from(JSON.stringify({ iss: 'vn-moh' })).toString('base64url');
        await expectRejected(
          publishBody(keys, { certificate: `${header}.${claims}.`, hmacKey }),
          401,
          invalid,
        );
        for (const missing of [
          { verificationPayload: null },
          { verificationPayload: '' },
          { hmacKey: null },
        ]) {
          await expectRejected(
            publishBody(keys, { certificate: forged, hmacKey }, missing),
            401,
            invalid,
            /missing/,
          );
        }
        // The real key with the right audience is accepted: the rejections were the point.
        const good = await handSigned(keys, hmacKey);
        expect((await publish(t, publishBody(keys, { certificate: good, hmacKey }))).statusCode).toBe(200);
      });

      it('ignores an implausible onset in a certificate and never publishes a negative one', async () => {
        const keys = pastKeys(START, [1]);
        const hmacKey = new Uint8Array(randomBytes(32));
        const future = await handSigned(keys, hmacKey, { onset: dayStart(START, -2) });
        const res = await publish(t, publishBody(keys, { certificate: future, hmacKey }));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<PublishOk>().warnings).toEqual([
          expect.stringMatching(/symptom onset .* is in the future/),
        ]);
        expect((await storedKey(t.storage, keys[0]!.keyData))?.days_since_onset).toBeNull();
        const other = pastKeys(START, [2]);
        const negative = await handSigned(other, hmacKey, { reportType: 'negative' });
        const neg = await publish(t, publishBody(other, { certificate: negative, hmacKey }));
        expect(neg.statusCode, neg.body).toBe(200);
        expect(neg.json<PublishOk>().insertedExposures).toBe(0);
        expect(await storedKey(t.storage, other[0]!.keyData)).toBeUndefined();
      });
    });

    it('is idempotent: a retried upload stores nothing twice and credits the case once', async () => {
      const keys = pastKeys(START);
      const certified = await certify(t, keys);
      const first = await publish(t, publishBody(keys, certified));
      expect(first.json<PublishOk>().insertedExposures).toBe(13);
      const before = await rows(t.storage, 'exposures');
      // The response was lost: the phone sends the same upload again, without the token.
      const again = await publish(t, publishBody(keys, certified));
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json<PublishOk>().insertedExposures).toBe(0);
      // And once more with the token, plus one new key of today (embargoed, but stored).
      const today = keyAt(dayStart(START), 144);
      const more = [...keys, today];
      const certifiedMore = await certify(t, more);
      const third = await publish(
        t,
        publishBody(more, certifiedMore, { revisionToken: again.json<PublishOk>().revisionToken }),
      );
      expect(third.statusCode, third.body).toBe(200);
      expect(third.json<PublishOk>().insertedExposures).toBe(1);
      expect(await rows(t.storage, 'exposures')).toBe(before + 1);
      expect(await keysPublished(certified.caseId)).toBe(13);
      expect(await keysPublished(certifiedMore.caseId)).toBe(1);
    });

    describe('revision', () => {
      async function publishLikely(keys: TestKey[]) {
        const { response, certified } = await certifyAndPublish(t, keys, caseBody('likely'));
        return { token: response.revisionToken, certified };
      }

      it('revises likely keys to confirmed with the revision token, once', async () => {
        const keys = pastKeys(START, [1, 2, 3]);
        const { token } = await publishLikely(keys);
        const confirmed = await certify(t, keys, caseBody('confirmed', '2020-08-05'));
        const res = await publish(t, publishBody(keys, confirmed, { revisionToken: token }));
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json<PublishOk>();
        expect(body.insertedExposures).toBe(0);
        for (const key of keys) {
          const row = await storedKey(t.storage, key.keyData);
          expect(row).toMatchObject({
            report_type: ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
            revised_report_type: ReportType.CONFIRMED_TEST,
            revised_at: START,
            days_since_onset: (key.rollingStartIntervalNumber - dayStart(START, 4)) / 144,
            revised_days_since_onset: (key.rollingStartIntervalNumber - dayStart(START, 3)) / 144,
          });
        }
        // Repeating the revision changes nothing; going back to likely is refused.
        const repeat = await publish(t, publishBody(keys, confirmed, { revisionToken: body.revisionToken }));
        expect(repeat.statusCode, repeat.body).toBe(200);
        const likelyAgain = await certify(t, keys, caseBody('likely'));
        await expectRejected(
          publishBody(keys, likelyAgain, { revisionToken: body.revisionToken }),
          400,
          'key_already_revised',
        );
      });

      it('needs the revision token to revise, and a token listing the keys', async () => {
        const keys = pastKeys(START, [1, 2]);
        const { token } = await publishLikely(keys);
        const confirmed = await certify(t, keys);
        await expectRejected(publishBody(keys, confirmed), 400, 'missing_revision_token');
        await expectRejected(
          publishBody(keys, confirmed, { revisionToken: 'garbage' }),
          400,
          'invalid_revision_token',
        );
        const flipped = Buffer.from(token, 'base64');
        flipped[20] = flipped[20]! ^ 1;
        await expectRejected(
          publishBody(keys, confirmed, { revisionToken: flipped.toString('base64') }),
          400,
          'invalid_revision_token',
        );
        const { token: otherToken } = await publishLikely(pastKeys(START, [1]));
        await expectRejected(
          publishBody(keys, confirmed, { revisionToken: otherToken }),
          400,
          'invalid_revision_token',
          /does not list key 0/,
        );
        for (const key of keys) {
          expect((await storedKey(t.storage, key.keyData))?.revised_at).toBeNull();
        }
        // The right token revises them.
        const ok = await publish(t, publishBody(keys, confirmed, { revisionToken: token }));
        expect(ok.statusCode, ok.body).toBe(200);
      });

      it('only revises likely to confirmed', async () => {
        const keys = pastKeys(START, [1]);
        const { response } = await certifyAndPublish(t, keys, caseBody('confirmed'));
        const likely = await certify(t, keys, caseBody('likely'));
        await expectRejected(
          publishBody(keys, likely, { revisionToken: response.revisionToken }),
          400,
          'invalid_report_type_transition',
          /confirmed \(CONFIRMED_TEST\) to likely/,
        );
      });

      it('refuses a known key sent with other intervals', async () => {
        const [key] = pastKeys(START, [2]);
        const { response } = await certifyAndPublish(t, [key!]);
        const cut = { ...key!, rollingPeriod: 100 };
        const certified = await certify(t, [cut]);
        await expectRejected(
          publishBody([cut], certified, { revisionToken: response.revisionToken }),
          400,
          'bad_request',
          /intervals cannot change/,
        );
      });
    });

    it('answers chaff with the same shape and changes nothing', async () => {
      const before = await rows(t.storage, 'exposures');
      const audit = await rows(t.storage, 'audit_log');
      for (const payload of [
        publishBody(pastKeys(START, [1]), { certificate: 'a.b.c', hmacKey: new Uint8Array(32) }),
        'junk',
      ]) {
        const res = await publish(t, payload, { 'x-chaff': '1' });
        expect(res.statusCode).toBe(200);
        const body = res.json<PublishOk>();
        expect(Object.keys(body).sort()).toEqual(['insertedExposures', 'padding', 'revisionToken']);
        expect(body.revisionToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
      }
      expect(await rows(t.storage, 'exposures')).toBe(before);
      expect(await rows(t.storage, 'audit_log')).toBe(audit);
    });

    it('never answers 5xx and never half-writes, whatever the body (property)', async () => {
      const keys = pastKeys(START, [1, 2, 3]);
      const base = await certify(t, keys);
      const anyValue = fc.oneof(
        fc.integer({ min: -2, max: 3_000_000 }),
        fc.constantFrom(0, 1, 8, 9, 143, 144, 145, 2 ** 31, -1, 1.5, 1e21, null, '', '144', true),
        fc.string({ maxLength: 30 }),
        fc.uint8Array({ minLength: 14, maxLength: 18 }).map((b) => Buffer.from(b).toString('base64')),
        fc.anything(),
      );
      const fields = [
        'temporaryExposureKeys',
        'healthAuthorityID',
        'verificationPayload',
        'hmacKey',
        'symptomOnsetInterval',
        'revisionToken',
        'padding',
        'traveler',
        'unknown',
      ] as const;
      const keyFields = ['key', 'rollingStartNumber', 'rollingPeriod', 'transmissionRisk', 'extra'] as const;
      type Mutation =
        | { kind: 'field'; name: (typeof fields)[number]; value: unknown }
        | { kind: 'drop'; name: (typeof fields)[number] }
        | { kind: 'keyField'; index: number; name: (typeof keyFields)[number]; value: unknown }
        | { kind: 'keyStart'; index: number; delta: number }
        | { kind: 'removeKey'; index: number }
        | { kind: 'duplicateKey'; index: number }
        | { kind: 'newKey'; daysAgo: number; period: number };
      const mutation: fc.Arbitrary<Mutation> = fc.oneof(
        fc.record({ kind: fc.constant('field' as const), name: fc.constantFrom(...fields), value: anyValue }),
        fc.record({ kind: fc.constant('drop' as const), name: fc.constantFrom(...fields) }),
        fc.record({
          kind: fc.constant('keyField' as const),
          index: fc.nat(2),
          name: fc.constantFrom(...keyFields),
          value: anyValue,
        }),
        fc.record({
          kind: fc.constant('keyStart' as const),
          index: fc.nat(2),
          delta: fc.constantFrom(-3000, -144, -1, 1, 10, 144, 1000),
        }),
        fc.record({ kind: fc.constant('removeKey' as const), index: fc.nat(2) }),
        fc.record({ kind: fc.constant('duplicateKey' as const), index: fc.nat(2) }),
        fc.record({
          kind: fc.constant('newKey' as const),
          daysAgo: fc.integer({ min: -1, max: 17 }),
          period: fc.constantFrom(1, 50, 144),
        }),
      );
      /** The mutated keys as TestKeys when they are well formed (so that they can be certified). */
      const asTestKeys = (list: unknown): TestKey[] | undefined => {
        if (!Array.isArray(list) || list.length === 0) return undefined;
        const out: TestKey[] = [];
        for (const k of list as Record<string, unknown>[]) {
          const data = Buffer.from(typeof k?.['key'] === 'string' ? (k['key'] as string) : '', 'base64');
          const start = k?.['rollingStartNumber'];
          const period = k?.['rollingPeriod'];
          const risk = k?.['transmissionRisk'] ?? 0;
          if (
            data.length !== 16 ||
            verificationBase64Encode(data) !== k['key'] ||
            !Number.isSafeInteger(start) ||
            (start as number) < 0 ||
            !Number.isSafeInteger(period) ||
            (period as number) < 1 ||
            (period as number) > 144 ||
            !Number.isSafeInteger(risk) ||
            (risk as number) < 0 ||
            (risk as number) > 8
          ) {
            return undefined;
          }
          out.push({
            keyData: new Uint8Array(data),
            rollingStartIntervalNumber: start as number,
            rollingPeriod: period as number,
            transmissionRiskLevel: risk as number,
          });
        }
        return out;
      };
      const scenario = fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({
            mutations: fc.array(mutation, { maxLength: 3 }),
            recertify: fc.boolean(),
          }),
        },
        { weight: 1, arbitrary: fc.record({ raw: fc.anything() }) },
      );
      const caseIds = new Set<string>([base.caseId]);
      const credited = async () => {
        let sum = 0;
        for (const id of caseIds) sum += await keysPublished(id);
        return sum;
      };
      const seen: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(scenario, async (sc) => {
          let payload: unknown;
          if ('raw' in sc) {
            payload = sc.raw;
          } else {
            const body: Record<string, unknown> = publishBody(keys, base);
            let list = [...(body['temporaryExposureKeys'] as Record<string, unknown>[])];
            for (const m of sc.mutations) {
              if (m.kind === 'field') body[m.name] = m.value;
              else if (m.kind === 'drop') delete body[m.name];
              else if (m.kind === 'keyField' && list[m.index])
                list[m.index] = { ...list[m.index], [m.name]: m.value };
              else if (m.kind === 'keyStart' && list[m.index]) {
                const k = list[m.index]!;
                list[m.index] = { ...k, rollingStartNumber: Number(k['rollingStartNumber']) + m.delta };
              } else if (m.kind === 'removeKey') list = list.filter((_, i) => i !== m.index);
              else if (m.kind === 'duplicateKey' && list[m.index]) list.push(list[m.index]!);
              else if (m.kind === 'newKey') {
                const [k] = publishBody([keyAt(dayStart(START, m.daysAgo), m.period)], base)[
                  'temporaryExposureKeys'
                ] as Record<string, unknown>[];
                list.push(k!);
              }
            }
            if (Array.isArray(body['temporaryExposureKeys'])) body['temporaryExposureKeys'] = list;
            const mutated = asTestKeys(body['temporaryExposureKeys']);
            if (sc.recertify && mutated && mutated.length <= 30) {
              const certified = await certify(t, mutated, caseBody('confirmed'), base.hmacKey);
              caseIds.add(certified.caseId);
              body['verificationPayload'] = certified.certificate;
              body['hmacKey'] = verificationBase64Encode(base.hmacKey);
            }
            payload = body;
          }
          const before = await rows(t.storage, 'exposures');
          const creditedBefore = await credited();
          const res = await t.app.inject({
            method: 'POST',
            url: '/v1/publish',
            payload: JSON.stringify(payload ?? null),
            headers: { 'content-type': 'application/json' },
          });
          expect(res.statusCode, res.body).toBeLessThan(500);
          const answer = res.json<Partial<PublishOk & PublishErr>>();
          const outcome = `${res.statusCode}:${answer.code ?? ''}`;
          seen[outcome] = (seen[outcome] ?? 0) + 1;
          const after = await rows(t.storage, 'exposures');
          if (res.statusCode === 200) {
            const inserted = answer.insertedExposures ?? -1;
            expect(after - before).toBe(inserted);
            expect((await credited()) - creditedBefore).toBe(inserted);
          } else {
            expect(answer.code).toMatch(/^[a-z_]+$/);
            expect(after).toBe(before);
            expect(await credited()).toBe(creditedBefore);
          }
        }),
        { numRuns: 150 },
      );
      // The generator reaches past the schema: accepted uploads and certificate checks both occur.
      expect(seen['200:'] ?? 0).toBeGreaterThan(0);
      expect(seen['401:health_authority_verification_certificate_invalid'] ?? 0).toBeGreaterThan(0);
    });

    it('logs no key, certificate or token', async () => {
      const lines: string[] = [];
      const logged = await buildApp(
        testConfig({ BLUEZONE_LOG_LEVEL: 'trace' }),
        { storage: t.storage, secrets: TEST_SECRETS, adminUnits: loadAdminUnits(), now: t.clock.now },
        { logStream: { write: (line) => lines.push(line) } },
      );
      await logged.ready();
      try {
        const keys = pastKeys(START, [1, 2]);
        const certified = await certify(t, keys);
        const body = publishBody(keys, certified);
        const res = await logged.inject({ method: 'POST', url: '/v1/publish', payload: body });
        expect(res.statusCode, res.body).toBe(200);
        const bad = await logged.inject({
          method: 'POST',
          url: '/v1/publish',
          payload: { ...body, hmacKey: verificationBase64Encode(new Uint8Array(32)) },
        });
        expect(bad.statusCode).toBe(401);
        const log = lines.join('\n');
        expect(log.length).toBeGreaterThan(0);
        for (const secret of [
          certified.certificate,
          verificationBase64Encode(certified.hmacKey),
          res.json<PublishOk>().revisionToken,
          ...keys.map((k) => verificationBase64Encode(k.keyData)),
          ...keys.map((k) => hex(k.keyData)),
        ]) {
          expect(log).not.toContain(secret);
        }
      } finally {
        await logged.close();
      }
    });
  });
}
