/**
 * Consent: the only way into the SDK's uploads.
 *
 * The SDK sends the user's data in exactly two places — the key upload of a diagnosed user
 * (`submitDiagnosis`) and the exposure report of a user who was exposed (`sendExposureReport`,
 * or automatically after a check when the user gave a standing consent) — and each takes a
 * consent object the app makes **when the user confirms**, with what was shown to them:
 *
 * - {@link UploadConsent} — {@link recordUploadConsent}: "upload my keys" (diagnosis);
 * - {@link ReportConsent} — {@link recordReportConsent}: "report this exposure to the authority";
 * - {@link StandingReportConsent} — {@link recordStandingReportConsent}: "report exposures
 *   automatically" (given once, e.g. at registration; revocable).
 *
 * They are classes with an ECMAScript private field and a private constructor, so TypeScript
 * treats them nominally: an object literal, a parsed JSON value or one kind of consent is not
 * another (`test/consent.test.ts` proves it with `@ts-expect-error`). At run time the functions
 * that take them check the private field (`#` brand check), so a value forged with a cast,
 * copied with `{...consent}` or made with `Object.create` is refused (`consent_invalid`). A
 * consent also expires: {@link UPLOAD_CONSENT_MAX_AGE_MS} and {@link REPORT_CONSENT_MAX_AGE_MS}
 * after `confirmedAt` it is refused (`consent_expired`), as is one dated in the future.
 *
 * Nothing else in the SDK makes these objects: no server answer, configuration, inbox message
 * or schedule can start an upload.
 *
 * @module
 */
import { DeviceError } from './errors.js';

/** An upload consent is valid this long after the user confirmed (1 hour). */
export const UPLOAD_CONSENT_MAX_AGE_MS = 3_600_000;
/** A report consent is valid this long after the user confirmed (1 hour). */
export const REPORT_CONSENT_MAX_AGE_MS = 3_600_000;
/** Clock skew tolerated for a consent dated slightly in the future (5 minutes). */
export const CONSENT_CLOCK_SKEW_MS = 300_000;

/** What the app records when the user confirms. */
export interface ConsentInput {
  /** When the user confirmed, Unix ms (or a Date). */
  readonly confirmedAt: number | Date;
  /** The text the user was shown and agreed to (kept for the audit trail), non-empty. */
  readonly shownText: string;
  /** Language of the text, e.g. `vi`. */
  readonly locale?: string;
}

function readInput(
  input: ConsentInput,
  what: string,
): { confirmedAt: number; shownText: string; locale: string } {
  const confirmedAt = input.confirmedAt instanceof Date ? input.confirmedAt.getTime() : input.confirmedAt;
  if (typeof confirmedAt !== 'number' || !Number.isFinite(confirmedAt) || confirmedAt < 0) {
    throw new DeviceError('invalid_argument', `${what}: confirmedAt must be Unix ms ≥ 0`);
  }
  if (typeof input.shownText !== 'string' || input.shownText.trim() === '') {
    throw new DeviceError('invalid_argument', `${what}: shownText must be the text the user agreed to`);
  }
  return {
    confirmedAt,
    shownText: input.shownText,
    locale: typeof input.locale === 'string' ? input.locale : '',
  };
}

function checkAge(confirmedAt: number, maxAgeMs: number, nowMs: number, what: string): void {
  if (confirmedAt > nowMs + CONSENT_CLOCK_SKEW_MS) {
    throw new DeviceError('consent_expired', `${what} is dated in the future`);
  }
  if (nowMs - confirmedAt > maxAgeMs) {
    throw new DeviceError(
      'consent_expired',
      `${what} was given more than ${Math.round(maxAgeMs / 60_000)} minutes ago: ask the user again`,
    );
  }
}

/** The user's consent to upload their own keys after a diagnosis. Make it with {@link recordUploadConsent}. */
export class UploadConsent {
  readonly #purpose = 'upload' as const;
  /** When the user confirmed, Unix ms. */
  readonly confirmedAt: number;
  /** The text the user agreed to. */
  readonly shownText: string;
  readonly locale: string;

  private constructor(input: ConsentInput) {
    const { confirmedAt, shownText, locale } = readInput(input, 'upload consent');
    this.confirmedAt = confirmedAt;
    this.shownText = shownText;
    this.locale = locale;
    Object.freeze(this);
  }

  /** @internal Use {@link recordUploadConsent}. */
  static record(input: ConsentInput): UploadConsent {
    return new UploadConsent(input);
  }

  /**
   * Checks that `value` is a consent {@link recordUploadConsent} made and that it is still valid.
   *
   * @throws {DeviceError} `consent_invalid`, `consent_expired`.
   */
  static check(value: unknown, nowMs: number): UploadConsent {
    if (typeof value !== 'object' || value === null || !(#purpose in value)) {
      throw new DeviceError('consent_invalid', 'this is not an upload consent made by recordUploadConsent');
    }
    const consent = value as UploadConsent;
    if (consent.#purpose !== 'upload') throw new DeviceError('consent_invalid', 'not an upload consent');
    checkAge(consent.confirmedAt, UPLOAD_CONSENT_MAX_AGE_MS, nowMs, 'the upload consent');
    return consent;
  }
}

/** The user's consent to send one exposure report. Make it with {@link recordReportConsent}. */
export class ReportConsent {
  readonly #purpose = 'report' as const;
  readonly confirmedAt: number;
  readonly shownText: string;
  readonly locale: string;

  private constructor(input: ConsentInput) {
    const { confirmedAt, shownText, locale } = readInput(input, 'report consent');
    this.confirmedAt = confirmedAt;
    this.shownText = shownText;
    this.locale = locale;
    Object.freeze(this);
  }

  /** @internal Use {@link recordReportConsent}. */
  static record(input: ConsentInput): ReportConsent {
    return new ReportConsent(input);
  }

  /**
   * Checks that `value` is a consent {@link recordReportConsent} made and that it is still valid.
   *
   * @throws {DeviceError} `consent_invalid`, `consent_expired`.
   */
  static check(value: unknown, nowMs: number): ReportConsent {
    if (typeof value !== 'object' || value === null || !(#purpose in value)) {
      throw new DeviceError('consent_invalid', 'this is not a report consent made by recordReportConsent');
    }
    const consent = value as ReportConsent;
    if (consent.#purpose !== 'report') throw new DeviceError('consent_invalid', 'not a report consent');
    checkAge(consent.confirmedAt, REPORT_CONSENT_MAX_AGE_MS, nowMs, 'the report consent');
    return consent;
  }
}

/**
 * The user's standing consent to report exposures automatically after each check (given once,
 * e.g. at registration). Make it with {@link recordStandingReportConsent}; it does not expire,
 * and the user can withdraw it (`disableAutomaticReports`).
 */
export class StandingReportConsent {
  readonly #purpose = 'standing-report' as const;
  readonly confirmedAt: number;
  readonly shownText: string;
  readonly locale: string;

  private constructor(input: ConsentInput) {
    const { confirmedAt, shownText, locale } = readInput(input, 'standing report consent');
    this.confirmedAt = confirmedAt;
    this.shownText = shownText;
    this.locale = locale;
    Object.freeze(this);
  }

  /** @internal Use {@link recordStandingReportConsent}. */
  static record(input: ConsentInput): StandingReportConsent {
    return new StandingReportConsent(input);
  }

  /**
   * Checks that `value` is a consent {@link recordStandingReportConsent} made, not dated in the future.
   *
   * @throws {DeviceError} `consent_invalid`, `consent_expired`.
   */
  static check(value: unknown, nowMs: number): StandingReportConsent {
    if (typeof value !== 'object' || value === null || !(#purpose in value)) {
      throw new DeviceError(
        'consent_invalid',
        'this is not a standing consent made by recordStandingReportConsent',
      );
    }
    const consent = value as StandingReportConsent;
    if (consent.#purpose !== 'standing-report')
      throw new DeviceError('consent_invalid', 'not a standing report consent');
    checkAge(consent.confirmedAt, Number.POSITIVE_INFINITY, nowMs, 'the standing report consent');
    return consent;
  }
}

/**
 * Records that the user confirmed uploading their keys. Call it only from the screen where the
 * user taps "share my keys", with the text they saw.
 *
 * @throws {DeviceError} `invalid_argument` for a missing time or text.
 */
export function recordUploadConsent(input: ConsentInput): UploadConsent {
  return UploadConsent.record(input);
}

/**
 * Records that the user confirmed sending an exposure report. Call it only from the warning
 * screen where the user taps "report", with the text they saw.
 *
 * @throws {DeviceError} `invalid_argument` for a missing time or text.
 */
export function recordReportConsent(input: ConsentInput): ReportConsent {
  return ReportConsent.record(input);
}

/**
 * Records that the user agreed to automatic exposure reports. Call it only from the screen
 * where the user turns the setting on, with the text they saw.
 *
 * @throws {DeviceError} `invalid_argument` for a missing time or text.
 */
export function recordStandingReportConsent(input: ConsentInput): StandingReportConsent {
  return StandingReportConsent.record(input);
}
