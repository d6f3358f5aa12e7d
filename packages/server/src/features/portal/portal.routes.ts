/**
 * The health-authority portal (packages/portal, docs/portal.md): the built single-page app served
 * from `BLUEZONE_PORTAL_DIR` at `/`.
 *
 * - Files of the build (`/assets/…`, hashed names) are served with a year-long immutable cache;
 *   other files (favicon…) with a short one.
 * - Every other GET outside the API prefixes answers `index.html` (no-cache), so that the app's
 *   own routes (`/cases/…`) survive a reload; unknown paths under the API prefixes keep the JSON
 *   404 of the API.
 * - Pages carry a Content-Security-Policy without inline scripts (the build has none).
 * - Without a built `index.html` the site answers 503 `unavailable`, saying to run `npm run build`.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { RouteModule } from '../../app.js';
import { errorBody } from '../../errors.js';

/** First path segments that belong to the API (or its docs): never answered with the app. */
export const API_PREFIXES = ['v1', 'admin', 'api', 'docs', 'healthz', 'readyz'] as const;

/**
 * The policy of the portal's pages: scripts, styles, images and API calls from this origin only;
 * inline styles are allowed (ECharts and React set element styles), inline scripts are not.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Cache lifetime of hashed build files (their names change with their content). */
const IMMUTABLE_MAX_AGE_MS = 365 * 86_400_000;
/** Cache lifetime of other files of the build. */
const SHORT_MAX_AGE_MS = 3_600_000;

const SECURITY_HEADERS = {
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/** Registers the portal routes (GET and HEAD of every path outside {@link API_PREFIXES}). */
export const portalRoutes: RouteModule = async (app, ctx) => {
  const root = ctx.config.portalDir;
  const indexFile = join(root, 'index.html');

  await app.register(async (scope) => {
    // serve: false — only reply.sendFile; the one route below decides what is served.
    await scope.register(fastifyStatic, { root, serve: false, suppressWarning: true });

    scope.get('/*', { schema: { hide: true } }, (request, reply) => {
      const path = (request.params as { '*'?: string })['*'] ?? '';
      const first = path.split('/')[0] ?? '';
      if ((API_PREFIXES as readonly string[]).includes(first)) return reply.callNotFound();
      if (!existsSync(indexFile)) {
        return reply
          .status(503)
          .header('cache-control', 'no-store')
          .send(
            errorBody(
              'unavailable',
              `the portal is not built: no index.html in ${root}; run \`npm run build\` (or set BLUEZONE_PORTAL_DIR)`,
            ),
          );
      }
      reply.headers(SECURITY_HEADERS);
      const file = normalize(path);
      const inside = file !== '' && file !== '.' && !file.startsWith('..') && !file.includes(`..${sep}`);
      if (inside && file !== 'index.html' && isFile(join(root, file))) {
        const hashed = file.startsWith(`assets${sep}`);
        return reply.sendFile(file, {
          maxAge: hashed ? IMMUTABLE_MAX_AGE_MS : SHORT_MAX_AGE_MS,
          immutable: hashed,
        });
      }
      // Unknown files with an extension are missing assets, not pages of the app.
      if (/\.[A-Za-z0-9]{1,8}$/.test(file) && !file.endsWith('.html')) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    });
  });
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
