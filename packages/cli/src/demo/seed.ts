/**
 * The demo that `npm start` brings up (`bluezone serve --demo`): the real server on SQLite,
 * seeded once — on a database it has not seeded before — with
 * - the demo users (`admin` national admin, `haiduong` province admin of Hải Dương (30),
 *   `thainguyen` province admin of Thái Nguyên (19); password {@link DEMO_PASSWORD});
 * - synthetic installs and smartphone counts for all 63 provinces, through the real imports
 *   (see `synthetic.ts`: clearly labelled synthetic, scaled 1:{@link DEMO_SCALE});
 * - an outbreak in Hải Dương traced F0 → F1 → F2 through the real flow (`outbreak.ts`);
 * - a handful of contact-workflow steps and an inbox message, so every portal page has content.
 * Starting twice does not seed twice: the `demo.seed` audit entry marks a finished seeding.
 *
 * @module
 */

import type { Config } from '@bluezone/server';
import {
  createApiKey,
  createContext,
  createSmsSender,
  createUser,
  deriveSecrets,
  importDenominators,
  importInstalls,
  loadAdminUnits,
  loadMasterKey,
  loadPopulation,
  memorySmsSender,
  publishedSigningKeys,
  type RunningServer,
  runExportsNow,
  type SmsSender,
  type Storage,
  startServer,
} from '@bluezone/server';
import {
  adminClient,
  DEMO_OUTBREAK_PROVINCE,
  type DemoOutbreakResult,
  seedDemoOutbreak,
} from './outbreak.js';
import { DEMO_SCALE, syntheticDemoData } from './synthetic.js';

/** The demo users' password (documented in the README; demo databases only). */
export const DEMO_PASSWORD = 'bluezone-demo';

/** The demo users: username, role, province. */
export const DEMO_USERS = [
  { username: 'admin', role: 'national_admin', provinceCode: null },
  { username: 'haiduong', role: 'province_admin', provinceCode: '30' },
  { username: 'thainguyen', role: 'province_admin', provinceCode: '19' },
] as const;

const SEED_MARK = 'demo.seed';

/** What a demo start did. */
export interface DemoStart {
  readonly server: RunningServer;
  /** Set on the start that seeded; undefined when the database was seeded before. */
  readonly seeded?: {
    readonly installs: number;
    readonly smartphones: number;
    readonly outbreak: DemoOutbreakResult;
    readonly apiKeys: { readonly admin: string; readonly device: string };
  };
}

/** Whether a finished demo seeding is recorded in `storage`. */
export async function demoSeeded(storage: Storage): Promise<boolean> {
  const row = await storage.db
    .selectFrom('audit_log')
    .select('id')
    .where('action', '=', SEED_MARK)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Starts the server of `config` and seeds the demo if this database has not had it. SMS to the
 * demo phones are read in memory; every other SMS goes to the adapter `config.sms` names.
 */
export async function startDemo(
  config: Config,
  options: { now?: () => number; log?: (line: string) => void; logger?: boolean } = {},
): Promise<DemoStart> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const captured = memorySmsSender();
  const forward = createSmsSender(config.sms, now);
  const sms: SmsSender = {
    send: (to, text) =>
      to.startsWith('+84') && DEMO_NUMBER.test(to) ? captured.send(to, text) : forward.send(to, text),
  };
  const server = await startServer(config, { now, sms, logger: options.logger ?? true });
  try {
    if (await demoSeeded(server.storage)) return { server };
    const existingUsers = await server.storage.db.selectFrom('users').select('id').executeTakeFirst();
    if (existingUsers)
      throw new Error(
        'this database has users but no finished demo: start the demo on an empty data directory (remove ./data or pass --db with a new file)',
      );
    const seeded = await seed(config, server, captured.lastTo, now, log);
    return { server, seeded };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** The demo phones' numbers (outbreak.ts): 09x1000 1xx. */
const DEMO_NUMBER = /^\+849[0-9]{2}000[0-9]{3}$/;

async function seed(
  config: Config,
  server: RunningServer,
  lastTo: (to: string) => { text: string } | undefined,
  now: () => number,
  log: (line: string) => void,
): Promise<NonNullable<DemoStart['seeded']>> {
  const adminUnits = loadAdminUnits();
  const ctx = createContext(config, {
    storage: server.storage,
    secrets: deriveSecrets(loadMasterKey(config)),
    adminUnits,
    now,
  });

  const users = new Map<string, string>();
  for (const user of DEMO_USERS) {
    const created = await createUser(ctx, 'system:demo', { ...user, password: DEMO_PASSWORD }, now());
    users.set(user.username, created.user.id);
  }
  log(`demo: users ${DEMO_USERS.map((u) => u.username).join(', ')}`);

  // Installs and smartphone counts for the 63 provinces, through the real imports.
  const population = loadPopulation();
  const provinces = [...adminUnits.provinces.values()].map((p) => ({
    code: p.code,
    population: population.get(p.code) ?? 0,
    districts: [...adminUnits.districts.values()].filter((d) => d.provinceCode === p.code).map((d) => d.code),
  }));
  const data = syntheticDemoData(provinces, now());
  const importDeps = { storage: server.storage, adminUnits, now };
  await importDenominators(importDeps, data.denominatorsCsv, {
    actor: 'system:demo',
    fileName: `demo-synthetic-smartphones-1-${DEMO_SCALE}.csv`,
  });
  await importInstalls(importDeps, data.installsCsv, {
    actor: 'system:demo',
    fileName: `demo-synthetic-installs-1-${DEMO_SCALE}.csv`,
  });
  log(`demo: ${data.installs.toLocaleString('vi-VN')} synthetic installs imported (1:${DEMO_SCALE})`);

  // The outbreak, over HTTP, with the phones' SDK.
  const apiKeys = {
    admin: (await createApiKey(server.storage.db, 'admin', 'demo administrator', now())).key,
    device: (await createApiKey(server.storage.db, 'device', 'demo app', now())).key,
  };
  await fetch(`${server.url}/v1/config`); // the server makes its config key on first use
  const trustedConfigKeys = (await publishedSigningKeys(ctx, 'config')).map((k) => ({
    id: k.id,
    publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
  }));
  const outbreak = await seedDemoOutbreak({
    baseUrl: server.url,
    adminKey: apiKeys.admin,
    deviceKey: apiKeys.device,
    trustedConfigKeys,
    lastSms: (to) => lastTo(to)?.text,
    runExports: async () => {
      // A run that includes the current period ends its batch at the next whole second (file
      // headers hold seconds): keys uploaded within that second go out with the next batch, so
      // a second run in the same second would find nothing due. Wait for the second to pass.
      await new Promise((resolve) => setTimeout(resolve, 1001 - (now() % 1000)));
      const outcome = await runExportsNow(config, server.storage, now);
      if (outcome.status === 'error') throw outcome.error;
    },
    now,
    log,
  });

  // The officer's follow-up: the F1s are assigned, one is contacted and one is in quarantine.
  const admin = adminClient(server.url, apiKeys.admin);
  const contacts = (await admin('GET', `/admin/v1/cases/${outbreak.caseId}/contacts`))['contacts'] as {
    id: string;
    status: string;
  }[];
  const officer = users.get('haiduong');
  // Workflow steps go one at a time: the first F1 reached by phone, the second also quarantined.
  const steps = [['contacted'], ['contacted', 'quarantined'], []] as const;
  for (const [i, contact] of contacts.filter((c) => c.status !== 'recursive_case').entries()) {
    await admin('PATCH', `/admin/v1/contacts/${contact.id}`, { assignedTo: officer });
    for (const status of steps[i] ?? []) await admin('PATCH', `/admin/v1/contacts/${contact.id}`, { status });
  }
  await admin('POST', '/admin/v1/inbox', {
    kind: 'notice',
    provinceCode: DEMO_OUTBREAK_PROVINCE,
    title: { vi: 'Hải Dương: mời khai báo y tế', en: 'Hải Dương: please make a health declaration' },
    body: {
      vi: 'Người đã tiếp xúc gần với ca bệnh trong 3 ngày qua xin liên hệ trạm y tế gần nhất và khai báo y tế.',
      en: 'If you were in close contact with a case in the last 3 days, call your nearest health station and make a health declaration.',
    },
  });

  // The reports of the day, issued and registered: Hải Dương's quick report (round 1) and the
  // national summary with Hải Dương as the example province, figures as of the last whole hour.
  const vnHour = new Date(Math.floor(now() / 3_600_000) * 3_600_000 + 7 * 3_600_000).toISOString();
  const asOf = `${vnHour.slice(0, 13)}:00+07:00`;
  const reports: string[] = [];
  for (const body of [
    { kind: 'quick', params: { provinceCode: DEMO_OUTBREAK_PROVINCE, round: 1, asOf } },
    { kind: 'national', params: { asOf, exampleProvince: DEMO_OUTBREAK_PROVINCE } },
  ])
    reports.push(String((await admin('POST', '/admin/v1/reports', body))['number']));
  if (reports.length > 0) log(`demo: reports issued ${reports.join(', ')}`);

  await server.storage.db
    .insertInto('audit_log')
    .values({
      id: `aud_demo_${now().toString(36)}`,
      at: now(),
      actor: 'system',
      action: SEED_MARK,
      subject: null,
      details: JSON.stringify({ installs: data.installs, scale: DEMO_SCALE, synthetic: true }),
    })
    .execute();
  return { installs: data.installs, smartphones: data.smartphones, outbreak, apiKeys };
}

/** What the demo start prints: the address, the logins, and on the seeding start the API keys. */
export function demoBanner(url: string, seeded: DemoStart['seeded']): string {
  const lines = [
    '',
    `Bluezone demo: open ${url}/ (portal) — API docs at ${url}/docs`,
    `Logins (password ${DEMO_PASSWORD}):`,
    '  admin       national administrator (Bộ Y tế): the whole country',
    '  haiduong    province administrator of Hải Dương (30): the traced outbreak',
    '  thainguyen  province administrator of Thái Nguyên (19): sees none of Hải Dương',
    `Installs and smartphone counts are SYNTHETIC (scaled 1:${DEMO_SCALE}), for demonstration only.`,
  ];
  if (seeded) {
    lines.push(
      `Seeded: ${seeded.installs.toLocaleString('vi-VN')} installs; outbreak in Hải Dương: 1 F0, ${seeded.outbreak.f1} F1, ${seeded.outbreak.f2} F2 (traced through the real flow).`,
      'API keys for trying the API (shown once; stored only as hashes):',
      `  admin  (X-API-Key, /admin/v1): ${seeded.apiKeys.admin}`,
      `  device (X-API-Key, /api/verify, /api/certificate): ${seeded.apiKeys.device}`,
    );
  } else {
    lines.push('The demo was seeded on an earlier start; nothing was added.');
  }
  return `${lines.join('\n')}\n\n`;
}
