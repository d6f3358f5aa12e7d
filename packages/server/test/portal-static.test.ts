/**
 * Serving the portal (features/portal): the SPA at `/` with index.html for client routes, long
 * caches for hashed assets, no-cache for index.html, a CSP without inline scripts, the API's JSON
 * 404 under its prefixes, and a clear 503 when the portal is not built. Uses a small fake build in
 * a temp directory, so that it does not depend on `npm run build`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { API_PREFIXES, PORTAL_CSP } from '../src/features/portal/portal.routes.js';
import { createTestApp } from './harness.js';

const INDEX =
  '<!doctype html><html lang="vi"><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-portal-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("portal")');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('portal static serving', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { config: { BLUEZONE_PORTAL_DIR: fakeBuild() } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves index.html at / with no-cache and a CSP that allows no inline script', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toBe(INDEX);
    expect(r.headers['cache-control']).toBe('no-cache');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toBe(PORTAL_CSP);
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers index.html for client routes, also deep ones with IDs', async () => {
    for (const url of [
      '/cases',
      '/contacts/con_123',
      '/graph/case_1',
      '/audit?action=user.login',
      '/login',
    ]) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.body, url).toBe(INDEX);
      expect(r.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('serves hashed assets with a year-long immutable cache, other files with a short one', async () => {
    const asset = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log("portal")');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('answers 404 for a missing asset instead of the app', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/assets/index-gone.js' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('keeps the API’s JSON 404 under every API prefix', async () => {
    for (const prefix of API_PREFIXES) {
      const url = `/${prefix}/nothing-here`;
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json(), url).toEqual({ error: { code: 'not_found', message: `no route GET ${url}` } });
    }
  });

  it('does not shadow API routes', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok' });
    const session = await t.app.inject({ method: 'GET', url: '/admin/v1/session' });
    expect(session.statusCode).toBe(401);
  });

  it('never serves files outside the portal directory', async () => {
    for (const url of ['/../package.json', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.body, url).not.toMatch(/root:|"name"/);
    }
  });

  it('offers only GET and HEAD: other methods on app paths are the API’s 404', async () => {
    const head = await t.app.inject({ method: 'HEAD', url: '/cases' });
    expect(head.statusCode).toBe(200);
    const post = await t.app.inject({ method: 'POST', url: '/cases', payload: {} });
    expect(post.statusCode).toBe(404);
  });
});

describe('portal not built', () => {
  it('answers 503 unavailable saying to run npm run build, while the API keeps working', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bluezone-portal-empty-'));
    const t = await createTestApp('sqlite', { config: { BLUEZONE_PORTAL_DIR: empty } });
    try {
      for (const url of ['/', '/cases/case_1']) {
        const r = await t.app.inject({ method: 'GET', url });
        expect(r.statusCode, url).toBe(503);
        const body = r.json() as { error: { code: string; message: string } };
        expect(body.error.code).toBe('unavailable');
        expect(body.error.message).toContain('npm run build');
        expect(body.error.message).toContain(empty);
      }
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('also when the directory does not exist at all', async () => {
    const missing = join(tmpdir(), `bluezone-portal-missing-${Date.now()}`);
    const t = await createTestApp('sqlite', { config: { BLUEZONE_PORTAL_DIR: missing } });
    try {
      const r = await t.app.inject({ method: 'GET', url: '/' });
      expect(r.statusCode).toBe(503);
    } finally {
      await t.close();
    }
  });
});

describe('BLUEZONE_PORTAL_DIR', () => {
  it('defaults to the portal package’s dist next to the server package', () => {
    const config = loadConfig({});
    expect(config.portalDir.replaceAll('\\', '/')).toMatch(/packages\/portal\/dist$/);
  });

  it('resolves a relative directory against the working directory', () => {
    expect(loadConfig({ BLUEZONE_PORTAL_DIR: 'web' }, '/srv/bluezone').portalDir).toBe('/srv/bluezone/web');
  });
});
