import { readFileSync } from 'node:fs';
import { PROTOCOL_ERROR_CODES } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';

describe('the protocol error catalogue', () => {
  it('is documented code by code in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Protocol errors'), doc.indexOf('## Command line'));
    const documented = [...section.matchAll(/^\| `([a-z0-9_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(documented.sort()).toEqual(Object.entries(PROTOCOL_ERROR_CODES).sort());
  });

  it('uses snake_case codes', () => {
    for (const code of Object.keys(PROTOCOL_ERROR_CODES)) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  });
});
