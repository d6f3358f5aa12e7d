/**
 * The server process: load config, open storage, migrate, build the app, listen, and shut down
 * gracefully on SIGINT/SIGTERM. `bluezone serve` calls {@link startServer}.
 *
 * @module
 */
import { type App, buildApp } from './app.js';
import type { Config } from './config.js';
import { createContext } from './context.js';
import { serverJobs } from './jobs/index.js';
import { type Scheduler, startScheduler } from './jobs/scheduler.js';
import { loadAdminUnits } from './reference/admin-units.js';
import { deriveSecrets, loadMasterKey } from './secrets.js';
import type { SmsSender } from './sms/sms-sender.js';
import { migrateToLatest } from './storage/migrate.js';
import { describeStorage, openStorage } from './storage/open.js';
import type { Storage } from './storage/storage.js';

/** A running server. */
export interface RunningServer {
  readonly app: App;
  readonly storage: Storage;
  /** The URL it listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Stops accepting requests, finishes those in flight, closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the server described by `config`. `sms` replaces the adapter `config.sms` names (the
 * demo, `bluezone serve --demo`, reads its phones' codes from it).
 */
export async function startServer(
  config: Config,
  options: { logger?: boolean; now?: () => number; sms?: SmsSender } = {},
): Promise<RunningServer> {
  const storage = await openStorage(config);
  try {
    await migrateToLatest(storage);
    const adminUnits = loadAdminUnits();
    const secrets = deriveSecrets(loadMasterKey(config));
    const now = options.now ?? Date.now;
    const deps = { storage, secrets, adminUnits, now, ...(options.sms ? { sms: options.sms } : {}) };
    const app = await buildApp(config, deps, { logger: options.logger ?? true });
    const url = await app.listen({ host: config.host, port: config.port });
    const scheduler: Scheduler | undefined = config.jobsEnabled
      ? startScheduler(createContext(config, deps), serverJobs(), { log: app.log })
      : undefined;
    app.log.info({ storage: describeStorage(config), jobs: config.jobsEnabled }, 'Bluezone server ready');
    let closing: Promise<void> | undefined;
    return {
      app,
      storage,
      url,
      close: () => {
        closing ??= (async () => {
          await scheduler?.stop();
          await app.close();
          await storage.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** Closes `server` on SIGINT or SIGTERM; a second signal exits at once. */
export function closeOnSignals(server: RunningServer, onClosed: () => void = () => {}): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(onClosed, (error: unknown) => {
      server.app.log.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
      onClosed();
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
