/**
 * Issue 5 acceptance: the whole tracing chain F0 → F1 (with consent) → F2 over a real listening
 * server, with four phones running the device SDK and a deterministic simulated radio.
 *
 * A and B are close (low attenuation) for 20 minutes, B and C are close for 20 minutes, A and D
 * are far apart (high attenuation) for 20 minutes. A is confirmed and uploads; B is warned (F1)
 * and its consented report puts B on A's contact list; D is not warned; the authority issues a
 * recursive code to B, B uploads, C is warned as F2; the graph shows A → B → C. After 14
 * simulated days the keys and sightings are gone, on the phones and on the server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type BluezoneDevice,
  createBluezoneDevice,
  createMemoryDeviceStore,
  type DeviceClock,
  recordReportConsent,
  recordUploadConsent,
} from '@bluezone/device';
import {
  createApiKey,
  createContext,
  deriveSecrets,
  loadAdminUnits,
  loadConfig,
  loadMasterKey,
  publishedSigningKeys,
  type RunningServer,
  retentionJob,
  runExportsNow,
  runJobOnce,
  startServer,
} from '@bluezone/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DAY = 86_400_000;
const D0 = Date.UTC(2020, 7, 8); // 2020-08-08, a Saturday of the 2020 campaign

/** One clock for the server and every phone; timers fire only when the test moves time. */
function sharedClock(start: number): DeviceClock & { set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async () => {},
    setTimer: () => ({ cancel: () => {} }),
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('tracing end to end: F0 → F1 (consented) → F2 over a real server', () => {
  const clock = sharedClock(D0);
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-e2e-'));
  const smsFile = join(dir, 'sms.jsonl');
  const config = loadConfig({
    BLUEZONE_DATA_DIR: dir,
    BLUEZONE_PORT: '0',
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_SMS: `file:${smsFile}`,
    BLUEZONE_EXPORT_MIN_KEYS: '20',
  });
  let server: RunningServer;
  let adminKey: string;
  let phones: Record<'A' | 'B' | 'C' | 'D', BluezoneDevice>;
  const stores = {
    A: createMemoryDeviceStore(),
    B: createMemoryDeviceStore(),
    C: createMemoryDeviceStore(),
    D: createMemoryDeviceStore(),
  };
  const ctx = () =>
    createContext(config, {
      storage: server.storage,
      secrets: deriveSecrets(loadMasterKey(config)),
      adminUnits: loadAdminUnits(),
      now: clock.now,
    });

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'x-api-key': adminKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  /** The last SMS code sent to `e164`. */
  const lastCode = (e164: string) => {
    const lines = readFileSync(smsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { to: string; text: string });
    const text = lines.filter((l) => l.to === e164).at(-1)?.text ?? '';
    return /(\d{6})/.exec(text)?.[1] ?? '';
  };

  /** `minutes` of both phones hearing each other once a minute at `rssi`, from `start`. */
  async function encounter(
    a: BluezoneDevice,
    b: BluezoneDevice,
    start: number,
    minutes: number,
    rssi: number,
  ) {
    for (let m = 0; m < minutes; m++) {
      const t = start + m * 60_000;
      a.onSighting((await b.currentAdvertisement(t)).serviceData, rssi, t, 'Pixel 4');
      b.onSighting((await a.currentAdvertisement(t)).serviceData, rssi, t + 1_000, 'Pixel 4');
    }
  }

  const exportNow = async () => {
    const outcome = await runExportsNow(config, server.storage, clock.now);
    expect(outcome.status).toBe('ok');
  };

  beforeAll(async () => {
    server = await startServer(config, { logger: false, now: clock.now });
    adminKey = (await createApiKey(server.storage.db, 'admin', 'e2e authority', clock.now())).key;
    const deviceKey = (await createApiKey(server.storage.db, 'device', 'e2e app', clock.now())).key;
    await fetch(`${server.url}/v1/config`); // the server makes its config key on first use
    const trustedConfigKeys = (await publishedSigningKeys(ctx(), 'config')).map((k) => ({
      id: k.id,
      publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
    }));
    const make = (name: keyof typeof stores) =>
      createBluezoneDevice({
        baseUrl: server.url,
        apiKey: deviceKey,
        trustedConfigKeys,
        store: stores[name],
        clock,
        crypto: nodeCrypto,
        deviceModel: 'Pixel 4',
        deviceOem: 'Google',
        submission: { acceptTestTypes: ['confirmed', 'likely', 'recursive'] },
      });
    phones = { A: make('A'), B: make('B'), C: make('C'), D: make('D') };
    const numbers = { A: '0912000001', B: '0912000002', C: '0912000003', D: '0912000004' } as const;
    for (const [name, phone] of Object.entries(phones) as [keyof typeof numbers, BluezoneDevice][]) {
      await phone.register({
        platform: 'android',
        appVersion: '1.0.0',
        provinceCode: '01',
        districtCode: '001',
        locale: 'vi',
      });
      await phone.requestPhoneCode(numbers[name]);
      await phone.verifyPhoneCode(numbers[name], lastCode(`+84${numbers[name].slice(1)}`));
      await phone.refreshConfig();
    }
  });
  afterAll(async () => {
    for (const phone of Object.values(phones ?? {})) await phone.close();
    await server?.close();
  });

  it('warns B (F1) and C (F2), not D; the authority sees A → B → C; everything expires after 14 days', async () => {
    const { A, B, C, D } = phones;
    // Day 0: the encounters (Vietnam time 10:00, 14:00 and 10:00).
    await encounter(A, B, D0 + 3 * 3_600_000, 20, -55);
    await encounter(B, C, D0 + 7 * 3_600_000, 20, -55);
    await encounter(A, D, D0 + 3 * 3_600_000, 20, -102);
    for (const phone of [A, B, C, D]) await phone.flushSightings();

    // Day 1: A tests positive; the authority enters the case and dictates the code.
    clock.set(D0 + DAY + 2 * 3_600_000);
    const caseA = await admin('POST', '/admin/v1/cases', {
      provinceCode: '01',
      testType: 'confirmed',
      testDate: '2020-08-09',
    });
    const uploadA = await A.submitDiagnosis(
      recordUploadConsent({ confirmedAt: clock.now(), shownText: 'Tôi đồng ý gửi mã khóa.' }),
      {
        code: String(caseA['shortCode']),
      },
    );
    expect(uploadA.insertedExposures).toBeGreaterThan(0);
    clock.advance(3_600_000);
    await exportNow();

    for (const phone of [B, C, D]) expect((await phone.checkExposure()).status).toMatch(/ok|partial/);
    const resultsB = await B.exposureResults();
    expect(resultsB.maxRiskLevel).toBe(2);
    expect(resultsB.contactLevel).toBe('F1');
    expect((await D.exposureResults()).maxRiskLevel).toBe(0);
    expect(await D.pendingExposureReport()).toBeUndefined();
    expect((await C.exposureResults()).maxRiskLevel).toBe(0);

    // B consents and reports: B joins A's contact list.
    const reportB = await B.sendExposureReport(
      recordReportConsent({ confirmedAt: clock.now(), shownText: 'Gửi thông tin tiếp xúc.' }),
    );
    expect(reportB).toMatchObject({ contactLevel: 'F1', linkedCases: 1 });
    const contactsA = (await admin('GET', `/admin/v1/cases/${String(caseA['caseId'])}/contacts`))[
      'contacts'
    ] as { id: string; level: string }[];
    expect(contactsA.map((c) => c.level)).toEqual(['F1']);

    // The authority turns B into a recursive case; B uploads its own keys.
    const caseB = await admin('POST', `/admin/v1/contacts/${contactsA[0]!.id}/recursive-case`, {});
    clock.advance(600_000);
    await B.submitDiagnosis(
      recordUploadConsent({ confirmedAt: clock.now(), shownText: 'Tôi đồng ý gửi mã khóa.' }),
      {
        code: String(caseB['shortCode']),
      },
    );
    clock.advance(3_600_000);
    await exportNow();

    await C.checkExposure();
    const resultsC = await C.exposureResults();
    expect(resultsC.maxRiskLevel).toBe(2);
    expect(resultsC.contactLevel).toBe('F2');
    const reportC = await C.sendExposureReport(
      recordReportConsent({ confirmedAt: clock.now(), shownText: 'Gửi thông tin tiếp xúc.' }),
    );
    expect(reportC).toMatchObject({ contactLevel: 'F2', linkedCases: 1 });
    await D.checkExposure();
    expect((await D.exposureResults()).maxRiskLevel).toBe(0);

    // The graph of A's case: A → B → C.
    const graph = (await admin('GET', `/admin/v1/cases/${String(caseA['caseId'])}/graph`)) as {
      nodes: { id: string; kind: string; level: string }[];
      edges: { from: string; to: string }[];
    };
    const levelOf = (id: string) => graph.nodes.find((n) => n.id === id)?.level;
    const next = (from: string) => graph.edges.filter((e) => e.from === from).map((e) => e.to);
    const reach = (from: string, seen = new Set<string>()): Set<string> => {
      for (const to of next(from)) if (!seen.has(to)) reach(to, seen.add(to));
      return seen;
    };
    const root = graph.nodes.find((n) => n.kind === 'case' && n.level === 'F0')!;
    const reached = [...reach(root.id)].map(levelOf);
    expect(reached).toContain('F1');
    expect(reached).toContain('F2');
    expect(
      graph.nodes
        .filter((n) => n.kind === 'contact')
        .map((n) => n.level)
        .sort(),
    ).toEqual(['F1', 'F2']);

    // 15 days later: keys and sightings are gone on the phones and on the server.
    clock.set(D0 + 15 * DAY + 3_600_000);
    for (const phone of [A, B, C, D]) await phone.purge();
    await runJobOnce(ctx(), retentionJob());
    const exposures = await server.storage.db
      .selectFrom('exposures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(exposures.n)).toBe(0);
    for (const name of ['A', 'B', 'C', 'D'] as const) {
      expect(await stores[name].countSightings()).toBe(0);
      const keys = await stores[name].listKeys();
      expect(keys.every((k) => k.rollingStartIntervalNumber * 600_000 >= clock.now() - 14 * DAY)).toBe(true);
      expect((await phones[name].exposureResults()).days).toEqual([]);
    }
  });
});
