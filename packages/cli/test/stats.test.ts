/**
 * `bluezone import …` and `bluezone stats …` in-process on a SQLite file, on the server's
 * statistics fixture (its expected figures are worked out in stats-fixture.ts).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENOMINATORS_CSV, installsCsv } from '../../server/test/stats-fixture.js';
import { runCli, tempDir } from './helpers.js';

const NOW = new Date('2020-10-01T00:00:00Z');
const AS_OF = '2020-09-13T08:00+07:00';

describe('bluezone import and stats', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'stats.db');
  const cli = (...argv: string[]) => runCli([...argv, '--db', db], { now: NOW, env: {} });

  beforeAll(async () => {
    const d = await cli('import', 'denominators', tmp.file('denominators.csv', DENOMINATORS_CSV));
    expect(d).toMatchObject({ code: 0, stderr: '' });
    expect(d.stdout).toMatch(
      /^Imported 10 denominator rows from .*denominators\.csv \(import imp_[a-z2-7]+\)\.\n$/,
    );
    const i = await cli('import', 'installs', tmp.file('installs.csv', installsCsv()), '--json');
    expect(i.code).toBe(0);
    expect(JSON.parse(i.stdout)).toMatchObject({
      kind: 'installs',
      rows: 79,
      phoneRegistered: 72,
      withActivity: 54,
    });
  });

  it('prints the national table as JSON, exactly the documented shape', async () => {
    const r = await cli('stats', 'national', '--as-of', AS_OF, '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const json = JSON.parse(r.stdout) as {
      asOf: string;
      provinces: Record<string, unknown>[];
      total: Record<string, unknown>;
      carriers: Record<string, unknown>[];
    };
    expect(Object.keys(json)).toEqual(['asOf', 'provinces', 'total', 'carriers']);
    expect(json.asOf).toBe('2020-09-13T08:00:00+07:00');
    expect(json.provinces).toHaveLength(63);
    expect(json.provinces.slice(0, 4)).toEqual([
      {
        code: '48',
        name: 'Thành phố Đà Nẵng',
        installs: 40,
        phoneRegistered: 36,
        active: 40,
        smartphones: 133,
        rate: 36 / 133,
        rank: 1,
      },
      {
        code: '31',
        name: 'Thành phố Hải Phòng',
        installs: 5,
        phoneRegistered: 5,
        active: 5,
        smartphones: 20,
        rate: 0.25,
        rank: 2,
      },
      {
        code: '79',
        name: 'Thành phố Hồ Chí Minh',
        installs: 10,
        phoneRegistered: 10,
        active: 7,
        smartphones: 40,
        rate: 0.25,
        rank: 2,
      },
      {
        code: '01',
        name: 'Thành phố Hà Nội',
        installs: 20,
        phoneRegistered: 20,
        active: 0,
        smartphones: 270_626,
        rate: 20 / 270_626,
        rank: 4,
      },
    ]);
    expect(json.total).toEqual({
      installs: 78,
      phoneRegistered: 71,
      active: 52,
      smartphones: 270_819,
      rate: 71 / 270_819,
    });
    expect(json.carriers[0]).toEqual({
      carrier: 'viettel',
      phoneRegistered: 25,
      smartphones: 100,
      rate: 0.25,
    });
    expect(json.carriers.at(-1)).toEqual({
      carrier: 'other',
      phoneRegistered: 11,
      smartphones: null,
      rate: null,
    });
  });

  it('prints the table in Vietnamese number format', async () => {
    const r = await cli('stats', 'national', '--as-of', AS_OF);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Thống kê cài đặt Bluezone tính đến 08h00 ngày 13 tháng 9 năm 2020');
    // 36 ÷ 133 = 0,270677… → "27,07 %"; 270626 → "270.626"; ties share rank 2, then 4.
    expect(lines.find((l) => l.includes('Đà Nẵng'))).toMatch(
      /^ +1 {2}48 {2}Thành phố Đà Nẵng +40 +36 +40 +133 +27,07 %$/,
    );
    expect(lines.find((l) => l.includes('Hải Phòng'))).toMatch(/^ +2 {2}31 .* 25,00 %$/);
    expect(lines.find((l) => l.includes('Hồ Chí Minh'))).toMatch(/^ +2 {2}79 .* 25,00 %$/);
    expect(lines.find((l) => l.includes('Hà Nội'))).toMatch(/^ +4 {2}01 .* 270\.626 +0,01 %$/);
    expect(lines.find((l) => l.includes('Toàn quốc'))).toMatch(/Toàn quốc +78 +71 +52 +270\.819 +0,03 %$/);
    expect(lines.find((l) => l.startsWith('VinaPhone'))).toMatch(/^VinaPhone +15 +40 +37,50 %$/);
    expect(lines.find((l) => l.startsWith('Khác'))).toMatch(/^Khác +11 +– +–$/);
  });

  it('marks suppressed cells with --public', async () => {
    const r = await cli('stats', 'national', '--as-of', AS_OF, '--public');
    expect(r.stdout).toMatch(/ +– {2}31 .* <10 +<10 +<10 +20 +–\n/);
    expect(r.stdout).toContain('<10: số liệu nhỏ hơn 10 không công bố.');
  });

  it('rejects a file with a bad last line and imports nothing', async () => {
    const before = (await cli('stats', 'national', '--as-of', '2020-09-30', '--json')).stdout;
    const header = installsCsv().split('\n')[0];
    const rows = Array.from({ length: 700 }, (_, i) => `late-${i},2020-09-20T10:00:00+07:00,web,01,,,,`);
    const file = tmp.file(
      'bad.csv',
      [header, ...rows, 'late-x,2020-09-20T10:00:00+07:00,web,01,,2020-09-20,,'].join('\n'),
    );
    const r = await cli('import', 'installs', file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `bluezone: ${file}: 1 invalid line, nothing imported: line 702: phone_verified_at is before created_at\n`,
    );
    expect((await cli('stats', 'national', '--as-of', '2020-09-30', '--json')).stdout).toBe(before);
  });

  it('rejects a bad --as-of and a missing file in one line', async () => {
    const r = await cli('stats', 'national', '--as-of', '2020-09-13T08:30+07:00');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^bluezone: --as-of: "2020-09-13T08:30\+07:00" is not on a whole hour; .*\n$/);
    const missing = await cli('import', 'denominators', join(tmp.dir, 'nope.csv'));
    expect(missing).toMatchObject({
      code: 2,
      stderr: `bluezone: cannot read ${join(tmp.dir, 'nope.csv')}: no such file\n`,
    });
  });

  it('rebuilds the counters to the same table', async () => {
    const before = (await cli('stats', 'national', '--as-of', AS_OF, '--json')).stdout;
    const r = await cli('stats', 'rebuild', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ installs: 79, phoneRegistered: 72, checkIns: 54 });
    expect((await cli('stats', 'national', '--as-of', AS_OF, '--json')).stdout).toBe(before);
  });
});
