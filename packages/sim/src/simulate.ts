/**
 * One simulation run: a province's population lives N days; app users carry real SDK phones that
 * hear each other through the channel model; confirmed cases go through the real server's
 * authority flow; phones check, report with consent, and F1 contacts upload with recursive codes.
 * The figures compare the phones' warnings with the contact model's ground truth.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type BluezoneDevice,
  createBluezoneDevice,
  type DeviceClock,
  DeviceError,
  type DeviceStore,
  recordReportConsent,
  recordUploadConsent,
} from '@bluezone/device';
import {
  deriveAssociatedEncryptedMetadataKey,
  deriveRollingProximityIdentifierKey,
  type RiskPresetName,
  rollingProximityIdentifiers,
  SIGHTING_DEFAULT_SECONDS_SINCE_LAST_SCAN,
  SIGHTING_MAX_SECONDS_SINCE_LAST_SCAN,
} from '@bluezone/protocol';
import { Channel, type ChannelOptions, DEFAULT_CHANNEL, PHONE_MODELS, type ScanSchedule } from './channel.js';
import { ContactScratch, EpisodeBuffer, generateDay, SETTING_NAMES } from './contacts.js';
import { buildPopulation, type Population, Role } from './population.js';
import { Random } from './prng.js';
import { createSimDeviceStore } from './sim-store.js';
import { type RequestCounts, startSimServer } from './system.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Ground truth: a close contact is within this distance … */
export const CLOSE_DISTANCE_M = 2;
/** … for at least this long in a day (summed over the day's episodes). */
export const CLOSE_SECONDS = 15 * 60;

export interface SimOptions {
  /** GSO province code (2 digits). */
  readonly province: string;
  readonly population: number;
  /** Share of the population with the app installed, 0–1. */
  readonly uptake: number;
  readonly days: number;
  readonly seed: number;
  /** Channel noise (shadowing, bodies, pockets, unsynchronised scans); default true. */
  readonly noise?: boolean;
  /**
   * The risk rule the server gives the phones (a built-in preset); default `bluezone-default`.
   * `close-contact-2m-15min` is the ground truth's definition as a rule (docs/simulator.md §5).
   */
  readonly riskRule?: RiskPresetName;
  /** Scan duty cycle; default Exposure Notification (4 s every 300 s). */
  readonly scans?: ScanSchedule;
  /** Share of installs that stop using the app on a random day of the run; default 0.15. */
  readonly stoppedShare?: number;
  /** Probability that a confirmed app user uploads keys; default 0.9. */
  readonly uploadConsent?: number;
  /** Probability that a warned user sends the exposure report; default 0.8. */
  readonly reportConsent?: number;
  /** Infected people at the start (confirmed during the run); default max(3, population / 2,000). */
  readonly seedCases?: number;
  /** Transmission by close contact, per hour within 2 m; 0 turns the epidemic off (seeds only). Default 0.02. */
  readonly transmissionPerHour?: number;
  /** Authority issues recursive codes to reported F1 contacts; default true. */
  readonly recursive?: boolean;
  /** First day of the run (UTC midnight), default 2021-02-01 (a Monday). */
  readonly startDate?: string;
  /** Called as work progresses. */
  readonly progress?: (done: number, total: number) => void;
}

/** The figures `bluezone sim --json` prints, in this order. */
export interface SimSummary {
  readonly population: number;
  readonly uptake: number;
  readonly days: number;
  readonly confirmedCases: number;
  readonly closeContacts: number;
  readonly warned: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly precision: number;
  readonly recall: number;
  readonly contactsPerCase: number;
  readonly medianHoursToWarning: number | null;
}

export interface SimResult extends SimSummary {
  readonly province: { readonly code: string; readonly name: string; readonly districts: number };
  readonly seed: number;
  readonly noise: boolean;
  readonly riskRule: RiskPresetName;
  readonly scans: ScanSchedule;
  readonly households: number;
  readonly roles: Record<string, number>;
  readonly installs: number;
  readonly stopped: number;
  readonly episodes: number;
  readonly episodesBySetting: Record<string, number>;
  readonly closePairDays: number;
  readonly closePairDaysBySetting: Record<string, number>;
  readonly infections: number;
  readonly uploads: number;
  /**
   * Uploads the server refused: a confirmed case whose phone had already published its keys as
   * an F1's (recursive code) cannot publish them again as a case's (docs/simulator.md §4).
   */
  readonly rejectedUploads: number;
  /** Scans in which one app phone heard another (the channel model's output). */
  readonly observations: number;
  /** What the SDK instances recorded of them (phones fed before a check). */
  readonly sightings: {
    accepted: number;
    duplicates: number;
    malformed: number;
    malformedBy: Record<string, number>;
  };
  /** Close contacts (of confirmed cases) where both are active app users: the most the app can find. */
  readonly reachableCloseContacts: number;
  /** Recall among the reachable: true positives ÷ reachable close contacts. */
  readonly reachableRecall: number;
  /**
   * With noise off (else null): the reachable close contacts (both active app users, the case
   * uploaded as a case, the contact's phone still running then) as a noise-free phone resolves
   * them — within the whole-dB attenuation step of 2 m, at scans standing for ≥ 15 minutes as
   * phones count them (docs/simulator.md §5) — and the warnings against them.
   */
  readonly atPhoneResolution: {
    readonly closeContacts: number;
    readonly truePositives: number;
    readonly falsePositives: number;
    readonly precision: number;
    readonly recall: number;
  } | null;
  readonly reportsSent: number;
  readonly f1Listed: number;
  readonly recursiveUploads: number;
  readonly warnedF2: number;
  readonly f2Listed: number;
  readonly hoursToWarning: readonly number[];
  readonly requests: RequestCounts & { total: number; checks: number };
}

interface Phone {
  readonly device: BluezoneDevice;
  readonly store: DeviceStore;
  readonly model: number;
  registered: boolean;
  warnedAt: number;
  warnedF2At: number;
}

function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Runs one simulation. Deterministic for the options (the seed fixes every draw). */
export async function simulate(options: SimOptions): Promise<SimResult> {
  const days = options.days;
  if (!Number.isInteger(days) || days < 1 || days > 28)
    throw new RangeError(`days must be 1–28, got ${days}`);
  if (!(options.uptake >= 0 && options.uptake <= 1))
    throw new RangeError(`uptake must be 0–1, got ${options.uptake}`);
  const root = Random.fromSeed(options.seed);
  const rngPop = root.fork('population');
  const rngDay = root.fork('contacts');
  const rngRadio = root.fork('radio');
  const rngEpi = root.fork('epidemic');
  const rngApp = root.fork('app');
  const noise = options.noise ?? true;
  const channelOptions: ChannelOptions = {
    ...DEFAULT_CHANNEL,
    noise,
    scans: options.scans ?? DEFAULT_CHANNEL.scans,
  };
  const channel = new Channel(channelOptions);
  const scans = channelOptions.scans;
  const start = Date.parse(`${options.startDate ?? '2021-02-01'}T00:00:00Z`);
  const pop = buildPopulation(options.province, options.population, rngPop);
  const N = pop.size;
  const totalSteps = days * 3 + 1;
  let step = 0;
  const progress = () => options.progress?.(++step, totalSteps);

  // ── Uptake: who installs (propensity by role), who stops and when ─────────────────────────
  const propensity = [0.1, 0.7, 1.2, 1, 0.5];
  const order = new Float64Array(N);
  for (let p = 0; p < N; p++) order[p] = rngApp.exponential(1) / propensity[pop.role[p]!]!;
  const ranked = Array.from({ length: N }, (_, i) => i).sort((x, y) => order[x]! - order[y]! || x - y);
  const installs = Math.round(options.uptake * N);
  const installed = new Uint8Array(N);
  const stopDay = new Int32Array(N).fill(days + 1);
  const stoppedShare = options.stoppedShare ?? 0.15;
  let stopped = 0;
  for (let i = 0; i < installs; i++) {
    const p = ranked[i]!;
    installed[p] = 1;
    if (rngApp.chance(stoppedShare)) {
      stopDay[p] = 1 + rngApp.int(Math.max(1, days - 1));
      stopped++;
    }
  }
  const active = (p: number, day: number) => installed[p] === 1 && day < stopDay[p]!;
  const phoneModel = new Uint8Array(N);
  const phase = new Int32Array(N);
  for (let p = 0; p < N; p++) {
    phoneModel[p] = rngApp.pick(channel.modelCdf);
    phase[p] = noise ? rngApp.int(scans.intervalSeconds) : 0;
  }

  // ── The real server and the phones ─────────────────────────────────────────────────────────
  let now = start;
  const clock: DeviceClock = {
    now: () => now,
    sleep: async () => {},
    setTimer: () => ({ cancel: () => {} }),
  };
  const riskRule = options.riskRule ?? 'bluezone-default';
  const server = await startSimServer(() => now, { riskPreset: riskRule });
  const phones = new Map<number, Phone>();
  try {
    for (let p = 0; p < N; p++) {
      if (installed[p] !== 1) continue;
      const store = createSimDeviceStore();
      const phoneRandom = Random.fromSeed(`${options.seed}/phone/${p}`);
      const m = PHONE_MODELS[phoneModel[p]!]!;
      phones.set(p, {
        device: createBluezoneDevice({
          baseUrl: 'http://bluezone.sim',
          apiKey: server.deviceApiKey,
          trustedConfigKeys: server.trustedConfigKeys,
          store,
          clock,
          crypto: nodeCrypto,
          fetch: server.fetchFor(p),
          random: (n: number) => phoneRandom.bytes(n),
          deviceModel: m.model,
          deviceOem: m.oem,
          submission: { acceptTestTypes: ['confirmed', 'likely', 'recursive'] },
        }),
        store,
        model: phoneModel[p]!,
        registered: false,
        warnedAt: Number.NaN,
        warnedF2At: Number.NaN,
      });
    }
    progress();

    // ── Epidemic state ─────────────────────────────────────────────────────────────────────
    const infectedDay = new Float64Array(N).fill(Number.NaN);
    const onsetDay = new Float64Array(N).fill(Number.NaN);
    const confirmDay = new Float64Array(N).fill(Number.NaN);
    const absent = new Uint8Array(N);
    const beta = options.transmissionPerHour ?? 0.02;
    const infect = (p: number, day: number) => {
      infectedDay[p] = day;
      // Incubation log-normal, median 5.1 days (Lauer et al., 2020); 70 % symptomatic, tested
      // 1–3 days after onset.
      onsetDay[p] = day + rngEpi.logNormal(5.1, 0.42);
      if (rngEpi.chance(0.7)) confirmDay[p] = Math.floor(onsetDay[p]!) + 1 + rngEpi.int(3);
    };
    const seeds = options.seedCases ?? Math.max(5, Math.round(N / 1000));
    for (let k = 0; k < seeds; k++) {
      const p = rngEpi.int(N);
      if (!Number.isNaN(infectedDay[p]!)) continue;
      // Seeds are confirmed during the run: pick the day, go back through test delay and incubation.
      const c = rngEpi.int(Math.max(1, days - 1));
      confirmDay[p] = c;
      onsetDay[p] = c - 1 - rngEpi.int(3) + rngEpi.float();
      infectedDay[p] = onsetDay[p]! - rngEpi.logNormal(5.1, 0.42);
    }
    const infectious = (p: number, day: number) =>
      !Number.isNaN(onsetDay[p]!) && day >= onsetDay[p]! - 2 && day < onsetDay[p]! + 8 && absent[p] === 0;

    // Ground truth: close pair-days, person pairs keyed a·N + b (a < b).
    const closeByDay: Map<number, number>[] = [];
    const settingOfClose: Map<number, number>[] = [];
    // With noise off: the close pairs as the phones can resolve them (docs/simulator.md §5).
    const resolvedByDay: Map<number, { seconds: number; firstInstant: number }>[] = [];
    const firstScanDay = new Int32Array(N).fill(-1); // day and time of the first sighting in a phone's log
    const firstScanTime = new Int32Array(N);
    const episodesBySetting = new Array<number>(SETTING_NAMES.length).fill(0);
    let episodes = 0;

    // Authority state.
    const caseOf = new Map<number, string>(); // person → case id (confirmed or recursive)
    const confirmedCases: number[] = [];
    const uploadTime = new Float64Array(N).fill(Number.NaN);
    const uploadedAsCase = new Uint8Array(N); // keys published as a confirmed case's
    let rejectedUploads = 0;
    const keySource = new Map<string, number>(); // key hash → person
    const seenContacts = new Set<string>();
    const personOfPhone = new Map<string, number>();
    let uploads = 0;
    let recursiveUploads = 0;
    let reportsSent = 0;
    let f1Listed = 0;
    let f2Listed = 0;
    let checks = 0;
    const f1ByCase = new Map<string, number>();
    const confirmedCaseIds = new Set<string>();
    const e164 = (p: number) => `+84912${String(p).padStart(6, '0')}`;

    // Returns false when the server refuses the upload because the keys were already published
    // as an F1's (RECURSIVE) and may not become a confirmed case's (only likely → confirmed may).
    const upload = async (p: number, code: string): Promise<boolean> => {
      const phone = phones.get(p)!;
      // The keys of the days this phone advertised exist before the upload (the SDK makes a
      // day's key on first need; the simulation asks for advertisements only when a scan is fed).
      for (let d = 0; d <= Math.floor((now - start) / DAY_MS); d++) {
        if (advertised[d]?.[p] === 1) await phone.device.currentAdvertisement(start + d * DAY_MS);
      }
      await phone.device.currentAdvertisement(now);
      try {
        await phone.device.submitDiagnosis(
          recordUploadConsent({ confirmedAt: now, shownText: 'Tôi đồng ý gửi mã khóa.' }),
          { code },
        );
      } catch (error) {
        if (error instanceof DeviceError && error.serverCode === 'invalid_report_type_transition')
          return false;
        throw error;
      }
      uploadTime[p] = now;
      for (const key of await phone.store.listKeys()) {
        keySource.set(createHash('sha256').update(key.keyData).digest('base64'), p);
      }
      return true;
    };

    // Advertisements of a phone for one UTC day: 144 service data values (RPI ‖ AEM) of its key,
    // checked against the SDK's own currentAdvertisement for the first interval.
    const adCache = new Map<number, Uint8Array>();
    const prepareAds = async (p: number, day: number): Promise<Uint8Array> => {
      const cached = adCache.get(p * 32 + day);
      if (cached) return cached;
      const phone = phones.get(p)!;
      const dayStart = start + day * DAY_MS;
      const first = await phone.device.currentAdvertisement(dayStart);
      const key = await phone.store.getKey(first.interval);
      if (!key) throw new Error(`phone ${p} has no key for ${dateOf(dayStart)}`);
      const rpik = deriveRollingProximityIdentifierKey(key.keyData, nodeCrypto);
      const aemk = deriveAssociatedEncryptedMetadataKey(key.keyData, nodeCrypto);
      const rpis = rollingProximityIdentifiers(rpik, first.interval, 144, nodeCrypto);
      const stream = nodeCrypto.aes128EcbEncrypt(aemk, rpis); // CTR keystream block 0 of each RPI
      const metadata = new Uint8Array(4);
      for (let i = 0; i < 4; i++) metadata[i] = first.aem[i]! ^ stream[i]!;
      const data = new Uint8Array(144 * 20);
      for (let k = 0; k < 144; k++) {
        data.set(rpis.subarray(k * 16, k * 16 + 16), k * 20);
        for (let i = 0; i < 4; i++) data[k * 20 + 16 + i] = metadata[i]! ^ stream[k * 16 + i]!;
      }
      const check = first.serviceData;
      for (let i = 0; i < 20; i++) {
        if (data[i] !== check[i]) throw new Error('derived advertisement differs from the SDK’s');
      }
      adCache.set(p * 32 + day, data);
      return data;
    };

    // Scans heard, per day, sorted by receiver and time; fed to a phone's SDK when it first
    // needs them (docs/simulator.md §4: only phones that heard an uploader check).
    const observed: {
      recv: Int32Array;
      send: Int32Array;
      time: Int32Array;
      rssi: Int8Array;
      ranges: Map<number, [number, number]>;
    }[] = [];
    const advertised: Uint8Array[] = [];
    const heardBy = new Map<number, Set<number>>();
    const fedDays = new Int32Array(N);
    let observations = 0;
    const feed = async (p: number, throughDay: number) => {
      const phone = phones.get(p)!;
      for (let d = fedDays[p]!; d <= throughDay; d++) {
        const o = observed[d]!;
        const range = o.ranges.get(p);
        if (!range) continue;
        let pending = 0;
        for (let k = range[0]; k < range[1]; k++) {
          const t = o.time[k]!;
          const slot = Math.floor(t / 600);
          const ads = await prepareAds(o.send[k]!, d);
          phone.device.onSighting(
            ads.subarray(slot * 20, slot * 20 + 20),
            o.rssi[k]!,
            start + d * DAY_MS + t * 1000,
          );
          if (++pending === 63) {
            await phone.device.flushSightings();
            pending = 0;
          }
        }
        await phone.device.flushSightings();
      }
      fedDays[p] = throughDay + 1;
    };

    const buffer = new EpisodeBuffer(1 << 18);
    const scratch = new ContactScratch(pop);
    const carriage = new Uint8Array(N);
    const hoursToWarning: number[] = [];
    const warnedPeople = new Set<number>();

    for (let day = 0; day < days; day++) {
      const dayStart = start + day * DAY_MS;
      const weekday = new Date(dayStart).getUTCDay();

      // 1. Morning (07:30 in Vietnam): today's positive tests become cases; app users upload.
      now = dayStart + 30 * 60_000;
      for (let p = 0; p < N; p++) {
        if (confirmDay[p] !== day) continue;
        absent[p] = 1;
        const created = await server.admin('POST', '/admin/v1/cases', {
          provinceCode: pop.provinceCode,
          districtCode: pop.districts[pop.district[p]!]!.code,
          testType: 'confirmed',
          symptomDate: dateOf(start + Math.floor(onsetDay[p]!) * DAY_MS),
          testDate: dateOf(dayStart - DAY_MS),
        });
        const caseId = String(created['caseId']);
        caseOf.set(p, caseId);
        confirmedCaseIds.add(caseId);
        confirmedCases.push(p);
        if (active(p, day) && rngApp.chance(options.uploadConsent ?? 0.9)) {
          if (await upload(p, String(created['shortCode']))) {
            uploads++;
            uploadedAsCase[p] = 1;
          } else rejectedUploads++;
        }
      }

      // 2. The day's contacts and the ground truth; transmission.
      buffer.clear();
      generateDay(pop, weekday, rngDay, absent, buffer, scratch);
      episodes += buffer.count;
      const close = new Map<number, number>();
      const closeSetting = new Map<number, number>();
      for (let i = 0; i < buffer.count; i++) {
        episodesBySetting[buffer.setting[i]!]!++;
        if (buffer.distance[i]! > CLOSE_DISTANCE_M) continue;
        const a = buffer.a[i]!;
        const b = buffer.b[i]!;
        const key = a < b ? a * N + b : b * N + a;
        close.set(key, (close.get(key) ?? 0) + buffer.duration[i]!);
        if (!closeSetting.has(key)) closeSetting.set(key, buffer.setting[i]!);
      }
      for (const [key, seconds] of close) {
        if (seconds < CLOSE_SECONDS) {
          close.delete(key);
          closeSetting.delete(key);
        }
      }
      closeByDay.push(close);
      settingOfClose.push(closeSetting);
      if (!noise) resolvedByDay.push(pairsAtPhoneResolution(buffer, N, channel));
      if (beta > 0) {
        for (const [key, seconds] of close) {
          const a = Math.floor(key / N);
          const b = key - a * N;
          const p = 1 - Math.exp((-beta * seconds) / 3600);
          if (infectious(a, day) && Number.isNaN(infectedDay[b]!) && rngEpi.chance(p)) infect(b, day);
          else if (infectious(b, day) && Number.isNaN(infectedDay[a]!) && rngEpi.chance(p)) infect(a, day);
        }
      }
      progress();

      // 3. The radio: episodes between two active app users, as the scans catch them.
      if (noise) for (const p of phones.keys()) carriage[p] = rngRadio.pick(channel.carriageCdf);
      const obsRecv: number[] = [];
      const obsSend: number[] = [];
      const obsTime: number[] = [];
      const obsRssi: number[] = [];
      const I = scans.intervalSeconds;
      const D = scans.durationSeconds;
      for (let i = 0; i < buffer.count; i++) {
        const a = buffer.a[i]!;
        const b = buffer.b[i]!;
        if (!active(a, day) || !active(b, day)) continue;
        const s = buffer.start[i]!;
        const e = s + buffer.duration[i]!;
        let loss = channel.pathLoss(buffer.distance[i]!) + channel.episodeShadowing(rngRadio);
        if (noise) loss += channel.carriageLoss[carriage[a]!]! + channel.carriageLoss[carriage[b]!]!;
        for (let dir = 0; dir < 2; dir++) {
          const rx = dir === 0 ? a : b;
          const tx = dir === 0 ? b : a;
          const ph = phase[rx]!;
          for (let t = ph + (Math.floor((s - D - ph) / I) + 1) * I; t < e; t += I) {
            const rssi = channel.scanRssi(phoneModel[tx]!, phoneModel[rx]!, loss, rngRadio);
            if (Number.isNaN(rssi)) continue;
            obsRecv.push(rx);
            obsSend.push(tx);
            obsTime.push(Math.max(t, s));
            obsRssi.push(rssi);
          }
        }
      }
      const n = obsRecv.length;
      observations += n;
      const idx = Int32Array.from({ length: n }, (_, k) => k).sort(
        (x, y) => obsRecv[x]! - obsRecv[y]! || obsTime[x]! - obsTime[y]! || x - y,
      );
      const o = {
        recv: new Int32Array(n),
        send: new Int32Array(n),
        time: new Int32Array(n),
        rssi: new Int8Array(n),
        ranges: new Map<number, [number, number]>(),
      };
      const adv = new Uint8Array(N);
      for (let k = 0; k < n; k++) {
        const j = idx[k]!;
        const rx = obsRecv[j]!;
        const tx = obsSend[j]!;
        o.recv[k] = rx;
        o.send[k] = tx;
        o.time[k] = obsTime[j]!;
        o.rssi[k] = obsRssi[j]!;
        adv[tx] = 1;
        const range = o.ranges.get(rx);
        if (range) range[1] = k + 1;
        else o.ranges.set(rx, [k, k + 1]);
        const set = heardBy.get(tx);
        if (set) set.add(rx);
        else heardBy.set(tx, new Set([rx]));
      }
      observed.push(o);
      for (const [rx, range] of o.ranges) {
        if (firstScanDay[rx]! >= 0) continue;
        firstScanDay[rx] = day;
        firstScanTime[rx] = o.time[range[0]]!;
      }
      advertised.push(adv);
      progress();

      // 4. Every 4 hours: the key server exports; when there are new files, the phones check;
      //    warned users report; the authority turns reported F1s into recursive cases.
      for (let hour = 1; hour < 24; hour += 4) {
        now = dayStart + hour * HOUR_MS;
        if (!(await server.exportNow())) continue;
        const reporters: number[] = [];
        const candidates = new Set<number>();
        for (const [u] of phones) {
          if (Number.isNaN(uploadTime[u]!)) continue;
          for (const r of heardBy.get(u) ?? []) if (active(r, day)) candidates.add(r);
        }
        for (const p of [...candidates].sort((x, y) => x - y)) {
          const phone = phones.get(p)!;
          await feed(p, day);
          checks++;
          const outcome = await phone.device.checkExposure();
          const results = outcome.results;
          for (const d of results.days) {
            if (d.riskLevel !== 2) continue;
            if (d.contactLevel === 'F1' && Number.isNaN(phone.warnedAt)) {
              phone.warnedAt = now;
              warnedPeople.add(p);
              const sources = d.keyHashes.map((h) => keySource.get(h)).filter((s) => s !== undefined);
              const firstUpload = Math.min(...sources.map((s) => uploadTime[s]!));
              if (Number.isFinite(firstUpload)) hoursToWarning.push((now - firstUpload) / HOUR_MS);
            }
            if (d.contactLevel === 'F2' && Number.isNaN(phone.warnedF2At)) phone.warnedF2At = now;
          }
          if ((await phone.device.pendingExposureReport()) && rngApp.chance(options.reportConsent ?? 0.8)) {
            reporters.push(p);
          }
        }
        for (const p of reporters) {
          const phone = phones.get(p)!;
          if (!phone.registered) {
            await phone.device.register({
              platform: PHONE_MODELS[phone.model]!.oem === 'Apple' ? 'ios' : 'android',
              appVersion: '1.0.0',
              provinceCode: pop.provinceCode,
              districtCode: pop.districts[pop.district[p]!]!.code,
              locale: 'vi',
            });
            const number = `0912${String(p).padStart(6, '0')}`;
            await phone.device.requestPhoneCode(number);
            const sms = server.sms.lastTo(e164(p))?.text ?? '';
            await phone.device.verifyPhoneCode(number, /(\d{6})/.exec(sms)?.[1] ?? '');
            personOfPhone.set(e164(p), p);
            phone.registered = true;
          }
          await phone.device.sendExposureReport(
            recordReportConsent({ confirmedAt: now, shownText: 'Gửi thông tin tiếp xúc.' }),
          );
          reportsSent++;
        }
        if (reporters.length === 0) continue;
        for (const [, caseId] of [...caseOf].sort((x, y) => x[0] - y[0])) {
          const listed = (
            await server.admin('GET', `/admin/v1/cases/${caseId}/contacts?reveal=phone&limit=1000`)
          )['contacts'] as { id: string; level: string; status: string; phoneNumber?: string | null }[];
          listed.sort((x, y) => (x.phoneNumber ?? x.id).localeCompare(y.phoneNumber ?? y.id));
          for (const contact of listed) {
            if (seenContacts.has(contact.id)) continue;
            seenContacts.add(contact.id);
            if (contact.level === 'F1') {
              f1Listed++;
              if (confirmedCaseIds.has(caseId)) f1ByCase.set(caseId, (f1ByCase.get(caseId) ?? 0) + 1);
            } else f2Listed++;
            const person = contact.phoneNumber ? personOfPhone.get(contact.phoneNumber) : undefined;
            if (
              (options.recursive ?? true) &&
              contact.level === 'F1' &&
              person !== undefined &&
              !caseOf.has(person) &&
              active(person, day)
            ) {
              const recursive = await server.admin(
                'POST',
                `/admin/v1/contacts/${contact.id}/recursive-case`,
                {},
              );
              caseOf.set(person, String(recursive['caseId']));
              if (rngApp.chance(options.uploadConsent ?? 0.9)) {
                if (await upload(person, String(recursive['shortCode']))) recursiveUploads++;
                else rejectedUploads++;
              }
            }
          }
        }
      }
      progress();
    }

    // ── Figures ──────────────────────────────────────────────────────────────────────────────
    const truth = new Set<number>();
    const reachable = new Set<number>();
    for (const c of confirmedCases) {
      const from = Math.max(0, Math.floor(onsetDay[c]!) - 5);
      const to = Math.min(days - 1, confirmDay[c]! - 1);
      for (let day = from; day <= to; day++) {
        for (const key of closeByDay[day]!.keys()) {
          const a = Math.floor(key / N);
          const b = key - a * N;
          if (a !== c && b !== c) continue;
          const other = a === c ? b : a;
          truth.add(other);
          if (active(c, day) && active(other, day) && uploadedAsCase[c] === 1) reachable.add(other);
        }
      }
    }
    let atPhoneResolution: SimResult['atPhoneResolution'] = null;
    if (!noise) {
      const I = scans.intervalSeconds;
      const perScan = Math.min(I, SIGHTING_MAX_SECONDS_SINCE_LAST_SCAN);
      const resolved = new Set<number>();
      for (const c of confirmedCases) {
        const from = Math.max(0, Math.floor(onsetDay[c]!) - 5);
        const to = Math.min(days - 1, confirmDay[c]! - 1);
        for (let day = from; day <= to; day++) {
          for (const [key, pair] of resolvedByDay[day]!) {
            const a = Math.floor(key / N);
            const b = key - a * N;
            if (a !== c && b !== c) continue;
            const other = a === c ? b : a;
            // Reachable: both active that day, the case uploaded as a case, and the contact's
            // phone still running when those keys were published (it stops checking otherwise).
            if (!(active(c, day) && active(other, day) && uploadedAsCase[c] === 1)) continue;
            if (!active(other, Math.floor((uploadTime[c]! - start) / DAY_MS))) continue;
            // The contact's phone hears the case; the first scan of its log counts 2 minutes.
            const firstOfLog =
              firstScanDay[other] === day && Math.floor(firstScanTime[other]! / I) === pair.firstInstant;
            const seconds =
              pair.seconds - (firstOfLog ? perScan - SIGHTING_DEFAULT_SECONDS_SINCE_LAST_SCAN : 0);
            if (seconds >= CLOSE_SECONDS) resolved.add(other);
          }
        }
      }
      let hits = 0;
      for (const p of warnedPeople) if (resolved.has(p)) hits++;
      atPhoneResolution = {
        closeContacts: resolved.size,
        truePositives: hits,
        falsePositives: warnedPeople.size - hits,
        precision: warnedPeople.size === 0 ? 0 : round4(hits / warnedPeople.size),
        recall: resolved.size === 0 ? 0 : round4(hits / resolved.size),
      };
    }
    let tp = 0;
    for (const p of warnedPeople) if (truth.has(p)) tp++;
    const warned = warnedPeople.size;
    let warnedF2 = 0;
    for (const phone of phones.values()) if (!Number.isNaN(phone.warnedF2At)) warnedF2++;
    let accepted = 0;
    let duplicates = 0;
    let malformed = 0;
    const malformedBy: Record<string, number> = {};
    for (const phone of phones.values()) {
      const c = phone.device.sightingCounters();
      accepted += c.accepted;
      duplicates += c.duplicates;
      malformed += c.malformed;
      for (const [reason, n] of Object.entries(c.malformedByReason))
        malformedBy[reason] = (malformedBy[reason] ?? 0) + (n ?? 0);
    }
    let infections = 0;
    for (let p = 0; p < N; p++) if (!Number.isNaN(infectedDay[p]!)) infections++;
    const roles: Record<string, number> = {};
    const roleNames = Object.keys(Role);
    for (let p = 0; p < N; p++) roles[roleNames[pop.role[p]!]!] = (roles[roleNames[pop.role[p]!]!] ?? 0) + 1;
    const closePairDaysBySetting: Record<string, number> = {};
    let closePairDays = 0;
    for (const m of settingOfClose) {
      for (const s of m.values()) {
        closePairDays++;
        closePairDaysBySetting[SETTING_NAMES[s]!] = (closePairDaysBySetting[SETTING_NAMES[s]!] ?? 0) + 1;
      }
    }
    let f1OfConfirmed = 0;
    for (const n of f1ByCase.values()) f1OfConfirmed += n;
    const counts = server.counts;
    return {
      population: N,
      uptake: options.uptake,
      days,
      confirmedCases: confirmedCases.length,
      closeContacts: truth.size,
      warned,
      truePositives: tp,
      falsePositives: warned - tp,
      precision: warned === 0 ? 0 : round4(tp / warned),
      recall: truth.size === 0 ? 0 : round4(tp / truth.size),
      contactsPerCase: confirmedCases.length === 0 ? 0 : round4(f1OfConfirmed / confirmedCases.length),
      medianHoursToWarning: median(hoursToWarning),
      province: { code: pop.provinceCode, name: pop.provinceName, districts: pop.districts.length },
      seed: options.seed,
      noise,
      riskRule,
      scans,
      households: pop.householdCount,
      roles,
      installs,
      stopped,
      episodes,
      episodesBySetting: Object.fromEntries(SETTING_NAMES.map((n, i) => [n, episodesBySetting[i]!])),
      closePairDays,
      closePairDaysBySetting,
      infections,
      uploads,
      rejectedUploads,
      observations,
      sightings: { accepted, duplicates, malformed, malformedBy },
      reachableCloseContacts: reachable.size,
      atPhoneResolution,
      reachableRecall:
        reachable.size === 0
          ? 0
          : round4([...warnedPeople].filter((p) => reachable.has(p)).length / reachable.size),
      reportsSent,
      f1Listed,
      recursiveUploads,
      warnedF2,
      f2Listed,
      hoursToWarning,
      requests: { ...counts, byPath: { ...counts.byPath }, total: counts.phones + counts.authority, checks },
    };
  } finally {
    for (const phone of phones.values()) await phone.device.close();
    await server.close();
  }
}

/**
 * The day's pairs (keys a·N + b, a < b) that a phone on the noise-free channel can count as
 * close (docs/simulator.md §5), with the first scan instant each is seen at. A pair is seen at
 * an instant of the synchronised noise-free schedule (every `intervalSeconds` from midnight UTC,
 * `durationSeconds` long) when one of its episodes overlaps the scan at a distance whose
 * noise-free attenuation (whole dB) is at most that of {@link CLOSE_DISTANCE_M}. Phones count
 * each such scan as the minutes since their log's previous one, at most 5 (the SDK's EN rule;
 * so `intervalSeconds` for a schedule of whole minutes up to 5), and the first scan of a log as 2:
 * listed are the pairs whose instants stand for at least {@link CLOSE_SECONDS} at full value;
 * {@link simulate} takes the first-of-log case off.
 */
export function pairsAtPhoneResolution(
  buffer: EpisodeBuffer,
  N: number,
  channel: Channel,
): Map<number, { seconds: number; firstInstant: number }> {
  const { intervalSeconds: I, durationSeconds: D } = channel.options.scans;
  const perScan = Math.min(I, SIGHTING_MAX_SECONDS_SINCE_LAST_SCAN);
  const step = channel.noiseFreeAttenuation(CLOSE_DISTANCE_M);
  const keys: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < buffer.count; i++) {
    if (channel.noiseFreeAttenuation(buffer.distance[i]!) > step) continue;
    const s = buffer.start[i]!;
    const k0 = Math.floor((s - D) / I) + 1; // first scan whose window [kI, kI + D) overlaps
    const k1 = Math.ceil((s + buffer.duration[i]!) / I) - 1; // last scan starting before the end
    if (k1 < k0) continue;
    const a = buffer.a[i]!;
    const b = buffer.b[i]!;
    keys.push(a < b ? a * N + b : b * N + a);
    first.push(k0);
    last.push(k1);
  }
  const order = Int32Array.from(keys.keys()).sort(
    (x, y) => keys[x]! - keys[y]! || first[x]! - first[y]! || x - y,
  );
  const pairs = new Map<number, { seconds: number; firstInstant: number }>();
  const flush = (key: number, count: number, firstInstant: number) => {
    if (count * perScan >= CLOSE_SECONDS) pairs.set(key, { seconds: count * perScan, firstInstant });
  };
  let key = -1;
  let count = 0;
  let firstInstant = 0;
  let upTo = -1; // last instant counted for `key`
  for (const j of order) {
    if (keys[j] !== key) {
      if (key >= 0) flush(key, count, firstInstant);
      key = keys[j]!;
      count = 0;
      firstInstant = first[j]!;
      upTo = -1;
    }
    const from = Math.max(first[j]!, upTo + 1);
    if (last[j]! >= from) {
      count += last[j]! - from + 1;
      upTo = last[j]!;
    }
  }
  if (key >= 0) flush(key, count, firstInstant);
  return pairs;
}

/** Uptakes of a sweep. */
export const SWEEP_UPTAKES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7] as const;

/** The same run at each uptake of {@link SWEEP_UPTAKES} (same seed: same population and contacts). */
export async function sweep(
  options: Omit<SimOptions, 'uptake'>,
  uptakes: readonly number[] = SWEEP_UPTAKES,
): Promise<SimResult[]> {
  const out: SimResult[] = [];
  for (let i = 0; i < uptakes.length; i++) {
    const base = i;
    out.push(
      await simulate({
        ...options,
        uptake: uptakes[i]!,
        progress: (done, total) => options.progress?.(base * total + done, uptakes.length * total),
      }),
    );
  }
  return out;
}

/** The summary fields in the order `--json` prints them. */
export function summarize(r: SimSummary): SimSummary {
  return {
    population: r.population,
    uptake: r.uptake,
    days: r.days,
    confirmedCases: r.confirmedCases,
    closeContacts: r.closeContacts,
    warned: r.warned,
    truePositives: r.truePositives,
    falsePositives: r.falsePositives,
    precision: r.precision,
    recall: r.recall,
    contactsPerCase: r.contactsPerCase,
    medianHoursToWarning: r.medianHoursToWarning,
  };
}

export type { Population };
