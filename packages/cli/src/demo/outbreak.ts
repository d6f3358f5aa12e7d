/**
 * The demo's outbreak: a small cluster in Hải Dương traced F0 → F1 → F2 through the real flow —
 * phones running the device SDK register and verify their numbers over HTTP, exchange Bluetooth
 * advertisements (a scripted radio: who met whom, how close, how long), the authority enters the
 * case and the F0's phone uploads with its code, key files are built and signed, phones check,
 * warned phones report with consent, the authority issues a recursive code to an F1 and its
 * contacts are found as F2. Nothing is written to the database behind the API's back.
 *
 * Timeline (Vietnam time, days before the demo starts):
 * - day −3, 09:00: A meets B, C and D at close range for 20 minutes (a family lunch); E stands
 *   far away in the same room (attenuation too high to count);
 * - day −2, 15:00: B meets F and G at close range for 25 minutes (a workplace);
 * - now: A tests positive; A uploads; B, C, D are warned (F1) and report; B becomes a recursive
 *   case and uploads; F and G are warned (F2) and report. E and H are not warned.
 *
 * @module
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type BluezoneDevice,
  createBluezoneDevice,
  createMemoryDeviceStore,
  type DeviceClock,
  recordReportConsent,
  recordUploadConsent,
} from '@bluezone/device';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const VN_OFFSET = 7 * HOUR;

/** The demo phones: name → number, district of Hải Dương (GSO codes, 2020). */
const PHONES = {
  A: { phone: '0981000101', district: '288' },
  B: { phone: '0981000102', district: '288' },
  C: { phone: '0912000103', district: '288' },
  D: { phone: '0903000104', district: '291' },
  E: { phone: '0981000105', district: '288' },
  F: { phone: '0981000106', district: '290' },
  G: { phone: '0915000107', district: '295' },
  H: { phone: '0983000108', district: '297' },
} as const;
type PhoneName = keyof typeof PHONES;

/** The province of the demo outbreak (Hải Dương, GSO code 30). */
export const DEMO_OUTBREAK_PROVINCE = '30';

export interface DemoOutbreakOptions {
  readonly baseUrl: string;
  /** An `admin` API key (the authority's integration). */
  readonly adminKey: string;
  /** A `device` API key (the app). */
  readonly deviceKey: string;
  /** The server's config-signing public keys (SPKI, base64) the phones trust. */
  readonly trustedConfigKeys: readonly { readonly id: string; readonly publicKey: string }[];
  /** The last SMS the server sent to an E.164 number (the demo reads the phones' OTPs here). */
  readonly lastSms: (e164: string) => string | undefined;
  /** Builds and signs the key files now (`runExportsNow`). */
  readonly runExports: () => Promise<void>;
  /** The server's clock. */
  readonly now: () => number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface DemoOutbreakResult {
  readonly caseId: string;
  readonly recursiveCaseId: string;
  readonly f1: number;
  readonly f2: number;
  readonly notWarned: number;
}

/** An `X-API-Key` caller of the admin API whose failures throw with the answer in the message. */
export function adminClient(
  baseUrl: string,
  apiKey: string,
): (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>> {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'x-api-key': apiKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`demo: ${method} ${path} answered ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** A phone clock the demo moves back in time for the encounters; the SDK never sleeps here. */
function settableClock(start: number): DeviceClock & { set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async () => {},
    setTimer: () => ({ cancel: () => {} }),
    set: (ms) => {
      t = ms;
    },
  };
}

/** Midnight, Vietnam time, of the day `ms` falls in, as a UTC instant. */
function vnMidnight(ms: number): number {
  return Math.floor((ms + VN_OFFSET) / DAY) * DAY - VN_OFFSET;
}

/** Runs the outbreak. Call once, on a database the demo has not seeded before. */
export async function seedDemoOutbreak(options: DemoOutbreakOptions): Promise<DemoOutbreakResult> {
  const log = options.log ?? (() => {});
  const start = options.now();
  const clock = settableClock(start);
  const admin = adminClient(options.baseUrl, options.adminKey);

  const phones = {} as Record<PhoneName, BluezoneDevice>;
  for (const name of Object.keys(PHONES) as PhoneName[]) {
    const phone = createBluezoneDevice({
      baseUrl: options.baseUrl,
      apiKey: options.deviceKey,
      trustedConfigKeys: options.trustedConfigKeys,
      store: createMemoryDeviceStore(),
      clock,
      crypto: nodeCrypto,
      deviceModel: 'Pixel 4',
      deviceOem: 'Google',
      submission: { acceptTestTypes: ['confirmed', 'likely', 'recursive'] },
    });
    phones[name] = phone;
    await phone.register({
      platform: name === 'C' || name === 'G' ? 'ios' : 'android',
      appVersion: '1.0.0',
      provinceCode: DEMO_OUTBREAK_PROVINCE,
      districtCode: PHONES[name].district,
      locale: 'vi',
    });
    const number = PHONES[name].phone;
    await phone.requestPhoneCode(number);
    const code = /(\d{6})/.exec(options.lastSms(`+84${number.slice(1)}`) ?? '')?.[1];
    if (!code) throw new Error(`demo: no SMS code reached ${name}'s number`);
    await phone.verifyPhoneCode(number, code);
    await phone.refreshConfig();
  }
  log(`outbreak: ${Object.keys(PHONES).length} phones registered in Hải Dương`);

  try {
    /** `minutes` of two phones hearing each other once a minute at `rssi` dBm, from `from`. */
    const encounter = async (a: PhoneName, b: PhoneName, from: number, minutes: number, rssi: number) => {
      for (let m = 0; m < minutes; m++) {
        const t = from + m * 60_000;
        clock.set(t);
        phones[a].onSighting((await phones[b].currentAdvertisement(t)).serviceData, rssi, t, 'Pixel 4');
        phones[b].onSighting(
          (await phones[a].currentAdvertisement(t)).serviceData,
          rssi,
          t + 1_000,
          'Pixel 4',
        );
      }
    };
    const today = vnMidnight(start);
    for (const other of ['B', 'C', 'D'] as const)
      await encounter('A', other, today - 3 * DAY + 9 * HOUR, 20, -55);
    await encounter('A', 'E', today - 3 * DAY + 9 * HOUR, 20, -104);
    for (const other of ['F', 'G'] as const)
      await encounter('B', other, today - 2 * DAY + 15 * HOUR, 25, -58);
    await encounter('G', 'H', today - 2 * DAY + 19 * HOUR, 10, -98);
    for (const phone of Object.values(phones)) await phone.flushSightings();
    clock.set(options.now());

    // A tests positive: the authority enters the case; A's owner types the code and consents.
    const testDate = new Date(today - DAY + VN_OFFSET).toISOString().slice(0, 10);
    const caseA = await admin('POST', '/admin/v1/cases', {
      provinceCode: DEMO_OUTBREAK_PROVINCE,
      districtCode: PHONES.A.district,
      testType: 'confirmed',
      testDate,
    });
    await phones.A.submitDiagnosis(
      recordUploadConsent({ confirmedAt: clock.now(), shownText: 'Tôi đồng ý gửi mã khóa của mình.' }),
      { code: String(caseA['shortCode']) },
    );
    await options.runExports();
    log('outbreak: F0 uploaded its keys; key files signed');

    const warnedAndReported = async (names: readonly PhoneName[], level: 'F1' | 'F2') => {
      let count = 0;
      for (const name of names) {
        clock.set(options.now());
        await phones[name].checkExposure();
        const results = await phones[name].exposureResults();
        if (results.contactLevel !== level) continue;
        await phones[name].sendExposureReport(
          recordReportConsent({
            confirmedAt: clock.now(),
            shownText: 'Gửi thông tin tiếp xúc cho cơ quan y tế.',
          }),
        );
        count++;
      }
      return count;
    };
    const f1 = await warnedAndReported(['B', 'C', 'D', 'E', 'H'], 'F1');
    // The officer reveals the numbers (audited) and calls them; B turns out to be positive too.
    const contacts = (await admin('GET', `/admin/v1/cases/${String(caseA['caseId'])}/contacts?reveal=phone`))[
      'contacts'
    ] as { id: string; phoneNumber?: string | null }[];
    const contactB = contacts.find((c) => c.phoneNumber === `+84${PHONES.B.phone.slice(1)}`);
    if (!contactB) throw new Error('demo: B did not reach the F0 case contact list');
    log(`outbreak: ${f1} F1 warned and reported`);

    // B is confirmed in turn: a recursive code; B uploads; B's contacts are warned as F2.
    const caseB = await admin('POST', `/admin/v1/contacts/${contactB.id}/recursive-case`, {});
    clock.set(options.now());
    await phones.B.submitDiagnosis(
      recordUploadConsent({ confirmedAt: clock.now(), shownText: 'Tôi đồng ý gửi mã khóa của mình.' }),
      { code: String(caseB['shortCode']) },
    );
    await options.runExports();
    const f2 = await warnedAndReported(['F', 'G', 'H', 'E'], 'F2');
    log(`outbreak: ${f2} F2 warned and reported`);

    let notWarned = 0;
    for (const name of ['E', 'H'] as const) {
      if ((await phones[name].exposureResults()).maxRiskLevel === 0) notWarned++;
    }
    return { caseId: String(caseA['caseId']), recursiveCaseId: String(caseB['caseId']), f1, f2, notWarned };
  } finally {
    for (const phone of Object.values(phones)) await phone.close();
  }
}
