/**
 * Health declarations, daily symptom reports, the personal QR code and consents for partner
 * health apps (docs/device-sdk.md §14, docs/declarations.md).
 *
 * A declaration and a daily report send personal data off the phone, and a partner consent lets
 * another app read the person's status: each needs a consent object the app makes **when the
 * user confirms** — {@link DeclarationConsent} ({@link recordDeclarationConsent}: "send my
 * declaration") and {@link PartnerConsent} ({@link recordPartnerConsent}: "let <partner> see my
 * declaration status"). Like the upload consents (consent.ts) they are classes with a private
 * brand: a literal, a copy or a cast is refused with `consent_invalid` before any request, and
 * they expire an hour after the user confirmed (`consent_expired`). The QR code carries no
 * personal data and needs no consent.
 *
 * The server requires a verified phone number (`http_error` 403 `phone_not_verified`).
 *
 * @module
 */
import type { ConsentInput } from './consent.js';
import { bearer, type DeviceContext, requireRegistration } from './context.js';
import { DeviceError } from './errors.js';

/** A declaration or partner consent is valid this long after the user confirmed (1 hour). */
export const DECLARATION_CONSENT_MAX_AGE_MS = 3_600_000;
const CLOCK_SKEW_MS = 300_000;

function readConsent(
  input: ConsentInput,
  what: string,
): { confirmedAt: number; shownText: string; locale: string } {
  const confirmedAt = input.confirmedAt instanceof Date ? input.confirmedAt.getTime() : input.confirmedAt;
  if (typeof confirmedAt !== 'number' || !Number.isFinite(confirmedAt) || confirmedAt < 0)
    throw new DeviceError('invalid_argument', `${what}: confirmedAt must be Unix ms ≥ 0`);
  if (typeof input.shownText !== 'string' || input.shownText.trim() === '')
    throw new DeviceError('invalid_argument', `${what}: shownText must be the text the user agreed to`);
  return {
    confirmedAt,
    shownText: input.shownText,
    locale: typeof input.locale === 'string' ? input.locale : '',
  };
}

function checkAge(confirmedAt: number, nowMs: number, what: string): void {
  if (confirmedAt > nowMs + CLOCK_SKEW_MS)
    throw new DeviceError('consent_expired', `${what} is dated in the future`);
  if (nowMs - confirmedAt > DECLARATION_CONSENT_MAX_AGE_MS)
    throw new DeviceError(
      'consent_expired',
      `${what} was given more than 60 minutes ago: ask the user again`,
    );
}

/** The user's confirmation to send a declaration or a daily report. Make it with {@link recordDeclarationConsent}. */
export class DeclarationConsent {
  readonly #purpose = 'declaration' as const;
  readonly confirmedAt: number;
  readonly shownText: string;
  readonly locale: string;

  private constructor(input: ConsentInput) {
    const { confirmedAt, shownText, locale } = readConsent(input, 'declaration consent');
    this.confirmedAt = confirmedAt;
    this.shownText = shownText;
    this.locale = locale;
    Object.freeze(this);
  }

  /** @internal Use {@link recordDeclarationConsent}. */
  static record(input: ConsentInput): DeclarationConsent {
    return new DeclarationConsent(input);
  }

  /**
   * Checks that `value` is a consent {@link recordDeclarationConsent} made, still valid.
   *
   * @throws {DeviceError} `consent_invalid`, `consent_expired`.
   */
  static check(value: unknown, nowMs: number): DeclarationConsent {
    if (typeof value !== 'object' || value === null || !(#purpose in value))
      throw new DeviceError(
        'consent_invalid',
        'this is not a declaration consent made by recordDeclarationConsent',
      );
    const consent = value as DeclarationConsent;
    if (consent.#purpose !== 'declaration')
      throw new DeviceError('consent_invalid', 'not a declaration consent');
    checkAge(consent.confirmedAt, nowMs, 'the declaration consent');
    return consent;
  }
}

/** The user's confirmation to let one partner app see their status. Make it with {@link recordPartnerConsent}. */
export class PartnerConsent {
  readonly #purpose = 'partner' as const;
  /** The partner the user agreed to. */
  readonly partnerId: string;
  readonly confirmedAt: number;
  readonly shownText: string;
  readonly locale: string;

  private constructor(input: ConsentInput & { readonly partnerId: string }) {
    const { confirmedAt, shownText, locale } = readConsent(input, 'partner consent');
    if (typeof input.partnerId !== 'string' || input.partnerId === '')
      throw new DeviceError(
        'invalid_argument',
        'partner consent: partnerId must name the partner the user agreed to',
      );
    this.partnerId = input.partnerId;
    this.confirmedAt = confirmedAt;
    this.shownText = shownText;
    this.locale = locale;
    Object.freeze(this);
  }

  /** @internal Use {@link recordPartnerConsent}. */
  static record(input: ConsentInput & { readonly partnerId: string }): PartnerConsent {
    return new PartnerConsent(input);
  }

  /**
   * Checks that `value` is a consent {@link recordPartnerConsent} made for `partnerId`, still valid.
   *
   * @throws {DeviceError} `consent_invalid`, `consent_expired`.
   */
  static check(value: unknown, partnerId: string, nowMs: number): PartnerConsent {
    if (typeof value !== 'object' || value === null || !(#purpose in value))
      throw new DeviceError('consent_invalid', 'this is not a partner consent made by recordPartnerConsent');
    const consent = value as PartnerConsent;
    if (consent.#purpose !== 'partner') throw new DeviceError('consent_invalid', 'not a partner consent');
    if (consent.partnerId !== partnerId)
      throw new DeviceError(
        'consent_invalid',
        `the user agreed to partner ${consent.partnerId}, not ${partnerId}`,
      );
    checkAge(consent.confirmedAt, nowMs, 'the partner consent');
    return consent;
  }
}

/**
 * Records that the user confirmed sending a declaration (or a daily report). Call it only in the
 * handler of the "send" button, with the text the user saw.
 *
 * @throws {DeviceError} `invalid_argument` for a missing time or text.
 */
export function recordDeclarationConsent(input: ConsentInput): DeclarationConsent {
  return DeclarationConsent.record(input);
}

/**
 * Records that the user agreed to let partner `partnerId` see their declaration status. Call it
 * only in the handler of the button of the screen that names the partner.
 *
 * @throws {DeviceError} `invalid_argument` for a missing time, text or partner.
 */
export function recordPartnerConsent(input: ConsentInput & { readonly partnerId: string }): PartnerConsent {
  return PartnerConsent.record(input);
}

/** Symptoms the server knows. */
export type Symptom =
  | 'fever'
  | 'cough'
  | 'shortness_of_breath'
  | 'sore_throat'
  | 'fatigue'
  | 'loss_of_taste_or_smell'
  | 'muscle_pain'
  | 'diarrhoea';

/** An address: GSO province and district codes and the street. */
export interface DeclarationAddress {
  readonly provinceCode: string;
  readonly districtCode: string;
  readonly street: string;
}

/** A domestic health declaration (`POST /v1/declarations/domestic`; docs/declarations.md §2). */
export interface DomesticDeclaration {
  readonly fullName: string;
  readonly yearOfBirth: number;
  readonly gender?: 'male' | 'female' | 'other';
  readonly address: DeclarationAddress;
  readonly symptoms: readonly Symptom[];
  readonly contactWithConfirmedCase: boolean;
  readonly contactWithSuspectedCase: boolean;
  readonly contactWithArrival: boolean;
  readonly places: readonly {
    readonly date: string;
    readonly provinceCode: string;
    readonly districtCode?: string;
    readonly description?: string;
  }[];
  readonly travel: readonly {
    readonly date: string;
    readonly fromProvinceCode: string;
    readonly toProvinceCode: string;
    readonly means: 'air' | 'train' | 'bus' | 'car' | 'motorbike' | 'ship' | 'other';
    readonly reference?: string;
  }[];
}

/** An entry declaration of an arrival (`POST /v1/declarations/entry`). */
export interface EntryDeclaration {
  readonly fullName: string;
  readonly yearOfBirth: number;
  readonly gender?: 'male' | 'female' | 'other';
  /** ISO 3166-1 alpha-2. */
  readonly nationality: string;
  readonly document: { readonly type: 'passport' | 'id_card' | 'other'; readonly number: string };
  readonly arrival: {
    readonly date: string;
    readonly by: 'air' | 'land';
    readonly flightNumber?: string;
    /** IATA code (by air). */
    readonly airport?: string;
    /** Border gate code `BG-…` (by land; `GET /v1/declarations/entry-points`). */
    readonly borderGate?: string;
    readonly fromCountry: string;
  };
  readonly countriesVisited: readonly string[];
  readonly stay: DeclarationAddress & { readonly kind: 'quarantine_facility' | 'home' | 'hotel' | 'other' };
  readonly symptoms: readonly Symptom[];
}

/** A daily symptom report of a person under monitoring. */
export interface DailyReport {
  /** Today or yesterday in Vietnam, YYYY-MM-DD. */
  readonly day: string;
  readonly symptoms: readonly Symptom[];
  readonly temperatureCelsius?: number;
  readonly note?: string;
}

/** What the server keeps of a declaration, without personal fields. */
export interface DeclarationReceipt {
  readonly declarationId: string;
  readonly kind: 'domestic' | 'entry';
  /** `declared`, `monitoring`, `cleared` (or `revoked` in lists). */
  readonly status: string;
  readonly declaredOn: string;
  /** Until when the declaration counts (QR codes, partners), Unix ms. */
  readonly validUntil: number;
  /** End of monitoring, Unix ms, or null. */
  readonly monitoringUntil: number | null;
}

/** A personal QR token to show (docs/declarations.md §4). */
export interface QrCodeToken {
  /** The compact JWT to encode in the QR code. */
  readonly token: string;
  /** Unix ms: open a new one before this. */
  readonly expiresAt: number;
  readonly status: string;
  readonly kind: string;
}

/** A consent token to hand to a partner app. */
export interface PartnerConsentToken {
  readonly consentId: string;
  /** Give this to the partner app; it names no person. */
  readonly consentToken: string;
  readonly partnerId: string;
  readonly partnerName: string;
  readonly scopes: readonly string[];
  /** Unix ms. */
  readonly expiresAt: number;
}

/** Scopes a person may grant a partner. */
export type PartnerScope = 'status:read' | 'declarations:read' | 'declarations:write';

const invalidResponse = (where: string, what: string) =>
  new DeviceError('invalid_response', `${where}: the answer has no valid ${what}`);

function fieldOf(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function text(body: unknown, name: string, where: string): string {
  const value = fieldOf(body, name);
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096)
    throw invalidResponse(where, name);
  return value;
}

function time(body: unknown, name: string, where: string, nullable = false): number | null {
  const value = fieldOf(body, name);
  if (nullable && value === null) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidResponse(where, name);
  return ms;
}

function receipt(body: unknown, where: string): DeclarationReceipt {
  const kind = text(body, 'kind', where);
  if (kind !== 'domestic' && kind !== 'entry') throw invalidResponse(where, 'kind');
  return {
    declarationId: text(body, 'declarationId', where),
    kind,
    status: text(body, 'status', where),
    declaredOn: text(body, 'declaredOn', where),
    validUntil: time(body, 'validUntil', where) as number,
    monitoringUntil: time(body, 'monitoringUntil', where, true),
  };
}

/**
 * Sends a declaration the user confirmed (not retried automatically: the user sees the outcome).
 *
 * @throws {DeviceError} `consent_invalid`, `consent_expired`, `not_registered`; `http_error`
 *   (403 `phone_not_verified`, 400 `invalid_request` naming the field), `rate_limited`,
 *   `invalid_response`.
 */
export async function submitDeclaration(
  ctx: DeviceContext,
  consent: DeclarationConsent,
  declaration:
    | { readonly kind: 'domestic'; readonly body: DomesticDeclaration }
    | { readonly kind: 'entry'; readonly body: EntryDeclaration },
): Promise<DeclarationReceipt> {
  DeclarationConsent.check(consent, ctx.clock.now());
  if (declaration.kind !== 'domestic' && declaration.kind !== 'entry')
    throw new DeviceError('invalid_argument', 'declaration.kind must be domestic or entry');
  const registration = await requireRegistration(ctx);
  const path = `/v1/declarations/${declaration.kind}`;
  const { body } = await ctx.http.request({
    method: 'POST',
    path,
    expect: 'json',
    headers: bearer(registration),
    json: declaration.body,
    retry: false,
  });
  return receipt(body, `POST ${path}`);
}

/** The declaration that counts now, or undefined when there is none (409 `declaration_required`). */
export async function currentDeclaration(ctx: DeviceContext): Promise<DeclarationReceipt | undefined> {
  const registration = await requireRegistration(ctx);
  try {
    const { body } = await ctx.http.request({
      method: 'GET',
      path: '/v1/declarations/current',
      expect: 'json',
      headers: bearer(registration),
    });
    return receipt(body, 'GET /v1/declarations/current');
  } catch (error) {
    if (error instanceof DeviceError && error.serverCode === 'declaration_required') return undefined;
    throw error;
  }
}

/**
 * Sends the day's symptom report the user confirmed.
 *
 * @throws {DeviceError} as {@link submitDeclaration}; `http_error` 409 `not_under_monitoring` or
 *   `declaration_required`.
 */
export async function submitDailyReport(
  ctx: DeviceContext,
  consent: DeclarationConsent,
  report: DailyReport,
): Promise<{ declarationId: string; day: string; replaced: boolean }> {
  DeclarationConsent.check(consent, ctx.clock.now());
  const registration = await requireRegistration(ctx);
  const where = 'POST /v1/declarations/daily-reports';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/declarations/daily-reports',
    expect: 'json',
    headers: bearer(registration),
    json: report,
    retry: false,
  });
  return {
    declarationId: text(body, 'declarationId', where),
    day: text(body, 'day', where),
    replaced: fieldOf(body, 'replaced') === true,
  };
}

/**
 * A new personal QR token (no personal data; valid minutes). Open a new one each time the code is
 * shown: a checkpoint that verifies online refuses a code once a newer one exists.
 *
 * @throws {DeviceError} `not_registered`; `http_error` 409 `declaration_required`, 403
 *   `phone_not_verified`; the HTTP client's errors; `invalid_response`.
 */
export async function getQrToken(ctx: DeviceContext): Promise<QrCodeToken> {
  const registration = await requireRegistration(ctx);
  const where = 'POST /v1/qr';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/qr',
    expect: 'json',
    headers: bearer(registration),
  });
  const token = text(body, 'token', where);
  if (token.split('.').length !== 3) throw invalidResponse(where, 'token');
  return {
    token,
    expiresAt: time(body, 'expiresAt', where) as number,
    status: text(body, 'status', where),
    kind: text(body, 'kind', where),
  };
}

/**
 * Issues a consent token for the partner the user agreed to (`consent.partnerId`), for `scopes`
 * and `days` (1–90, default the server's 30). A newer consent for the same partner replaces the
 * older one.
 *
 * @throws {DeviceError} `consent_invalid` (also for a consent for another partner),
 *   `consent_expired`, `invalid_argument`, `not_registered`; `http_error` (400 unknown partner
 *   or scope, 403 `phone_not_verified`); `invalid_response`.
 */
export async function issuePartnerConsent(
  ctx: DeviceContext,
  consent: PartnerConsent,
  request: { readonly partnerId: string; readonly scopes: readonly PartnerScope[]; readonly days?: number },
): Promise<PartnerConsentToken> {
  PartnerConsent.check(consent, request.partnerId, ctx.clock.now());
  if (!Array.isArray(request.scopes) || request.scopes.length === 0)
    throw new DeviceError('invalid_argument', 'scopes must list at least one scope');
  const registration = await requireRegistration(ctx);
  const where = 'POST /v1/consents';
  const { body } = await ctx.http.request({
    method: 'POST',
    path: '/v1/consents',
    expect: 'json',
    headers: bearer(registration),
    json: {
      partnerId: request.partnerId,
      scopes: request.scopes,
      ...(request.days === undefined ? {} : { days: request.days }),
    },
    retry: false,
  });
  const scopes = fieldOf(body, 'scopes');
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
    throw invalidResponse(where, 'scopes');
  return {
    consentId: text(body, 'consentId', where),
    consentToken: text(body, 'consentToken', where),
    partnerId: text(body, 'partnerId', where),
    partnerName: text(body, 'partnerName', where),
    scopes: scopes as string[],
    expiresAt: time(body, 'expiresAt', where) as number,
  };
}

/** Withdraws a consent: the partner's token stops working at once. */
export async function withdrawPartnerConsent(ctx: DeviceContext, consentId: string): Promise<void> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(consentId))
    throw new DeviceError('invalid_argument', 'consentId is not a consent ID');
  const registration = await requireRegistration(ctx);
  await ctx.http.request({
    method: 'DELETE',
    path: `/v1/consents/${consentId}`,
    expect: 'text',
    headers: bearer(registration),
  });
}
