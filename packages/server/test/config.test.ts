import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has documented defaults and is frozen', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/srv/data',
      sqlitePath: '/srv/data/bluezone.db',
      databaseUrl: undefined,
      databaseSchema: 'public',
      healthAuthorityId: 'vn-moh',
      region: 'VN',
      sms: { kind: 'console' },
      keyRetentionDays: 14,
      exportMinKeys: 1000,
      exportMaxKeys: 750_000,
      activeDays: 7,
      jobsEnabled: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        BLUEZONE_PORT: '0',
        BLUEZONE_DB: 'x.db',
        DATABASE_URL: 'postgres://u@h:5432/d',
        BLUEZONE_DB_SCHEMA: 'bz',
        BLUEZONE_SMS: 'file:sms.jsonl',
        BLUEZONE_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
        BLUEZONE_JOBS: 'off',
      },
      '/srv',
    );
    expect(config.port).toBe(0);
    expect(config.sqlitePath).toBe('/srv/x.db');
    expect(config.databaseUrl).toBe('postgres://u@h:5432/d');
    expect(config.sms).toEqual({ kind: 'file', path: '/srv/sms.jsonl' });
    expect(config.secretKey).toEqual(new Uint8Array(32).fill(1));
    expect(config.jobsEnabled).toBe(false);
    expect(loadConfig({ BLUEZONE_SMS: 'http:https://sms.example/send' }).sms).toEqual({
      kind: 'http',
      url: 'https://sms.example/send',
    });
  });

  it.each([
    [{ BLUEZONE_PORT: '70000' }, 'BLUEZONE_PORT must be from 0 to 65535, got 70000'],
    [{ BLUEZONE_PORT: 'eighty' }, 'BLUEZONE_PORT must be a whole number'],
    [
      { BLUEZONE_LOG_LEVEL: 'loud' },
      'BLUEZONE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ BLUEZONE_SECRET_KEY: 'c2hvcnQ=' }, 'BLUEZONE_SECRET_KEY must be 32 bytes in standard base64'],
    [{ BLUEZONE_SMS: 'pigeon' }, 'BLUEZONE_SMS must be console, file:PATH or http:URL'],
    [{ BLUEZONE_SMS: 'http:not a url' }, 'needs a valid http(s) URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must start with postgres://'],
    [{ BLUEZONE_DB_SCHEMA: 'Drop Table' }, 'BLUEZONE_DB_SCHEMA must be a lower-case SQL identifier'],
    [
      { BLUEZONE_EXPORT_MIN_KEYS: '10', BLUEZONE_EXPORT_MAX_KEYS: '5' },
      'must not exceed BLUEZONE_EXPORT_MAX_KEYS',
    ],
    [{ BLUEZONE_JOBS: 'maybe' }, 'BLUEZONE_JOBS must be true or false'],
    [{ BLUEZONE_PROT: '80' }, 'unknown setting BLUEZONE_PROT'],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('is documented variable by variable in docs/operations.md', () => {
    const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    for (const v of CONFIG_VARIABLES)
      expect(doc, v.name).toContain(`| \`${v.name}\` | ${v.default} | ${v.range} |`);
  });
});
