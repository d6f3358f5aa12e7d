/**
 * The partner interop API over HTTP on both engines: partner keys with scopes, consent tokens
 * (issued by the person's app; forged, expired, replayed, replaced, withdrawn, for another
 * partner — all refused with clear errors, and a partner without consent learns nothing), status
 * reads and forwarded declarations, per-partner rate limits, audit, and signed webhooks
 * delivered to a local receiver with retries and back-off.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueWebhooks, retryDelayMs, WEBHOOK_POLICY } from '../src/features/partners/webhooks.js';
import { serverJobs } from '../src/jobs/index.js';
import { vietnamDay } from '../src/time.js';
import {
  auditEntries,
  type ContactsTestApp,
  createContactsTestApp,
  unverifiedPhone,
  verifiedPhone,
} from './contacts-helpers.js';
import {
  addPartner,
  consentFor,
  declare,
  deviceRequest,
  domesticBody,
  errorOf,
  keyRequest,
  type TestPartner,
} from './declarations-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { asUser, userSession } from './users-helpers.js';

const DAY = 86_400_000;

/** A local webhook receiver that answers the statuses of `plan` in turn, then 200. */
async function receiver(plan: number[]): Promise<{
  url: string;
  hits: { headers: IncomingHttpHeaders; body: string }[];
  close: () => Promise<void>;
}> {
  const hits: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      hits.push({ headers: req.headers, body });
      res.statusCode = plan.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bluezone/webhook`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`partner API on ${engine}`, () => {
    let t: ContactsTestApp;
    let partner: TestPartner;
    let other: TestPartner;
    beforeAll(async () => {
      t = await createContactsTestApp(engine, { BLUEZONE_PARTNER_REQUESTS_PER_MINUTE: '1000' });
      partner = await addPartner(t);
      other = await addPartner(t, ['status:read'], null, 'VHD');
    });
    afterAll(async () => t.close());

    const status = (key: string | undefined, consent?: string) =>
      keyRequest(
        t,
        key,
        'GET',
        '/partner/v1/status',
        consent === undefined ? {} : { headers: { 'x-consent-token': consent } },
      );

    it('registers partners only for national admins, showing the key and secret once', async () => {
      const created = await keyRequest(t, t.keys.admin, 'POST', '/admin/v1/partners', {
        body: { name: 'VHD', scopes: ['status:read'], webhookUrl: 'https://vhd.example/hook' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        scopes: ['status:read'],
        apiKey: expect.stringMatching(/^bz_/),
        webhookSecret: expect.stringMatching(/^whsec_/),
      });
      const row = await t.storage.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', created.json().apiKeyId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        role: 'partner',
        partner_id: created.json().partnerId,
        scopes: '["status:read"]',
      });
      expect(Buffer.from(row.key_hash).toString('latin1')).not.toContain(created.json().apiKey);
      const list = await keyRequest(t, t.keys.admin, 'GET', '/admin/v1/partners');
      expect(list.body).not.toContain(created.json().webhookSecret);
      expect(list.body).not.toContain(created.json().apiKey);
      expect(
        errorOf(
          await keyRequest(t, t.keys.lab, 'POST', '/admin/v1/partners', {
            body: { name: 'x', scopes: ['status:read'] },
          }),
        ),
      ).toEqual({
        status: 403,
        code: 'forbidden',
      });
      const provincial = await userSession(t, 'province_admin', '79');
      expect(
        errorOf(
          await asUser(t, provincial, 'POST', '/admin/v1/partners', { name: 'x', scopes: ['status:read'] }),
        ),
      ).toEqual({
        status: 403,
        code: 'forbidden',
      });
      expect(
        errorOf(
          await keyRequest(t, t.keys.admin, 'POST', '/admin/v1/partners', {
            body: { name: 'x', scopes: ['status:read'], webhookUrl: 'ftp://x' },
          }),
        ),
      ).toEqual({ status: 400, code: 'invalid_request' });
      expect(
        (await auditEntries(t.storage, 'partner.create')).filter(
          (a) => a.subject === `partner:${created.json().partnerId}`,
        ),
      ).toHaveLength(1);
    });

    it('reads the status of a person with their consent, and audits it', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token, 'domestic', domesticBody({ symptoms: ['fever'] }));
      const consent = await consentFor(t, phone.token, partner.partnerId);
      expect(consent.consentToken.split('.')).toHaveLength(3);
      expect(consent.consentToken).not.toContain(phone.number);
      const r = await status(partner.apiKey, consent.consentToken);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({
        consentId: consent.consentId,
        status: 'monitoring',
        kind: 'domestic',
        declaredOn: vietnamDay(t.clock.now()),
        consentExpiresAt: new Date(t.clock.now() + 30 * DAY).toISOString(),
      });
      expect(r.body).not.toContain('Nguyễn');
      const audit = await auditEntries(t.storage, 'partner.status.read');
      expect(
        audit.some(
          (a) => a.subject === `consent:${consent.consentId}` && a.actor === `apikey:${partner.apiKeyId}`,
        ),
      ).toBe(true);
      expect(
        (await auditEntries(t.storage, 'consent.issue')).some(
          (a) => a.subject === `consent:${consent.consentId}`,
        ),
      ).toBe(true);
    });

    it('answers none for a consenting person without a declaration that counts', async () => {
      const phone = await verifiedPhone(t);
      const consent = await consentFor(t, phone.token, partner.partnerId);
      expect((await status(partner.apiKey, consent.consentToken)).json()).toMatchObject({
        status: 'none',
        kind: null,
      });
    });

    it('refuses a partner without a key, of another role, or without the scope', async () => {
      const phone = await verifiedPhone(t);
      const consent = await consentFor(t, phone.token, partner.partnerId);
      expect(errorOf(await status(undefined, consent.consentToken))).toEqual({
        status: 401,
        code: 'unauthorized',
      });
      expect(errorOf(await status('bz_not-a-real-key-at-all-0000000', consent.consentToken))).toEqual({
        status: 401,
        code: 'unauthorized',
      });
      expect(errorOf(await status(t.keys.admin, consent.consentToken))).toEqual({
        status: 403,
        code: 'forbidden',
      });
      const writeOnly = await addPartner(t, ['declarations:write'], null, 'writer');
      const writeConsent = await consentFor(t, phone.token, writeOnly.partnerId, ['declarations:write']);
      const r = await status(writeOnly.apiKey, writeConsent.consentToken);
      expect(errorOf(r)).toEqual({ status: 403, code: 'forbidden' });
      expect(r.json().error.message).toContain('status:read');
      // And a person cannot grant a partner a scope the partner does not have.
      expect(
        errorOf(
          await deviceRequest(t, phone.token, 'POST', '/v1/consents', {
            partnerId: writeOnly.partnerId,
            scopes: ['status:read'],
          }),
        ),
      ).toEqual({
        status: 400,
        code: 'invalid_request',
      });
    });

    it('refuses forged, malformed, foreign and wrong-scope consent tokens alike, whether or not the person exists', async () => {
      const declared = await verifiedPhone(t);
      await declare(t, declared.token);
      const real = await consentFor(t, declared.token, partner.partnerId);
      const forgedKey = new TextEncoder().encode('not the server key, 32 bytes....');
      const forged = await new SignJWT({ scope: 'status:read' })
        .setProtectedHeader({ alg: 'HS256', typ: 'bluezone-consent+jwt' })
        .setIssuer('vn-moh')
        .setAudience(partner.partnerId)
        .setJti(real.consentId)
        .setIssuedAt(Math.floor(t.clock.now() / 1000))
        .setExpirationTime(Math.floor(t.clock.now() / 1000) + 3600)
        .sign(forgedKey);
      const [h, p, s] = real.consentToken.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
      const altered = `${h}.${Buffer.from(JSON.stringify({ ...claims, jti: 'cns_someoneelse' })).toString('base64url')}.${s}`;
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'bluezone-consent+jwt' })).toString('base64url')}.${p}.`;
      const forOther = await consentFor(t, declared.token, other.partnerId);
      const bodies = new Set<string>();
      for (const token of [undefined, '', 'garbage', forged, altered, unsigned, forOther.consentToken]) {
        const r = await status(partner.apiKey, token);
        expect(errorOf(r), String(token)).toEqual({ status: 403, code: 'consent_invalid' });
        expect(r.body).not.toContain('declared');
        bodies.add(r.json().error.code);
      }
      expect([...bodies]).toEqual(['consent_invalid']);
      // A token the partner got from a person who never declared reads the same as one from a
      // person who did, when neither is valid: the error depends on the token only.
      const nobody = await verifiedPhone(t);
      const nobodyConsent = await consentFor(t, nobody.token, other.partnerId);
      const a = await status(partner.apiKey, forOther.consentToken);
      const b = await status(partner.apiKey, nobodyConsent.consentToken);
      expect(a.json()).toEqual(b.json());
    });

    it('refuses expired, replaced and withdrawn consents with their own clear errors', async () => {
      const phone = await verifiedPhone(t);
      await declare(t, phone.token);
      const short = await consentFor(t, phone.token, other.partnerId, ['status:read'], 1);
      const replaced = await consentFor(t, phone.token, partner.partnerId);
      const current = await consentFor(t, phone.token, partner.partnerId);
      const r = await status(partner.apiKey, replaced.consentToken);
      expect(errorOf(r)).toEqual({ status: 403, code: 'consent_revoked' });
      expect(r.json().error.message).toContain('newer');
      expect((await status(partner.apiKey, current.consentToken)).statusCode).toBe(200);
      const withdraw = await deviceRequest(t, phone.token, 'DELETE', `/v1/consents/${current.consentId}`);
      expect(withdraw.statusCode).toBe(204);
      expect(errorOf(await status(partner.apiKey, current.consentToken))).toEqual({
        status: 403,
        code: 'consent_revoked',
      });
      const stranger = await verifiedPhone(t);
      expect(
        errorOf(await deviceRequest(t, stranger.token, 'DELETE', `/v1/consents/${short.consentId}`)),
      ).toEqual({
        status: 404,
        code: 'not_found',
      });
      expect((await status(other.apiKey, short.consentToken)).statusCode).toBe(200);
      t.clock.advance(DAY + 1000);
      expect(errorOf(await status(other.apiKey, short.consentToken))).toEqual({
        status: 403,
        code: 'consent_expired',
      });
      expect(
        (await auditEntries(t.storage, 'consent.revoke')).some(
          (a) => a.subject === `consent:${current.consentId}`,
        ),
      ).toBe(true);
    });

    it('needs a verified number to issue a consent, and a known partner', async () => {
      const device = await unverifiedPhone(t);
      expect(
        errorOf(
          await deviceRequest(t, device.token, 'POST', '/v1/consents', {
            partnerId: partner.partnerId,
            scopes: ['status:read'],
          }),
        ),
      ).toEqual({
        status: 403,
        code: 'phone_not_verified',
      });
      const phone = await verifiedPhone(t);
      expect(
        errorOf(
          await deviceRequest(t, phone.token, 'POST', '/v1/consents', {
            partnerId: 'ptn_nobody',
            scopes: ['status:read'],
          }),
        ),
      ).toEqual({
        status: 400,
        code: 'invalid_request',
      });
      expect(
        errorOf(
          await deviceRequest(t, phone.token, 'POST', '/v1/consents', {
            partnerId: partner.partnerId,
            scopes: ['everything'],
          }),
        ),
      ).toEqual({
        status: 400,
        code: 'invalid_request',
      });
    });

    it('takes a declaration forwarded by a partner only with a write consent', async () => {
      const phone = await verifiedPhone(t);
      const readOnly = await consentFor(t, phone.token, partner.partnerId, ['status:read']);
      const post = (consent: string, body: unknown = domesticBody()) =>
        keyRequest(t, partner.apiKey, 'POST', '/partner/v1/declarations/domestic', {
          body,
          headers: { 'x-consent-token': consent },
        });
      expect(errorOf(await post(readOnly.consentToken))).toEqual({ status: 403, code: 'consent_invalid' });
      const write = await consentFor(t, phone.token, partner.partnerId, [
        'status:read',
        'declarations:write',
      ]);
      expect(errorOf(await post(write.consentToken, domesticBody({ yearOfBirth: 3000 })))).toEqual({
        status: 400,
        code: 'invalid_request',
      });
      const r = await post(write.consentToken);
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({ status: 'declared', source: `partner:${partner.partnerId}` });
      const current = await deviceRequest(t, phone.token, 'GET', '/v1/declarations/current');
      expect(current.json()).toMatchObject({ declarationId: r.json().declarationId });
      const submitted = await auditEntries(t.storage, 'declaration.submit');
      expect(submitted.some((a) => a.actor === `apikey:${partner.apiKeyId}`)).toBe(true);
    });
  });

  describe.runIf(engineAvailable(engine))(`partner limits and webhooks on ${engine}`, () => {
    it('documents the partner routes in OpenAPI under the tag partner, and runs the webhook job', async () => {
      const t = await createContactsTestApp(engine);
      try {
        const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
        for (const [path, method] of [
          ['/partner/v1/status', 'get'],
          ['/v1/consents', 'post'],
          ['/admin/v1/partners', 'post'],
          ['/partner/v1/declarations/entry', 'post'],
        ] as const) {
          expect(doc.paths[path][method].tags, path).toEqual(['partner']);
        }
        expect(doc.paths['/v1/qr/verify'].post.requestBody).toBeDefined();
        expect(serverJobs().map((j) => j.name)).toContain('partner-webhooks');
      } finally {
        await t.close();
      }
    });

    it('limits each partner per minute (429 with Retry-After), apart from other partners', async () => {
      const t = await createContactsTestApp(engine, { BLUEZONE_PARTNER_REQUESTS_PER_MINUTE: '3' });
      try {
        const a = await addPartner(t);
        const b = await addPartner(t, ['status:read'], null, 'VHD');
        const phone = await verifiedPhone(t);
        const consent = await consentFor(t, phone.token, a.partnerId);
        const call = (key: string) =>
          keyRequest(t, key, 'GET', '/partner/v1/status', {
            headers: { 'x-consent-token': consent.consentToken },
          });
        for (let i = 0; i < 3; i++) expect((await call(a.apiKey)).statusCode).toBe(200);
        const limited = await call(a.apiKey);
        expect(errorOf(limited)).toEqual({ status: 429, code: 'rate_limited' });
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
        expect(errorOf(await call(b.apiKey))).toEqual({ status: 403, code: 'consent_invalid' });
        t.clock.advance(60_000);
        expect((await call(a.apiKey)).statusCode).toBe(200);
      } finally {
        await t.close();
      }
    });

    it('delivers signed status changes to consenting partners, retrying with back-off after failures', async () => {
      const t = await createContactsTestApp(engine);
      const hook = await receiver([500, 503]);
      try {
        const withHook = await addPartner(t, ['status:read'], hook.url, 'NCOVI');
        const phone = await verifiedPhone(t);
        const bystander = await verifiedPhone(t);
        const consent = await consentFor(t, phone.token, withHook.partnerId);
        const { declarationId } = await declare(
          t,
          phone.token,
          'domestic',
          domesticBody({ symptoms: ['fever'] }),
        );
        await declare(t, bystander.token);

        const first = await deliverDueWebhooks(t.ctx);
        expect(first).toEqual({ delivered: 0, retrying: 1, failed: 0 });
        expect(hook.hits).toHaveLength(1);
        // Not due yet: nothing is sent before the back-off.
        t.clock.advance(retryDelayMs(1) - 1);
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
        t.clock.advance(1);
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 0, retrying: 1, failed: 0 });
        t.clock.advance(retryDelayMs(2));
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 1, retrying: 0, failed: 0 });
        expect(hook.hits).toHaveLength(3);
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 0, retrying: 0, failed: 0 });

        const last = hook.hits[2]!;
        const body = JSON.parse(last.body);
        expect(body).toMatchObject({
          type: 'declaration.status_changed',
          consentId: consent.consentId,
          status: 'monitoring',
          kind: 'domestic',
          declaredOn: '2020-08-08',
        });
        expect(last.body).not.toContain('Nguyễn');
        expect(last.body).not.toContain(declarationId);
        const signature = String(last.headers['bluezone-signature']);
        const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
        expect(m).not.toBeNull();
        const expected = createHmac('sha256', withHook.webhookSecret!)
          .update(`${m![1]}.${last.body}`)
          .digest('hex');
        expect(m![2]).toBe(expected);
        expect(Number(m![1])).toBe(Math.floor(t.clock.now() / 1000));
        const wrong = createHmac('sha256', 'whsec_other').update(`${m![1]}.${last.body}`).digest('hex');
        expect(m![2]).not.toBe(wrong);
        expect(last.headers['bluezone-delivery']).toBe(body.id);
        // The same delivery each time (same ID and body).
        expect(hook.hits.map((h) => h.body)).toEqual([last.body, last.body, last.body]);

        const row = await t.storage.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
        expect(row).toMatchObject({ attempts: 3, last_error: null, failed_at: null });
        expect((await auditEntries(t.storage, 'partner.webhook.delivered')).length).toBe(1);

        // An officer's decision is a status change too; a withdrawn consent gets nothing.
        await keyRequest(t, t.keys.admin, 'POST', `/admin/v1/declarations/${declarationId}/status`, {
          body: { status: 'cleared' },
        });
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 1, retrying: 0, failed: 0 });
        expect(JSON.parse(hook.hits[3]!.body)).toMatchObject({
          status: 'cleared',
          consentId: consent.consentId,
        });
        await deviceRequest(t, phone.token, 'DELETE', `/v1/consents/${consent.consentId}`);
        await keyRequest(t, t.keys.admin, 'POST', `/admin/v1/declarations/${declarationId}/status`, {
          body: { status: 'revoked' },
        });
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
        expect(hook.hits).toHaveLength(4);
      } finally {
        await hook.close();
        await t.close();
      }
    });

    it('gives a delivery up after the last attempt', async () => {
      const t = await createContactsTestApp(engine);
      const hook = await receiver(Array<number>(WEBHOOK_POLICY.maxAttempts).fill(500));
      try {
        const p = await addPartner(t, ['status:read'], hook.url);
        const phone = await verifiedPhone(t);
        await consentFor(t, phone.token, p.partnerId);
        await declare(t, phone.token);
        for (let attempt = 1; attempt < WEBHOOK_POLICY.maxAttempts; attempt++) {
          expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 0, retrying: 1, failed: 0 });
          t.clock.advance(retryDelayMs(attempt));
        }
        expect(await deliverDueWebhooks(t.ctx)).toEqual({ delivered: 0, retrying: 0, failed: 1 });
        const row = await t.storage.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          attempts: WEBHOOK_POLICY.maxAttempts,
          last_error: 'HTTP 500',
          delivered_at: null,
        });
        expect((await auditEntries(t.storage, 'partner.webhook.failed')).length).toBe(1);
        const list = await keyRequest(t, t.keys.admin, 'GET', '/admin/v1/partners');
        expect(list.json().partners[0].deliveries).toEqual({ pending: 0, delivered: 0, failed: 1 });
      } finally {
        await hook.close();
        await t.close();
      }
    });
  });
}
