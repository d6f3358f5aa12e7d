/**
 * Personal QR routes (docs/declarations.md §4):
 *
 * - `POST /v1/qr` (device token; verified number and a valid declaration): a signed short-lived
 *   token of the holder's declaration status, shown as a QR code;
 * - `POST /v1/qr/verify` (no credentials; limited per client network): a checkpoint's online
 *   check — valid, or `qr_invalid` / `qr_expired` / `qr_revoked` / `qr_replayed`;
 * - `GET /v1/qr/keys`: the public keys (JWKS) for offline verification (`verifyQrToken` of
 *   @bluezone/protocol).
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { authenticateDevice } from '../../auth.js';
import { ErrorResponse } from '../../schemas.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { issueQr, qrJwks, verifyQrOnline } from './qr.service.js';

const QrResponse = Type.Object({
  token: Type.String({ description: 'compact ES256 JWT (typ bluezone-qr+jwt): show it as a QR code' }),
  expiresAt: Type.String(),
  status: Type.String({ description: 'declared, monitoring or cleared' }),
  kind: Type.String({ description: 'domestic or entry' }),
  declaredOn: Type.String(),
  validUntil: Type.String({ description: 'until when the declaration counts' }),
});

const VerifyRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4096, description: 'the scanned or pasted QR token' }) },
  { additionalProperties: false },
);

const VerifyResponse = Type.Object({
  valid: Type.Literal(true),
  status: Type.String(),
  kind: Type.String(),
  declaredOn: Type.String(),
  validUntil: Type.String(),
  issuedAt: Type.String(),
  expiresAt: Type.String(),
});

const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.String(),
      crv: Type.String(),
      x: Type.String(),
      y: Type.String(),
      kid: Type.String(),
      alg: Type.String(),
      use: Type.String(),
    }),
  ),
});

/** Registers the QR routes. */
export const qrRoutes: RouteModule = (app, ctx) => {
  const installs = new WeakMap<object, InstallRow>();
  const onRequest = async (request: FastifyRequest) => {
    installs.set(request, await authenticateDevice(ctx, request));
  };

  app.post(
    '/v1/qr',
    {
      schema: {
        tags: ['declarations'],
        summary: 'A signed, short-lived QR token of the holder’s declaration status (no personal data)',
        security: [{ deviceToken: [] }],
        response: {
          200: QrResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          409: ErrorResponse,
          429: ErrorResponse,
        },
      },
      onRequest,
    },
    async (request, reply) => {
      const install = installs.get(request);
      if (!install) throw new Error('the device was not authenticated (onRequest hook missing)');
      return reply.header('cache-control', 'no-store').send(await issueQr(ctx, install));
    },
  );

  app.post(
    '/v1/qr/verify',
    {
      schema: {
        tags: ['declarations'],
        summary: 'Verify a personal QR token online (checkpoints)',
        body: VerifyRequest,
        response: { 200: VerifyResponse, 400: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await verifyQrOnline(ctx, request.body.token, request.ip)),
  );

  app.get(
    '/v1/qr/keys',
    {
      schema: {
        tags: ['declarations'],
        summary: 'The public keys of personal QR tokens (JWKS), for offline verification',
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await qrJwks(ctx)),
  );
};
