/**
 * `buildApp(config, deps)`: the whole HTTP application, ready for `inject` in tests or `listen`
 * in `main`. Routes live in feature folders and are registered here, in one list.
 *
 * @module
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { registerChaffHook } from './chaff.js';
import type { Config } from './config.js';
import { type AppContext, type AppDeps, createContext } from './context.js';
import { API_ERRORS, ApiError, type ApiErrorCode, errorBody } from './errors.js';
import { apiKeyRoutes } from './features/api-keys.routes.js';
import { auditRoutes } from './features/audit/audit.routes.js';
import { caseRoutes } from './features/cases/cases.routes.js';
import { contactWorkflowRoutes } from './features/contacts/contact-workflow.routes.js';
import { contactRoutes } from './features/contacts/contacts.routes.js';
import { declarationRoutes } from './features/declarations/declarations.routes.js';
import { deviceRoutes } from './features/device/device.routes.js';
import { healthRoutes } from './features/health/health.routes.js';
import { installRoutes } from './features/installs/installs.routes.js';
import { partnerRoutes } from './features/partners/partners.routes.js';
import { phoneRoutes } from './features/phones/phones.routes.js';
import { portalRoutes } from './features/portal/portal.routes.js';
import { publishRoutes } from './features/publish/publish.routes.js';
import { qrRoutes } from './features/qr/qr.routes.js';
import { referenceRoutes } from './features/reference/reference.routes.js';
import { reportRoutes } from './features/reports/reports.routes.js';
import { statsRoutes } from './features/stats/stats.routes.js';
import { userRoutes } from './features/users/users.routes.js';
import { newId } from './ids.js';

/** The Fastify instance type with TypeBox schemas. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A feature's route registration. */
export type RouteModule = (app: App, ctx: AppContext) => void | Promise<void>;

/** Every feature, in registration order. */
const FEATURES: readonly RouteModule[] = [
  healthRoutes,
  installRoutes,
  deviceRoutes,
  phoneRoutes,
  caseRoutes,
  publishRoutes,
  contactRoutes,
  contactWorkflowRoutes,
  userRoutes,
  auditRoutes,
  statsRoutes,
  reportRoutes,
  declarationRoutes,
  qrRoutes,
  partnerRoutes,
  apiKeyRoutes,
  referenceRoutes,
  portalRoutes,
];

function statusToCode(status: number): ApiErrorCode {
  const match = (Object.keys(API_ERRORS) as ApiErrorCode[]).find(
    (code) => API_ERRORS[code].status === status,
  );
  return match ?? (status >= 500 ? 'internal' : 'invalid_request');
}

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = `${error.validationContext ?? 'request'}${first.instancePath.replaceAll('/', '.')}`;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties')
    return `${where} has an unknown field "${String(params['additionalProperty'])}"`;
  if (first.keyword === 'required')
    return `${where} is missing the required field "${String(params['missingProperty'])}"`;
  if (Array.isArray(params['allowedValues']))
    return `${where} must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

/**
 * Builds the app. Call `ready()` (or `listen`) before use; `close()` releases nothing of `deps`.
 * `logStream` replaces stdout as the log destination (tests read the log lines from it).
 */
export async function buildApp(
  config: Config,
  deps: AppDeps,
  options: { logger?: boolean; logStream?: { write(line: string): void } } = {},
): Promise<App> {
  const ctx = createContext(config, deps);
  const app = Fastify({
    logger:
      options.logger === false || config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            ...(options.logStream ? { stream: options.logStream } : {}),
            // No personal data in logs: no bodies, no query strings, no addresses, no credentials.
            serializers: {
              req: (req) => ({ method: req.method, route: req.routeOptions?.url ?? 'unknown', id: req.id }),
              res: (res) => ({ statusCode: res.statusCode }),
            },
            redact: [
              'req.headers.authorization',
              'req.headers["x-api-key"]',
              'req.headers.cookie',
              'req.headers["x-csrf-token"]',
            ],
          },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: () => newId('req_'),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerChaffHook(app);
  // JSON only: anything else is 415, not a string body that fails validation later.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      reply.headers(error.headers);
      return reply.status(error.status).send(errorBody(error.code, error.message));
    }
    if (error.validation)
      return reply.status(400).send(errorBody('invalid_request', validationMessage(error)));
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send(errorBody('body_too_large', `request body exceeds ${config.bodyLimitBytes} bytes`));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(errorBody('unsupported_media_type', 'send the body as application/json'));
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send(errorBody('invalid_request', 'the JSON body is empty'));
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.status(400).send(errorBody('invalid_request', 'the body is not valid JSON'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send(errorBody('internal', API_ERRORS.internal.message));
    }
    const code = statusToCode(status);
    return reply.status(status).send(errorBody(code, error.message || API_ERRORS[code].message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bluezone API',
        version: '1',
        description:
          'Device API (/v1), upload authorization compatible with the Exposure Notification verification server (/api), key publishing and key files (/v1/publish, /v1/exports), admin API (/admin/v1). Errors: {error: {code, message}}; see docs/errors.md.',
      },
      components: {
        securitySchemes: {
          deviceToken: { type: 'http', scheme: 'bearer', description: 'deviceToken from POST /v1/installs' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  for (const feature of FEATURES) await feature(app, ctx);
  return app;
}
