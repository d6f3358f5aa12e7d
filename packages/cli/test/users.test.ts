import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processIo } from '../src/io.js';
import { run } from '../src/main.js';
import { runCli, tempDir } from './helpers.js';

describe('bluezone users add', () => {
  it('creates a national admin with a generated password printed once', async () => {
    const { dir } = tempDir();
    const r = await runCli([
      'users',
      'add',
      '--username',
      'admin',
      '--role',
      'national_admin',
      '--db',
      join(dir, 'bz.db'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      user: { username: string; role: string; provinceCode: null };
      password: string;
    };
    expect(out.user).toMatchObject({ username: 'admin', role: 'national_admin', provinceCode: null });
    expect(out.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const again = await runCli([
      'users',
      'add',
      '--username',
      'admin',
      '--role',
      'viewer',
      '--province',
      '79',
      '--db',
      join(dir, 'bz.db'),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('bluezone: the username admin is taken; choose another\n');
  });

  it('reads the password from stdin and checks role and province', async () => {
    const { dir } = tempDir();
    let stdout = '';
    let stderr = '';
    const io = {
      ...processIo(),
      stdout: (text: string) => {
        stdout += text;
      },
      stderr: (text: string) => {
        stderr += text;
      },
      interactive: false,
      readStdin: async () => 'a long province passphrase\n',
    };
    const db = join(dir, 'bz.db');
    const code = await run(
      [
        'users',
        'add',
        '--username',
        'hcm.admin',
        '--role',
        'province_admin',
        '--province',
        '79',
        '--password-stdin',
        '--db',
        db,
      ],
      io,
    );
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toMatch(/^User hcm\.admin \(usr_[a-z2-7]{26}\), role province_admin, province 79\.\n$/);
    const noProvince = await runCli(['users', 'add', '--username', 'x.y', '--role', 'viewer', '--db', db]);
    expect(noProvince.stderr).toBe('bluezone: a viewer needs the --province of the province they work for\n');
    const badRole = await runCli(['users', 'add', '--username', 'x.y', '--role', 'root', '--db', db]);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(
      /--role must be one of national_admin, province_admin, health_officer, viewer/,
    );
  });
});
