/**
 * Issue 8 §7: the demo that `npm start` brings up — users, synthetic installs for all 63
 * provinces through the real imports, an outbreak traced F0 → F1 → F2 through the real flow —
 * seeded once: a second start adds nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@bluezone/server';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS, demoBanner, startDemo } from '../src/demo/seed.js';
import { DEMO_SCALE, syntheticDemoData } from '../src/demo/synthetic.js';

const count = async (
  db: Awaited<ReturnType<typeof startDemo>>['server']['storage']['db'],
  table: 'installs' | 'imported_installs' | 'users' | 'cases' | 'contacts' | 'audit_log',
) =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('the demo (serve --demo)', () => {
  it('seeds users, 63 provinces of synthetic installs and a traced outbreak once; a second start adds nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluezone-demo-'));
    const config = loadConfig({
      BLUEZONE_DATA_DIR: dir,
      BLUEZONE_PORT: '0',
      BLUEZONE_LOG_LEVEL: 'silent',
      BLUEZONE_JOBS: 'false',
      BLUEZONE_SMS: `file:${join(dir, 'sms.jsonl')}`,
    });
    const lines: string[] = [];
    const t0 = Date.now();
    const first = await startDemo(config, {
      logger: false,
      log: (l) => {
        lines.push(l);
        process.stderr.write(`demo: ${Date.now() - t0} ms ${l}\n`);
      },
    });
    let counts: Record<string, number>;
    try {
      const seeded = first.seeded!;
      expect(seeded.outbreak.f1).toBe(3); // B, C, D — not E (far away)
      expect(seeded.outbreak.f2).toBe(2); // F, G — not H (far from G)
      expect(seeded.outbreak.notWarned).toBe(2);
      const db = first.server.storage.db;
      counts = {
        installs: await count(db, 'installs'),
        imported: await count(db, 'imported_installs'),
        users: await count(db, 'users'),
        cases: await count(db, 'cases'),
        contacts: await count(db, 'contacts'),
      };
      // 8 outbreak phones registered through the API, the rest imported.
      expect(counts['installs']).toBe(8);
      expect(counts['imported']).toBe(seeded.installs);
      expect(counts['users']).toBe(DEMO_USERS.length);
      expect(counts['cases']).toBe(2); // the F0 and B's recursive case
      expect(counts['contacts']).toBe(5);
      const provinces = await db.selectFrom('imported_installs').select('province_code').distinct().execute();
      expect(provinces).toHaveLength(63);

      // The demo logins work, and the province admin of Thái Nguyên sees none of Hải Dương.
      const login = async (username: string) => {
        const res = await fetch(`${first.server.url}/admin/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: DEMO_PASSWORD }),
        });
        expect(res.status, username).toBe(200);
        return res.headers.get('set-cookie')!.split(';')[0]!;
      };
      const casesSeenBy = async (username: string) => {
        const res = await fetch(`${first.server.url}/admin/v1/cases`, {
          headers: { cookie: await login(username) },
        });
        return ((await res.json()) as { cases: unknown[] }).cases.length;
      };
      expect(await casesSeenBy('admin')).toBe(2);
      expect(await casesSeenBy('haiduong')).toBe(2);
      expect(await casesSeenBy('thainguyen')).toBe(0);
      expect(lines.some((l) => l.includes('synthetic installs imported'))).toBe(true);
      expect(demoBanner(first.server.url, first.seeded)).toContain('SYNTHETIC');
    } finally {
      await first.server.close();
    }

    const second = await startDemo(config, { logger: false });
    try {
      expect(second.seeded).toBeUndefined();
      const db = second.server.storage.db;
      expect(await count(db, 'installs')).toBe(counts['installs']);
      expect(await count(db, 'imported_installs')).toBe(counts['imported']);
      expect(await count(db, 'users')).toBe(counts['users']);
      expect(await count(db, 'cases')).toBe(counts['cases']);
      expect(demoBanner(second.server.url, undefined)).toContain('seeded on an earlier start');
    } finally {
      await second.server.close();
    }
  }, 120_000);

  it('generates the same synthetic data for the same day, scaled and plausible', () => {
    const provinces = [
      { code: '48', population: 1_169_500, districts: ['490', '491'] },
      { code: '02', population: 858_100, districts: ['024'] },
    ];
    const now = Date.UTC(2020, 8, 13, 1);
    const a = syntheticDemoData(provinces, now);
    expect(syntheticDemoData(provinces, now)).toEqual(a);
    // Smartphones: 78.7 % of the population, scaled.
    expect(a.smartphones).toBe(
      Math.round((1_169_500 * 0.787) / DEMO_SCALE) + Math.round((858_100 * 0.787) / DEMO_SCALE),
    );
    const rows = a.installsCsv.trim().split('\n').slice(1);
    expect(rows).toHaveLength(a.installs);
    const registered = (code: string) =>
      rows.filter((r) => r.split(',')[3] === code && r.split(',')[5] !== '').length;
    const smartphones = (population: number) => Math.round((population * 0.787) / DEMO_SCALE);
    // Đà Nẵng leads, Hà Giang is among the lowest (the 2020 press), both plausible rates.
    const rateDaNang = registered('48') / smartphones(1_169_500);
    const rateHaGiang = registered('02') / smartphones(858_100);
    expect(rateDaNang).toBeGreaterThan(0.3);
    expect(rateDaNang).toBeLessThan(0.4);
    expect(rateHaGiang).toBeGreaterThan(0.05);
    expect(rateHaGiang).toBeLessThan(0.08);
    for (const row of rows) {
      const [, createdAt, , , , verifiedAt, , lastActive] = row.split(',');
      expect(Date.parse(createdAt!)).toBeLessThanOrEqual(now);
      if (verifiedAt) expect(Date.parse(verifiedAt)).toBeGreaterThanOrEqual(Date.parse(createdAt!));
      if (lastActive) expect(Date.parse(lastActive)).toBeGreaterThanOrEqual(Date.parse(createdAt!));
    }
  });
});
