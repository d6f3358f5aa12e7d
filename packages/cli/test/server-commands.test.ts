import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

describe('bluezone migrate and apikeys', () => {
  it('migrates a new SQLite file, then reports it up to date', async () => {
    const { dir } = tempDir();
    const db = join(dir, 'bz.db');
    const first = await runCli(['migrate', '--db', db, '--json']);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { applied: string[]; current: string[] };
    expect(report.applied).toContain('0001-foundation');
    expect(report.current).toEqual(report.applied);
    const again = await runCli(['migrate', '--db', db]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already up to date/);
  });

  it('creates an API key and prints it once as JSON', async () => {
    const { dir } = tempDir();
    const r = await runCli([
      'apikeys',
      'add',
      '--role',
      'lab',
      '--name',
      'CDC lab',
      '--db',
      join(dir, 'bz.db'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const key = JSON.parse(r.stdout) as { id: string; key: string; role: string };
    expect(Object.keys(key).sort()).toEqual(['id', 'key', 'role']);
    expect(key.role).toBe('lab');
    expect(key.key).toMatch(/^bz_/);
  });

  it('rejects a bad role and a bad configuration with exit code 2', async () => {
    const { dir } = tempDir();
    const role = await runCli(['apikeys', 'add', '--role', 'root', '--db', join(dir, 'bz.db')]);
    expect(role.code).toBe(2);
    expect(role.stderr).toBe('bluezone: --role must be one of admin, lab, device, got "root"\n');
    // A partner key is made with its partner (POST /admin/v1/partners), never on its own.
    const partner = await runCli(['apikeys', 'add', '--role', 'partner', '--db', join(dir, 'bz.db')]);
    expect(partner.code).toBe(2);
    expect(partner.stderr).toMatch(/--role must be one of admin, lab, device, got "partner"/);
    const port = await runCli(['serve', '--port', '99999']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port must be a whole number from 0 to 65535/);
  });

  it('exits 78 (EX_CONFIG) with one line when an environment variable is bad', async () => {
    const r = await runCli(['serve'], { env: { BLUEZONE_LOG_LEVEL: 'loud' } });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      'bluezone: BLUEZONE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n',
    );
  });
});
