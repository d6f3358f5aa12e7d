import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('bluezone bench exposure-check', () => {
  it('parses, verifies, matches and scores signed files, in one thread and on the worker pool, and reports JSON', async () => {
    const r = await runCli(['bench', 'exposure-check', '--keys', '3000', '--quick', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(out).sort()).toEqual([
      'files',
      'keys',
      'matchingOnlyMs',
      'parallelSpeedup',
      'parallelWholeCheckMs',
      'ratio',
      'sightings',
      'wholeCheckMs',
      'workerStartMs',
      'workers',
    ]);
    expect(out['keys']).toBe(3000);
    expect(out['files']).toBe(1);
    expect(out['wholeCheckMs']).toBeGreaterThan(0);
    expect(out['ratio']).toBeGreaterThan(0);
    expect(out['parallelWholeCheckMs']).toBeGreaterThan(0);
    expect(out['parallelSpeedup']).toBeCloseTo(out['wholeCheckMs']! / out['parallelWholeCheckMs']!, 6);
    expect(out['workerStartMs']).toBeGreaterThan(0);
    expect(Number.isInteger(out['workers']) && out['workers']! >= 1).toBe(true);
  });

  it('prints the pooled figure next to the one-thread one', async () => {
    const r = await runCli(['bench', 'exposure-check', '--keys', '2500', '--quick']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/whole check [\d,.]+ ms/);
    expect(r.stdout).toMatch(/whole check \(matching on \d+ workers\) [\d,.]+ ms/);
  });

  it('rejects a bad --keys with exit code 2', async () => {
    const r = await runCli(['bench', 'exposure-check', '--keys', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--keys must be a whole number from 1/);
  });
});
