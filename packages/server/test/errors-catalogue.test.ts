import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERRORS, type ApiErrorCode } from '../src/errors.js';

describe('the error catalogue', () => {
  it('is documented code by code, with status and message, in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    const catalogue = (Object.keys(API_ERRORS) as ApiErrorCode[]).map((code) => [
      code,
      API_ERRORS[code].status,
      API_ERRORS[code].message,
    ]);
    expect(documented.sort()).toEqual(catalogue.sort());
  });

  it('uses snake_case codes and 4xx/5xx statuses', () => {
    for (const [code, { status }] of Object.entries(API_ERRORS)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });
});
