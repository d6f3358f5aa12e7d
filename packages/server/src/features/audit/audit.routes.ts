/**
 * The audit log API (docs/api.md, "Audit log"): `GET /admin/v1/audit` (permission `audit.read`:
 * national and province admins, admin API keys) with filters, cursor pagination and
 * `?format=csv` export. There is deliberately no route that edits or deletes an entry.
 *
 * @module
 */

import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { actorOf, authenticateAdmin } from '../../auth.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { decodeCursor, encodeCursor, type KeysetPosition } from '../../pagination.js';
import { ErrorResponse } from '../../schemas.js';
import { type AuditFilter, type AuditPosition, auditEntryView, listAuditEntries } from './audit.service.js';
import { toCsv } from './csv.js';

const fromKeyset = (position: KeysetPosition): AuditPosition => ({ at: position.time, id: position.id });

/** Query of `GET /admin/v1/audit`. */
export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'exact, e.g. user:usr_…' }),
    ),
    action: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'exact, e.g. contact.phone.reveal' }),
    ),
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'exact, e.g. contact:con_…' }),
    ),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time, inclusive' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time, exclusive' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 100' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    format: Type.Optional(
      Type.Enum(['json', 'csv'], { description: 'csv: every matching entry as text/csv' }),
    ),
  },
  { additionalProperties: false },
);

const Entry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  details: Type.Unknown(),
});

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** Most entries one CSV export holds; narrow `from`/`to` for more. */
export const MAX_CSV_ROWS = 100_000;

/** The CSV columns of an export. */
export const AUDIT_CSV_HEADER = ['id', 'at', 'actor', 'action', 'subject', 'details'] as const;

function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(ms))
    throw new ApiError(
      'invalid_request',
      `${name} must be an ISO 8601 time like 2020-08-08T09:00:00Z, got ${JSON.stringify(value)}`,
    );
  return ms;
}

/** Registers the audit log route. */
export const auditRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/admin/v1/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first: filter, page, or export as CSV (read-only)',
        security: [{ apiKey: [] }],
        querystring: AuditQuery,
        response: {
          200: Type.Union([
            Type.Object({ entries: Type.Array(Entry), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
            Type.String({
              description: 'with format=csv: text/csv (RFC 4180), a header row and one row per entry',
            }),
          ]),
          400: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const principal = await authenticateAdmin(ctx, request, 'audit.read');
      const q = request.query;
      const filter: AuditFilter = {
        actor: q.actor,
        action: q.action,
        subject: q.subject,
        from: parseTime('from', q.from),
        to: parseTime('to', q.to),
      };
      const db = ctx.storage.db;
      if (q.format === 'csv') {
        if (q.cursor !== undefined || q.limit !== undefined)
          throw new ApiError(
            'invalid_request',
            'format=csv exports every matching entry; drop limit and cursor',
          );
        const rows = [];
        let after: AuditPosition | undefined;
        for (;;) {
          const page = await listAuditEntries(db, principal.scope, filter, { limit: MAX_PAGE, after });
          rows.push(...page);
          if (rows.length > MAX_CSV_ROWS)
            throw new ApiError(
              'invalid_request',
              `more than ${MAX_CSV_ROWS} entries match; narrow the time range with from and to`,
            );
          const last = page[page.length - 1];
          if (page.length < MAX_PAGE || last === undefined) break;
          after = { at: last.at, id: last.id };
        }
        // Exporting is recorded too (filters and count; the log holds no personal data).
        await db
          .insertInto('audit_log')
          .values({
            id: newId('aud_'),
            at: ctx.now(),
            actor: actorOf(principal),
            action: 'audit.export',
            subject: null,
            details: JSON.stringify({ ...filter, rows: rows.length }),
          })
          .execute();
        const csv = toCsv(
          AUDIT_CSV_HEADER,
          rows.map((r) => [r.id, new Date(r.at).toISOString(), r.actor, r.action, r.subject, r.details]),
        );
        return reply
          .header('cache-control', 'no-store')
          .header('content-type', 'text/csv; charset=utf-8; header=present')
          .header('content-disposition', 'attachment; filename="bluezone-audit.csv"')
          .send(csv);
      }
      const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
      if (limit < 1 || limit > MAX_PAGE)
        throw new ApiError('invalid_request', `limit must be from 1 to ${MAX_PAGE}, got ${limit}`);
      const rows = await listAuditEntries(db, principal.scope, filter, {
        limit: limit + 1,
        after: q.cursor === undefined ? undefined : fromKeyset(decodeCursor(q.cursor)),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next =
        rows.length > limit && last !== undefined ? encodeCursor({ time: last.at, id: last.id }) : null;
      return reply
        .header('cache-control', 'no-store')
        .send({ entries: page.map(auditEntryView), nextCursor: next });
    },
  );
};
