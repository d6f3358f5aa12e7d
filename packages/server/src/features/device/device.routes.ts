/**
 * Device endpoints besides registration: the signed configuration, the daily heartbeat and the
 * inbox.
 *
 * - `GET /v1/config` → `{version, jws}`: the signed device configuration (device-config.ts).
 *   Cacheable; `ETag` is the version.
 * - `POST /v1/heartbeat` (device token; any body, e.g. padding, is ignored) → `{serverTime, configVersion}`: marks the install active
 *   for the Vietnamese calendar day, idempotently; phones fetch the config when the version
 *   changes. Accepts chaff.
 * - `GET /v1/inbox?since=<Unix ms>` (device token) → `{messages, serverTime}`: messages for
 *   everyone and for the install's province, newest last, in Vietnamese and English. Message
 *   kinds are `news`, `notice`, `result`: text to show, never a command — no message can make a
 *   phone upload anything.
 * - `POST /admin/v1/inbox` (admin API key or a national or province admin; a province admin only
 *   to their province, else 403 as for creating a case there): publishes a message.
 * - `GET /admin/v1/inbox` (the same callers) → `{messages, nextCursor}`: the published messages
 *   the caller may see, newest first; `provinceCode` and `language` filters.
 *
 * @module
 */
import { type Static, Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { actorOf, authenticateAdmin, authenticateDevice } from '../../auth.js';
import { randomPadding } from '../../chaff.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { decodeCursor, encodeCursor } from '../../pagination.js';
import { ErrorResponse } from '../../schemas.js';
import { vietnamDay } from '../../time.js';
import { markInstallActive } from '../installs/installs.repository.js';
import { countCheckIn, statsDims } from '../stats/counters.js';
import { dayNumber } from '../stats/periods.js';
import { deviceConfigVersionCache, signDeviceConfig } from './device-config.js';
import { listInboxMessages } from './inbox.repository.js';

const Localized = Type.Object(
  { vi: Type.String({ minLength: 1, maxLength: 2000 }), en: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

const InboxMessage = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  title: Localized,
  body: Localized,
  url: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number({ description: 'Unix ms' }),
});

const NewInboxMessage = Type.Object(
  {
    kind: Type.Enum(['news', 'notice', 'result']),
    title: Localized,
    body: Localized,
    url: Type.Optional(Type.String({ maxLength: 500, pattern: '^https://' })),
    provinceCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
type NewInboxMessage = Static<typeof NewInboxMessage>;

/** Languages of inbox texts: every message is published in both. */
const INBOX_LANGUAGES = ['vi', 'en'] as const;

const AdminInboxMessage = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'news, notice or result' }),
  title: Type.Object(
    { vi: Type.Optional(Type.String()), en: Type.Optional(Type.String()) },
    { description: 'both languages, or only the one asked for with language' },
  ),
  body: Type.Object(
    { vi: Type.Optional(Type.String()), en: Type.Optional(Type.String()) },
    { description: 'both languages, or only the one asked for with language' },
  ),
  url: Type.Union([Type.String(), Type.Null()]),
  provinceCode: Type.Union([Type.String(), Type.Null()], { description: 'null: every phone' }),
  createdAt: Type.String({ description: 'ISO 8601' }),
  expiresAt: Type.Union([Type.String(), Type.Null()], { description: 'ISO 8601; null: never' }),
  expired: Type.Boolean({ description: 'phones no longer receive it' }),
});

/** Query of `GET /admin/v1/inbox`. */
export const InboxListQuery = Type.Object(
  {
    provinceCode: Type.Optional(
      Type.String({ pattern: '^[0-9]{2}$', description: 'only the messages to this province' }),
    ),
    language: Type.Optional(
      Type.Enum([...INBOX_LANGUAGES], { description: 'show the title and body in this language only' }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 100, default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

const MAX_INBOX_PAGE = 100;
const DEFAULT_INBOX_PAGE = 50;

const HeartbeatResponse = Type.Object({
  serverTime: Type.String({ description: 'ISO 8601' }),
  configVersion: Type.String(),
  padding: Type.Optional(Type.String()),
});

export const deviceRoutes: RouteModule = (app, ctx) => {
  const configVersion = deviceConfigVersionCache(ctx);

  app.get(
    '/v1/config',
    {
      schema: {
        tags: ['device'],
        summary: 'Signed device configuration',
        response: { 200: Type.Object({ version: Type.String(), jws: Type.String() }), 304: Type.Null() },
      },
    },
    async (request, reply) => {
      const signed = await signDeviceConfig(ctx);
      reply.header('etag', `"${signed.version}"`).header('cache-control', 'public, max-age=300');
      if (request.headers['if-none-match'] === `"${signed.version}"`) return reply.status(304).send(null);
      return signed;
    },
  );

  app.post(
    '/v1/heartbeat',
    {
      schema: {
        tags: ['device'],
        summary: 'Mark the install active today',
        security: [{ deviceToken: [] }],
        response: { 200: HeartbeatResponse, 401: ErrorResponse },
      },
      config: {
        chaff: () => ({
          status: 200,
          body: {
            serverTime: new Date(ctx.now()).toISOString(),
            configVersion: '0'.repeat(16),
            padding: randomPadding(),
          },
        }),
      },
    },
    async (request) => {
      const install = await authenticateDevice(ctx, request);
      const now = ctx.now();
      // The first check-in of the day also counts in the statistics, in the same transaction. A
      // repeat check-in writes nothing: `last_active_at` is set today only together with today's
      // `install_days` row, so when it is today's there is nothing left to mark or count.
      const today = vietnamDay(now);
      if (install.last_active_at === null || vietnamDay(install.last_active_at) !== today) {
        await ctx.storage.transaction(async (trx) => {
          if (await markInstallActive(trx, install.id, today, now))
            await countCheckIn(trx, statsDims(install), dayNumber(now), install.last_active_at);
        });
      }
      return { serverTime: new Date(now).toISOString(), configVersion: await configVersion() };
    },
  );

  app.get(
    '/v1/inbox',
    {
      schema: {
        tags: ['device'],
        summary: 'Messages for this phone since a time',
        security: [{ deviceToken: [] }],
        querystring: Type.Object(
          { since: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Unix ms' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ messages: Type.Array(InboxMessage), serverTime: Type.String() }),
          401: ErrorResponse,
        },
      },
    },
    async (request) => {
      const install = await authenticateDevice(ctx, request);
      const since = Number(request.query.since ?? '0');
      const now = ctx.now();
      const rows = await ctx.storage.db
        .selectFrom('inbox_messages')
        .selectAll()
        .where('created_at', '>', since)
        .where((eb) =>
          eb.or([eb('province_code', 'is', null), eb('province_code', '=', install.province_code)]),
        )
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .limit(100)
        .execute();
      return {
        messages: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          title: { vi: r.title_vi, en: r.title_en },
          body: { vi: r.body_vi, en: r.body_en },
          url: r.url,
          createdAt: r.created_at,
        })),
        serverTime: new Date(now).toISOString(),
      };
    },
  );

  app.get(
    '/admin/v1/inbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'The messages published to phones, newest first',
        security: [{ apiKey: [] }],
        querystring: InboxListQuery,
        response: {
          200: Type.Object({
            messages: Type.Array(AdminInboxMessage),
            nextCursor: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as cursor for the next page; null on the last page',
            }),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'inbox.manage');
      const query = request.query;
      const limit = query.limit === undefined ? DEFAULT_INBOX_PAGE : Number(query.limit);
      if (limit < 1 || limit > MAX_INBOX_PAGE)
        throw new ApiError('invalid_request', `limit must be from 1 to ${MAX_INBOX_PAGE}, got ${limit}`);
      if (query.provinceCode !== undefined) {
        const problem = ctx.adminUnits.check(query.provinceCode, undefined);
        if (problem) throw new ApiError('invalid_request', problem);
      }
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = await listInboxMessages(ctx.storage.db, principal.scope, {
        provinceCode: query.provinceCode,
        limit: limit + 1,
        after: cursor === undefined ? undefined : { createdAt: cursor.time, id: cursor.id },
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const now = ctx.now();
      const text = (vi: string, en: string) =>
        query.language === 'vi' ? { vi } : query.language === 'en' ? { en } : { vi, en };
      return reply.header('cache-control', 'no-store').send({
        messages: page.map((r) => ({
          id: r.id,
          kind: r.kind,
          title: text(r.title_vi, r.title_en),
          body: text(r.body_vi, r.body_en),
          url: r.url,
          provinceCode: r.province_code,
          createdAt: new Date(r.created_at).toISOString(),
          expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
          expired: r.expires_at !== null && r.expires_at <= now,
        })),
        nextCursor: rows.length > limit && last ? encodeCursor({ time: last.created_at, id: last.id }) : null,
      });
    },
  );

  app.post(
    '/admin/v1/inbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'Publish a message to phones',
        security: [{ apiKey: [] }],
        body: NewInboxMessage,
        response: {
          201: Type.Object({ id: Type.String() }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'inbox.manage');
      const body: NewInboxMessage = request.body;
      const own = principal.scope.provinceCode;
      if (own !== undefined && body.provinceCode !== own) {
        throw new ApiError(
          'forbidden',
          `you may publish messages to your province only: set provinceCode to ${own}`,
        );
      }
      if (body.provinceCode !== undefined) {
        const problem = ctx.adminUnits.check(body.provinceCode, undefined);
        if (problem) throw new ApiError('invalid_request', problem);
      }
      const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
      if (expiresAt !== null && expiresAt <= ctx.now())
        throw new ApiError('invalid_request', 'expiresAt must be in the future');
      const id = newId('msg_');
      const now = ctx.now();
      await ctx.storage.transaction(async (trx) => {
        await trx
          .insertInto('inbox_messages')
          .values({
            id,
            kind: body.kind,
            title_vi: body.title.vi,
            body_vi: body.body.vi,
            title_en: body.title.en,
            body_en: body.body.en,
            url: body.url ?? null,
            province_code: body.provinceCode ?? null,
            created_at: now,
            expires_at: expiresAt,
          })
          .execute();
        await trx
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: now,
            actor: actorOf(principal),
            action: 'inbox.publish',
            subject: `message:${id}`,
            details: JSON.stringify({ kind: body.kind, provinceCode: body.provinceCode ?? null }),
          })
          .execute();
      });
      return reply.status(201).send({ id });
    },
  );
};
