import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const KEYS = [
  'population',
  'uptake',
  'days',
  'confirmedCases',
  'closeContacts',
  'warned',
  'truePositives',
  'falsePositives',
  'precision',
  'recall',
  'contactsPerCase',
  'medianHoursToWarning',
];

describe('bluezone sim', () => {
  it('prints exactly the summary fields, the same for the same seed, and writes the report', async () => {
    const { dir } = tempDir();
    const argv = [
      'sim',
      '--province',
      '30',
      '--population',
      '10000',
      '--uptake',
      '0.3',
      '--days',
      '2',
      '--seed',
      '7',
      '--json',
    ];
    const a = await runCli([...argv, '--out', dir]);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const b = await runCli(argv);
    expect(b.stdout).toBe(a.stdout);
    const json = JSON.parse(a.stdout) as Record<string, number>;
    expect(Object.keys(json)).toEqual(KEYS);
    expect(json['population']).toBe(10_000);
    expect(json['truePositives']).toBeLessThanOrEqual(json['warned']!);
    for (const k of ['precision', 'recall']) {
      expect(json[k]).toBeGreaterThanOrEqual(0);
      expect(json[k]).toBeLessThanOrEqual(1);
    }
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('Tỉnh Hải Dương');
    expect(readFileSync(join(dir, 'close-contacts-by-setting.svg'), 'utf8')).toMatch(/^<svg/);
  }, 300_000);

  it('refuses bad arguments with exit code 2 and one line', async () => {
    for (const argv of [
      ['sim', '--province', '99'],
      ['sim', '--province', '30', '--population', '500'],
      ['sim', '--province', '30', '--uptake', '1.5'],
      ['sim', '--province', '30', '--days', '0'],
      ['sim', '--province', '30', '--risk', 'cwa2'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
