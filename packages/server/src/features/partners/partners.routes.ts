/**
 * Partner interop routes (docs/declarations.md §5–6), tag `partner`:
 *
 * - `POST /v1/consents`, `DELETE /v1/consents/:id` (device token; verified number): the person
 *   issues a consent token for one partner, or withdraws it;
 * - `GET /partner/v1/status` (partner key with `status:read` + `X-Consent-Token`): the consenting
 *   person's declaration status;
 * - `POST /partner/v1/declarations/domestic|entry` (partner key with `declarations:write` + a
 *   consent with that scope): a declaration made in the partner's app, for the consenting person;
 * - `POST /admin/v1/partners`, `GET /admin/v1/partners` (national admin): register and list
 *   partners.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { actorOf, authenticateAdmin, authenticateDevice } from '../../auth.js';
import { ErrorResponse } from '../../schemas.js';
import {
  DeclarationSummary,
  DomesticDeclarationRequest,
  EntryDeclarationRequest,
} from '../declarations/declarations.schemas.js';
import { checkDomestic, checkEntry, storeDeclaration } from '../declarations/declarations.service.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { PARTNER_SCOPES } from './consent-tokens.js';
import {
  authenticatePartner,
  createPartner,
  DEFAULT_CONSENT_DAYS,
  issueConsent,
  listPartners,
  MAX_CONSENT_DAYS,
  partnerStatus,
  requireConsent,
  revokeConsent,
} from './partners.service.js';

const Scope = Type.Enum([...PARTNER_SCOPES]);
const Scopes = Type.Array(Scope, { minItems: 1, maxItems: PARTNER_SCOPES.length, uniqueItems: true });

const ConsentRequest = Type.Object(
  {
    partnerId: Type.String({ minLength: 1, maxLength: 64, description: 'the partner app’s ID' }),
    scopes: Scopes,
    days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_CONSENT_DAYS, description: `default ${DEFAULT_CONSENT_DAYS}` }),
    ),
  },
  { additionalProperties: false },
);

const ConsentResponse = Type.Object({
  consentId: Type.String(),
  consentToken: Type.String({ description: 'give this to the partner app; it names no person' }),
  partnerId: Type.String(),
  partnerName: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.String(),
});

const StatusResponse = Type.Object({
  consentId: Type.String(),
  status: Type.String({ description: 'declared, monitoring, cleared, revoked, or none' }),
  kind: Type.Union([Type.String(), Type.Null()]),
  declaredOn: Type.Union([Type.String(), Type.Null()]),
  validUntil: Type.Union([Type.String(), Type.Null()]),
  monitoringUntil: Type.Union([Type.String(), Type.Null()]),
  consentExpiresAt: Type.String(),
});

const ConsentHeaders = Type.Object({
  'x-consent-token': Type.Optional(Type.String({ maxLength: 2048, description: 'the consent token' })),
});

const PartnerRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    scopes: Scopes,
    webhookUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);

const partnerErrors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse };

/** Registers the partner routes. */
export const partnerRoutes: RouteModule = (app, ctx) => {
  const installs = new WeakMap<object, InstallRow>();
  const onRequest = async (request: FastifyRequest) => {
    installs.set(request, await authenticateDevice(ctx, request));
  };
  const installOf = (request: FastifyRequest): InstallRow => {
    const install = installs.get(request);
    if (!install) throw new Error('the device was not authenticated (onRequest hook missing)');
    return install;
  };

  app.post(
    '/v1/consents',
    {
      schema: {
        tags: ['partner'],
        summary: 'Issue a consent token letting one partner app read (or write) your declaration status',
        security: [{ deviceToken: [] }],
        body: ConsentRequest,
        response: { 201: ConsentResponse, ...partnerErrors },
      },
      onRequest,
    },
    async (request, reply) =>
      reply
        .status(201)
        .header('cache-control', 'no-store')
        .send(await issueConsent(ctx, installOf(request), request.body)),
  );

  app.delete(
    '/v1/consents/:id',
    {
      schema: {
        tags: ['partner'],
        summary: 'Withdraw a consent (its token stops working at once)',
        security: [{ deviceToken: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
      onRequest,
    },
    async (request, reply) => {
      await revokeConsent(ctx, installOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/partner/v1/status',
    {
      schema: {
        tags: ['partner'],
        summary: 'The declaration status of the person whose consent token you send',
        security: [{ apiKey: [] }],
        headers: ConsentHeaders,
        response: { 200: StatusResponse, ...partnerErrors },
      },
    },
    async (request, reply) => {
      const partner = await authenticatePartner(ctx, request, 'status:read');
      const view = await partnerStatus(ctx, partner, request.headers['x-consent-token']);
      return reply.header('cache-control', 'no-store').send(view);
    },
  );

  for (const kind of ['domestic', 'entry'] as const) {
    app.post(
      `/partner/v1/declarations/${kind}`,
      {
        schema: {
          tags: ['partner'],
          summary: `Forward a ${kind} declaration made in your app, for the person whose consent token you send`,
          security: [{ apiKey: [] }],
          headers: ConsentHeaders,
          body: kind === 'domestic' ? DomesticDeclarationRequest : EntryDeclarationRequest,
          response: { 201: DeclarationSummary, ...partnerErrors },
        },
      },
      async (request, reply) => {
        const partner = await authenticatePartner(ctx, request, 'declarations:write');
        const consent = await requireConsent(
          ctx,
          partner,
          (request.headers as Record<string, string | undefined>)['x-consent-token'],
          'declarations:write',
        );
        const body = request.body as Parameters<typeof checkDomestic>[1] & Parameters<typeof checkEntry>[1];
        if (kind === 'entry') checkEntry(ctx, body, ctx.now());
        else checkDomestic(ctx, body, ctx.now());
        const view = await storeDeclaration(
          ctx,
          actorOf({ kind: 'apikey', id: partner.keyId }),
          { phoneId: consent.phone_id, installId: null, source: `partner:${partner.partnerId}` },
          kind,
          body,
        );
        return reply.status(201).header('cache-control', 'no-store').send(view);
      },
    );
  }

  app.post(
    '/admin/v1/partners',
    {
      schema: {
        tags: ['partner'],
        summary: 'Register a partner health app: its API key and webhook secret are shown once',
        security: [{ apiKey: [] }],
        body: PartnerRequest,
        response: {
          201: Type.Object({
            partnerId: Type.String(),
            name: Type.String(),
            scopes: Type.Array(Type.String()),
            webhookUrl: Type.Union([Type.String(), Type.Null()]),
            apiKey: Type.String(),
            apiKeyId: Type.String(),
            webhookSecret: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'partners.manage');
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send(await createPartner(ctx, principal, request.body));
    },
  );

  app.get(
    '/admin/v1/partners',
    {
      schema: {
        tags: ['partner'],
        summary: 'The partners, their scopes and webhook delivery counts',
        security: [{ apiKey: [] }],
        response: {
          200: Type.Object({
            partners: Type.Array(
              Type.Object({
                partnerId: Type.String(),
                name: Type.String(),
                scopes: Type.Array(Type.String()),
                webhookUrl: Type.Union([Type.String(), Type.Null()]),
                createdAt: Type.String(),
                disabledAt: Type.Union([Type.String(), Type.Null()]),
                deliveries: Type.Object({
                  pending: Type.Integer(),
                  delivered: Type.Integer(),
                  failed: Type.Integer(),
                }),
              }),
            ),
          }),
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request) => {
      await authenticateAdmin(ctx, request, 'partners.manage');
      return { partners: await listPartners(ctx) };
    },
  );
};
