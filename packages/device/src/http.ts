/**
 * The SDK's HTTP client over an injected `fetch`: one base URL, JSON / bytes / text bodies,
 * a timeout per attempt (AbortController, armed on the injected clock), and retries.
 *
 * **Retries.** Network errors, timeouts, 5xx and 429 are retried up to `maxAttempts` in all, with
 * exponential back-off and jitter: before retry *n* the client waits a uniform random time in
 * [½ d, d] with d = min(`maxDelayMs`, `baseDelayMs` × 2ⁿ⁻¹) ("equal jitter": never a burst, never
 * in lock-step with other phones). A `Retry-After` (seconds or an HTTP date) is honoured: the
 * wait is at least that long; one beyond `maxRetryAfterMs` is not waited for — the request fails
 * at once with `rate_limited` (429) or `http_error` (503) carrying `retryAfterMs`, for the caller
 * to schedule. Other 4xx are never retried: the same request would fail again. Callers whose
 * request must not be repeated pass `retry: false`.
 *
 * **Errors** are {@link DeviceError}s: `network_error`, `timeout`, `rate_limited`, `http_error`
 * (with `status` and the server's `serverCode` from any of the API's three error shapes:
 * `{error: {code, message}}`, `{error, errorCode}`, `{code, error}`), `invalid_response` (a body
 * that does not parse, or larger than `maxResponseBytes`).
 *
 * @module
 */
import type { RandomSource } from '@bluezone/protocol';
import { DeviceError } from './errors.js';
import { type DeviceClock, type FetchFunction, randomUnit } from './runtime.js';

/** Tuning of the HTTP client; every field is optional. */
export interface HttpOptions {
  /** Time limit of one attempt, body included, ms (default 30,000). */
  readonly timeoutMs?: number;
  /** Attempts in all, ≥ 1 (default 4). */
  readonly maxAttempts?: number;
  /** Back-off before the first retry, ms (default 1,000; doubled for each further retry). */
  readonly baseDelayMs?: number;
  /** Longest back-off, ms (default 60,000). */
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` the client waits for by itself, ms (default 300,000). */
  readonly maxRetryAfterMs?: number;
  /** Largest response body accepted, bytes (default 64 MiB: a key file of 750,000 keys is ~27 MB). */
  readonly maxResponseBytes?: number;
}

/** The defaults of {@link HttpOptions}. */
export const HTTP_DEFAULTS: Required<HttpOptions> = Object.freeze({
  timeoutMs: 30_000,
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 300_000,
  maxResponseBytes: 64 * 1024 * 1024,
});

/** How to read a response body. */
export type HttpBodyKind = 'json' | 'bytes' | 'text';

/** The body type of each {@link HttpBodyKind}. */
export type HttpBody<K extends HttpBodyKind> = K extends 'json'
  ? unknown
  : K extends 'bytes'
    ? Uint8Array
    : string;

/** One request. */
export interface HttpRequest<K extends HttpBodyKind> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path on the base URL, starting with one `/`, e.g. `/v1/config`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (sent with `Content-Type: application/json`). */
  readonly json?: unknown;
  /** How to read the answer's body. */
  readonly expect: K;
  /** Retry on network errors, timeouts, 5xx and 429 (default true). */
  readonly retry?: boolean;
  /** Accept 304 Not Modified as an answer (its body is empty: `null`, no bytes or `''`). */
  readonly acceptNotModified?: boolean;
}

/** A successful answer (2xx, or 304 when accepted). */
export interface HttpResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  /** Attempts it took. */
  readonly attempts: number;
}

/** Observes the client's attempts (for diagnostics and tests). */
export type HttpAttemptObserver = (event: {
  readonly method: string;
  readonly path: string;
  readonly attempt: number;
  readonly outcome: 'ok' | 'retry' | 'fail';
  readonly status?: number;
  readonly delayMs?: number;
}) => void;

/** Dependencies of {@link HttpClient}. */
export interface HttpClientDeps {
  readonly fetch: FetchFunction;
  readonly clock: DeviceClock;
  readonly random: RandomSource;
  readonly options?: HttpOptions;
  readonly observer?: HttpAttemptObserver;
}

/** A failure of one attempt: whether it may be retried, and after how long at least. */
interface AttemptFailure {
  readonly error: DeviceError;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

const PATH = /^\/(?!\/)[^\s#\\]*$/;

/**
 * Normalises a base URL: an absolute `http:` or `https:` URL without query or fragment; trailing
 * slashes are dropped.
 *
 * @throws {DeviceError} `invalid_argument` otherwise.
 */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new DeviceError(
      'invalid_argument',
      `baseUrl must be an absolute URL, got ${JSON.stringify(baseUrl)}`,
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new DeviceError(
      'invalid_argument',
      `baseUrl must be an http(s) URL without query or fragment, got ${JSON.stringify(baseUrl)}`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Milliseconds a `Retry-After` value asks for (seconds, or an HTTP date relative to `now`). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The server's error code and message in any of the API's error shapes. */
export function serverErrorOf(body: unknown): { code?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const nested = record['error'];
  if (typeof nested === 'object' && nested !== null) {
    const { code, message } = nested as Record<string, unknown>;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  }
  const code = record['errorCode'] ?? record['code'];
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof nested === 'string' ? { message: nested } : {}),
  };
}

/** The HTTP client (see the module comment). */
export class HttpClient {
  readonly baseUrl: string;
  readonly #deps: HttpClientDeps;
  readonly #options: Required<HttpOptions>;

  constructor(baseUrl: string, deps: HttpClientDeps) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
    this.#deps = deps;
    const options = { ...HTTP_DEFAULTS, ...deps.options };
    for (const [name, value] of Object.entries(options)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new DeviceError('invalid_argument', `http.${name} must be a number ≥ 0, got ${String(value)}`);
      }
    }
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
      throw new DeviceError(
        'invalid_argument',
        `http.maxAttempts must be an integer ≥ 1, got ${options.maxAttempts}`,
      );
    }
    this.#options = options;
  }

  /** The full URL of `path` (and `query`) on the base URL. */
  url(path: string, query?: Readonly<Record<string, string>>): string {
    if (!PATH.test(path)) {
      throw new DeviceError(
        'invalid_argument',
        `request path must start with one "/", got ${JSON.stringify(path)}`,
      );
    }
    const search = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : '';
    return `${this.baseUrl}${path}${search}`;
  }

  /**
   * Sends `request`, retrying as the module comment says.
   *
   * @throws {DeviceError} `network_error`, `timeout`, `rate_limited`, `http_error`,
   *   `invalid_response`; `invalid_argument` for a bad path.
   */
  async request<K extends HttpBodyKind>(request: HttpRequest<K>): Promise<HttpResponse<HttpBody<K>>> {
    const url = this.url(request.path, request.query);
    const { maxAttempts, baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.#options;
    const attempts = request.retry === false ? 1 : maxAttempts;
    const observe = this.#deps.observer ?? (() => {});
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(url, request);
      if ('response' in outcome) {
        observe({
          method: request.method,
          path: request.path,
          attempt,
          outcome: 'ok',
          status: outcome.response.status,
        });
        return { ...outcome.response, attempts: attempt };
      }
      const { error, retryable, retryAfterMs } = outcome.failure;
      const tooLong = retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs;
      if (!retryable || attempt >= attempts || tooLong) {
        observe({ method: request.method, path: request.path, attempt, outcome: 'fail', ...statusOf(error) });
        throw withAttempts(error, attempt);
      }
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const backoff = ceiling / 2 + (randomUnit(this.#deps.random) * ceiling) / 2;
      const delayMs = Math.round(Math.max(backoff, retryAfterMs ?? 0));
      observe({
        method: request.method,
        path: request.path,
        attempt,
        outcome: 'retry',
        delayMs,
        ...statusOf(error),
      });
      await this.#deps.clock.sleep(delayMs);
    }
  }

  async #attempt<K extends HttpBodyKind>(
    url: string,
    request: HttpRequest<K>,
  ): Promise<{ response: Omit<HttpResponse<HttpBody<K>>, 'attempts'> } | { failure: AttemptFailure }> {
    const { clock, fetch } = this.#deps;
    const controller = new AbortController();
    let timedOut = false;
    const timer = clock.setTimer(() => {
      timedOut = true;
      controller.abort();
    }, this.#options.timeoutMs);
    const headers: Record<string, string> = { accept: acceptOf(request.expect), ...request.headers };
    const init: RequestInit = { method: request.method, headers, signal: controller.signal };
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(request.json);
    }
    const where = `${request.method} ${request.path}`;
    try {
      const response = await fetch(url, init);
      const { status } = response;
      if ((status >= 200 && status < 300) || (status === 304 && request.acceptNotModified === true)) {
        const body = await this.#readBody(response, request.expect, where);
        return { response: { status, headers: response.headers, body } };
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
      const text = await response.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const server = serverErrorOf(parsed);
      const retryable = status === 429 || status >= 500;
      const code = status === 429 ? 'rate_limited' : 'http_error';
      const message = `${where} answered ${status}${server.code ? ` ${server.code}` : ''}${server.message ? `: ${server.message}` : ''}`;
      return {
        failure: {
          error: new DeviceError(code, message, {
            status,
            ...(server.code === undefined ? {} : { serverCode: server.code }),
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          }),
          retryable,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
      };
    } catch (error) {
      if (error instanceof DeviceError) return { failure: { error, retryable: false } };
      if (timedOut) {
        return {
          failure: {
            error: new DeviceError('timeout', `${where} got no answer within ${this.#options.timeoutMs} ms`, {
              cause: error,
            }),
            retryable: true,
          },
        };
      }
      const reason = error instanceof Error ? error.message : String(error);
      return {
        failure: {
          error: new DeviceError('network_error', `${where} failed: ${reason}`, { cause: error }),
          retryable: true,
        },
      };
    } finally {
      timer.cancel();
    }
  }

  async #readBody<K extends HttpBodyKind>(response: Response, kind: K, where: string): Promise<HttpBody<K>> {
    const limit = this.#options.maxResponseBytes;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    const tooLarge = (size: number) =>
      new DeviceError(
        'invalid_response',
        `${where}: the body is ${size} bytes, more than the ${limit} accepted`,
      );
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > limit) throw tooLarge(bytes.length);
    if (kind === 'bytes') return bytes as HttpBody<K>;
    const text = new TextDecoder('utf-8').decode(bytes);
    if (kind === 'text') return text as HttpBody<K>;
    if (response.status === 304 && text === '') return null as HttpBody<K>;
    try {
      return JSON.parse(text) as HttpBody<K>;
    } catch (error) {
      throw new DeviceError('invalid_response', `${where}: the body is not JSON`, { cause: error });
    }
  }
}

function acceptOf(kind: HttpBodyKind): string {
  if (kind === 'json') return 'application/json';
  if (kind === 'text') return 'text/plain';
  return 'application/zip, application/octet-stream';
}

function statusOf(error: DeviceError): { status?: number } {
  return error.status === undefined ? {} : { status: error.status };
}

function withAttempts(error: DeviceError, attempts: number): DeviceError {
  return new DeviceError(
    error.code,
    attempts > 1 ? `${error.message} (after ${attempts} attempts)` : error.message,
    {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.serverCode === undefined ? {} : { serverCode: error.serverCode }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      attempts,
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    },
  );
}
