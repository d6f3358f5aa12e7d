/**
 * The real system the simulation drives: one `@bluezone/server` app in-process (SQLite in
 * memory, jobs off, SMS kept in memory), reached through `app.inject` by a `fetch` that the
 * phones' SDK instances share, and the health authority's calls with an admin API key.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RiskPresetName } from '@bluezone/protocol';
import {
  type App,
  buildApp,
  type Config,
  createApiKey,
  createContext,
  deriveSecrets,
  loadAdminUnits,
  loadConfig,
  loadMasterKey,
  type MemorySmsSender,
  memorySmsSender,
  migrateToLatest,
  openStorage,
  publishedSigningKeys,
  runExportsNow,
  type Storage,
} from '@bluezone/server';

/** Server requests made during a run, by who made them. */
export interface RequestCounts {
  phones: number;
  authority: number;
  /** Requests by path prefix (`/v1/config`, `/v1/exports`, `/api/verify`, …). */
  byPath: Record<string, number>;
}

export interface SimServer {
  readonly app: App;
  readonly config: Config;
  readonly storage: Storage;
  readonly sms: MemorySmsSender;
  readonly deviceApiKey: string;
  readonly trustedConfigKeys: { id: string; publicKey: string }[];
  readonly counts: RequestCounts;
  /** A `fetch` for one phone (its own client address, so per-network limits apply per phone). */
  fetchFor(phone: number): typeof fetch;
  /** An authority request with the admin key; throws on an error status. */
  admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Runs the export batcher now; true if it wrote files. */
  exportNow(): Promise<boolean>;
  close(): Promise<void>;
}

function pathGroup(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  const parts = path.split('/').filter(Boolean);
  return `/${parts.slice(0, parts[0] === 'admin' ? 3 : 2).join('/')}`;
}

/** Starts the server with the simulation clock `now`. */
export async function startSimServer(
  now: () => number,
  options: { exportMinKeys?: number; riskPreset?: RiskPresetName } = {},
): Promise<SimServer> {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-sim-'));
  const config = loadConfig({
    BLUEZONE_DATA_DIR: dir,
    BLUEZONE_DB: join(dir, 'bluezone.db'),
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_EXPORT_MIN_KEYS: String(options.exportMinKeys ?? 0),
    BLUEZONE_EXPORT_PERIOD_SECONDS: '86400',
    BLUEZONE_RISK_PRESET: options.riskPreset ?? 'bluezone-default',
  });
  const storage = await openStorage(config);
  await migrateToLatest(storage);
  const sms = memorySmsSender();
  const deps = {
    storage,
    secrets: deriveSecrets(loadMasterKey(config)),
    adminUnits: loadAdminUnits(),
    now,
    sms,
  };
  const app = await buildApp(config, deps, { logger: false });
  await app.ready();
  const adminKey = (await createApiKey(storage.db, 'admin', 'simulated health authority', now())).key;
  const deviceApiKey = (await createApiKey(storage.db, 'device', 'simulated app', now())).key;
  const counts: RequestCounts = { phones: 0, authority: 0, byPath: {} };

  const inject = async (url: string, init: RequestInit | undefined, remoteAddress: string) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init?.body;
    const payload =
      body === undefined || body === null
        ? undefined
        : typeof body === 'string'
          ? body
          : body instanceof Uint8Array
            ? Buffer.from(body)
            : String(body);
    const res = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: url.replace(/^https?:\/\/[^/]+/, ''),
      headers,
      ...(payload === undefined ? {} : { payload }),
      remoteAddress,
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, String(v));
    }
    const noBody = res.statusCode === 204 || res.statusCode === 304;
    return new Response(noBody ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers: out,
    });
  };
  const count = (url: string) => {
    const group = pathGroup(url);
    counts.byPath[group] = (counts.byPath[group] ?? 0) + 1;
  };

  const fetchFor = (phone: number): typeof fetch => {
    const address = `10.${(phone >>> 16) & 255}.${(phone >>> 8) & 255}.${phone & 255}`;
    return (async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      counts.phones++;
      count(url);
      return inject(url, init, address);
    }) as typeof fetch;
  };

  const admin = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    counts.authority++;
    count(path);
    const res = await app.inject({
      method,
      url: path,
      headers: {
        'x-api-key': adminKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const json = res.json() as Record<string, unknown>;
    if (res.statusCode >= 400) throw new Error(`${method} ${path} → ${res.statusCode} ${res.body}`);
    return json;
  };

  // The server makes its configuration signing key on first use.
  await app.inject({ method: 'GET', url: '/v1/config' });
  const ctx = createContext(config, deps);
  const trustedConfigKeys = (await publishedSigningKeys(ctx, 'config')).map((k) => ({
    id: k.id,
    publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
  }));

  return {
    app,
    config,
    storage,
    sms,
    deviceApiKey,
    trustedConfigKeys,
    counts,
    fetchFor,
    admin,
    exportNow: async () => {
      const outcome = await runExportsNow(config, storage, now);
      if (outcome.status === 'error') throw new Error(`export failed: ${outcome.error}`);
      if (outcome.status === 'skipped') return false;
      return outcome.summary.batches.some((b) => b.keys > 0 || b.revisedKeys > 0);
    },
    close: async () => {
      await app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
