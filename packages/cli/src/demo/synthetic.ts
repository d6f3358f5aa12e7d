/**
 * The demo's synthetic installation data, as the two CSV files the real imports take
 * (`bluezone import denominators`, `bluezone import installs`), so the demo goes through the same
 * validated, all-or-nothing import path as a ministry's data would.
 *
 * SYNTHETIC, and labelled so everywhere it appears: no per-province smartphone counts or install
 * tables were ever published (research notes, vietnam-data.md §3). The shape follows what was:
 * - population: GSO 2020 average population per province (packages/server/data/vn-stats);
 * - smartphones: 78.7 % of the population everywhere (76.8 M smartphone users of 97.6 M people,
 *   MIC, August 2020), split over carriers by an assumed market share;
 * - install rate (phone-registered ÷ smartphones): around 17 % nationally, higher in the
 *   provinces the press named as leaders in 2020 (Đà Nẵng, Hà Nội, Quảng Ninh, TP.HCM, Bắc Ninh,
 *   Hải Dương), about 7 % in those named as lowest (Hà Giang, Điện Biên, Bạc Liêu, Sơn La, Trà
 *   Vinh), with a deterministic jitter elsewhere;
 * - 65 % of installs registered a phone number; a third checked in within the last week;
 * - everything scaled down by {@link DEMO_SCALE} so the demo starts in seconds.
 *
 * @module
 */

/** One synthetic person or smartphone stands for this many real ones. */
export const DEMO_SCALE = 100;

/** Smartphone users per person (MIC, August 2020: 76.8 M of 97.6 M). */
const SMARTPHONES_PER_PERSON = 0.787;

/** Assumed subscriber shares of the carriers (ids of vn-carriers.json). */
const CARRIER_SHARES: readonly (readonly [string, number])[] = [
  ['viettel', 0.54],
  ['vinaphone', 0.22],
  ['mobifone', 0.19],
  ['vietnamobile', 0.035],
  ['gmobile', 0.01],
  ['itelecom', 0.004],
  ['reddi', 0.001],
];

/** Install rate multipliers of the provinces the 2020 press named (GSO codes). */
const RATE_MULTIPLIER: Readonly<Record<string, number>> = {
  '48': 2.2, // Đà Nẵng
  '01': 1.7, // Hà Nội
  '22': 1.6, // Quảng Ninh
  '79': 1.5, // TP.HCM
  '27': 1.3, // Bắc Ninh
  '30': 1.35, // Hải Dương
  '02': 0.42, // Hà Giang
  '11': 0.42, // Điện Biên
  '95': 0.43, // Bạc Liêu
  '14': 0.44, // Sơn La
  '84': 0.45, // Trà Vinh
};

const BASE_RATE = 0.15;
const PHONE_REGISTERED_SHARE = 0.65;
const ACTIVE_SHARE = 0.34;
const DAY = 86_400_000;

/** mulberry32: a small deterministic generator, so the demo is the same on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface DemoProvince {
  readonly code: string;
  readonly population: number;
  /** Its districts' GSO codes. */
  readonly districts: readonly string[];
}

export interface SyntheticDemoData {
  /** `effective_date,province_code,district_code,carrier,smartphones` */
  readonly denominatorsCsv: string;
  /** `install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at` */
  readonly installsCsv: string;
  readonly installs: number;
  readonly smartphones: number;
}

/**
 * The synthetic data for `provinces` as of `now`: installs created over the `days` before, their
 * denominators effective `days` before now.
 */
export function syntheticDemoData(
  provinces: readonly DemoProvince[],
  now: number,
  options: { days?: number; seed?: number } = {},
): SyntheticDemoData {
  const days = options.days ?? 90;
  const random = seeded(options.seed ?? 20_200_418); // Bluezone's launch day
  const effectiveDate = new Date(now - days * DAY + 7 * 3_600_000).toISOString().slice(0, 10);
  const denominators = ['effective_date,province_code,district_code,carrier,smartphones'];
  const installs = [
    'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at',
  ];
  let installCount = 0;
  let smartphoneCount = 0;
  let serial = 0;
  const pickCarrier = () => {
    let r = random();
    for (const [id, share] of CARRIER_SHARES) {
      if (r < share) return id;
      r -= share;
    }
    return 'viettel';
  };
  for (const province of provinces) {
    const smartphones = Math.round((province.population * SMARTPHONES_PER_PERSON) / DEMO_SCALE);
    smartphoneCount += smartphones;
    denominators.push(`${effectiveDate},${province.code},,,${smartphones}`);
    for (const [carrier, share] of CARRIER_SHARES)
      denominators.push(`${effectiveDate},${province.code},,${carrier},${Math.round(smartphones * share)}`);
    const rate = BASE_RATE * (RATE_MULTIPLIER[province.code] ?? 0.75 + random() * 0.5);
    const phoneRegistered = Math.round(smartphones * rate);
    const total = Math.round(phoneRegistered / PHONE_REGISTERED_SHARE);
    for (let i = 0; i < total; i++) {
      // Uptake grows over the period: more installs in its later days (a square-root ramp).
      const createdAt = now - Math.floor((1 - Math.sqrt(random())) * days * DAY) - 60_000;
      const registered = i < phoneRegistered;
      const verifiedAt = registered
        ? Math.min(now - 1000, createdAt + Math.floor(random() * 3 * 3_600_000))
        : null;
      const active = random() < ACTIVE_SHARE;
      const lastActive = active
        ? Math.max(createdAt, now - Math.floor(random() * 7 * DAY))
        : Math.min(now - 8 * DAY, createdAt + Math.floor(random() * 20 * DAY));
      const district = province.districts[Math.floor(random() * province.districts.length)] ?? '';
      serial++;
      installs.push(
        [
          `demo-${serial.toString(36).padStart(6, '0')}`,
          new Date(createdAt).toISOString(),
          random() < 0.62 ? 'android' : 'ios',
          province.code,
          district,
          verifiedAt === null ? '' : new Date(verifiedAt).toISOString(),
          registered ? pickCarrier() : '',
          lastActive >= createdAt ? new Date(lastActive).toISOString() : '',
        ].join(','),
      );
    }
    installCount += total;
  }
  return {
    denominatorsCsv: `${denominators.join('\n')}\n`,
    installsCsv: `${installs.join('\n')}\n`,
    installs: installCount,
    smartphones: smartphoneCount,
  };
}
