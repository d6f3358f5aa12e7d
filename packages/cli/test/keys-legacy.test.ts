import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../protocol/test/fixtures/en_crypto_test_vectors.json', import.meta.url), 'utf8'),
) as {
  tek_hex: string;
  ble_metadata_hex: string;
  advertised: { en_interval_number: number; rpi_hex: string; aem_hex: string }[];
};

const ZERO_BASE = '00'.repeat(32);

describe('bluezone keys rpi', () => {
  it("prints the 144 RPIs and AEMs of the key's day as JSON (official vectors)", async () => {
    const first = vectors.advertised[0]!.en_interval_number;
    const r = await runCli([
      'keys',
      'rpi',
      '--tek',
      vectors.tek_hex,
      '--interval',
      String(first + 77),
      '--metadata',
      vectors.ble_metadata_hex,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as { interval: number; rpi: string; aem: string }[];
    expect(rows).toEqual(
      vectors.advertised.map((v) => ({ interval: v.en_interval_number, rpi: v.rpi_hex, aem: v.aem_hex })),
    );
  });

  it('prints K intervals from N with --count, without AEMs when no metadata is given', async () => {
    const v = vectors.advertised;
    const r = await runCli([
      'keys',
      'rpi',
      '--tek',
      vectors.tek_hex.toUpperCase(),
      '--interval',
      String(v[10]!.en_interval_number),
      '--count',
      '3',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      v.slice(10, 13).map((x) => ({ interval: x.en_interval_number, rpi: x.rpi_hex })),
    );
  });

  it('prints a tab-separated table without --json', async () => {
    const r = await runCli([
      'keys',
      'rpi',
      '--tek',
      vectors.tek_hex,
      '--interval',
      '2642976',
      '--count',
      '1',
      '--metadata',
      '40080000',
    ]);
    expect(r.stdout).toBe('# interval\trpi\taem\n2642976\t8be6cd371c5c891604bfbe49df845096\t72033874\n');
  });

  it.each([
    [['--tek', 'abcd', '--interval', '1'], /--tek must be 16 bytes \(32 hex digits\), got 2 bytes/],
    [['--tek', 'zz'.repeat(16), '--interval', '1'], /--tek must be hex/],
    [
      ['--tek', vectors.tek_hex, '--interval', '-1'],
      /--interval must be a whole number from 0 to 4294967295/,
    ],
    [['--tek', vectors.tek_hex, '--interval', 'soon'], /--interval must be a whole number/],
    [
      ['--tek', vectors.tek_hex, '--interval', '1', '--count', '0'],
      /--count must be a whole number from 1 to 1440/,
    ],
    [['--tek', vectors.tek_hex, '--interval', '4294967295', '--count', '2'], /runs past the last interval/],
    [['--tek', vectors.tek_hex, '--interval', '1', '--metadata', '4008'], /--metadata must be 4 bytes/],
    [['--interval', '1'], /required option '--tek <hex>' not specified/],
    [['--tek', vectors.tek_hex, '--interval', '1', '--bogus'], /unknown option '--bogus'/],
  ])('rejects %j with exit code 2 and one line', async (args, message) => {
    const r = await runCli(['keys', 'rpi', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('generates a key for the day of --time', async () => {
    const r = await runCli(['keys', 'new', '--time', '2020-04-02T13:00:00Z', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      tek: string;
      rollingStartIntervalNumber: number;
      rollingPeriod: number;
    };
    expect(out.tek).toMatch(/^[0-9a-f]{32}$/);
    expect(out.rollingStartIntervalNumber).toBe(2642976);
    expect(out.rollingPeriod).toBe(144);
    const bad = await runCli(['keys', 'new', '--time', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--time must be an ISO 8601 time/);
  });
});

describe('bluezone legacy ids', () => {
  it('derives the SYSTEM.md vectors from a base ID and a day', async () => {
    const day0 = await runCli(['legacy', 'ids', '--base-id', ZERO_BASE, '--day', '0', '--json']);
    expect(day0.code).toBe(0);
    const ids = JSON.parse(day0.stdout) as { slot: number; id: string }[];
    expect(ids).toHaveLength(96);
    expect(ids[0]).toEqual({ slot: 0, id: '490C085D937456A4DD07E710' });
    expect(ids[1]).toEqual({ slot: 1, id: 'CC4111FEC540C346EC6A053F' });
    expect(ids[95]).toEqual({ slot: 95, id: '3140C784CD06058BB930F6A7' });
    const day1 = await runCli([
      'legacy',
      'ids',
      '--base-id',
      ZERO_BASE,
      '--day',
      '1',
      '--slots',
      '4',
      '--json',
    ]);
    expect((JSON.parse(day1.stdout) as { id: string }[]).map((x) => x.id)[0]).toBe(
      'D80CC204FA6491AF30D0932A',
    );
    expect(JSON.parse(day1.stdout)).toHaveLength(4);
  });

  it('accepts a daily key instead, and prints a table without --json', async () => {
    const r = await runCli(['legacy', 'ids', '--daily-key', ZERO_BASE, '--slots', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('# slot\tid\n0\t490C085D937456A4DD07E710\n1\tCC4111FEC540C346EC6A053F\n');
  });

  it.each([
    [[], /give --base-id with --day, or --daily-key/],
    [['--base-id', ZERO_BASE], /give --base-id with --day, or --daily-key/],
    [['--daily-key', ZERO_BASE, '--day', '1'], /either --daily-key, or --base-id with --day, not both/],
    [['--base-id', '00', '--day', '0'], /--base-id must be 32 bytes/],
    [['--base-id', ZERO_BASE, '--day', '-2'], /--day must be a whole number from 0/],
    [['--daily-key', ZERO_BASE, '--slots', '0'], /--slots must be a whole number from 1 to 1440/],
  ])('rejects %j with exit code 2', async (args, message) => {
    const r = await runCli(['legacy', 'ids', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('bluezone legacy match', () => {
  const DAY0 = 1_596_844_800; // 2020-08-08T00:00:00Z
  async function idsOf(day: number): Promise<string[]> {
    const r = await runCli(['legacy', 'ids', '--base-id', '11'.repeat(32), '--day', String(day), '--json']);
    return (JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id);
  }

  it('reports matches, row count and malformed lines as JSON', async () => {
    const day0 = await runCli(['legacy', 'ids', '--base-id', '11'.repeat(32), '--day', '0', '--json']);
    expect(day0.code).toBe(0);
    const ids = await idsOf(0);
    const own = 'AB'.repeat(12);
    const { file } = tempDir();
    const infoF = file(
      'info-f.json',
      JSON.stringify({
        data: [{ daily_key: '11'.repeat(32), time_start: DAY0, max: 96, time_end: DAY0 + 86_400 }],
      }),
    );
    const trace = file(
      'data_trace.txt',
      [
        `${own}\t${ids[4]}\t-61\t${(DAY0 + 4 * 900 + 10) * 1000}`,
        `${own}\t${'CD'.repeat(12)}\t-70\t${DAY0 + 4 * 900}`,
        'garbage',
        '',
        `${own}\t${ids[7]!.toLowerCase()}\t-75\t${DAY0 + 8 * 900 + 5}`,
      ].join('\r\n'),
    );
    const r = await runCli(['legacy', 'match', '--info-f', infoF, '--trace', trace, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      matches: [
        { line: 1, contactId: ids[4], timestamp: (DAY0 + 4 * 900 + 10) * 1000, slot: 4 },
        { line: 5, contactId: ids[7], timestamp: (DAY0 + 8 * 900 + 5) * 1000, slot: 7 },
      ],
      rows: 3,
      malformed: [
        { line: 3, reason: 'expected 4 tab-separated fields (own ID, contact ID, RSSI, timestamp), found 1' },
      ],
    });
    const strict = await runCli([
      'legacy',
      'match',
      '--info-f',
      infoF,
      '--trace',
      trace,
      '--tolerance',
      '0',
      '--json',
    ]);
    expect((JSON.parse(strict.stdout) as { matches: unknown[] }).matches).toHaveLength(1);
    const text = await runCli(['legacy', 'match', '--info-f', infoF, '--trace', trace]);
    expect(text.stdout).toMatch(/^2 of 3 sightings match the F0 record \(tolerance ±1 slots\)\n/);
    expect(text.stderr).toMatch(/data_trace.txt:3: skipped: expected 4 tab-separated fields/);
  });

  it('rejects missing files, bad JSON and bad records with exit code 2', async () => {
    const { file, dir } = tempDir();
    const trace = file('t.txt', '');
    const cases: [string[], RegExp][] = [
      [['--info-f', `${dir}/missing.json`, '--trace', trace], /cannot read .*missing.json: no such file/],
      [['--info-f', file('bad.json', '{"data":'), '--trace', trace], /bad.json is not valid JSON/],
      [
        ['--info-f', file('empty.json', '{"data":[]}'), '--trace', trace],
        /empty.json: the F0 record's "data" array is empty/,
      ],
      [
        [
          '--info-f',
          file(
            'ok.json',
            JSON.stringify({ data: [{ daily_key: '00'.repeat(32), time_start: 0, max: 96, time_end: 10 }] }),
          ),
          '--trace',
          dir,
        ],
        /cannot read .*: it is a directory/,
      ],
      [
        ['--info-f', `${dir}/ok.json`, '--trace', trace, '--tolerance', 'x'],
        /--tolerance must be a whole number from 0 to 96/,
      ],
      [['--trace', trace], /required option '--info-f <file>'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['legacy', 'match', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('bluezone (top level)', () => {
  it('prints help and version with exit code 0, and rejects unknown commands with 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/keys/);
    expect(help.stdout).toMatch(/legacy/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^bluezone: unknown command 'frobnicate'/);
  });

  it('runs the demo end to end', async () => {
    const r = await runCli(['demo'], { now: new Date('2026-11-28T08:00:00Z') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decoded back: ok/);
    expect(r.stdout).toMatch(/1 match: line 1, slot 37/);
  });
});
