/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers).
 *
 * @module
 */
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { ApiError } from '../../errors.js';

const Status = Type.Object({ status: Type.String() });

export const healthRoutes: RouteModule = (app, ctx) => {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));
  app.get('/readyz', { schema: { tags: ['health'], response: { 200: Status } } }, async (request) => {
    try {
      await ctx.storage.ping();
    } catch (error) {
      request.log.warn({ err: error }, 'database not ready');
      throw new ApiError('unavailable', 'the database does not answer');
    }
    return { status: 'ready' };
  });
};
