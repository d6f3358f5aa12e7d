/**
 * Chaff: a phone sends decoy requests (header `X-Chaff: 1`) on a random schedule so that a
 * network observer cannot tell a real upload or report from noise. A route that takes chaff names
 * a factory for a response of the same shape; the request is answered before its body is parsed,
 * authenticated or stored — it changes nothing — after a short random delay, with random padding
 * in the body so sizes vary like real answers.
 *
 * @module
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What a chaff request is answered with. */
export interface ChaffResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a route as accepting chaff, with the decoy response to send. */
    chaff?: (request: FastifyRequest) => ChaffResponse;
  }
}

/** Random base64 padding of `min`–`max` bytes (before encoding). */
export function randomPadding(min = 16, max = 512): string {
  return randomBytes(randomInt(min, max + 1)).toString('base64');
}

/** True when the request is marked as chaff. */
export function isChaff(request: FastifyRequest): boolean {
  const value = request.headers['x-chaff'];
  return value !== undefined && value !== '' && value !== '0';
}

/** Installs the chaff hook: routes with `config.chaff` answer chaff requests with a decoy. */
export function registerChaffHook(app: FastifyInstance, delayMs: readonly [number, number] = [5, 40]): void {
  app.addHook('onRequest', async (request, reply) => {
    const factory = request.routeOptions.config?.chaff;
    if (!factory || !isChaff(request)) return;
    await new Promise((resolve) => setTimeout(resolve, randomInt(delayMs[0], delayMs[1] + 1)));
    const { status, body } = factory(request);
    return reply.status(status).header('cache-control', 'no-store').send(body);
  });
}
