/**
 * The baseline server of the `api` benchmark, run as its own process
 * (`node dist/bench/bare-fastify-server.js`): a bare Fastify app with one trivial JSON POST
 * handler, no schema, no logger, no database. It loads the very `fastify` that `@bluezone/server`
 * resolves, so that the baseline is the same framework version as the server measured against it.
 *
 * Prints `bare fastify listening on <url>` on stderr once it listens on 127.0.0.1 (any free
 * port), and exits after closing on SIGTERM or SIGINT.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The part of a Fastify instance this runner uses. */
interface BareApp {
  post(path: string, handler: (request: { readonly body: unknown }) => Promise<unknown>): unknown;
  listen(options: { readonly host: string; readonly port: number }): Promise<string>;
  close(): Promise<void>;
}

type FastifyFactory = (options: { readonly logger: boolean }) => BareApp;

/** The `fastify` module `@bluezone/server` depends on (not whatever else might be installed). */
async function loadServerFastify(): Promise<FastifyFactory> {
  const serverEntry = createRequire(import.meta.url).resolve('@bluezone/server');
  const fastifyPath = createRequire(serverEntry).resolve('fastify');
  const loaded = (await import(pathToFileURL(fastifyPath).href)) as { default: FastifyFactory };
  return loaded.default;
}

const Fastify = await loadServerFastify();
const app = Fastify({ logger: false });
app.post('/bare', async (request) => ({
  ok: true,
  fields: typeof request.body === 'object' && request.body !== null ? Object.keys(request.body).length : 0,
}));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stderr.write(`bare fastify listening on ${url}\n`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(130);
  stopping = true;
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
