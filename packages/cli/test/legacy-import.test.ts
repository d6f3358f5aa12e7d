/**
 * `bluezone legacy import`: a legacy log matched against a case's F0 record, recorded in a SQLite
 * database (the server's `legacy_matches`), with malformed lines reported by line number and each
 * sighting recorded once; errors exit 2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { legacyIdsForDay, toHex } from '@bluezone/protocol';
import { migrateToLatest, openSqlite } from '@bluezone/server';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const NOW = new Date(Date.UTC(2020, 7, 8, 9, 0, 0));
const START = Date.UTC(2020, 7, 6) / 1000;

/** A database with one case; returns its path and the case ID. */
async function databaseWithCase(dir: string): Promise<{ db: string; caseId: string }> {
  const db = join(dir, 'bluezone.db');
  const storage = openSqlite(db);
  const caseId = `case_${randomBytes(8).toString('hex')}`;
  try {
    await migrateToLatest(storage);
    const at = NOW.getTime();
    await storage.db
      .insertInto('cases')
      .values({
        id: caseId,
        province_code: '79',
        district_code: null,
        admin_units_as_of: '2020-11-01',
        test_type: 'confirmed',
        symptom_date: null,
        test_date: '2020-08-07',
        health_authority: 'vn-moh',
        created_at: at,
        created_by: 'apikey:test',
        codes_issued_at: at,
        short_code_expires_at: at,
        long_code_expires_at: at,
        codes_claimed_at: null,
        token_exchanged_at: null,
        certificate_issued_at: null,
        keys_published: 0,
      })
      .execute();
  } finally {
    await storage.close();
  }
  return { db, caseId };
}

/** An F0 record of two days and a log with two sightings of it, one line of noise, two malformed lines. */
function fixture(file: (name: string, content: string) => string) {
  const dailyKey = new Uint8Array(randomBytes(32));
  const day0 = legacyIdsForDay(dailyKey, 96);
  const day1 = legacyIdsForDay(new Uint8Array(createHash('sha256').update(dailyKey).digest()), 96);
  const own = 'AB'.repeat(12);
  const hex = (id: Uint8Array) => toHex(id).toUpperCase();
  const infoF = file(
    'info-f.json',
    JSON.stringify({
      data: [{ daily_key: toHex(dailyKey), time_start: START, max: 96, time_end: START + 2 * 86_400 }],
    }),
  );
  const trace = file(
    'data_trace.txt',
    [
      `${own}\t${hex(day0[40]!)}\t-65\t${(START + 40 * 900 + 60) * 1000}`,
      'not a sighting',
      `${own}\t${'CD'.repeat(12)}\t-70\t${START + 41 * 900}`,
      `${own}\t${hex(day1[2]!)}\t-72\t${START + 86_400 + 2 * 900 + 1}`,
      `${own}\t${hex(day1[3]!)}\tloud\t${START + 86_400 + 3 * 900}`,
    ].join('\n'),
  );
  return {
    infoF,
    trace,
    matches: [
      { line: 1, contactId: hex(day0[40]!), timestamp: (START + 40 * 900 + 60) * 1000, slot: 40 },
      { line: 4, contactId: hex(day1[2]!), timestamp: (START + 86_400 + 2 * 900 + 1) * 1000, slot: 2 },
    ],
  };
}

describe('bluezone legacy import', () => {
  it('records the sightings for the case, once, and reports malformed lines', async () => {
    const { dir, file } = tempDir();
    const { db, caseId } = await databaseWithCase(dir);
    const f = fixture(file);
    const args = ['legacy', 'import', '--case', caseId, '--trace', f.trace, '--info-f', f.infoF, '--db', db];
    const r = await runCli([...args, '--json'], { now: NOW, env: {} });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toEqual({
      caseId,
      importId: expect.stringMatching(/^li_/),
      rows: 3,
      matches: f.matches,
      recorded: 2,
      malformed: [
        { line: 2, reason: expect.stringContaining('expected 4 tab-separated fields') },
        { line: 5, reason: expect.stringContaining('RSSI must be an integer') },
      ],
      malformedLines: 2,
    });

    const storage = openSqlite(db);
    try {
      const rows = await storage.db
        .selectFrom('legacy_matches')
        .select(['case_id', 'line', 'contact_id', 'seen_at', 'slot'])
        .orderBy('line')
        .execute();
      expect(rows).toEqual(
        f.matches.map((m) => ({
          case_id: caseId,
          line: m.line,
          contact_id: m.contactId,
          seen_at: m.timestamp,
          slot: m.slot,
        })),
      );
      const audit = await storage.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'case.legacy.import')
        .execute();
      expect(audit).toEqual([
        expect.objectContaining({ actor: 'cli', subject: `case:${caseId}`, at: NOW.getTime() }),
      ]);
    } finally {
      await storage.close();
    }

    // Text output; the same log again records nothing new.
    const text = await runCli(args, { now: NOW, env: {} });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`^2 of 3 sightings match case ${caseId} \\(0 new, recorded as import li_`),
    );
    expect(text.stdout).toContain(`line 4\t${f.matches[1]!.contactId}\t2020-08-07T00:30:01.000Z\tslot 2`);
    expect(text.stderr).toMatch(/data_trace.txt:2: skipped: expected 4 tab-separated fields/);
    expect(text.stderr).toMatch(/data_trace.txt:5: skipped: RSSI/);
  });

  it('exits 2 for an unknown case, a bad record, a bad tolerance and missing options', async () => {
    const { dir, file } = tempDir();
    const { db, caseId } = await databaseWithCase(dir);
    const f = fixture(file);
    const empty = file('empty.json', '{"data":[]}');
    const cases: [string[], RegExp][] = [
      [['--case', 'case_nope', '--trace', f.trace, '--info-f', f.infoF, '--db', db], /no case "case_nope"/],
      [
        ['--case', caseId, '--trace', f.trace, '--info-f', empty, '--db', db],
        /empty.json: the F0 record's "data" array is empty/,
      ],
      [
        ['--case', caseId, '--trace', f.trace, '--info-f', f.infoF, '--db', db, '--tolerance', '97'],
        /--tolerance must be a whole number from 0 to 96/,
      ],
      [
        ['--case', caseId, '--trace', join(dir, 'missing.txt'), '--info-f', f.infoF, '--db', db],
        /cannot read .*missing.txt: no such file/,
      ],
      [['--trace', f.trace, '--info-f', f.infoF, '--db', db], /required option '--case <id>'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['legacy', 'import', ...args], { now: NOW, env: {} });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
