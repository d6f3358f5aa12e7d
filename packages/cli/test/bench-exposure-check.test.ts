import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('bluezone bench exposure-check', () => {
  it('parses, verifies, matches and scores signed files, and reports JSON', async () => {
    const r = await runCli(['bench', 'exposure-check', '--keys', '3000', '--quick', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(out).sort()).toEqual([
      'files',
      'keys',
      'matchingOnlyMs',
      'ratio',
      'sightings',
      'wholeCheckMs',
    ]);
    expect(out['keys']).toBe(3000);
    expect(out['files']).toBe(1);
    expect(out['wholeCheckMs']).toBeGreaterThan(0);
    expect(out['ratio']).toBeGreaterThan(0);
  });

  it('rejects a bad --keys with exit code 2', async () => {
    const r = await runCli(['bench', 'exposure-check', '--keys', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--keys must be a whole number from 1/);
  });
});
