import { describe, expect, it } from 'vitest';
import { matchingBenchmark } from '../src/bench/matching.js';
import { runCli } from './helpers.js';

/** 14 days × 288 scans × 7 phones, plus 4 planted sightings for each of the 5 planted keys. */
const SIGHTINGS = 14 * 288 * 7 + 5 * 4;

describe('bluezone bench matching', () => {
  it('prints exactly the JSON figures, after a run whose planted matches were verified', async () => {
    const r = await runCli(['bench', 'matching', '--keys', '2000', '--quick', '--json']);
    // A run that misses a planted match, or finds another, throws: exit code 1 and a stack.
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(json)).toEqual([
      'keys',
      'sightings',
      'keysPerSecond',
      'rawCryptoKeysPerSecond',
      'ratio',
    ]);
    expect(json['keys']).toBe(2000);
    expect(json['sightings']).toBe(SIGHTINGS);
    for (const field of ['keysPerSecond', 'rawCryptoKeysPerSecond', 'ratio'] as const) {
      expect(Number.isFinite(json[field])).toBe(true);
      expect(json[field]).toBeGreaterThan(0);
    }
    expect(json['ratio']).toBeCloseTo(json['rawCryptoKeysPerSecond']! / json['keysPerSecond']!, 2);
  });

  it('reports the verification and its baseline in the report', async () => {
    const report = await matchingBenchmark.run({ size: 500, quick: true });
    expect(report.id).toBe('matching');
    expect(report.baseline).toMatchObject({ label: 'HKDF + AES calls alone', unit: 'keys/s' });
    expect(report.notes.join('\n')).toMatch(
      /Every timed run was verified: the 5 planted keys and only they matched/,
    );
    expect(report.figures[0]).toMatchObject({ label: 'matching (CPU time)', unit: 'keys/s' });
  });

  it('prints a one-line summary, and rejects a bad --keys with exit code 2', async () => {
    const summary = await runCli(['bench', 'matching', '--keys', '300', '--quick']);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/^Exposure matching: matching \(CPU time\) [\d,]+ keys\/s.*ratio [\d.]+x/);
    const bad = await runCli(['bench', 'matching', '--keys', '0', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--keys must be a whole number from 1 to/);
  });
});
