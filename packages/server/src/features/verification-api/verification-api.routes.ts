/**
 * The device side of upload authorization, compatible with Google's Exposure Notifications
 * verification server (its docs/api.md): `POST /api/verify` exchanges a verification code for a
 * token, `POST /api/certificate` exchanges the token and the HMAC of the phone's keys for a
 * signed certificate. API key role `device` in `X-API-Key`. Errors keep Google's shape,
 * `{error, errorCode}`, with Google's codes and statuses (docs/errors.md, "Verification API").
 *
 * A code is single use (claiming it claims the case's other code), a token too (24 h). Wrong
 * codes count toward the lock-out of lock-out.ts. Codes and tokens never reach a log.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { VERIFICATION_HMAC_LENGTH, verificationBase64Decode } from '@bluezone/protocol';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import type { App, RouteModule } from '../../app.js';
import { authenticateApiKey } from '../../auth.js';
import { randomPadding } from '../../chaff.js';
import type { AppContext } from '../../context.js';
import { API_ERRORS, ApiError } from '../../errors.js';
import { hashSecret, keyedHash, newBearerSecret, newId } from '../../ids.js';
import {
  claimCaseCodes,
  exchangeToken,
  findCase,
  findCodeByHash,
  findTokenByHash,
  insertAuditEntry,
  insertToken,
} from '../cases/cases.repository.js';
import { parseVerificationCode } from '../cases/codes.js';
import { CERTIFICATE_AUDIENCE, certificateHash, signCaseCertificate } from './certificates.js';
import {
  assertClientNotLockedOut,
  assertShortCodesNotLockedOut,
  clientBucket,
  recordWrongCode,
} from './lock-out.js';

/** How long a verification token can be exchanged for a certificate: 24 hours. */
export const TOKEN_LIFETIME_MS = 24 * 3_600_000;

/** Test types a client accepts when it sends no `accept` (Google's, with `user-report`). */
export const DEFAULT_ACCEPTED_TEST_TYPES = ['confirmed', 'likely', 'negative', 'user-report'] as const;

/**
 * Test types a client may list in `accept`: Google's, and Bluezone's `recursive` (the code of a
 * recursive case, made for an F1 contact), which only an app that lists it accepts.
 */
export const KNOWN_TEST_TYPES = [...DEFAULT_ACCEPTED_TEST_TYPES, 'recursive'] as const;

// What accepting each test type means (Google's hierarchy; recursive stands alone).
const IMPLIED_TEST_TYPES: ReadonlyMap<string, readonly string[]> = new Map([
  ['confirmed', ['confirmed']],
  ['likely', ['confirmed', 'likely']],
  ['negative', ['confirmed', 'likely', 'negative']],
  ['user-report', ['user-report']],
  ['recursive', ['recursive']],
]);

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The test types a client accepts, by Google's hierarchy: `likely` implies `confirmed`,
 * `negative` implies both; `user-report` stands alone; an absent or empty list accepts Google's
 * four. `recursive` must be listed (an app that does not know it would mistake the case for
 * an F0). Throws `invalid_test_type` for an unknown value.
 */
export function acceptedTestTypes(accept: readonly string[] | null | undefined): ReadonlySet<string> {
  if (!accept || accept.length === 0) return new Set(DEFAULT_ACCEPTED_TEST_TYPES);
  const accepted = new Set<string>();
  for (const type of accept) {
    const implied = IMPLIED_TEST_TYPES.get(type);
    if (implied === undefined) {
      throw new ApiError(
        'invalid_test_type',
        `accept contains ${JSON.stringify(type).slice(0, 40)}, not a test type; use ${KNOWN_TEST_TYPES.join(', ')}`,
      );
    }
    for (const t of implied) accepted.add(t);
  }
  return accepted;
}

const Padding = Type.Optional(
  Type.Union([Type.String({ description: 'random base64 the server ignores' }), Type.Null()]),
);

export const VerifyCodeRequest = Type.Object(
  {
    code: Type.String({ maxLength: 64, description: 'the short or the long code' }),
    accept: Type.Optional(
      Type.Union([
        Type.Array(Type.String({ maxLength: 32 }), {
          maxItems: 8,
          description: 'test types the app can process; absent or empty: all',
        }),
        Type.Null(),
      ]),
    ),
    padding: Padding,
  },
  { additionalProperties: false },
);

export const VerifyCodeResponse = Type.Object({
  testtype: Type.String({ description: 'confirmed, likely or recursive' }),
  symptomDate: Type.Optional(Type.String({ description: 'YYYY-MM-DD; absent when not reported' })),
  testDate: Type.Optional(Type.String({ description: 'YYYY-MM-DD' })),
  token: Type.String({ description: 'single use, valid 24 h: send it to /api/certificate' }),
  padding: Type.Optional(Type.String()),
});

export const CertificateRequest = Type.Object(
  {
    token: Type.String({ maxLength: 1024, description: 'the token from /api/verify' }),
    ekeyhmac: Type.String({
      maxLength: 1024,
      description: 'standard base64 of the HMAC-SHA256 of the keys to upload (docs/verification.md)',
    }),
    padding: Padding,
  },
  { additionalProperties: false },
);

export const CertificateResponse = Type.Object({
  certificate: Type.String({ description: 'ES256 JWT for /v1/publish (verificationPayload)' }),
  padding: Type.Optional(Type.String()),
});

const GoogleError = Type.Object({ error: Type.String(), errorCode: Type.String() });

function googleErrorBody(errorCode: string, error: string): { error: string; errorCode: string } {
  return { error, errorCode };
}

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'the body does not match the API';
  const where = `body${first.instancePath.replaceAll('/', '.')}`;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties')
    return `${where} has an unknown field "${String(params['additionalProperty'])}"`;
  if (first.keyword === 'required')
    return `${where} is missing the required field "${String(params['missingProperty'])}"`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

function setGoogleErrorHandler(scope: App, ctx: AppContext): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    reply.header('cache-control', 'no-store');
    if (error instanceof ApiError) {
      reply.headers(error.headers);
      return reply.status(error.status).send(googleErrorBody(error.code, error.message));
    }
    if (error.validation)
      return reply.status(400).send(googleErrorBody('unparsable_request', validationMessage(error)));
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send(googleErrorBody('body_too_large', `request body exceeds ${ctx.config.bodyLimitBytes} bytes`));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply
        .status(415)
        .send(googleErrorBody('unsupported_media_type', 'send the body as application/json'));
    if (
      error instanceof SyntaxError ||
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    ) {
      return reply.status(400).send(googleErrorBody('unparsable_request', 'the body is not a JSON object'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'verification API request failed');
      return reply.status(500).send(googleErrorBody('internal', API_ERRORS.internal.message));
    }
    return reply.status(status).send(googleErrorBody('unparsable_request', error.message));
  });
}

const decoyCertificate = () => [60, 230, 64].map((n) => randomBytes(n).toString('base64url')).join('.');

/** Registers `POST /api/verify` and `POST /api/certificate` in a scope with Google's error shape. */
export const verificationApiRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope: App) => {
    setGoogleErrorHandler(scope, ctx);

    scope.post(
      '/api/verify',
      {
        schema: {
          tags: ['verification'],
          summary: 'Exchange a verification code for a token (Google-compatible)',
          security: [{ apiKey: [] }],
          body: VerifyCodeRequest,
          response: { 200: VerifyCodeResponse, 400: GoogleError, 412: GoogleError, 429: GoogleError },
        },
        config: {
          chaff: () => ({
            status: 200,
            body: { testtype: 'confirmed', token: newBearerSecret(), padding: randomPadding() },
          }),
        },
      },
      async (request, reply) => {
        const principal = await authenticateApiKey(ctx, request, ['device']);
        const body = request.body;
        const accepted = acceptedTestTypes(body.accept);
        const now = ctx.now();
        const bucket = clientBucket(ctx, principal.id, request.ip);
        await assertClientNotLockedOut(ctx, bucket, now);

        const parsed = parseVerificationCode(body.code);
        if (!parsed.ok) throw new ApiError('code_invalid', parsed.message);
        if (parsed.kind === 'short') await assertShortCodesNotLockedOut(ctx, now);

        const code = await findCodeByHash(ctx.storage.db, keyedHash(ctx.secrets.codeHashKey, parsed.code));
        if (!code) {
          await recordWrongCode(ctx, bucket, parsed.kind, now);
          throw new ApiError(
            'code_not_found',
            'there is no such code: check every character with the health authority (wrong codes count toward a lock-out)',
          );
        }
        if (code.claimed_at !== null)
          throw new ApiError(
            'code_invalid',
            'the code was already used; ask the health authority for a new one',
          );
        if (code.invalidated_at !== null) {
          throw new ApiError(
            'code_invalid',
            'the code was replaced by a newer one; use the latest code from the health authority',
          );
        }
        if (code.expires_at <= now) {
          throw new ApiError(
            'code_expired',
            `the code expired (${code.kind === 'short' ? 'short codes last 1 hour' : 'codes sent by SMS last 24 hours'}); ask the health authority for a new one`,
          );
        }
        const kase = await findCase(ctx.storage.db, code.case_id);
        if (!kase) throw new Error(`verification code ${code.id} has no case`);
        if (!accepted.has(kase.test_type)) {
          throw new ApiError(
            'unsupported_test_type',
            `the code is for a ${kase.test_type} case, which this app does not accept (accept: ${[...accepted].join(', ')}); update the app and enter the code again`,
          );
        }

        const token = newBearerSecret();
        await ctx.storage.transaction(async (trx) => {
          if (!(await claimCaseCodes(trx, code, now)))
            throw new ApiError(
              'code_invalid',
              'the code was used a moment ago; ask the health authority for a new one',
            );
          await insertToken(trx, {
            id: newId('vt_'),
            case_id: kase.id,
            token_hash: hashSecret(token),
            created_at: now,
            expires_at: now + TOKEN_LIFETIME_MS,
            exchanged_at: null,
            certificate_hash: null,
          });
          await insertAuditEntry(trx, {
            id: newId('aud_'),
            at: now,
            actor: `apikey:${principal.id}`,
            action: 'case.code.claim',
            subject: `case:${kase.id}`,
            details: { kind: code.kind },
          });
        });
        return reply.header('cache-control', 'no-store').send({
          testtype: kase.test_type,
          ...(kase.symptom_date === null ? {} : { symptomDate: kase.symptom_date }),
          testDate: kase.test_date,
          token,
        });
      },
    );

    scope.post(
      '/api/certificate',
      {
        schema: {
          tags: ['verification'],
          summary: 'Exchange a token and the HMAC of the keys for a certificate (Google-compatible)',
          security: [{ apiKey: [] }],
          body: CertificateRequest,
          response: { 200: CertificateResponse, 400: GoogleError },
        },
        config: {
          chaff: () => ({ status: 200, body: { certificate: decoyCertificate(), padding: randomPadding() } }),
        },
      },
      async (request, reply) => {
        const principal = await authenticateApiKey(ctx, request, ['device']);
        const body = request.body;
        let tekmac: Uint8Array;
        try {
          tekmac = verificationBase64Decode(body.ekeyhmac, 'ekeyhmac', VERIFICATION_HMAC_LENGTH);
        } catch {
          throw new ApiError(
            'hmac_invalid',
            `ekeyhmac must be standard padded base64 of the ${VERIFICATION_HMAC_LENGTH}-byte HMAC-SHA256 of the keys (44 characters)`,
          );
        }
        const unknown = () =>
          new ApiError(
            'token_invalid',
            'the token is unknown or already used: verify a new code to get a new token',
          );
        if (!TOKEN_PATTERN.test(body.token)) throw unknown();
        const now = ctx.now();
        const token = await findTokenByHash(ctx.storage.db, hashSecret(body.token));
        if (!token || token.exchanged_at !== null) throw unknown();
        if (token.expires_at <= now)
          throw new ApiError(
            'token_expired',
            'the token expired (tokens last 24 hours): ask the health authority for a new code',
          );
        const kase = await findCase(ctx.storage.db, token.case_id);
        if (!kase) throw new Error(`verification token ${token.id} has no case`);

        const { certificate, kid } = await signCaseCertificate(ctx, kase, tekmac, now);
        await ctx.storage.transaction(async (trx) => {
          if (!(await exchangeToken(trx, token, certificateHash(certificate), now))) throw unknown();
          await insertAuditEntry(trx, {
            id: newId('aud_'),
            at: now,
            actor: `apikey:${principal.id}`,
            action: 'case.certificate.issue',
            subject: `case:${kase.id}`,
            details: { kid, audience: CERTIFICATE_AUDIENCE, reportType: kase.test_type },
          });
        });
        return reply.header('cache-control', 'no-store').send({ certificate });
      },
    );
  });
};
