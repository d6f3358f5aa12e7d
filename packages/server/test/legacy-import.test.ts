/**
 * `POST /admin/v1/cases/:id/legacy-import` over HTTP, in-process, on both engines: a legacy
 * `data_trace.txt` with matching, non-matching and malformed lines against a legacy F0 record;
 * de-duplication on re-import; tolerance; the route's own body limit; bad records; roles.
 */
import { createHash, randomBytes } from 'node:crypto';
import { legacyIdsForDay, toHex } from '@bluezone/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_IMPORT_LIMITS } from '../src/features/legacy-import/legacy-import.service.js';
import {
  adminRequest,
  auditEntries,
  type ContactsTestApp,
  count,
  createContactsTestApp,
  publishedF0,
} from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';

/** A legacy F0 record of two days from 2020-08-05 and a log that saw it, with what should match. */
function legacyFixture() {
  const dailyKey = new Uint8Array(randomBytes(32));
  const start = Date.UTC(2020, 7, 5) / 1000;
  const day0 = legacyIdsForDay(dailyKey, 96);
  const day1 = legacyIdsForDay(new Uint8Array(createHash('sha256').update(dailyKey).digest()), 96);
  const id = (ids: Uint8Array[], slot: number) => toHex(ids[slot]!).toUpperCase();
  const own = randomBytes(12).toString('hex').toUpperCase();
  const lines = [
    // 1: day 0, slot 10, iOS seconds with a fraction.
    `${own}\t${id(day0, 10)}\t-70\t${start + 10 * 900 + 123.5}`,
    // 2: three fields.
    `${own}\t${id(day0, 11)}\t-70`,
    // 3: an ID of nobody.
    `${own}\t${randomBytes(12).toString('hex')}\t-80\t${(start + 3600) * 1000}`,
    // 4: blank, CRLF around.
    '',
    // 5: day 1, slot 3, seen in slot 4 by a phone whose clock runs 15 minutes ahead (Android ms).
    `${own}\t${id(day1, 3).toLowerCase()}\t-60\t${(start + 86_400 + 4 * 900 + 30) * 1000}`,
    // 6: RSSI out of range.
    `${own}\t${id(day0, 12)}\t-300\t${start + 12 * 900}`,
    // 7: day 0, slot 20, seen 10 slots later: a match only with tolerance ≥ 10.
    `${own}\t${id(day0, 20)}\t-75\t${start + 30 * 900 + 5}`,
  ];
  return {
    infoF: {
      data: [{ daily_key: toHex(dailyKey), time_start: start, max: 96, time_end: start + 2 * 86_400 }],
    },
    trace: `\uFEFF${lines.join('\r\n')}\r\n`,
    matches: [
      { line: 1, contactId: id(day0, 10), timestamp: (start + 10 * 900 + 123.5) * 1000, slot: 10 },
      { line: 5, contactId: id(day1, 3), timestamp: (start + 86_400 + 4 * 900 + 30) * 1000, slot: 3 },
    ],
    lateMatch: { line: 7, contactId: id(day0, 20), timestamp: (start + 30 * 900 + 5) * 1000, slot: 20 },
  };
}

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`legacy import on ${engine}`, () => {
    let t: ContactsTestApp;
    beforeAll(async () => {
      t = await createContactsTestApp(engine);
    });
    afterAll(() => t.close());

    const importUrl = (caseId: string) => `/admin/v1/cases/${caseId}/legacy-import`;

    it('records the sightings of the case, reports malformed lines, and records each sighting once', async () => {
      const { caseId } = await publishedF0(t);
      const fixture = legacyFixture();
      const res = await adminRequest(t, 'POST', importUrl(caseId), {
        body: { trace: fixture.trace, infoF: fixture.infoF },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const answer = res.json();
      expect(answer).toEqual({
        caseId,
        importId: expect.stringMatching(/^li_/),
        rows: 4,
        matches: fixture.matches,
        recorded: 2,
        malformed: [
          { line: 2, reason: expect.stringContaining('expected 4 tab-separated fields') },
          { line: 6, reason: expect.stringContaining('RSSI') },
        ],
        malformedLines: 2,
      });
      const stored = await t.storage.db
        .selectFrom('legacy_matches')
        .select(['line', 'contact_id', 'seen_at', 'slot', 'import_id'])
        .where('case_id', '=', caseId)
        .orderBy('line')
        .execute();
      expect(stored).toEqual(
        fixture.matches.map((m) => ({
          line: m.line,
          contact_id: m.contactId,
          seen_at: m.timestamp,
          slot: m.slot,
          import_id: answer.importId,
        })),
      );
      const audit = (await auditEntries(t.storage, 'case.legacy.import')).filter(
        (a) => a.subject === `case:${caseId}`,
      );
      expect(audit[0]).toMatchObject({ actor: `apikey:${t.keyIds.admin}` });
      expect(JSON.parse(audit[0]!.details!)).toEqual({
        importId: answer.importId,
        rows: 4,
        matches: 2,
        recorded: 2,
        malformedLines: 2,
        tolerance: 1,
      });

      // The same log again: nothing new. With more tolerance, the late sighting joins.
      const again = await adminRequest(t, 'POST', importUrl(caseId), {
        body: { trace: fixture.trace, infoF: fixture.infoF },
      });
      expect(again.json()).toMatchObject({ recorded: 0, matches: fixture.matches });
      const wider = await adminRequest(t, 'POST', importUrl(caseId), {
        body: { trace: fixture.trace, infoF: fixture.infoF, tolerance: 10 },
      });
      expect(wider.json()).toMatchObject({ recorded: 1, matches: [...fixture.matches, fixture.lateMatch] });
      const exact = await adminRequest(t, 'POST', importUrl(caseId), {
        body: { trace: fixture.trace, infoF: fixture.infoF, tolerance: 0 },
      });
      expect(exact.json()).toMatchObject({ recorded: 0, matches: [fixture.matches[0]] });
      expect(
        await t.storage.db.selectFrom('legacy_matches').select('id').where('case_id', '=', caseId).execute(),
      ).toHaveLength(3);
    });

    it('takes a log larger than the global body limit, up to its own limit (then 413)', async () => {
      const { caseId } = await publishedF0(t);
      const fixture = legacyFixture();
      const filler = `${'A'.repeat(24)}\t${'B'.repeat(24)}\t-90\t1596600000\n`.repeat(12_000);
      expect(filler.length).toBeGreaterThan(t.ctx.config.bodyLimitBytes);
      const big = await adminRequest(t, 'POST', importUrl(caseId), {
        body: { trace: filler + fixture.trace.slice(1), infoF: fixture.infoF },
      });
      expect(big.statusCode).toBe(200);
      expect(big.json()).toMatchObject({ rows: 12_004, matches: [{ line: 12_001 }, { line: 12_005 }] });

      const huge = 'x'.repeat(LEGACY_IMPORT_LIMITS.bodyLimitBytes + 1);
      const tooBig = await adminRequest(t, 'POST', importUrl(caseId), {
        body: { trace: huge, infoF: fixture.infoF },
      });
      expect(tooBig.statusCode).toBe(413);
      expect(tooBig.json().error).toMatchObject({
        code: 'body_too_large',
        message: expect.stringContaining(String(LEGACY_IMPORT_LIMITS.bodyLimitBytes)),
      });
      // Without a valid admin key the body is never read.
      const anonymous = await adminRequest(t, 'POST', importUrl(caseId), {
        key: undefined,
        body: { trace: huge },
      });
      expect(anonymous.statusCode).toBe(401);
      const lab = await adminRequest(t, 'POST', importUrl(caseId), {
        key: t.keys.lab,
        body: { trace: huge },
      });
      expect(lab.statusCode).toBe(403);
      // Other routes keep the global limit.
      const other = await adminRequest(t, 'POST', '/admin/v1/cases', {
        key: t.keys.lab,
        body: { padding: filler },
      });
      expect(other.statusCode).toBe(413);
    });

    it.each<[string, (f: ReturnType<typeof legacyFixture>) => unknown, RegExp]>([
      [
        'an empty record',
        (f) => ({ trace: f.trace, infoF: { data: [] } }),
        /infoF: the F0 record's "data" array is empty/,
      ],
      [
        'a daily key that is no hex',
        (f) => ({ trace: f.trace, infoF: { data: [{ ...f.infoF.data[0], daily_key: 'zz' }] } }),
        /infoF: data\[0\]\.daily_key must be 64 hex digits/,
      ],
      [
        'a record too large to match',
        (f) => ({
          trace: f.trace,
          infoF: {
            data: [0, 1, 2].map((i) => ({
              ...f.infoF.data[0],
              max: 1440,
              time_end: f.infoF.data[0]!.time_start + (50 + i) * 86_400,
            })),
          },
        }),
        /at most 200000/,
      ],
      ['tolerance 97', (f) => ({ trace: f.trace, infoF: f.infoF, tolerance: 97 }), /tolerance/],
      ['tolerance 1.5', (f) => ({ trace: f.trace, infoF: f.infoF, tolerance: 1.5 }), /tolerance/],
      ['no trace', (f) => ({ infoF: f.infoF }), /missing the required field "trace"/],
      ['a trace that is no text', (f) => ({ trace: 42, infoF: f.infoF }), /trace/],
      [
        'an unknown field',
        (f) => ({ trace: f.trace, infoF: f.infoF, matches: [] }),
        /unknown field "matches"/,
      ],
      ['a record that is no object', (f) => ({ trace: f.trace, infoF: 'data' }), /infoF/],
    ])('answers 400 for %s, recording nothing', async (_name, body, message) => {
      const { caseId } = await publishedF0(t);
      const fixture = legacyFixture();
      const before = await count(t.storage, 'legacy_matches');
      const res = await adminRequest(t, 'POST', importUrl(caseId), { body: body(fixture) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(message),
      });
      expect(await count(t.storage, 'legacy_matches')).toBe(before);
    });

    it('answers 404 for an unknown case', async () => {
      const fixture = legacyFixture();
      const res = await adminRequest(t, 'POST', importUrl('case_nope'), {
        body: { trace: fixture.trace, infoF: fixture.infoF },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    });
  });
}
