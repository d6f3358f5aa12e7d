import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The real executable, as `npx bluezone` runs it. It needs the compiled dist/ (built by
// `npm ci` through the root `prepare` script, and by `npm test` before the tests run).
const bin = fileURLToPath(new URL('../bin/bluezone.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));

const exec = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('the bluezone executable', () => {
  it('has been built (run `npm run build` first)', () => {
    expect(built).toBe(true);
  });

  it('exits 0 with the vectors on stdout', () => {
    const r = exec(['legacy', 'ids', '--daily-key', '00'.repeat(32), '--slots', '1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ slot: 0, id: '490C085D937456A4DD07E710' }]);
  });

  it('exits 2 with one line and no stack trace on a user error', () => {
    const r = exec(['keys', 'rpi', '--tek', 'nothex', '--interval', '1']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('bluezone: --tek must be hex (0-9, a-f), found "n" at position 1\n');
  });
});

describe('bluezone serve as a process', () => {
  it('starts on SQLite, answers, and shuts down gracefully on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluezone-serve-'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', join(dir, 'bz.db')], {
      env: { ...process.env, BLUEZONE_DATA_DIR: dir, BLUEZONE_LOG_LEVEL: 'warn', BLUEZONE_JOBS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no listening line: ${err}`)), 15_000);
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const m = /listening on (http:\/\/[^ ]+)/.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(join(dir, 'secret.key'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
