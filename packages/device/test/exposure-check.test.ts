/**
 * The exposure check against the fake server: matching and scoring a published key the phone
 * heard, F-levels of the source, the time of day at each granularity, incremental processing of
 * index.txt, resuming after a crash between download and commit without double counting,
 * corrupted and badly signed files rejected while the rest is processed, skipped and missing
 * files, revocations, retries with back-off, and the check state.
 */
import { exportWriteFile, ReportType, RISK_CONFIG_BLUEZONE_LEGACY } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import {
  createMemoryDeviceStore,
  type DeviceStore,
  type DeviceStoreMutation,
  MAX_FILE_ATTEMPTS,
} from '../src/index.js';
import {
  bytesResponse,
  createFakeBluezone,
  DAY_MS,
  deviceOn,
  HOUR_MS,
  jsonResponse,
  keyHash,
  MINUTE_MS,
  meet,
  otherPhone,
  seededRandom,
  signingKey,
  T0,
} from './helpers.js';

/** Aug 8, 09:00 UTC = 16:00 in Vietnam. */
const MEETING = T0 - 2 * DAY_MS + 9 * HOUR_MS;

async function scenario(granularity: 'none' | 'period' | 'hour' = 'period') {
  const fake = await createFakeBluezone({ granularity });
  const device = deviceOn(fake);
  const random = seededRandom(42);
  const phone = otherPhone(MEETING, random);
  meet(device, phone, MEETING, 30 * MINUTE_MS);
  return { fake, device, phone, random };
}

/** A store whose `apply` fails once `failWhen` says so: a crash at the commit. */
function crashingStore(
  inner: DeviceStore,
  failWhen: (mutations: readonly DeviceStoreMutation[]) => boolean,
): DeviceStore {
  return {
    ...inner,
    kind: 'crashing',
    getKey: (s) => inner.getKey(s),
    insertKeyIfAbsent: (k) => inner.insertKeyIfAbsent(k),
    listKeys: () => inner.listKeys(),
    addSightings: (s) => inner.addSightings(s),
    listSightings: () => inner.listSightings(),
    countSightings: () => inner.countSightings(),
    listProcessedFiles: () => inner.listProcessedFiles(),
    listExposureMatches: () => inner.listExposureMatches(),
    getSetting: (n) => inner.getSetting(n),
    purge: (l) => inner.purge(l),
    close: () => inner.close(),
    async apply(mutations) {
      if (failWhen(mutations)) throw new Error('simulated crash at commit');
      return inner.apply(mutations);
    },
  };
}

const processedMarker = (path: string) => (mutations: readonly DeviceStoreMutation[]) =>
  mutations.some(
    (m) => m.type === 'putProcessedFile' && m.file.path === path && m.file.status === 'processed',
  );

describe('exposure check: matching and results', () => {
  it('finds a confirmed case met for 30 minutes: high risk, source F0, user F1, afternoon in Vietnam', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published()]);
    const run = await device.checkExposure();
    expect(run.status).toBe('ok');
    expect(run.filesProcessed).toBe(1);
    expect(run.newMatches).toBe(1);
    expect(run.results.days).toHaveLength(1);
    const day = run.results.days[0]!;
    expect(day).toMatchObject({ date: '2020-08-08', riskLevel: 2, sourceLevel: 'F0', contactLevel: 'F1' });
    expect(day.times).toEqual([{ granularity: 'period', localDate: '2020-08-08', period: 'afternoon' }]);
    expect(day.keyHashes).toEqual([keyHash(phone.tek)]);
    expect(run.results).toMatchObject({ maxRiskLevel: 2, contactLevel: 'F1', configVersion: 'v1' });
    expect(await device.exposureResults()).toEqual(run.results);
  });

  it('a recursive (F1) key makes the user F2', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published(ReportType.RECURSIVE)]);
    const run = await device.checkExposure();
    expect(run.results.days[0]).toMatchObject({ sourceLevel: 'F1', contactLevel: 'F2' });
    expect(run.results.contactLevel).toBe('F2');
  });

  it('F0 wins over F1 on the same day', async () => {
    const { fake, device, phone, random } = await scenario();
    const contact = otherPhone(MEETING, random);
    meet(device, contact, MEETING + HOUR_MS, 30 * MINUTE_MS);
    await fake.addKeyFile([
      phone.published(ReportType.CONFIRMED_TEST),
      contact.published(ReportType.RECURSIVE),
    ]);
    const run = await device.checkExposure();
    expect(run.newMatches).toBe(2);
    expect(run.results.days).toHaveLength(1);
    expect(run.results.days[0]).toMatchObject({ sourceLevel: 'F0', contactLevel: 'F1' });
    expect(run.results.days[0]!.keyHashes).toHaveLength(2);
  });

  it('a short contact is low risk, a very short one no risk', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    const random = seededRandom(3);
    const brief = otherPhone(MEETING, random);
    const glimpse = otherPhone(MEETING - DAY_MS, random);
    // EN counts the first scan of a contact as up to 5 minutes: 5 + 1 + 1 weighted minutes × 1.2.
    meet(device, brief, MEETING, 3 * MINUTE_MS);
    meet(device, glimpse, MEETING - DAY_MS, 2 * MINUTE_MS);
    await fake.addKeyFile([brief.published(), glimpse.published()]);
    const run = await device.checkExposure();
    expect(run.newMatches).toBe(2);
    expect(run.results.days.map((d) => [d.date, d.riskLevel])).toEqual([['2020-08-08', 1]]);
  });

  it.each([
    ['none', []],
    ['period', [{ granularity: 'period', localDate: '2020-08-08', period: 'afternoon' }]],
    [
      'hour',
      [
        { granularity: 'hour', localDate: '2020-08-08', hour: 16 },
        { granularity: 'hour', localDate: '2020-08-08', hour: 17 },
      ],
    ],
  ] as const)('shows the time of day at granularity %s', async (granularity, times) => {
    const fake = await createFakeBluezone({ granularity });
    const device = deviceOn(fake);
    const phone = otherPhone(MEETING, seededRandom(9));
    meet(device, phone, MEETING + 40 * MINUTE_MS, 30 * MINUTE_MS); // 16:40–17:10 in Vietnam
    await fake.addKeyFile([phone.published()]);
    const run = await device.checkExposure();
    expect(run.results.days[0]!.times).toEqual(times);
  });

  it('uses Vietnam local time: 18:30 UTC is the next local morning', async () => {
    const fake = await createFakeBluezone({ granularity: 'hour' });
    const device = deviceOn(fake);
    const at = T0 - 2 * DAY_MS + 18 * HOUR_MS + 30 * MINUTE_MS;
    const phone = otherPhone(at, seededRandom(11));
    meet(device, phone, at, 20 * MINUTE_MS);
    await fake.addKeyFile([phone.published()], {});
    await fake.resign({ risk: { preset: 'bluezone-legacy', parameters: RISK_CONFIG_BLUEZONE_LEGACY } });
    const run = await device.checkExposure();
    expect(run.results.days[0]).toMatchObject({ date: '2020-08-08' });
    expect(run.results.days[0]!.times).toEqual([{ granularity: 'hour', localDate: '2020-08-09', hour: 1 }]);
  });
});

describe('exposure check: incremental processing', () => {
  it('downloads each file once; a later check takes only the new files', async () => {
    const { fake, device, phone, random } = await scenario();
    await fake.addKeyFile([otherPhone(MEETING, random).published()]);
    const first = await device.checkExposure();
    expect(first).toMatchObject({ filesListed: 1, filesProcessed: 1, newMatches: 0 });
    await fake.addKeyFile([phone.published()]);
    const downloads = () => fake.server.requests.filter((r) => r.path.endsWith('.zip')).length;
    expect(downloads()).toBe(1);
    const second = await device.checkExposure();
    expect(second).toMatchObject({ filesListed: 2, filesProcessed: 1, filesAlreadyDone: 1, newMatches: 1 });
    expect(downloads()).toBe(2);
    const third = await device.checkExposure();
    expect(third).toMatchObject({ filesListed: 2, filesProcessed: 0, filesAlreadyDone: 2, newMatches: 0 });
    expect(downloads()).toBe(2);
    expect(third.results).toEqual(second.results);
  });

  it('resumes after a crash between download and commit, counting nothing twice', async () => {
    const fake = await createFakeBluezone();
    const inner = createMemoryDeviceStore();
    const random = seededRandom(5);
    const a = otherPhone(MEETING, random);
    const b = otherPhone(MEETING + DAY_MS, random);
    const fileA = await fake.addKeyFile([a.published()]);
    const fileB = await fake.addKeyFile([b.published()]);
    let crash = true;
    const store = crashingStore(inner, (m) => crash && processedMarker(fileB.path)(m));
    const device = deviceOn(fake, { store });
    meet(device, a, MEETING, 30 * MINUTE_MS);
    meet(device, b, MEETING + DAY_MS, 30 * MINUTE_MS);

    const crashed = await device.checkExposure();
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.message).toMatch(/simulated crash/);
    expect(crashed.filesProcessed).toBe(1);
    expect((await inner.listProcessedFiles()).map((f) => f.path)).toEqual([fileA.path]);
    expect(await inner.listExposureMatches()).toHaveLength(1);
    expect(await device.checkState()).toMatchObject({ status: 'failed', lastSuccessfulCheckAt: null });

    crash = false;
    // A new instance on the same store, as after the app was killed.
    const restarted = deviceOn(fake, { store });
    const resumed = await restarted.checkExposure();
    expect(resumed).toMatchObject({ status: 'ok', filesProcessed: 1, filesAlreadyDone: 1, newMatches: 1 });
    expect(fake.server.requests.filter((r) => r.path === `/v1/exports/${fileA.path}`)).toHaveLength(1);
    expect(fake.server.requests.filter((r) => r.path === `/v1/exports/${fileB.path}`)).toHaveLength(2);
    const matches = await inner.listExposureMatches();
    expect(matches.map((m) => m.keyHash).sort()).toEqual([keyHash(a.tek), keyHash(b.tek)].sort());
    expect(resumed.results.days.map((d) => d.date)).toEqual(['2020-08-08', '2020-08-09']);
    expect(await restarted.checkState()).toMatchObject({ status: 'ok', lastError: null });
  });

  it('resumes after the connection drops mid-way', async () => {
    const { fake, device, phone, random } = await scenario();
    const other = otherPhone(MEETING, random);
    const first = await fake.addKeyFile([other.published()]);
    const second = await fake.addKeyFile([phone.published()]);
    const handler = (r: { path: string }) => {
      const file = fake.files.find((f) => `/v1/exports/${f.path}` === r.path)!;
      if (file.path === second.path) throw new TypeError('network down');
      return bytesResponse(file.bytes);
    };
    fake.server.on('GET', '/v1/exports/VN/*', handler);
    const dropped = await device.checkExposure();
    expect(dropped).toMatchObject({ status: 'failed', filesProcessed: 1, error: { code: 'network_error' } });
    // The client retried with back-off before giving up.
    expect(fake.server.to(`/v1/exports/${second.path}`)).toHaveLength(4);
    fake.server.on('GET', '/v1/exports/VN/*', (r) =>
      bytesResponse(fake.files.find((f) => `/v1/exports/${f.path}` === r.path)!.bytes),
    );
    const resumed = await device.checkExposure();
    expect(resumed).toMatchObject({ status: 'ok', filesProcessed: 1, filesAlreadyDone: 1, newMatches: 1 });
    expect(fake.server.to(`/v1/exports/${first.path}`)).toHaveLength(1);
  });

  it('a key published again in a later file replaces its match instead of adding one', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published()]);
    const once = await device.checkExposure();
    await fake.addKeyFile([phone.published()]);
    const twice = await device.checkExposure();
    expect(twice.newMatches).toBe(1);
    expect(twice.results).toEqual(once.results);
  });

  it('forgets markers of files the index no longer lists', async () => {
    const { fake, device, random } = await scenario();
    await fake.addKeyFile([otherPhone(MEETING, random).published()]);
    const store = createMemoryDeviceStore();
    const d = deviceOn(fake, { store });
    meet(d, otherPhone(MEETING, random), MEETING, MINUTE_MS);
    await d.checkExposure();
    expect(await store.listProcessedFiles()).toHaveLength(1);
    fake.files.splice(0);
    await d.checkExposure();
    expect(await store.listProcessedFiles()).toEqual([]);
    await device.close();
  });

  it('skips files that ended before the first sighting, and everything when nothing was heard', async () => {
    const fake = await createFakeBluezone();
    const random = seededRandom(8);
    const old = await fake.addKeyFile([otherPhone(MEETING - 5 * DAY_MS, random).published()], {
      endMs: MEETING - 3 * DAY_MS,
    });
    const empty = deviceOn(fake);
    const none = await empty.checkExposure();
    expect(none).toMatchObject({ status: 'ok', filesSkipped: 1, filesProcessed: 0 });
    const device = deviceOn(fake);
    const phone = otherPhone(MEETING, random);
    meet(device, phone, MEETING, 30 * MINUTE_MS);
    const recent = await fake.addKeyFile([phone.published()]);
    const run = await device.checkExposure();
    expect(run).toMatchObject({ filesSkipped: 1, filesProcessed: 1, newMatches: 1 });
    const downloaded = fake.server.requests.filter((r) => r.path.endsWith('.zip')).map((r) => r.path);
    expect(downloaded).toEqual([`/v1/exports/${recent.path}`]);
    expect(downloaded).not.toContain(`/v1/exports/${old.path}`);
  });

  it('marks a listed file that is gone (404) skipped and goes on', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published()]);
    fake.server.on(
      'GET',
      '/v1/exports/index.txt',
      () => new Response(`VN/1-2-00009.zip\n${fake.files[0]!.path}\n`),
    );
    const run = await device.checkExposure();
    expect(run).toMatchObject({ status: 'ok', filesSkipped: 1, filesProcessed: 1, newMatches: 1 });
  });

  it('ignores index lines that are not plain relative paths', async () => {
    const { fake, device } = await scenario();
    fake.server.on(
      'GET',
      '/v1/exports/index.txt',
      () =>
        new Response(
          'https://evil.example/x.zip\n../../v1/publish\n/etc/passwd\n//evil.example/a.zip\nVN/a b.zip\n',
        ),
    );
    const run = await device.checkExposure();
    expect(run).toMatchObject({ status: 'ok', filesListed: 0 });
    expect(fake.server.requests.every((r) => r.url.startsWith('https://api.bluezone.test/'))).toBe(true);
    expect(fake.server.requests.map((r) => r.path)).toEqual(['/v1/config', '/v1/exports/index.txt']);
  });

  it('removes the match of a key a later file revokes', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published()]);
    expect((await device.checkExposure()).results.days).toHaveLength(1);
    await fake.addKeyFile([], { revisedKeys: [{ ...phone.published(), reportType: ReportType.REVOKED }] });
    const run = await device.checkExposure();
    expect(run.results.days).toEqual([]);
  });
});

describe('exposure check: bad files', () => {
  it('rejects a corrupted file and one signed by another key, records them, and processes the rest', async () => {
    const { fake, device, phone, random } = await scenario();
    const corrupted = await fake.addKeyFile([otherPhone(MEETING, random).published()]);
    corrupted.bytes = corrupted.bytes.slice(0, 60);
    const stranger = await signingKey('sk_stranger');
    const forged = await exportWriteFile(
      {
        region: 'VN',
        startTimestamp: 1,
        endTimestamp: Math.floor(fake.clock.now() / 1000),
        keys: [phone.published()],
      },
      { privateKey: stranger.privateKey, keyId: fake.exportKey.id, keyVersion: 'v1' },
    );
    const badlySigned = await fake.addKeyFile([]);
    badlySigned.bytes = forged;
    const tampered = await fake.addKeyFile([otherPhone(MEETING, random).published()]);
    tampered.bytes = Uint8Array.from(tampered.bytes);
    tampered.bytes[tampered.bytes.length - 30]! ^= 0x01;
    const good = await fake.addKeyFile([phone.published()]);

    const store = createMemoryDeviceStore();
    const d = deviceOn(fake, { store });
    meet(d, phone, MEETING, 30 * MINUTE_MS);
    const run = await d.checkExposure();
    expect(run.status).toBe('partial');
    expect(run.filesProcessed).toBe(1);
    expect(run.filesRejected.map((f) => f.path)).toEqual([corrupted.path, badlySigned.path, tampered.path]);
    expect(run.filesRejected[0]!.reason).toBe('export_zip_invalid');
    expect(run.filesRejected[1]!.reason).toBe('export_signature_invalid');
    expect(run.newMatches).toBe(1);
    expect(run.results.days).toHaveLength(1);
    const markers = await store.listProcessedFiles();
    expect(markers.find((m) => m.path === good.path)).toMatchObject({
      status: 'processed',
      matchedKeyCount: 1,
    });
    expect(markers.find((m) => m.path === badlySigned.path)).toMatchObject({
      status: 'rejected',
      attempts: 1,
    });
    const state = await d.checkState();
    expect(state.status).toBe('partial');
    expect(state.lastSuccessfulCheckAt).toBe(run.startedAt);
    expect(state.lastError?.code).toBe('files_rejected');
    await device.close();
  });

  it(`tries a rejected file again on later checks, ${MAX_FILE_ATTEMPTS} attempts in all`, async () => {
    const { fake, device } = await scenario();
    const bad = await fake.addKeyFile([]);
    bad.bytes = new Uint8Array([1, 2, 3]);
    for (let i = 0; i < MAX_FILE_ATTEMPTS + 2; i++) await device.checkExposure();
    expect(fake.server.to(`/v1/exports/${bad.path}`)).toHaveLength(MAX_FILE_ATTEMPTS);
  });
});

describe('exposure check: server errors and state', () => {
  it('retries a 503 on the index with back-off, then succeeds', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published()]);
    let failures = 2;
    const files = fake.files;
    fake.server.on('GET', '/v1/exports/index.txt', () =>
      failures-- > 0
        ? jsonResponse({ error: { code: 'unavailable', message: 'busy' } }, 503)
        : new Response(`${files[0]!.path}\n`),
    );
    const run = await device.checkExposure();
    expect(run.status).toBe('ok');
    expect(fake.server.to('/v1/exports/index.txt')).toHaveLength(3);
    expect(fake.clock.sleeps).toHaveLength(2);
    expect(fake.clock.sleeps[1]!).toBeGreaterThanOrEqual(fake.clock.sleeps[0]! / 2);
  });

  it('fails without a configuration, and records why', async () => {
    const { fake, device } = await scenario();
    fake.server.on('GET', '/v1/config', () =>
      jsonResponse({ error: { code: 'internal', message: 'x' } }, 500),
    );
    const run = await device.checkExposure();
    expect(run).toMatchObject({
      status: 'failed',
      error: { code: 'config_unavailable' },
      configVersion: null,
    });
    expect(run.configError?.code).toBe('http_error');
    const state = await device.checkState();
    expect(state).toMatchObject({
      status: 'failed',
      lastCheckAt: run.startedAt,
      lastSuccessfulCheckAt: null,
    });
  });

  it('goes on with the adopted configuration when a refresh fails', async () => {
    const { fake, device, phone } = await scenario();
    await device.refreshConfig();
    await fake.addKeyFile([phone.published()]);
    fake.server.on('GET', '/v1/config', () => {
      throw new TypeError('offline');
    });
    const run = await device.checkExposure();
    expect(run).toMatchObject({
      status: 'ok',
      configVersion: 'v1',
      configError: { code: 'network_error' },
      newMatches: 1,
    });
  });

  it('keeps lastSuccessfulCheckAt of the last completed check; starts with status never', async () => {
    const { fake, device } = await scenario();
    expect(await device.checkState()).toEqual({
      status: 'never',
      lastCheckAt: null,
      lastSuccessfulCheckAt: null,
      lastError: null,
    });
    const ok = await device.checkExposure();
    fake.clock.advance(HOUR_MS);
    fake.server.on('GET', '/v1/exports/index.txt', () => jsonResponse({}, 500));
    const failed = await device.checkExposure();
    expect(await device.checkState()).toMatchObject({
      status: 'failed',
      lastCheckAt: failed.startedAt,
      lastSuccessfulCheckAt: ok.startedAt,
      lastError: { code: 'http_error' },
    });
  });

  it('runs one check at a time', async () => {
    const { fake, device, phone } = await scenario();
    await fake.addKeyFile([phone.published()]);
    const [a, b] = await Promise.all([device.checkExposure(), device.checkExposure()]);
    expect(a).toBe(b);
    expect(fake.server.to('/v1/exports/index.txt')).toHaveLength(1);
  });
});
