/**
 * The install's own calls: registration (`POST /v1/installs`), phone number verification by SMS
 * code (`POST /v1/phone/otp`, `POST /v1/phone/verify`), the daily heartbeat
 * (`POST /v1/heartbeat`) and the inbox (`GET /v1/inbox`).
 *
 * None of these uploads anything of the user's beyond what the call says, and nothing they
 * return can make the SDK upload: the heartbeat's answer can at most make the SDK fetch the new
 * configuration (a download), and inbox messages are text to show — validated, stripped to
 * their known fields, never interpreted as commands.
 *
 * The phone code calls are not retried by the HTTP client: a repeated `otp` would text a second
 * code (and run into the 60-second cooldown), a repeated `verify` would use up an attempt. The
 * user retries them.
 *
 * @module
 */
import { refreshConfig } from './config-sync.js';
import { bearer, type DeviceContext, requireRegistration } from './context.js';
import { DeviceError } from './errors.js';
import { randomPadding } from './runtime.js';
import { putSetting } from './store.js';

/** What registration sends. */
export interface RegistrationInput {
  readonly platform: 'android' | 'ios' | 'web';
  /** The app's version, e.g. `1.0.0`. */
  readonly appVersion: string;
  /** GSO province code the user chose (2 digits). */
  readonly provinceCode: string;
  /** GSO district code (3 digits), optional. */
  readonly districtCode?: string | null;
  readonly locale: 'vi' | 'en';
}

/** The install's registration, kept in the store (the device token is its credential). */
export interface Registration {
  readonly installId: string;
  /** Bearer credential of device calls; keep the store encrypted (see docs/device-sdk.md). */
  readonly deviceToken: string;
  readonly registeredAt: number;
  readonly provinceCode: string;
  readonly districtCode: string | null;
  readonly locale: 'vi' | 'en';
}

/** The answer to a phone code request. */
export interface PhoneCodeRequest {
  readonly expiresInSeconds: number;
  readonly resendAfterSeconds: number;
  readonly codeLength: number;
}

/** The answer to a verified phone code. */
export interface PhoneVerification {
  /** The number, E.164 (`+84…`). */
  readonly phoneNumber: string;
  readonly carrier: string | null;
  readonly carrierName: string;
}

/** The answer to a heartbeat. */
export interface HeartbeatResult {
  /** The server's time, Unix ms. */
  readonly serverTime: number;
  readonly configVersion: string;
  /** True when the heartbeat led to adopting a new configuration. */
  readonly configChanged: boolean;
}

/** One inbox message: text to show, never a command. */
export interface InboxMessage {
  readonly id: string;
  /** `news`, `notice` or `result` today; other values may come and are shown as news. */
  readonly kind: string;
  readonly title: { readonly vi: string; readonly en: string };
  readonly body: { readonly vi: string; readonly en: string };
  /** An `https:` link, or null (links of other schemes are dropped). */
  readonly url: string | null;
  /** Unix ms. */
  readonly createdAt: number;
}

const invalidResponse = (where: string, what: string) =>
  new DeviceError('invalid_response', `${where}: the answer has no valid ${what}`);

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function str(body: unknown, name: string, where: string): string {
  const value = field(body, name);
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096)
    throw invalidResponse(where, name);
  return value;
}

function int(body: unknown, name: string, where: string): number {
  const value = field(body, name);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalidResponse(where, name);
  return value;
}

/**
 * Registers the install, once: when a registration is stored it is returned and nothing is sent.
 *
 * @throws {DeviceError} the HTTP client's errors (`http_error` 400 `invalid_request` for a bad
 *   field), `invalid_response`.
 */
export async function register(ctx: DeviceContext, input: RegistrationInput): Promise<Registration> {
  const existing = await ctx.store.getSetting('registration');
  if (existing) return existing;
  const where = 'POST /v1/installs';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/installs',
    expect: 'json',
    json: {
      platform: input.platform,
      appVersion: input.appVersion,
      provinceCode: input.provinceCode,
      ...(input.districtCode === undefined ? {} : { districtCode: input.districtCode }),
      locale: input.locale,
    },
  });
  const registration: Registration = {
    installId: str(body, 'installId', where),
    deviceToken: str(body, 'deviceToken', where),
    registeredAt: ctx.clock.now(),
    provinceCode: input.provinceCode,
    districtCode: input.districtCode ?? null,
    locale: input.locale,
  };
  await putSetting(ctx.store, 'registration', registration);
  return registration;
}

/**
 * Asks the server to text a code to `phoneNumber` (not retried automatically).
 *
 * @throws {DeviceError} `not_registered`; `http_error` (400 `phone_invalid`, 503 `unavailable`),
 *   `rate_limited` (`retryAfterMs`: when a new code may be asked), `invalid_response`.
 */
export async function requestPhoneCode(ctx: DeviceContext, phoneNumber: string): Promise<PhoneCodeRequest> {
  const registration = await requireRegistration(ctx);
  const where = 'POST /v1/phone/otp';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/phone/otp',
    expect: 'json',
    headers: bearer(registration),
    json: { phoneNumber },
    retry: false,
  });
  return {
    expiresInSeconds: int(body, 'expiresInSeconds', where),
    resendAfterSeconds: int(body, 'resendAfterSeconds', where),
    codeLength: int(body, 'codeLength', where),
  };
}

/**
 * Sends the code the user received (not retried automatically).
 *
 * @throws {DeviceError} `not_registered`; `http_error` (400 `otp_invalid`, `otp_expired`,
 *   `otp_attempts_exceeded`, `phone_invalid`), `rate_limited`, `invalid_response`.
 */
export async function verifyPhoneCode(
  ctx: DeviceContext,
  phoneNumber: string,
  code: string,
): Promise<PhoneVerification> {
  const registration = await requireRegistration(ctx);
  const where = 'POST /v1/phone/verify';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/phone/verify',
    expect: 'json',
    headers: bearer(registration),
    json: { phoneNumber, code },
    retry: false,
  });
  const carrier = field(body, 'carrier');
  return {
    phoneNumber: str(body, 'phoneNumber', where),
    carrier: typeof carrier === 'string' ? carrier : null,
    carrierName: str(body, 'carrierName', where),
  };
}

/**
 * The daily heartbeat: marks the install active; when the server's configuration version
 * differs from the adopted one, fetches and adopts the configuration.
 *
 * @throws {DeviceError} `not_registered`, the HTTP client's errors, `invalid_response`; the
 *   configuration's errors when a new one does not verify.
 */
export async function heartbeat(ctx: DeviceContext): Promise<HeartbeatResult> {
  const registration = await requireRegistration(ctx);
  const where = 'POST /v1/heartbeat';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/heartbeat',
    expect: 'json',
    headers: bearer(registration),
    json: { padding: randomPadding(ctx.random) },
  });
  const serverTime = Date.parse(str(body, 'serverTime', where));
  if (!Number.isFinite(serverTime)) throw invalidResponse(where, 'serverTime');
  const configVersion = str(body, 'configVersion', where);
  await putSetting(ctx.store, 'lastHeartbeatAt', ctx.clock.now());
  const adopted = await ctx.store.getSetting('config');
  let configChanged = false;
  if (adopted?.config.version !== configVersion) configChanged = (await refreshConfig(ctx)).changed;
  return { serverTime, configVersion, configChanged };
}

function localized(value: unknown): { vi: string; en: string } | undefined {
  const vi = field(value, 'vi');
  const en = field(value, 'en');
  if (typeof vi !== 'string' || typeof en !== 'string' || vi.length > 4000 || en.length > 4000)
    return undefined;
  return { vi, en };
}

/** One inbox message of the server's answer, or undefined when it is malformed. */
export function parseInboxMessage(value: unknown): InboxMessage | undefined {
  const id = field(value, 'id');
  const kind = field(value, 'kind');
  const createdAt = field(value, 'createdAt');
  const title = localized(field(value, 'title'));
  const body = localized(field(value, 'body'));
  const url = field(value, 'url');
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
  if (typeof kind !== 'string' || kind.length > 32) return undefined;
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0) return undefined;
  if (!title || !body) return undefined;
  return {
    id,
    kind,
    title,
    body,
    url: typeof url === 'string' && /^https:\/\/[^\s]+$/.test(url) && url.length <= 500 ? url : null,
    createdAt,
  };
}

/**
 * New inbox messages since the last call (oldest first). Malformed messages are dropped.
 *
 * @throws {DeviceError} `not_registered`, the HTTP client's errors, `invalid_response`.
 */
export async function fetchInbox(ctx: DeviceContext): Promise<InboxMessage[]> {
  const registration = await requireRegistration(ctx);
  const since = (await ctx.store.getSetting('inboxSince')) ?? 0;
  const { body } = await ctx.http.request({
    method: 'GET',
    path: '/v1/inbox',
    query: { since: String(since) },
    expect: 'json',
    headers: bearer(registration),
  });
  const list = field(body, 'messages');
  if (!Array.isArray(list)) throw invalidResponse('GET /v1/inbox', 'messages');
  const messages = list
    .map(parseInboxMessage)
    .filter((m): m is InboxMessage => m !== undefined)
    .sort((a, b) => a.createdAt - b.createdAt);
  const newest = messages.reduce((max, m) => Math.max(max, m.createdAt), since);
  if (newest > since) await putSetting(ctx.store, 'inboxSince', newest);
  return messages;
}
