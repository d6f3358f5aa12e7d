/**
 * Key file downloads, static and cacheable so that a CDN can serve them:
 *
 * - `GET /v1/exports/index.txt`: one file path per line (relative to `/v1/exports/`), oldest
 *   first, only files whose keys are still kept. Short cache (5 minutes), ETag of the content.
 * - `GET /v1/exports/<path>`: a signed key export file (ZIP). Immutable: a year's cache, strong
 *   ETag of the bytes.
 * - `GET /v1/exports/keys`: the public keys that sign key files,
 *   `{"keys": [{"id", "version", "publicKey", "algorithm"}]}` — `id` and `version` are the
 *   files' `verification_key_id` / `verification_key_version`, `publicKey` the base64 SPKI.
 *
 * `If-None-Match` with a current ETag answers 304 without a body.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { EXPORT_SIGNATURE_ALGORITHM } from '@bluezone/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { ApiError } from '../../errors.js';
import { publishedSigningKeys } from '../signing-keys/signing-keys.js';
import { exportFileKeyId } from './exports.batcher.js';
import { findFile, indexPaths } from './exports.repository.js';

/** Cache-Control of key files: they never change once written. */
export const FILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Cache-Control of the index and the key list: phones see a new file within minutes. */
export const INDEX_CACHE_CONTROL = 'public, max-age=300';

const PATH = /^[A-Za-z0-9-]{1,16}\/[0-9]{1,12}-[0-9]{1,12}-[0-9]{5,}\.zip$/;

/** True when `If-None-Match` lists `etag` (or `*`); weak validators compare equal too. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  if (!matchesEtag(request.headers['if-none-match'], etag)) return false;
  reply.status(304).send();
  return true;
}

/** Registers the key file endpoints. */
export const exportRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/exports/index.txt',
    {
      schema: {
        tags: ['keys'],
        summary: 'Paths of the key files, oldest first (text, one per line)',
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      const paths = await indexPaths(ctx.storage.db, ctx.now());
      const body = paths.length === 0 ? '' : `${paths.join('\n')}\n`;
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
      reply.header('etag', etag).header('cache-control', INDEX_CACHE_CONTROL);
      if (notModified(request, reply, etag)) return reply;
      return reply.type('text/plain; charset=utf-8').send(body);
    },
  );

  app.get(
    '/v1/exports/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Public keys that sign key files',
        response: {
          200: Type.Object({
            keys: Type.Array(
              Type.Object({
                id: Type.String({ description: 'verification_key_id of the files it signs' }),
                version: Type.String({ description: 'verification_key_version' }),
                publicKey: Type.String({ description: 'SubjectPublicKeyInfo DER, standard base64' }),
                algorithm: Type.String({ description: 'ECDSA with SHA-256: 1.2.840.10045.4.3.2' }),
              }),
            ),
          }),
        },
      },
    },
    async (_request, reply) => {
      const keys = await publishedSigningKeys(ctx, 'export');
      reply.header('cache-control', INDEX_CACHE_CONTROL);
      return {
        keys: keys.map((k) => ({
          id: exportFileKeyId(k.id),
          version: k.version,
          publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
          algorithm: EXPORT_SIGNATURE_ALGORITHM,
        })),
      };
    },
  );

  app.get(
    '/v1/exports/*',
    {
      schema: {
        tags: ['keys'],
        summary: 'A signed key export file (ZIP of export.bin and export.sig)',
        produces: ['application/zip'],
      },
    },
    async (request, reply) => {
      const path = (request.params as Record<string, string | undefined>)['*'] ?? '';
      const file = PATH.test(path) ? await findFile(ctx.storage.db, path, ctx.now()) : undefined;
      if (!file) {
        throw new ApiError(
          'not_found',
          `no key file ${JSON.stringify(path.slice(0, 100))}; take file paths from /v1/exports/index.txt`,
        );
      }
      reply.header('etag', file.etag).header('cache-control', FILE_CACHE_CONTROL);
      if (notModified(request, reply, file.etag)) return reply;
      return reply.type('application/zip').send(Buffer.from(file.bytes));
    },
  );
};
