/**
 * Public reference data (docs/api.md, "Reference data"):
 *
 * - `GET /v1/reference/admin-units` → `{asOf, provinces: [{code, name, nameEn, districts: [{code,
 *   name}]}]}`: the 63 provinces and their districts (GSO codes, units in force on `asOf`) that
 *   the server accepts, so that the portal and other clients fill their drop-downs from the same
 *   list the server checks against (reference/admin-units.ts). No credentials; cacheable
 *   (`Cache-Control: public`, a strong `ETag`, 304 on `If-None-Match`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import type { AdminUnits } from '../../reference/admin-units.js';

const AdminUnitsResponse = Type.Object({
  asOf: Type.String({ description: 'the date the units were in force, YYYY-MM-DD' }),
  provinces: Type.Array(
    Type.Object({
      code: Type.String({ description: 'GSO province code, 2 digits', examples: ['79'] }),
      name: Type.String({ description: 'full Vietnamese name', examples: ['Thành phố Hồ Chí Minh'] }),
      nameEn: Type.String({ description: 'English name', examples: ['Ho Chi Minh City'] }),
      districts: Type.Array(
        Type.Object({
          code: Type.String({ description: 'GSO district code, 3 digits', examples: ['760'] }),
          name: Type.String({ description: 'full Vietnamese name', examples: ['Quận 1'] }),
        }),
        { description: 'by code' },
      ),
    }),
    { description: 'by code' },
  ),
});

/** Seconds clients and proxies may cache the list (the units change by decree, rarely). */
export const ADMIN_UNITS_MAX_AGE_SECONDS = 86_400;

/** The response body of the units, provinces and districts by code. */
export function adminUnitsBody(units: AdminUnits) {
  const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code);
  const districts = [...units.districts.values()];
  return {
    asOf: units.asOf,
    provinces: [...units.provinces.values()].sort(byCode).map((p) => ({
      code: p.code,
      name: p.name,
      nameEn: p.nameEn,
      districts: districts
        .filter((d) => d.provinceCode === p.code)
        .sort(byCode)
        .map((d) => ({ code: d.code, name: d.name })),
    })),
  };
}

/** Registers the reference data routes. */
export const referenceRoutes: RouteModule = (app, ctx) => {
  const body = adminUnitsBody(ctx.adminUnits);
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;

  app.get(
    '/v1/reference/admin-units',
    {
      schema: {
        tags: ['reference'],
        summary: 'The provinces and districts the server accepts (public, cacheable)',
        response: { 200: AdminUnitsResponse, 304: Type.Null() },
      },
    },
    async (request, reply) => {
      reply.header('etag', etag).header('cache-control', `public, max-age=${ADMIN_UNITS_MAX_AGE_SECONDS}`);
      const sent = request.headers['if-none-match'];
      if (sent?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
        return reply.status(304).send(null);
      return body;
    },
  );
};
