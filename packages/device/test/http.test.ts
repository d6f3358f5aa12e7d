/**
 * The HTTP client against a fake fetch and a fake clock: retries with exponential back-off and
 * jitter on network errors, timeouts, 5xx and 429 (Retry-After in seconds and as a date, and one
 * too long to wait for), none on other 4xx, timeouts through AbortController, the server's error
 * codes in each of the API's shapes, and body checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeviceError,
  HttpClient,
  type HttpOptions,
  normalizeBaseUrl,
  parseRetryAfter,
  serverErrorOf,
} from '../src/index.js';
import { BASE_URL, FakeClock, FakeServer, jsonResponse, seededRandom } from './helpers.js';

function client(server: FakeServer, options: HttpOptions = {}, seed = 1) {
  const clock = new FakeClock();
  return {
    clock,
    http: new HttpClient(BASE_URL, { fetch: server.fetch, clock, random: seededRandom(seed), options }),
  };
}

/** Moves the clock until `promise` settles (for requests waiting on a timeout). */
async function drive<T>(promise: Promise<T>, clock: FakeClock, stepMs: number): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 100 && !settled; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!settled) clock.advance(stepMs);
  }
  return promise;
}

describe('HTTP client: retries', () => {
  it('retries 5xx with exponential back-off and jitter, then succeeds', async () => {
    const server = new FakeServer();
    let calls = 0;
    server.on('GET', '/x', () =>
      ++calls < 4 ? jsonResponse({}, calls === 1 ? 500 : 503) : jsonResponse({ ok: true }),
    );
    const { http, clock } = client(server, { baseDelayMs: 1000, maxDelayMs: 60_000 });
    const response = await http.request({ method: 'GET', path: '/x', expect: 'json' });
    expect(response).toMatchObject({ status: 200, body: { ok: true }, attempts: 4 });
    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((delay, i) => {
      const ceiling = 1000 * 2 ** i;
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    });
  });

  it('keeps every back-off within [d/2, d], d = min(max, base × 2^(n-1)) (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        async (base, max, attempts, seed) => {
          const server = new FakeServer().on('GET', '/x', () => jsonResponse({}, 502));
          const { http, clock } = client(
            server,
            { baseDelayMs: base, maxDelayMs: max, maxAttempts: attempts },
            seed,
          );
          await expect(http.request({ method: 'GET', path: '/x', expect: 'json' })).rejects.toMatchObject({
            code: 'http_error',
            status: 502,
            attempts,
          });
          expect(clock.sleeps).toHaveLength(attempts - 1);
          clock.sleeps.forEach((delay, i) => {
            const d = Math.min(max, base * 2 ** i);
            expect(delay).toBeGreaterThanOrEqual(Math.floor(d / 2));
            expect(delay).toBeLessThanOrEqual(Math.ceil(d));
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('retries network errors and gives up with network_error after maxAttempts', async () => {
    const server = new FakeServer().on('GET', '/x', () => {
      throw new TypeError('Network request failed');
    });
    const { http, clock } = client(server, { maxAttempts: 3 });
    const error = await http.request({ method: 'GET', path: '/x', expect: 'json' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceError);
    expect(error).toMatchObject({ code: 'network_error', attempts: 3 });
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('honours Retry-After in seconds on 429', async () => {
    const server = new FakeServer();
    let calls = 0;
    server.on('POST', '/x', () =>
      ++calls === 1
        ? jsonResponse({ error: { code: 'rate_limited', message: 'slow down' } }, 429, {
            'retry-after': '42',
          })
        : jsonResponse({}),
    );
    const { http, clock } = client(server, { baseDelayMs: 100 });
    await http.request({ method: 'POST', path: '/x', expect: 'json', json: {} });
    expect(clock.sleeps).toEqual([42_000]);
  });

  it('honours Retry-After as an HTTP date on 503', async () => {
    const server = new FakeServer();
    const { http, clock } = client(server, { baseDelayMs: 100 });
    let calls = 0;
    server.on('GET', '/x', () =>
      ++calls === 1
        ? jsonResponse({}, 503, { 'retry-after': new Date(clock.now() + 90_000).toUTCString() })
        : jsonResponse({}),
    );
    await http.request({ method: 'GET', path: '/x', expect: 'json' });
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]!).toBeGreaterThanOrEqual(89_000);
    expect(clock.sleeps[0]!).toBeLessThanOrEqual(90_000);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs: rate_limited with retryAfterMs', async () => {
    const server = new FakeServer().on('POST', '/x', () =>
      jsonResponse({ errorCode: 'code_attempts_exceeded', error: 'locked out' }, 429, {
        'retry-after': '3600',
      }),
    );
    const { http, clock } = client(server, { maxRetryAfterMs: 300_000 });
    await expect(
      http.request({ method: 'POST', path: '/x', expect: 'json', json: {} }),
    ).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
      serverCode: 'code_attempts_exceeded',
      retryAfterMs: 3_600_000,
      attempts: 1,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it.each([400, 401, 403, 404, 409, 412, 413])('never retries %i', async (status) => {
    const server = new FakeServer().on('POST', '/x', () =>
      jsonResponse({ error: { code: 'nope', message: 'no' } }, status),
    );
    const { http, clock } = client(server);
    await expect(
      http.request({ method: 'POST', path: '/x', expect: 'json', json: {} }),
    ).rejects.toMatchObject({
      code: 'http_error',
      status,
      serverCode: 'nope',
      attempts: 1,
    });
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not retry a request marked retry: false', async () => {
    const server = new FakeServer().on('POST', '/x', () => jsonResponse({}, 503));
    const { http } = client(server);
    await expect(
      http.request({ method: 'POST', path: '/x', expect: 'json', retry: false }),
    ).rejects.toMatchObject({
      attempts: 1,
    });
    expect(server.requests).toHaveLength(1);
  });
});

describe('HTTP client: timeouts', () => {
  it('aborts an attempt after timeoutMs and retries it', async () => {
    const server = new FakeServer();
    let calls = 0;
    server.on('GET', '/slow', () =>
      ++calls < 3 ? new Promise<Response>(() => {}) : jsonResponse({ late: true }),
    );
    const { http, clock } = client(server, { timeoutMs: 5_000, maxAttempts: 3 });
    const response = await drive(
      http.request({ method: 'GET', path: '/slow', expect: 'json' }),
      clock,
      5_000,
    );
    expect(response).toMatchObject({ body: { late: true }, attempts: 3 });
    expect(server.requests).toHaveLength(3);
    expect(clock.timerCount).toBe(0);
  });

  it('gives up with timeout', async () => {
    const server = new FakeServer().on('GET', '/slow', () => new Promise<Response>(() => {}));
    const { http, clock } = client(server, { timeoutMs: 1_000, maxAttempts: 2 });
    await expect(
      drive(http.request({ method: 'GET', path: '/slow', expect: 'json' }), clock, 1_000),
    ).rejects.toMatchObject({
      code: 'timeout',
      attempts: 2,
    });
  });
});

describe('HTTP client: requests and bodies', () => {
  it('sends JSON to the base URL with query, headers and content type', async () => {
    const server = new FakeServer().on('POST', '/api/x', () => jsonResponse({ ok: 1 }));
    const { http } = client(server);
    await http.request({
      method: 'POST',
      path: '/api/x',
      query: { since: '5' },
      headers: { 'x-api-key': 'k' },
      json: { a: 1 },
      expect: 'json',
    });
    const [r] = server.requests;
    expect(r).toMatchObject({ url: `${BASE_URL}/api/x?since=5`, body: '{"a":1}' });
    expect(r!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-api-key': 'k',
      accept: 'application/json',
    });
  });

  it('refuses a body that is not JSON or too large, without retrying', async () => {
    const server = new FakeServer()
      .on('GET', '/text', () => new Response('<html>'))
      .on('GET', '/big', () => new Response(new Uint8Array(2048)));
    const { http } = client(server, { maxResponseBytes: 1024 });
    await expect(http.request({ method: 'GET', path: '/text', expect: 'json' })).rejects.toMatchObject({
      code: 'invalid_response',
    });
    await expect(http.request({ method: 'GET', path: '/big', expect: 'bytes' })).rejects.toMatchObject({
      code: 'invalid_response',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('accepts 304 only when asked', async () => {
    const server = new FakeServer().on('GET', '/c', () => new Response(null, { status: 304 }));
    const { http } = client(server);
    expect(
      await http.request({ method: 'GET', path: '/c', expect: 'json', acceptNotModified: true }),
    ).toMatchObject({
      status: 304,
      body: null,
    });
    await expect(http.request({ method: 'GET', path: '/c', expect: 'json' })).rejects.toMatchObject({
      status: 304,
    });
  });

  it('reads the server error code in each of the API shapes', () => {
    expect(serverErrorOf({ error: { code: 'phone_invalid', message: 'm' } })).toEqual({
      code: 'phone_invalid',
      message: 'm',
    });
    expect(serverErrorOf({ error: 'm', errorCode: 'code_expired' })).toEqual({
      code: 'code_expired',
      message: 'm',
    });
    expect(serverErrorOf({ code: 'bad_request', error: 'm' })).toEqual({ code: 'bad_request', message: 'm' });
    expect(serverErrorOf('nope')).toEqual({});
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });

  it('normalises the base URL and refuses paths that leave it', () => {
    expect(normalizeBaseUrl('https://api.example/base/')).toBe('https://api.example/base');
    expect(() => normalizeBaseUrl('ftp://x')).toThrow(DeviceError);
    expect(() => normalizeBaseUrl('https://x/?a=1')).toThrow(DeviceError);
    const { http } = client(new FakeServer());
    expect(http.url('/v1/config')).toBe(`${BASE_URL}/v1/config`);
    for (const path of ['//evil.example/x', 'v1/config', 'https://evil.example/', '/a b']) {
      expect(() => http.url(path)).toThrow(DeviceError);
    }
    expect(
      () =>
        new HttpClient(BASE_URL, {
          fetch: new FakeServer().fetch,
          clock: new FakeClock(),
          random: seededRandom(),
          options: { maxAttempts: 0 },
        }),
    ).toThrow(DeviceError);
  });
});
