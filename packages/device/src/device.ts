/**
 * The SDK's entry point: {@link createBluezoneDevice} wires the injected platform (fetch, clock,
 * randomness, crypto) and a store into one {@link BluezoneDevice}, which the app and its radio
 * layer call. See docs/device-sdk.md for the API, the storage port and the React Native wiring.
 *
 * @module
 */
import {
  type CryptoPrimitives,
  EN_INTERVAL_SECONDS,
  nobleCrypto,
  type RandomSource,
  type RiskLevel,
  riskDeviceCalibration,
} from '@bluezone/protocol';
import { type ChaffKind, type ChaffOptions, type ChaffSchedule, scheduleChaff, sendChaff } from './chaff.js';
import { checkTrustedConfigKeys, type DeviceConfig, type TrustedConfigKey } from './config.js';
import { adoptedConfig, refreshConfig } from './config-sync.js';
import { type ReportConsent, StandingReportConsent, type UploadConsent } from './consent.js';
import type { DeviceContext } from './context.js';
import {
  currentDeclaration,
  type DailyReport,
  type DeclarationConsent,
  type DeclarationReceipt,
  getQrToken,
  issuePartnerConsent,
  type PartnerConsent,
  type PartnerConsentToken,
  type QrCodeToken,
  submitDailyReport,
  submitDeclaration,
  withdrawPartnerConsent,
} from './declarations.js';
import { DeviceError, describeError } from './errors.js';
import {
  currentResults,
  type ExposureCheckOptions,
  type ExposureCheckOutcome,
  type ExposureCheckState,
  inThreadMatcher,
  NEVER_CHECKED,
  type ParallelMatcher,
  runExposureCheck,
} from './exposure-check.js';
import {
  type ExposureReportReceipt,
  type PendingExposureReport,
  pendingExposureReport,
  sendAutomaticReport,
  sendExposureReport,
} from './exposure-report.js';
import { type HttpAttemptObserver, HttpClient, type HttpOptions } from './http.js';
import { type CurrentAdvertisement, KeyStore } from './key-store.js';
import {
  fetchInbox,
  type HeartbeatResult,
  heartbeat,
  type InboxMessage,
  type PhoneCodeRequest,
  type PhoneVerification,
  type Registration,
  type RegistrationInput,
  register,
  requestPhoneCode,
  verifyPhoneCode,
} from './registration.js';
import type { ExposureResults } from './results.js';
import { type DeviceClock, type FetchFunction, platformRandom, systemClock } from './runtime.js';
import { type SightingCounters, type SightingOutcome, SightingRecorder } from './sightings.js';
import { type DeviceStore, type DeviceStorePurgeCounts, putSetting, settingMutation } from './store.js';
import {
  type DiagnosisRequest,
  type SubmissionOptions,
  type SubmissionResult,
  submitDiagnosis,
} from './submission.js';

/** Days keys, sightings and results are kept. */
export const RETENTION_DAYS = 14;
/** Days processed-file markers and upload records are kept (they hold nothing about people). */
export const RECORD_RETENTION_DAYS = 30;

const DAY_MS = 86_400_000;

/** How the SDK is set up. Only `baseUrl`, `apiKey`, `trustedConfigKeys` and `store` are required. */
export interface BluezoneDeviceOptions {
  /** The server, e.g. `https://api.bluezone.gov.vn` (or `http://127.0.0.1:8080` in tests). */
  readonly baseUrl: string;
  /** The app's API key for the verification API (role `device`). */
  readonly apiKey: string;
  /** The configuration public keys the app is built with. */
  readonly trustedConfigKeys: readonly TrustedConfigKey[];
  /** Where everything is kept: an adapter of the storage port. */
  readonly store: DeviceStore;
  /** The network (default `globalThis.fetch`). */
  readonly fetch?: FetchFunction;
  /** Time and timers (default {@link systemClock}). */
  readonly clock?: DeviceClock;
  /** Cryptographically secure randomness (default `crypto.getRandomValues`). */
  readonly random?: RandomSource;
  /** Crypto primitives (default `nobleCrypto`; `nodeCrypto` of `@bluezone/crypto-node` on Node). */
  readonly crypto?: CryptoPrimitives;
  /** This phone's model, as the calibration tables name it (e.g. `Pixel 4`, `SM-G973F`). */
  readonly deviceModel?: string;
  /** This phone's manufacturer (calibration fallback), e.g. `Samsung`. */
  readonly deviceOem?: string;
  /** Calibrated TX power to advertise, dBm (default: the calibration table's for the model). */
  readonly txPowerDbm?: number;
  /** HTTP timeouts and retries. */
  readonly http?: HttpOptions;
  /** Observes HTTP attempts (diagnostics). */
  readonly httpObserver?: HttpAttemptObserver;
  /** Key upload options. */
  readonly submission?: SubmissionOptions;
  /** Exposure check options. */
  readonly check?: ExposureCheckOptions;
  /**
   * How the exposure check matches keys (default {@link inThreadMatcher}: in this thread). On
   * Node, `createNodeWorkerMatcher()` of `@bluezone/device/node-workers` uses every core for
   * large key files. The app owns it: {@link BluezoneDevice.close} does not close it.
   */
  readonly matcher?: ParallelMatcher;
  /** Lowest day risk level that makes a pending exposure report (default 2, high). */
  readonly reportMinRiskLevel?: RiskLevel;
  /** Told about failures of background work (automatic sighting writes). */
  readonly onBackgroundError?: (error: unknown) => void;
}

/** A check's outcome, with the exposure report state after it. */
export interface ExposureCheckRun extends ExposureCheckOutcome {
  /** The report the user may send now, if any. */
  readonly pendingReport: PendingExposureReport | undefined;
  /** The report sent automatically on the user's standing consent, if one was sent. */
  readonly automaticReport: ExposureReportReceipt | undefined;
  /** Why the automatic report failed, else null (it is tried again after the next check). */
  readonly automaticReportError: { readonly code: string; readonly message: string } | null;
}

/** A key upload under way, without its secrets. */
export interface PendingSubmissionSummary {
  readonly stage: 'verified' | 'certified';
  readonly createdAt: number;
  readonly testType: string;
  readonly keyCount: number;
}

/** The phone-side SDK (see docs/device-sdk.md). */
export class BluezoneDevice {
  readonly #ctx: DeviceContext;
  readonly #keys: KeyStore;
  readonly #sightings: SightingRecorder;
  readonly #options: BluezoneDeviceOptions;
  readonly #reportMinRiskLevel: RiskLevel;
  readonly #matcher: ParallelMatcher;
  readonly #schedules = new Set<ChaffSchedule>();
  #check: Promise<ExposureCheckRun> | undefined;

  /** @see createBluezoneDevice */
  constructor(options: BluezoneDeviceOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) {
      throw new DeviceError('invalid_argument', 'apiKey must be the app’s API key for the verification API');
    }
    if (!options.store)
      throw new DeviceError('invalid_argument', 'store is required (an adapter of the storage port)');
    const fetchFunction = options.fetch ?? (globalThis.fetch?.bind(globalThis) as FetchFunction | undefined);
    if (typeof fetchFunction !== 'function') {
      throw new DeviceError('invalid_argument', 'no fetch: pass `fetch` (the platform has none)');
    }
    if (options.matcher !== undefined && typeof options.matcher?.match !== 'function') {
      throw new DeviceError(
        'invalid_argument',
        'matcher must have a match(index, keyBatches, options) method',
      );
    }
    const clock = options.clock ?? systemClock;
    const random = options.random ?? platformRandom();
    const crypto = options.crypto ?? nobleCrypto;
    const deviceModel = options.deviceModel ?? '';
    const txPowerDbm =
      options.txPowerDbm ??
      riskDeviceCalibration({
        model: deviceModel,
        ...(options.deviceOem === undefined ? {} : { oem: options.deviceOem }),
      }).txPower;
    this.#options = options;
    this.#reportMinRiskLevel = options.reportMinRiskLevel ?? 2;
    this.#matcher = options.matcher ?? inThreadMatcher;
    this.#ctx = {
      http: new HttpClient(options.baseUrl, {
        fetch: fetchFunction,
        clock,
        random,
        ...(options.http === undefined ? {} : { options: options.http }),
        ...(options.httpObserver === undefined ? {} : { observer: options.httpObserver }),
      }),
      store: options.store,
      clock,
      random,
      crypto,
      apiKey: options.apiKey,
      trustedConfigKeys: checkTrustedConfigKeys(options.trustedConfigKeys),
      deviceModel,
      deviceOem: options.deviceOem,
    };
    this.#keys = new KeyStore({ store: options.store, random, crypto, txPowerDbm });
    this.#sightings = new SightingRecorder({
      store: options.store,
      deviceModel,
      ...(options.onBackgroundError === undefined ? {} : { onError: options.onBackgroundError }),
    });
  }

  /** The server's base URL. */
  get baseUrl(): string {
    return this.#ctx.http.baseUrl;
  }

  // ── Radio ──────────────────────────────────────────────────────────────────────────────

  /**
   * What to advertise now: RPI ‖ AEM of the current 10-minute interval under service UUID
   * 0x4E56 (`serviceData`, or the whole `advertisement`). Makes today's key on first need.
   * Ask again at `validUntil`.
   */
  currentAdvertisement(now: number = this.#ctx.clock.now()): Promise<CurrentAdvertisement> {
    return this.#keys.currentAdvertisement(now);
  }

  /**
   * Records a scan result: `payload` is the 20-byte service data or the raw advertising data.
   * Synchronous and never throws on radio input; malformed input and duplicates (same RPI within
   * 5 s) are counted ({@link BluezoneDevice.sightingCounters}).
   */
  onSighting(
    payload: Uint8Array,
    rssiDbm: number,
    time: number | Date,
    receiverModel?: string,
  ): SightingOutcome {
    return this.#sightings.onSighting(payload, rssiDbm, time, receiverModel);
  }

  /** Writes queued sightings to the store; resolves with how many. */
  flushSightings(): Promise<number> {
    return this.#sightings.flush();
  }

  /** Sighting counters since this instance started. */
  sightingCounters(): SightingCounters {
    return this.#sightings.counters();
  }

  // ── Registration, phone, heartbeat, inbox ──────────────────────────────────────────────

  /** Registers the install (once; later calls return the stored registration). */
  register(input: RegistrationInput): Promise<Registration> {
    return register(this.#ctx, input);
  }

  /** The stored registration, if any. */
  async registration(): Promise<Registration | undefined> {
    return this.#ctx.store.getSetting('registration');
  }

  /** Asks the server to text a verification code to `phoneNumber`. */
  requestPhoneCode(phoneNumber: string): Promise<PhoneCodeRequest> {
    return requestPhoneCode(this.#ctx, phoneNumber);
  }

  /** Sends the code the user received; registers the number for the install. */
  verifyPhoneCode(phoneNumber: string, code: string): Promise<PhoneVerification> {
    return verifyPhoneCode(this.#ctx, phoneNumber, code);
  }

  /** The daily heartbeat (fetches the configuration when its version changed). */
  heartbeat(): Promise<HeartbeatResult> {
    return heartbeat(this.#ctx);
  }

  /** New inbox messages (text to show; never commands). */
  fetchInbox(): Promise<InboxMessage[]> {
    return fetchInbox(this.#ctx);
  }

  // ── Configuration ──────────────────────────────────────────────────────────────────────

  /** Fetches, verifies and adopts the signed configuration. */
  async refreshConfig(): Promise<DeviceConfig> {
    return (await refreshConfig(this.#ctx)).config;
  }

  /** The adopted configuration, if any. */
  config(): Promise<DeviceConfig | undefined> {
    return adoptedConfig(this.#ctx);
  }

  // ── Exposure check and results ─────────────────────────────────────────────────────────

  /**
   * Runs an exposure check (one at a time: a call during a check gets that check's outcome).
   * Applies retention first; afterwards sends the pending report automatically if the user gave
   * a standing consent. Network and server failures are in the outcome, not thrown.
   */
  checkExposure(): Promise<ExposureCheckRun> {
    this.#check ??= this.#runCheck().finally(() => {
      this.#check = undefined;
    });
    return this.#check;
  }

  async #runCheck(): Promise<ExposureCheckRun> {
    await this.#sightings.flush().catch((error: unknown) => this.#options.onBackgroundError?.(error));
    await this.purge();
    const outcome = await runExposureCheck(this.#ctx, this.#options.check, this.#matcher);
    let automaticReport: ExposureReportReceipt | undefined;
    let automaticReportError: ExposureCheckRun['automaticReportError'] = null;
    if (outcome.status !== 'failed') {
      try {
        automaticReport = await sendAutomaticReport(this.#ctx, this.#reportMinRiskLevel);
      } catch (error) {
        automaticReportError = describeError(error);
      }
    }
    const pendingReport = await pendingExposureReport(
      this.#ctx,
      this.#ctx.clock.now(),
      this.#reportMinRiskLevel,
    );
    return { ...outcome, pendingReport, automaticReport, automaticReportError };
  }

  /** `status`, `lastCheckAt`, `lastSuccessfulCheckAt`, `lastError` of the exposure check. */
  async checkState(): Promise<ExposureCheckState> {
    return (await this.#ctx.store.getSetting('checkState')) ?? NEVER_CHECKED;
  }

  /** The exposure results: per day risk level, source F-level and time of day. */
  exposureResults(now: number = this.#ctx.clock.now()): Promise<ExposureResults> {
    return currentResults(this.#ctx, now);
  }

  // ── Consented exposure report ──────────────────────────────────────────────────────────

  /** The exposure report the user may send, if any. */
  pendingExposureReport(now: number = this.#ctx.clock.now()): Promise<PendingExposureReport | undefined> {
    return pendingExposureReport(this.#ctx, now, this.#reportMinRiskLevel);
  }

  /** Sends the pending exposure report; requires the user's {@link ReportConsent}. */
  sendExposureReport(consent: ReportConsent): Promise<ExposureReportReceipt> {
    return sendExposureReport(this.#ctx, consent, this.#reportMinRiskLevel);
  }

  // ── Health declarations, QR code, partner consents (docs/declarations.md) ───────────────

  /** Sends a declaration the user confirmed ({@link DeclarationConsent}); not retried automatically. */
  submitDeclaration(
    consent: DeclarationConsent,
    declaration: Parameters<typeof submitDeclaration>[2],
  ): Promise<DeclarationReceipt> {
    return submitDeclaration(this.#ctx, consent, declaration);
  }

  /** The declaration that counts now, or undefined. */
  currentDeclaration(): Promise<DeclarationReceipt | undefined> {
    return currentDeclaration(this.#ctx);
  }

  /** Sends the day's symptom report the user confirmed (people under monitoring). */
  submitDailyReport(
    consent: DeclarationConsent,
    report: DailyReport,
  ): Promise<{ declarationId: string; day: string; replaced: boolean }> {
    return submitDailyReport(this.#ctx, consent, report);
  }

  /** A new personal QR token of the declaration status (no personal data; valid minutes). */
  getQrToken(): Promise<QrCodeToken> {
    return getQrToken(this.#ctx);
  }

  /** Issues a consent token for the partner the user agreed to ({@link PartnerConsent}). */
  issuePartnerConsent(
    consent: PartnerConsent,
    request: Parameters<typeof issuePartnerConsent>[2],
  ): Promise<PartnerConsentToken> {
    return issuePartnerConsent(this.#ctx, consent, request);
  }

  /** Withdraws a partner consent; the partner's token stops working at once. */
  withdrawPartnerConsent(consentId: string): Promise<void> {
    return withdrawPartnerConsent(this.#ctx, consentId);
  }

  /** Turns automatic exposure reports on; requires the user's {@link StandingReportConsent}. */
  async enableAutomaticReports(consent: StandingReportConsent): Promise<void> {
    const checked = StandingReportConsent.check(consent, this.#ctx.clock.now());
    await putSetting(this.#ctx.store, 'standingReportConsent', {
      confirmedAt: checked.confirmedAt,
      shownText: checked.shownText,
    });
  }

  /** Turns automatic exposure reports off (the user withdrew the consent). */
  disableAutomaticReports(): Promise<void> {
    return this.#ctx.store.apply([{ type: 'deleteSetting', name: 'standingReportConsent' }]);
  }

  /** True when the user gave a standing consent to automatic reports. */
  async automaticReportsEnabled(): Promise<boolean> {
    return (await this.#ctx.store.getSetting('standingReportConsent')) !== undefined;
  }

  // ── Key upload ─────────────────────────────────────────────────────────────────────────

  /**
   * Uploads the user's keys after a diagnosis: code → token → certificate → publish. Requires
   * the user's {@link UploadConsent}; calling it again with the same code resumes an upload that
   * was interrupted.
   */
  submitDiagnosis(consent: UploadConsent, request: DiagnosisRequest): Promise<SubmissionResult> {
    return submitDiagnosis(this.#ctx, consent, request, this.#options.submission);
  }

  /** The key upload under way, if one was interrupted (without its secrets). */
  async pendingSubmission(): Promise<PendingSubmissionSummary | undefined> {
    const pending = await this.#ctx.store.getSetting('pendingSubmission');
    return (
      pending && {
        stage: pending.stage,
        createdAt: pending.createdAt,
        testType: pending.testType,
        keyCount: pending.keys.length,
      }
    );
  }

  // ── Chaff ──────────────────────────────────────────────────────────────────────────────

  /** Starts sending chaff at random times (stopped by {@link BluezoneDevice.close}). */
  scheduleChaff(options?: ChaffOptions): ChaffSchedule {
    const schedule = scheduleChaff(this.#ctx, options);
    this.#schedules.add(schedule);
    return schedule;
  }

  /** Sends one chaff round now; true when every request was answered. */
  sendChaff(kind: ChaffKind): Promise<boolean> {
    return sendChaff(this.#ctx, kind);
  }

  // ── Retention and life cycle ───────────────────────────────────────────────────────────

  /**
   * Deletes what is past retention at `now`: keys whose day ended more than 14 days ago,
   * sightings heard more than 14 days ago, matches whose latest exposure day is more than 14
   * days before today (UTC), and — after 30 days — processed-file markers, upload records and
   * reported key hashes of deleted matches; an interrupted upload after 24 hours.
   */
  async purge(now: number = this.#ctx.clock.now()): Promise<DeviceStorePurgeCounts> {
    const cutoff = now - RETENTION_DAYS * DAY_MS;
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    await this.#sightings.flush().catch((error: unknown) => this.#options.onBackgroundError?.(error));
    const counts = await this.#ctx.store.purge({
      keysEndingBy: Math.max(0, Math.floor(cutoff / 1000 / EN_INTERVAL_SECONDS)),
      sightingsBefore: cutoff,
      matchesBefore: today - RETENTION_DAYS * DAY_MS,
      processedFilesBefore: now - RECORD_RETENTION_DAYS * DAY_MS,
    });
    const store = this.#ctx.store;
    const matches = new Set((await store.listExposureMatches()).map((m) => m.keyHash));
    const reported = (await store.getSetting('reportedKeyHashes')) ?? [];
    const submissions = (await store.getSetting('submissions')) ?? [];
    const pending = await store.getSetting('pendingSubmission');
    await store.apply([
      settingMutation(
        'reportedKeyHashes',
        reported.filter((k) => matches.has(k)),
      ),
      settingMutation(
        'submissions',
        submissions.filter((s) => s.at >= now - RECORD_RETENTION_DAYS * DAY_MS),
      ),
      ...(pending && now - pending.createdAt > DAY_MS
        ? [{ type: 'deleteSetting' as const, name: 'pendingSubmission' as const }]
        : []),
    ]);
    this.#sightings.forgetBefore(cutoff);
    this.#keys.clearCache();
    return counts;
  }

  /**
   * Stops chaff schedules and writes queued sightings. The store and the matcher stay open (their
   * owner closes them).
   */
  async close(): Promise<void> {
    for (const schedule of this.#schedules) schedule.stop();
    this.#schedules.clear();
    await this.#check?.catch(() => undefined);
    await this.#sightings.flush();
  }
}

/**
 * Creates the SDK.
 *
 * @throws {DeviceError} `invalid_argument` (a bad base URL, API key, trusted key or TX power;
 *   no store; no fetch; a matcher without `match`), `random_unavailable`.
 */
export function createBluezoneDevice(options: BluezoneDeviceOptions): BluezoneDevice {
  return new BluezoneDevice(options);
}
