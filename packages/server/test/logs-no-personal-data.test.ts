/**
 * No personal data in the logs: a full tracing path runs in-process with the logger at `trace`
 * writing to a captured stream — install, phone OTP and verify, case entry, code verification,
 * certificate, publishing, exposure report, phone reveal, portal login, workflow change, notes
 * and their read — and no line may hold a phone number (0…, 84…, +84…), the OTP, a
 * verification code or token, the certificate, a device token, an API key, a session ID, a CSRF
 * token or a note's text.
 */
import { randomBytes } from 'node:crypto';
import { calculateVerificationHmac, verificationBase64Encode } from '@bluezone/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContactsTestApp,
  contactsOf,
  createContactsTestApp,
  reportBody,
  verifiedPhone,
} from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { lastCode, uniqueNumber } from './phones-helpers.js';
import { caseBody, pastKeys, publish, publishBody } from './publish-helpers.js';
import { asUser, userSession } from './users-helpers.js';

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`logs of a full tracing path on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine, { BLUEZONE_LOG_LEVEL: 'trace' });
    });
    afterAll(() => t.close());

    const post = (url: string, payload: unknown, headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url,
        remoteAddress: '198.51.100.44',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(payload),
      });

    it('holds no number, code, token, key, session or note text', async () => {
      const secrets: string[] = [];
      // Phone registration (install, OTP, verify).
      const national = uniqueNumber('098');
      const phone = await verifiedPhone(t, national);
      const otp = lastCode(t.sms, national);
      secrets.push(national, national.slice(1), `84${national.slice(1)}`, phone.number, otp, phone.token);

      // Case, codes, verify, certificate, publish.
      const created = await post('/admin/v1/cases', caseBody(), { 'x-api-key': t.keys.lab });
      expect(created.statusCode).toBe(201);
      const { caseId, shortCode, longCode } = created.json<{
        caseId: string;
        shortCode: string;
        longCode: string;
      }>();
      const verified = await post('/api/verify', { code: shortCode }, { 'x-api-key': t.keys.device });
      expect(verified.statusCode).toBe(200);
      const { token } = verified.json<{ token: string }>();
      const keys = pastKeys(t.clock.now(), [1, 2, 3, 4, 5]);
      const hmacKey = new Uint8Array(randomBytes(32));
      const ekeyhmac = verificationBase64Encode(calculateVerificationHmac(keys, hmacKey));
      const cert = await post('/api/certificate', { token, ekeyhmac }, { 'x-api-key': t.keys.device });
      expect(cert.statusCode).toBe(200);
      const { certificate } = cert.json<{ certificate: string }>();
      expect((await publish(t, publishBody(keys, { certificate, hmacKey }))).statusCode).toBe(200);
      secrets.push(shortCode, longCode, token, certificate, t.keys.admin, t.keys.lab, t.keys.device);

      // Exposure report and phone reveal.
      expect((await phone.report(reportBody(keys.slice(0, 2)))).statusCode).toBe(200);
      const [contact] = await contactsOf(t, caseId, true);
      expect(contact?.phoneNumber).toBe(phone.number);

      // Portal: login, workflow, notes, detail with notes.
      const officer = await userSession(t, 'health_officer', '79');
      secrets.push(officer.cookie.split('=')[1]!, officer.csrf);
      const note = `Đã gọi ${national}, hẹn xét nghiệm lần 2`;
      secrets.push(note);
      const url = `/admin/v1/contacts/${contact!.id}`;
      expect(
        (await asUser(t, officer, 'PATCH', url, { status: 'contacted', assignedTo: officer.id })).statusCode,
      ).toBe(200);
      expect((await asUser(t, officer, 'POST', `${url}/notes`, { text: note })).statusCode).toBe(201);
      const detail = await asUser(t, officer, 'GET', url);
      expect(detail.json().notes[0].text).toBe(note);
      // A refused request logs too.
      expect((await asUser(t, officer, 'PATCH', url, { status: 'closed' })).statusCode).toBe(409);

      const log = t.logs.join('');
      expect(t.logs.length).toBeGreaterThan(20);
      expect(log).toContain('/admin/v1/contacts/:id/notes');
      for (const secret of secrets)
        expect(log, `a log line holds ${secret.slice(0, 4)}…`).not.toContain(secret);
      // No Vietnamese mobile number in any format, whoever's.
      expect(log).not.toMatch(/(?<![\d.])(\+?84|0)[35789]\d{8}(?!\d)/);
    });
  });
}
