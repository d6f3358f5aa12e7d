import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';

describe('serve --demo', () => {
  it('seeds an empty database once, with API keys that work, and nothing the second time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluezone-demo-'));
    const config = loadConfig({
      BLUEZONE_DATA_DIR: dir,
      BLUEZONE_PORT: '0',
      BLUEZONE_LOG_LEVEL: 'silent',
      BLUEZONE_JOBS: 'false',
    });
    const first = await startServer(config, { demo: true, logger: false });
    try {
      expect(first.demoKeys?.admin).toMatch(/^bz_/);
      const installs = await first.storage.db
        .selectFrom('installs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(installs.n)).toBe(5000);
      const res = await fetch(`${first.url}/admin/v1/cases?limit=1`, {
        headers: { 'x-api-key': first.demoKeys!.admin },
      });
      expect(res.status).toBe(200);
    } finally {
      await first.close();
    }
    const second = await startServer(config, { demo: true, logger: false });
    try {
      expect(second.demoKeys).toBeUndefined();
    } finally {
      await second.close();
    }
  });
});
