/**
 * `POST /v1/publish`: key publishing, compatible with Google's exposure-notifications-server v1
 * API (`pkg/api/v1/exposure_types.go`): the same request and response fields, error codes and
 * statuses. Errors keep Google's shape, `{code, error, padding}`; every answer carries random
 * padding and `Cache-Control: no-store`. No API key: the certificate is the authorization. The
 * rules are in publish.service.ts; chaff (`X-Chaff`) is answered with a decoy of the same shape.
 *
 * Also registers the key file endpoints (`/v1/exports/…`, features/exports), so that the key
 * server is one entry of the app's feature list.
 *
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import type { App, RouteModule } from '../../app.js';
import { randomPadding } from '../../chaff.js';
import type { AppContext } from '../../context.js';
import { API_ERRORS, ApiError } from '../../errors.js';
import { exportRoutes } from '../exports/exports.routes.js';
import { PUBLISH_LIMITS, publishKeys } from './publish.service.js';

const NullableString = (maxLength: number, description: string) =>
  Type.Optional(Type.Union([Type.String({ maxLength, description }), Type.Null()]));

/** One key of the request (Google's `ExposureKey`). */
export const PublishKey = Type.Object(
  {
    key: Type.String({ maxLength: 64, description: 'standard base64 (with padding) of the 16-byte key' }),
    rollingStartNumber: Type.Integer({ description: 'ENIntervalNumber at which the key became valid' }),
    rollingPeriod: Type.Integer({ description: 'intervals the key is valid for, 1-144' }),
    transmissionRisk: Type.Optional(
      Type.Union([Type.Integer({ description: 'transmission risk level 0-8 (default 0)' }), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);

/** The request body (Google's v1 `Publish`). */
export const PublishRequest = Type.Object(
  {
    temporaryExposureKeys: Type.Array(PublishKey, {
      maxItems: 1000,
      description: `1 to ${PUBLISH_LIMITS.maxKeys} keys`,
    }),
    healthAuthorityID: NullableString(256, 'the health authority ID the app is configured with'),
    verificationPayload: NullableString(8192, 'the certificate from POST /api/certificate'),
    hmacKey: NullableString(1024, 'standard base64 of the hmackey the ekeyhmac was computed with'),
    symptomOnsetInterval: Type.Optional(
      Type.Union([
        Type.Integer({ description: 'ignored: the onset comes from the certificate' }),
        Type.Null(),
      ]),
    ),
    traveler: Type.Optional(Type.Union([Type.Boolean({ description: 'ignored' }), Type.Null()])),
    revisionToken: NullableString(16_384, 'the revisionToken of an earlier upload of these keys'),
    padding: NullableString(1_000_000, 'random base64 the server ignores'),
  },
  { additionalProperties: false },
);

/** A successful answer (Google's `PublishResponse`). */
export const PublishResponse = Type.Object({
  revisionToken: Type.String({ description: 'opaque: send it with a later upload that revises these keys' }),
  insertedExposures: Type.Integer({ description: 'keys stored by this request (0 for a repeated upload)' }),
  code: Type.Optional(Type.String({ description: 'partial_failure when some keys were dropped' })),
  error: Type.Optional(Type.String({ description: 'which keys were dropped and why' })),
  warnings: Type.Optional(Type.Array(Type.String())),
  padding: Type.Optional(Type.String()),
});

const PublishError = Type.Object({
  code: Type.String(),
  error: Type.String(),
  padding: Type.Optional(Type.String()),
});

function errorBody(code: string, error: string): { code: string; error: string; padding: string } {
  return { code, error, padding: randomPadding() };
}

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'unable to parse request: the body does not match the publish API';
  const where = `body${first.instancePath.replaceAll('/', '.')}`;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties')
    return `unable to parse request: ${where} has an unknown field "${String(params['additionalProperty'])}"`;
  if (first.keyword === 'required')
    return `unable to parse request: ${where} is missing the required field "${String(params['missingProperty'])}"`;
  return `unable to parse request: ${where} ${first.message ?? 'is invalid'}`;
}

function setPublishErrorHandler(scope: App, ctx: AppContext): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    reply.header('cache-control', 'no-store');
    if (error instanceof ApiError) {
      reply.headers(error.headers);
      return reply.status(error.status).send(errorBody(error.code, error.message));
    }
    if (error.validation) return reply.status(400).send(errorBody('bad_request', validationMessage(error)));
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send(errorBody('body_too_large', `request body exceeds ${ctx.config.bodyLimitBytes} bytes`));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(errorBody('unsupported_media_type', 'send the body as application/json'));
    }
    if (
      error instanceof SyntaxError ||
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    ) {
      return reply
        .status(400)
        .send(errorBody('bad_request', 'unable to parse request: the body is not a JSON object'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'publish request failed');
      return reply.status(500).send(errorBody('internal_error', API_ERRORS.internal_error.message));
    }
    return reply.status(status).send(errorBody('bad_request', error.message));
  });
}

/** A decoy answer the size of a real one (a token for 1–14 keys). */
function chaffAnswer(): { status: number; body: Record<string, unknown> } {
  const keys = randomInt(1, 15);
  return {
    status: 200,
    body: {
      revisionToken: randomBytes(1 + 12 + 3 + 21 * keys + 16).toString('base64'),
      insertedExposures: keys,
      padding: randomPadding(),
    },
  };
}

/** Registers `POST /v1/publish` (in a scope with Google's error shape) and the key file endpoints. */
export const publishRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope: App) => {
    setPublishErrorHandler(scope, ctx);
    scope.post(
      '/v1/publish',
      {
        schema: {
          tags: ['keys'],
          summary: 'Publish the Temporary Exposure Keys of a case (Google-compatible)',
          body: PublishRequest,
          response: { 200: PublishResponse, 400: PublishError, 401: PublishError },
        },
        config: { chaff: chaffAnswer },
      },
      async (request, reply) => {
        const outcome = await publishKeys(ctx, request.body);
        return reply.header('cache-control', 'no-store').send({
          revisionToken: outcome.revisionToken,
          insertedExposures: outcome.insertedExposures,
          ...(outcome.partialFailure === undefined
            ? {}
            : { code: 'partial_failure', error: outcome.partialFailure }),
          ...(outcome.warnings.length === 0 ? {} : { warnings: [...outcome.warnings] }),
          padding: randomPadding(),
        });
      },
    );
  });
  await exportRoutes(app, ctx);
};
