/**
 * Chaff: rounds imitate an upload (verify, certificate, publish) or a heartbeat, every request
 * marked `X-Chaff: 1` with random padding; the schedule is driven by the injected clock and
 * random source (the same seed gives the same times), its gaps stay within bounds, failures are
 * counted, never thrown, and stop() ends it.
 */
import { describe, expect, it } from 'vitest';
import { createBluezoneDevice, createMemoryDeviceStore } from '../src/index.js';
import {
  API_KEY,
  BASE_URL,
  FakeClock,
  FakeServer,
  HOUR_MS,
  jsonResponse,
  MINUTE_MS,
  seededRandom,
} from './helpers.js';

function setup(seed = 1) {
  const server = new FakeServer();
  for (const path of ['/api/verify', '/api/certificate', '/v1/publish', '/v1/heartbeat']) {
    server.on('POST', path, () => jsonResponse({ ok: true }));
  }
  const clock = new FakeClock();
  const device = createBluezoneDevice({
    baseUrl: BASE_URL,
    apiKey: API_KEY,
    trustedConfigKeys: [{ id: 'k', publicKey: 'AAAA' }],
    store: createMemoryDeviceStore(),
    fetch: server.fetch,
    clock,
    random: seededRandom(seed),
  });
  return { server, clock, device };
}

async function run(seed: number, hours: number) {
  const { server, clock, device } = setup(seed);
  const schedule = device.scheduleChaff({
    meanIntervalMs: 3 * HOUR_MS,
    minIntervalMs: 10 * MINUTE_MS,
    maxIntervalMs: 12 * HOUR_MS,
  });
  const times: number[] = [];
  let last = server.requests.length;
  for (let minute = 0; minute < hours * 60; minute++) {
    clock.advance(MINUTE_MS);
    await schedule.idle();
    if (server.requests.length > last) times.push(clock.now());
    last = server.requests.length;
  }
  return { server, schedule, times, device };
}

describe('chaff', () => {
  it('imitates an upload: verify, certificate and publish, each marked and padded', async () => {
    const { server, device } = setup();
    expect(await device.sendChaff('publish')).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/verify', '/api/certificate', '/v1/publish']);
    for (const r of server.requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['x-chaff']).toBe('1');
      expect(typeof (r.json as { padding?: unknown }).padding).toBe('string');
    }
    const publish = server.requests[2]!.json as { temporaryExposureKeys: unknown[] };
    expect(publish.temporaryExposureKeys.length).toBeGreaterThanOrEqual(1);
    expect(publish.temporaryExposureKeys.length).toBeLessThanOrEqual(14);
  });

  it('imitates a heartbeat', async () => {
    const { server, device } = setup();
    expect(await device.sendChaff('heartbeat')).toBe(true);
    expect(server.requests.map((r) => [r.path, r.headers['x-chaff']])).toEqual([['/v1/heartbeat', '1']]);
  });

  it('pads to random sizes', async () => {
    const { server, device } = setup();
    for (let i = 0; i < 10; i++) await device.sendChaff('heartbeat');
    expect(new Set(server.requests.map((r) => r.body!.length)).size).toBeGreaterThan(5);
  });

  it('runs on the injected clock and random source: the same seed gives the same schedule', async () => {
    const a = await run(11, 48);
    const b = await run(11, 48);
    const c = await run(12, 48);
    expect(a.times.length).toBeGreaterThan(5);
    expect(a.times).toEqual(b.times);
    expect(a.times).not.toEqual(c.times);
    expect(a.server.requests.map((r) => r.path)).toEqual(b.server.requests.map((r) => r.path));
    expect(a.schedule.rounds).toBe(a.times.length);
    for (let i = 1; i < a.times.length; i++) {
      const gap = a.times[i]! - a.times[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(10 * MINUTE_MS);
      expect(gap).toBeLessThanOrEqual(12 * HOUR_MS + MINUTE_MS);
    }
    expect(a.server.requests.every((r) => r.headers['x-chaff'] === '1')).toBe(true);
  });

  it('counts failed rounds without throwing, and stops', async () => {
    const { server, clock, device } = setup();
    server.on('POST', '/v1/heartbeat', () => {
      throw new TypeError('offline');
    });
    server.on('POST', '/v1/publish', () => jsonResponse({}, 503));
    const schedule = device.scheduleChaff({ meanIntervalMs: HOUR_MS, minIntervalMs: MINUTE_MS });
    for (let i = 0; i < 24; i++) {
      clock.advance(HOUR_MS);
      await schedule.idle();
    }
    expect(schedule.failures).toBe(schedule.rounds);
    expect(schedule.rounds).toBeGreaterThan(0);
    // Chaff is never retried.
    expect(server.requests.filter((r) => r.path === '/v1/publish').length).toBe(
      server.requests.filter((r) => r.path === '/api/verify').length,
    );
    expect(schedule.nextAt).toBeGreaterThan(clock.now());
    await device.close();
    expect(schedule.nextAt).toBeUndefined();
    const before = server.requests.length;
    clock.advance(100 * HOUR_MS);
    await schedule.idle();
    expect(server.requests.length).toBe(before);
    expect(clock.timerCount).toBe(0);
  });
});
