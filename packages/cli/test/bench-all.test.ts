import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('bluezone bench all --size', () => {
  it('refuses a size for an unknown or unsizable benchmark, or a bad number, before running anything', async () => {
    const unknown = await runCli(['bench', 'all', '--size', 'nope=3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^bluezone: --size takes id=n for a sizable benchmark \(.*stats.*\), got "nope=3"\n$/,
    );
    const shape = await runCli(['bench', 'all', '--size', 'stats']);
    expect(shape.code).toBe(2);
    expect(shape.stderr).toMatch(/got "stats"/);
    const zero = await runCli(['bench', 'all', '--size', 'stats=0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--size stats must be a whole number from 1 to/);
    expect(unknown.stdout + shape.stdout + zero.stdout).toBe('');
  });
});
