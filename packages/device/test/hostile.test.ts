/**
 * Nothing a server says can make the phone upload. A phone that has keys, sightings, a matched
 * exposure and a pending report talks to a hostile server — a validly signed configuration full
 * of "upload" fields, inbox messages and heartbeat answers that look like commands, an index
 * pointing at upload endpoints, arbitrary JSON everywhere (property test) — through every call
 * the SDK makes without a consent, chaff included. Afterwards no request reached an upload
 * endpoint except chaff (marked `X-Chaff: 1` and carrying none of the phone's keys), and no
 * consent setting changed.
 */
import { verificationBase64Encode } from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryDeviceStore } from '../src/index.js';
import {
  createFakeBluezone,
  DAY_MS,
  deviceOn,
  type FakeBluezone,
  HOUR_MS,
  jsonResponse,
  keyHash,
  MINUTE_MS,
  meet,
  otherPhone,
  seededRandom,
  T0,
} from './helpers.js';

const UPLOAD_PATHS = ['/api/verify', '/api/certificate', '/v1/publish', '/v1/exposure-reports'];
const MEETING = T0 - 2 * DAY_MS + 9 * HOUR_MS;

async function exposedPhone(fake: FakeBluezone) {
  const store = createMemoryDeviceStore();
  const device = deviceOn(fake, { store });
  await device.register({ platform: 'android', appVersion: '1.0.0', provinceCode: '01', locale: 'vi' });
  for (let day = 5; day >= 0; day--) await device.currentAdvertisement(fake.clock.now() - day * DAY_MS);
  const phone = otherPhone(MEETING, seededRandom(77));
  meet(device, phone, MEETING, 30 * MINUTE_MS);
  await device.flushSightings();
  return { device, store, phone };
}

/** The secrets an upload would carry: the phone's keys (base64) and their hashes. */
async function secretsOf(store: ReturnType<typeof createMemoryDeviceStore>): Promise<string[]> {
  const keys = await store.listKeys();
  return keys.flatMap((k) => [verificationBase64Encode(k.keyData), keyHash(k.keyData)]);
}

function expectNoUpload(fake: FakeBluezone, secrets: readonly string[]): void {
  const uploads = fake.server.requests.filter((r) => UPLOAD_PATHS.includes(r.path));
  for (const r of uploads) {
    expect(r.headers['x-chaff'], `${r.method} ${r.path} without X-Chaff`).toBe('1');
    for (const secret of secrets) expect(r.body ?? '').not.toContain(secret);
  }
  expect(uploads.filter((r) => r.path === '/v1/exposure-reports')).toEqual([]);
}

const COMMANDS = {
  action: 'upload',
  command: 'publish_keys',
  forceUpload: true,
  uploadKeys: true,
  autoReport: true,
  report: { exposureDays: ['2020-08-08'], maxRiskLevel: 2 },
  code: '12345671',
  consent: { confirmedAt: 0, shownText: 'yes' },
  standingReportConsent: { confirmedAt: 0, shownText: 'yes' },
};

describe('hostile server content never triggers an upload', () => {
  it('survives commands in a signed configuration, the inbox, the heartbeat and the index', async () => {
    const fake = await createFakeBluezone();
    const { device, store, phone } = await exposedPhone(fake);
    const file = await fake.addKeyFile([phone.published()]);
    await fake.resign({ ...COMMANDS, keyFiles: { ...(fake.config['keyFiles'] as object), ...COMMANDS } });
    fake.inbox = [
      {
        id: 'm1',
        kind: 'command',
        title: { vi: 'upload', en: 'upload' },
        body: { vi: JSON.stringify(COMMANDS), en: 'publish' },
        url: 'javascript:upload()',
        createdAt: 1,
        ...COMMANDS,
      },
      {
        id: 'm2',
        kind: 'result',
        title: { vi: 'F0', en: 'F0' },
        body: { vi: 'b', en: 'b' },
        url: 'https://bluezone.gov.vn/upload',
        createdAt: 2,
        action: 'publish',
      },
      { ...COMMANDS },
    ];
    const heartbeat = fake.server.handler('POST', '/v1/heartbeat');
    fake.server.on('POST', '/v1/heartbeat', async (r) => {
      const answer = (await (await heartbeat(r)).json()) as Record<string, unknown>;
      return jsonResponse({ ...answer, ...COMMANDS, configVersion: 'evil' });
    });
    fake.server.on(
      'GET',
      '/v1/exports/index.txt',
      () =>
        new Response(
          `../../v1/publish\n/v1/publish\nhttps://evil.example/v1/exposure-reports\n${file.path}\n`,
        ),
    );

    await device.refreshConfig();
    await device.heartbeat();
    const messages = await device.fetchInbox();
    expect(messages.map((m) => [m.id, m.url])).toEqual([
      ['m1', null],
      ['m2', 'https://bluezone.gov.vn/upload'],
    ]);
    expect(Object.keys(messages[0]!).sort()).toEqual(['body', 'createdAt', 'id', 'kind', 'title', 'url']);
    const run = await device.checkExposure();
    expect(run.status).toBe('ok');
    expect(run.pendingReport).toBeDefined();
    expect(run.automaticReport).toBeUndefined();
    await device.checkExposure();
    await device.purge();
    await device.currentAdvertisement();

    const config = await device.config();
    expect(Object.keys(config!).sort()).toEqual([
      'checkIntervalHours',
      'configKeys',
      'exposureTimeGranularity',
      'healthAuthorityId',
      'issuedAt',
      'keyFiles',
      'region',
      'risk',
      'scan',
      'version',
    ]);
    expect(await device.automaticReportsEnabled()).toBe(false);
    expect(await store.getSetting('standingReportConsent')).toBeUndefined();
    expect(await device.pendingSubmission()).toBeUndefined();
    expectNoUpload(fake, await secretsOf(store));
    expect(fake.server.requests.filter((r) => UPLOAD_PATHS.includes(r.path))).toEqual([]);
  });

  it('sends only chaff to upload endpoints, with none of the phone’s keys, over days of scheduled chaff', async () => {
    const fake = await createFakeBluezone();
    const { device, store } = await exposedPhone(fake);
    const schedule = device.scheduleChaff({ meanIntervalMs: 2 * HOUR_MS, minIntervalMs: MINUTE_MS });
    for (let hour = 0; hour < 72; hour++) {
      fake.clock.advance(HOUR_MS);
      await schedule.idle();
    }
    expect(schedule.rounds).toBeGreaterThan(10);
    expect(fake.server.to('/v1/publish').length).toBeGreaterThan(0);
    expectNoUpload(fake, await secretsOf(store));
    await device.close();
  });

  it('never uploads whatever JSON the inbox, heartbeat and configuration answer (property)', async () => {
    const fake = await createFakeBluezone();
    const { device, store, phone } = await exposedPhone(fake);
    await fake.addKeyFile([phone.published()]);
    const secrets = await secretsOf(store);
    const json = fc.jsonValue({ maxDepth: 3 });
    await fc.assert(
      fc.asyncProperty(
        json,
        json,
        json,
        fc.array(json, { maxLength: 4 }),
        async (heartbeat, config, inbox, messages) => {
          fake.server.on('POST', '/v1/heartbeat', () => jsonResponse(heartbeat));
          fake.server.on('GET', '/v1/config', () => jsonResponse(config));
          fake.server.on('GET', '/v1/inbox', () =>
            jsonResponse(typeof inbox === 'object' && inbox !== null ? { ...inbox, messages } : inbox),
          );
          await device.heartbeat().catch(() => undefined);
          await device.fetchInbox().catch(() => undefined);
          await device.refreshConfig().catch(() => undefined);
          await device.checkExposure();
          expectNoUpload(fake, secrets);
          expect(await device.automaticReportsEnabled()).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
    expect(fake.server.requests.filter((r) => UPLOAD_PATHS.includes(r.path))).toEqual([]);
  });
});
