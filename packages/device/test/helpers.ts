/**
 * Test doubles of the device SDK's suites: a fake clock whose timers fire only when the test
 * moves time (and whose `sleep` moves it at once, recording the delay), a seeded random source,
 * and an in-process fake server — a `fetch` that routes requests to handlers and records them —
 * with a default Bluezone server behind it: signed configuration, key files and index, installs,
 * heartbeat, inbox, verification, publish and exposure reports.
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  calculateVerificationHmac,
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  EXPORT_SIGNATURE_ALGORITHM,
  type ExposureKey,
  encodeMetadata,
  encodeServiceData,
  encryptAssociatedMetadata,
  enIntervalNumber,
  exportWriteFile,
  type RandomSource,
  ReportType,
  RISK_CONFIG_BLUEZONE_DEFAULT,
  type RiskConfig,
  rollingProximityIdentifier,
  rollingStartIntervalNumber,
  verificationBase64Decode,
  verificationBase64Encode,
  verificationHmacMatches,
} from '@bluezone/protocol';
import { CompactSign } from 'jose';
import {
  type BluezoneDeviceOptions,
  createBluezoneDevice,
  createMemoryDeviceStore,
  type DeviceClock,
  type DeviceStore,
  type DeviceTimer,
  type TrustedConfigKey,
} from '../src/index.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
/** 2020-08-10 00:00 UTC, a Monday. */
export const T0 = Date.UTC(2020, 7, 10);
export const BASE_URL = 'https://api.bluezone.test';
export const API_KEY = 'device-api-key-0123456789abcdef';

// ── Clock and randomness ────────────────────────────────────────────────────────────────────

/** A manual clock: timers fire on {@link FakeClock.advance}; `sleep` advances at once and is recorded. */
export class FakeClock implements DeviceClock {
  #now: number;
  #nextId = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  /** Every `sleep` asked for, ms, in order. */
  readonly sleeps: number[] = [];

  constructor(start: number = T0 + 10 * HOUR_MS) {
    this.#now = start;
  }

  now = (): number => this.#now;

  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.advance(ms);
  };

  setTimer = (callback: () => void, ms: number): DeviceTimer => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return { cancel: () => this.#timers.delete(id) };
  };

  /** Pending timers. */
  get timerCount(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].callback();
    }
    this.#now = target;
  }

  /** Sets the time (forward only). */
  set(ms: number): void {
    this.advance(Math.max(0, ms - this.#now));
  }
}

/** A deterministic random source (mulberry32); never use outside tests. */
export function seededRandom(seed = 1): RandomSource {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const word = next();
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  };
}

// ── Fake server ─────────────────────────────────────────────────────────────────────────────

/** A request the fake server received. */
export interface FakeRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** The JSON body (undefined when none or not JSON). */
  readonly json: unknown;
}

/** A route handler: returns the response, or throws to simulate a network error. */
export type FakeHandler = (request: FakeRequest) => Response | Promise<Response>;

/** A response with a byte body. */
export function bytesResponse(bytes: Uint8Array, status = 200): Response {
  return new Response(Uint8Array.from(bytes), { status, headers: { 'content-type': 'application/zip' } });
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** An in-process server: a `fetch` routing `METHOD /path` to handlers, recording every request. */
export class FakeServer {
  readonly requests: FakeRequest[] = [];
  readonly #routes = new Map<string, FakeHandler>();
  readonly #prefixes: [string, FakeHandler][] = [];

  /**
   * Routes `method path` to `handler` (replacing an earlier one). A path ending in `*` is a
   * prefix; the longest matching prefix wins.
   */
  on(method: string, path: string, handler: FakeHandler): this {
    if (path.endsWith('*')) {
      const prefix = `${method} ${path.slice(0, -1)}`;
      const at = this.#prefixes.findIndex(([p]) => p === prefix);
      if (at >= 0) this.#prefixes.splice(at, 1);
      this.#prefixes.push([prefix, handler]);
    } else {
      this.#routes.set(`${method} ${path}`, handler);
    }
    return this;
  }

  /** The handler routed at exactly `method path` (to wrap it). */
  handler(method: string, path: string): FakeHandler {
    const handler = this.#routes.get(`${method} ${path}`);
    if (!handler) throw new Error(`no handler for ${method} ${path}`);
    return handler;
  }

  /** Requests to `path` (optionally of one method). */
  to(path: string, method?: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path && (method === undefined || r.method === method));
  }

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const parsed = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = typeof init.body === 'string' ? init.body : undefined;
    let json: unknown;
    try {
      json = body === undefined ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    const request: FakeRequest = {
      method: init.method ?? 'GET',
      url,
      path: parsed.pathname,
      query: parsed.searchParams,
      headers,
      body,
      json,
    };
    this.requests.push(request);
    const key = `${request.method} ${request.path}`;
    const handler =
      this.#routes.get(key) ??
      this.#prefixes
        .filter(([prefix]) => key.startsWith(prefix))
        .sort(([a], [b]) => b.length - a.length)[0]?.[1] ??
      (() => notFound());
    const signal = init.signal;
    if (signal?.aborted) throw abortError();
    const answer = Promise.resolve().then(() => handler(request));
    if (!signal) return answer;
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  };
}

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');
const notFound = () => jsonResponse({ error: { code: 'not_found', message: 'No such resource.' } }, 404);

// ── Keys ────────────────────────────────────────────────────────────────────────────────────

/** A P-256 key pair with its SPKI in base64. */
export interface TestSigningKey {
  readonly id: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly spki: string;
}

/** A fresh P-256 signing key. */
export async function signingKey(id: string): Promise<TestSigningKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const spki = verificationBase64Encode(
    new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey)),
  );
  return { id, privateKey: pair.privateKey, publicKey: pair.publicKey, spki };
}

/** Signs a configuration payload as the server does. */
export async function signConfig(
  payload: unknown,
  key: TestSigningKey,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid: key.id, typ: 'bluezone-config+jws', ...header })
    .sign(key.privateKey);
}

// ── Another phone ───────────────────────────────────────────────────────────────────────────

/** A phone nearby: its key of one day, and what it advertises at a time. */
export interface OtherPhone {
  readonly tek: Uint8Array;
  readonly rollingStartIntervalNumber: number;
  /** Service data it advertises at `timeMs` (the key's day). */
  serviceDataAt(timeMs: number): Uint8Array;
  /** The key as published, with report type and onset. */
  published(reportType?: ReportType, daysSinceOnsetOfSymptoms?: number): ExposureKey;
}

/** A phone whose key for the UTC day of `dayMs` is `tek` (random by default), advertising `txPowerDbm`. */
export function otherPhone(dayMs: number, random: RandomSource, txPowerDbm = 0): OtherPhone {
  const tek = random(16);
  const start = rollingStartIntervalNumber(enIntervalNumber(dayMs / 1000));
  const rpik = deriveRollingProximityIdentifierKey(tek, nodeCrypto);
  const aemk = deriveAssociatedEncryptedMetadataKey(tek, nodeCrypto);
  const metadata = encodeMetadata({ versionMajor: 1, versionMinor: 0, txPowerDbm });
  return {
    tek,
    rollingStartIntervalNumber: start,
    serviceDataAt(timeMs) {
      const rpi = rollingProximityIdentifier(rpik, enIntervalNumber(timeMs / 1000), nodeCrypto);
      return encodeServiceData({ rpi, aem: encryptAssociatedMetadata(aemk, rpi, metadata, nodeCrypto) });
    },
    published(reportType = ReportType.CONFIRMED_TEST, daysSinceOnsetOfSymptoms = 0) {
      return {
        keyData: tek,
        rollingStartIntervalNumber: start,
        rollingPeriod: 144,
        reportType,
        daysSinceOnsetOfSymptoms,
      };
    },
  };
}

/** Hash of a key as the SDK reports it. */
export const keyHash = (keyData: Uint8Array): string => verificationBase64Encode(nodeCrypto.sha256(keyData));

// ── The fake Bluezone server ────────────────────────────────────────────────────────────────

/** A key file the fake server serves. */
export interface FakeKeyFile {
  readonly path: string;
  bytes: Uint8Array;
}

/** Options of {@link createFakeBluezone}. */
export interface FakeBluezoneOptions {
  readonly clock?: FakeClock;
  readonly riskConfig?: RiskConfig;
  readonly granularity?: 'none' | 'period' | 'hour';
}

/** The fake server with its state, and a device pointed at it. */
export interface FakeBluezone {
  readonly server: FakeServer;
  readonly clock: FakeClock;
  readonly configKey: TestSigningKey;
  readonly exportKey: TestSigningKey;
  readonly trustedConfigKeys: TrustedConfigKey[];
  readonly files: FakeKeyFile[];
  /** The configuration payload served (edit, then {@link FakeBluezone.resign}). */
  config: Record<string, unknown>;
  jws: string;
  /** Re-signs {@link FakeBluezone.config} with a new version and the current time. */
  resign(changes?: Record<string, unknown>, key?: TestSigningKey): Promise<void>;
  /** Adds a signed key file named for the times of its period (`VN/<start>-<end>-00001.zip`). */
  addKeyFile(
    keys: readonly ExposureKey[],
    options?: { endMs?: number; revisedKeys?: readonly ExposureKey[] },
  ): Promise<FakeKeyFile>;
  /** Codes the verification server accepts, with the dates it answers. */
  readonly codes: Map<string, { testtype: string; symptomDate?: string; testDate?: string; used: boolean }>;
  /** Keys stored by publish (hex → report type). */
  readonly published: Map<string, { rollingStartNumber: number; rollingPeriod: number }>;
  /** Bodies of exposure reports received. */
  readonly reports: unknown[];
  /** Inbox messages served. */
  inbox: unknown[];
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Starts a fake Bluezone server (see the module comment). */
export async function createFakeBluezone(options: FakeBluezoneOptions = {}): Promise<FakeBluezone> {
  const clock = options.clock ?? new FakeClock();
  const server = new FakeServer();
  const configKey = await signingKey('sk_config_1');
  const exportKey = await signingKey('sk_export_1');
  const files: FakeKeyFile[] = [];
  const codes: FakeBluezone['codes'] = new Map();
  const published: FakeBluezone['published'] = new Map();
  const reports: unknown[] = [];
  const tokens = new Map<
    string,
    { testtype: string; symptomDate?: string; testDate?: string; exchanged: boolean }
  >();
  const certificates = new Map<string, { ekeyhmac: string; testtype: string }>();
  let version = 0;
  let serial = 0;

  const fake: FakeBluezone = {
    server,
    clock,
    configKey,
    exportKey,
    trustedConfigKeys: [{ id: configKey.id, publicKey: configKey.spki }],
    files,
    config: {
      region: 'VN',
      healthAuthorityId: 'bluezone-test',
      risk: { preset: 'bluezone-default', parameters: options.riskConfig ?? RISK_CONFIG_BLUEZONE_DEFAULT },
      scan: { intervalSeconds: 300, durationSeconds: 4 },
      exposureTimeGranularity: options.granularity ?? 'period',
      checkIntervalHours: 4,
      keyFiles: {
        indexPath: '/v1/exports/index.txt',
        publicKeys: [
          {
            id: exportKey.id,
            version: 'v1',
            publicKey: exportKey.spki,
            algorithm: EXPORT_SIGNATURE_ALGORITHM,
          },
        ],
      },
      configKeys: [{ id: configKey.id, publicKey: configKey.spki }],
    },
    jws: '',
    async resign(changes = {}, key = configKey) {
      version++;
      fake.config = { ...fake.config, ...changes };
      fake.jws = await signConfig(
        { ...fake.config, version: `v${version}`, issuedAt: Math.floor(clock.now() / 1000) },
        key,
      );
    },
    async addKeyFile(keys, opts = {}) {
      const endMs = opts.endMs ?? clock.now();
      const end = Math.floor(endMs / 1000);
      const start = end - 3600;
      serial++;
      const path = `VN/${start}-${end}-${String(serial).padStart(5, '0')}.zip`;
      const bytes = await exportWriteFile(
        { region: 'VN', startTimestamp: start, endTimestamp: end, keys, revisedKeys: opts.revisedKeys ?? [] },
        { privateKey: exportKey.privateKey, keyId: exportKey.id, keyVersion: 'v1' },
      );
      const file = { path, bytes };
      files.push(file);
      return file;
    },
    codes,
    published,
    reports,
    inbox: [],
  };
  await fake.resign();

  server.on('GET', '/v1/config', (r) => {
    const current = JSON.parse(
      new TextDecoder().decode(verificationBase64DecodeUrl(fake.jws.split('.')[1]!)),
    ) as {
      version: string;
    };
    if (r.headers['if-none-match'] === `"${current.version}"`) return new Response(null, { status: 304 });
    return jsonResponse({ version: current.version, jws: fake.jws });
  });
  server.on(
    'GET',
    '/v1/exports/index.txt',
    () =>
      new Response(files.map((f) => `${f.path}\n`).join(''), { headers: { 'content-type': 'text/plain' } }),
  );
  server.on('GET', '/v1/exports/*', (r) => {
    const file = files.find((f) => `/v1/exports/${f.path}` === r.path);
    return file ? bytesResponse(file.bytes) : notFound();
  });
  server.on('POST', '/v1/installs', () => {
    serial++;
    return jsonResponse(
      { installId: `ins_${serial}`, deviceToken: `token_${serial}_abcdefghijklmnopqrstuvwxyz` },
      201,
    );
  });
  server.on('POST', '/v1/heartbeat', (r) => {
    if (r.headers['x-chaff'])
      return jsonResponse({ serverTime: new Date(clock.now()).toISOString(), configVersion: '0'.repeat(16) });
    const current = JSON.parse(
      new TextDecoder().decode(verificationBase64DecodeUrl(fake.jws.split('.')[1]!)),
    ) as {
      version: string;
    };
    return jsonResponse({ serverTime: new Date(clock.now()).toISOString(), configVersion: current.version });
  });
  server.on('GET', '/v1/inbox', () =>
    jsonResponse({ messages: fake.inbox, serverTime: new Date(clock.now()).toISOString() }),
  );
  server.on('POST', '/api/verify', (r) => {
    if (r.headers['x-chaff']) return jsonResponse({ testtype: 'confirmed', token: 'chaff' });
    if (r.headers['x-api-key'] !== API_KEY)
      return jsonResponse({ error: 'bad key', errorCode: 'unauthorized' }, 401);
    const code = (r.json as { code?: string }).code ?? '';
    const entry = codes.get(code);
    if (!entry) return jsonResponse({ error: 'no such code', errorCode: 'code_not_found' }, 400);
    if (entry.used) return jsonResponse({ error: 'used', errorCode: 'code_invalid' }, 400);
    entry.used = true;
    serial++;
    const token = `tok_${serial}_${'x'.repeat(36)}`;
    tokens.set(token, { ...entry, exchanged: false });
    return jsonResponse({
      testtype: entry.testtype,
      ...(entry.symptomDate ? { symptomDate: entry.symptomDate } : {}),
      ...(entry.testDate ? { testDate: entry.testDate } : {}),
      token,
    });
  });
  server.on('POST', '/api/certificate', (r) => {
    if (r.headers['x-chaff']) return jsonResponse({ certificate: 'a.b.c' });
    const { token, ekeyhmac } = r.json as { token: string; ekeyhmac: string };
    const t = tokens.get(token);
    if (!t || t.exchanged) return jsonResponse({ error: 'unknown token', errorCode: 'token_invalid' }, 400);
    t.exchanged = true;
    serial++;
    const certificate = `cert.${serial}.${'c'.repeat(40)}`;
    certificates.set(certificate, { ekeyhmac, testtype: t.testtype });
    return jsonResponse({ certificate });
  });
  server.on('POST', '/v1/publish', (r) => {
    if (r.headers['x-chaff']) return jsonResponse({ revisionToken: 'chaff', insertedExposures: 3 });
    const body = r.json as {
      temporaryExposureKeys: {
        key: string;
        rollingStartNumber: number;
        rollingPeriod: number;
        transmissionRisk?: number;
      }[];
      healthAuthorityID: string;
      verificationPayload: string;
      hmacKey: string;
    };
    const cert = certificates.get(body.verificationPayload);
    if (body.healthAuthorityID !== 'bluezone-test') {
      return jsonResponse({ code: 'unknown_health_authority_id', error: 'unknown' }, 401);
    }
    const keys = body.temporaryExposureKeys.map((k) => ({
      keyData: verificationBase64Decode(k.key),
      rollingStartIntervalNumber: k.rollingStartNumber,
      rollingPeriod: k.rollingPeriod,
      transmissionRiskLevel: k.transmissionRisk ?? 0,
    }));
    if (
      !cert ||
      !verificationHmacMatches(
        keys,
        verificationBase64Decode(body.hmacKey),
        verificationBase64Decode(cert.ekeyhmac),
        nodeCrypto,
      )
    ) {
      return jsonResponse(
        { code: 'health_authority_verification_certificate_invalid', error: 'bad certificate' },
        401,
      );
    }
    let inserted = 0;
    for (const k of body.temporaryExposureKeys) {
      const id = hex(verificationBase64Decode(k.key));
      if (!published.has(id)) {
        published.set(id, { rollingStartNumber: k.rollingStartNumber, rollingPeriod: k.rollingPeriod });
        inserted++;
      }
    }
    return jsonResponse({ revisionToken: `rev_${published.size}`, insertedExposures: inserted });
  });
  server.on('POST', '/v1/exposure-reports', (r) => {
    if (!r.headers['authorization']?.startsWith('Bearer ')) {
      return jsonResponse({ error: { code: 'unauthorized', message: 'no token' } }, 401);
    }
    reports.push(r.json);
    return jsonResponse({ reportId: `rep_${reports.length}`, contactLevel: 'F1', linkedCases: 1 }, 201);
  });
  return fake;
}

function verificationBase64DecodeUrl(part: string): Uint8Array {
  const padded = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4);
  return verificationBase64Decode(padded);
}

/** A device on the fake server, with test defaults (node crypto, seeded random, the fake clock). */
export function deviceOn(
  fake: FakeBluezone,
  options: Partial<BluezoneDeviceOptions> & { store?: DeviceStore } = {},
) {
  return createBluezoneDevice({
    baseUrl: BASE_URL,
    apiKey: API_KEY,
    trustedConfigKeys: fake.trustedConfigKeys,
    store: options.store ?? createMemoryDeviceStore(),
    fetch: fake.server.fetch,
    clock: fake.clock,
    random: seededRandom(7),
    crypto: nodeCrypto,
    deviceModel: 'Pixel 4',
    http: { baseDelayMs: 100, maxDelayMs: 1_000 },
    ...options,
  });
}

/**
 * Feeds the device sightings of `phone` every `stepMs` from `fromMs` for `durationMs`, at
 * `rssiDbm`.
 */
export function meet(
  device: { onSighting(payload: Uint8Array, rssi: number, time: number): unknown },
  phone: OtherPhone,
  fromMs: number,
  durationMs: number,
  rssiDbm = -40,
  stepMs = MINUTE_MS,
): void {
  for (let t = fromMs; t < fromMs + durationMs; t += stepMs)
    device.onSighting(phone.serviceDataAt(t), rssiDbm, t);
}

/** HMAC helper re-exported for suites that check uploads. */
export { calculateVerificationHmac };
