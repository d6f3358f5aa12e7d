/**
 * `POST /v1/installs`: registers an app instance and returns its device token, the credential of
 * every later device call (`Authorization: Bearer <deviceToken>`). The token is 256 random bits
 * and only its SHA-256 is stored.
 *
 * @module
 */
import { type Static, Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { ApiError } from '../../errors.js';
import { hashSecret, newBearerSecret, newId } from '../../ids.js';
import { ErrorResponse } from '../../schemas.js';
import { countInstall, statsDims } from '../stats/counters.js';
import { insertInstall } from './installs.repository.js';

export const InstallRequest = Type.Object(
  {
    platform: Type.Enum(['android', 'ios', 'web'], { description: 'android, ios or web' }),
    appVersion: Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^[0-9A-Za-z.+_-]+$',
      examples: ['1.0.0'],
    }),
    provinceCode: Type.String({
      pattern: '^[0-9]{2}$',
      description: 'GSO province code (2 digits)',
      examples: ['01'],
    }),
    districtCode: Type.Optional(
      Type.Union([
        Type.String({ pattern: '^[0-9]{3}$', description: 'GSO district code (3 digits)' }),
        Type.Null(),
      ]),
    ),
    locale: Type.Enum(['vi', 'en'], { description: 'vi or en' }),
  },
  { additionalProperties: false },
);
export type InstallRequest = Static<typeof InstallRequest>;

export const InstallResponse = Type.Object({
  installId: Type.String(),
  deviceToken: Type.String({ description: 'Bearer credential; shown once, store it in the keychain' }),
});

export const installRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/installs',
    {
      schema: {
        tags: ['device'],
        summary: 'Register an app install',
        body: InstallRequest,
        response: { 201: InstallResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const problem = ctx.adminUnits.check(body.provinceCode, body.districtCode);
      if (problem) throw new ApiError('invalid_request', problem);
      const installId = newId('ins_');
      const deviceToken = newBearerSecret();
      const createdAt = ctx.now();
      const row = {
        id: installId,
        token_hash: hashSecret(deviceToken),
        platform: body.platform,
        app_version: body.appVersion,
        province_code: body.provinceCode,
        district_code: body.districtCode ?? null,
        admin_units_as_of: ctx.adminUnits.asOf,
        locale: body.locale,
        created_at: createdAt,
        last_active_at: null,
        phone_id: null,
        phone_verified_at: null,
        carrier: null,
      };
      // The install and its statistics counter, in one transaction (docs/statistics.md).
      await ctx.storage.transaction(async (trx) => {
        await insertInstall(trx, row);
        await countInstall(trx, statsDims(row), createdAt);
      });
      return reply.status(201).send({ installId, deviceToken });
    },
  );
};
