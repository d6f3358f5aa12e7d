/**
 * Phone-number registration by SMS one-time code. An install asks for a code for a number
 * ({@link requestCode}); the server texts a 6-digit code and keeps only its keyed hash; the
 * install sends it back ({@link verifyCode}); the number is then stored encrypted, with a keyed
 * hash so that re-installs with the same number share one row, and linked to the install.
 *
 * Both steps answer the same whether or not the number is registered already (no enumeration).
 * The number never reaches the logs: errors name the field, never its value.
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.js';
import { encryptAtRest } from '../../encryption.js';
import { ApiError } from '../../errors.js';
import { keyedHash, newId, safeEqual } from '../../ids.js';
import { clientNetwork, consume, rateLimited } from '../../rate-limit.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { countPhone, statsDims } from '../stats/counters.js';
import { otpMessage } from './otp-message.js';
import { type PhoneNumber, vnPhoneNumbers } from './phone-number.js';
import {
  claimAttempt,
  deleteChallenge,
  findChallenge,
  linkInstallPhone,
  putChallenge,
  upsertPhone,
} from './phones.repository.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The limits of phone registration (fixed; see docs/api.md "Phone registration"). */
export const OTP_POLICY = {
  /** Digits of a code. */
  codeDigits: 6,
  /** How long a code is valid, ms. */
  ttlMs: 5 * MINUTE,
  /** Least time between two codes for the same install and number, ms. */
  resendCooldownMs: MINUTE,
  /** Verification attempts per code; after that many wrong ones the code is dead. */
  maxAttempts: 5,
  /** Codes per phone number (over all installs) per window. */
  perPhone: { limit: 5, windowMs: HOUR },
  /** Codes per install per window. */
  perInstall: { limit: 10, windowMs: HOUR },
  /** Codes per client network (IPv4 address or IPv6 /64) per window. */
  perClient: { limit: 30, windowMs: HOUR },
} as const;

/** Purpose of phone numbers encrypted at rest. */
export const PHONE_ENCRYPTION_PURPOSE = 'phone';

/** What {@link requestCode} answers. */
export interface CodeSent {
  readonly expiresInSeconds: number;
  readonly resendAfterSeconds: number;
  readonly codeLength: number;
}

/** What {@link verifyCode} answers. */
export interface PhoneVerified {
  readonly phoneNumber: string;
  readonly carrier: string | null;
  readonly carrierName: string;
}

/** The number in `input`, or `phone_invalid`. */
export function parsePhoneOrThrow(input: string): PhoneNumber {
  const parsed = vnPhoneNumbers().parse(input);
  if (!parsed.ok) throw new ApiError('phone_invalid', parsed.reason);
  return parsed.phone;
}

/** The keyed hash that identifies a number in `phones` and `otp_challenges`. */
export function phoneHash(ctx: Pick<AppContext, 'secrets'>, e164: string): Uint8Array {
  return keyedHash(ctx.secrets.phoneHashKey, e164);
}

function codeHash(ctx: Pick<AppContext, 'secrets'>, challengeId: string, code: string): Uint8Array {
  return keyedHash(ctx.secrets.codeHashKey, `otp|${challengeId}|${code}`);
}

/** A uniformly random code of {@link OTP_POLICY.codeDigits} digits from the CSPRNG. */
export function newCode(): string {
  return String(randomInt(0, 10 ** OTP_POLICY.codeDigits)).padStart(OTP_POLICY.codeDigits, '0');
}

/**
 * Texts a new code for `phoneNumber` to the number, for `install`, from client address `ip`.
 * Throws `phone_invalid`, `rate_limited` (cooldown, per number, per install, per client; with
 * Retry-After) or `unavailable` (the SMS could not be sent; nothing is left behind).
 */
export async function requestCode(
  ctx: AppContext,
  install: InstallRow,
  phoneNumber: string,
  ip: string,
  log: FastifyBaseLogger,
): Promise<CodeSent> {
  const phone = parsePhoneOrThrow(phoneNumber);
  const hash = phoneHash(ctx, phone.e164);
  const cooldownMessage = 'a code was sent to this number moments ago; wait for it or request again later';

  // Cheap check first, so that a client retrying too fast does not use up its hourly quota.
  const previous = await findChallenge(ctx.storage.db, install.id, hash);
  if (previous && previous.sent_at + OTP_POLICY.resendCooldownMs > ctx.now()) {
    throw rateLimited(cooldownMessage, previous.sent_at + OTP_POLICY.resendCooldownMs - ctx.now());
  }
  const { perClient, perInstall, perPhone } = OTP_POLICY;
  await consume(
    ctx,
    `otp:client:${clientNetwork(ip)}`,
    perClient.limit,
    perClient.windowMs,
    'codes requested from this network',
  );
  await consume(
    ctx,
    `otp:install:${install.id}`,
    perInstall.limit,
    perInstall.windowMs,
    'codes requested by this app',
  );
  await consume(
    ctx,
    `otp:phone:${phone.e164}`,
    perPhone.limit,
    perPhone.windowMs,
    'codes requested for this phone number',
  );

  const now = ctx.now();
  const code = newCode();
  const id = newId('otp_');
  const stored = await putChallenge(
    ctx.storage.db,
    {
      id,
      install_id: install.id,
      phone_hash: hash,
      code_hash: codeHash(ctx, id, code),
      sent_at: now,
      expires_at: now + OTP_POLICY.ttlMs,
      attempts: 0,
    },
    now - OTP_POLICY.resendCooldownMs,
  );
  // Another request for the same install and number won the race.
  if (!stored) throw rateLimited(cooldownMessage, OTP_POLICY.resendCooldownMs);

  try {
    await ctx.sms.send(phone.e164, otpMessage(install.locale, code, OTP_POLICY.ttlMs / MINUTE));
  } catch (error) {
    await deleteChallenge(ctx.storage.db, id);
    // The adapters' messages name neither the number nor the text.
    log.warn({ smsError: error instanceof Error ? error.message : 'unknown' }, 'SMS not sent');
    throw new ApiError('unavailable', 'the SMS with the code could not be sent; try again in a minute');
  }
  return {
    expiresInSeconds: OTP_POLICY.ttlMs / 1000,
    resendAfterSeconds: OTP_POLICY.resendCooldownMs / 1000,
    codeLength: OTP_POLICY.codeDigits,
  };
}

/**
 * Checks `code` for `install`'s pending challenge on `phoneNumber`; when it matches, stores the
 * number (or finds its existing row), links the install to it and consumes the challenge, in one
 * transaction. Throws `phone_invalid`, `otp_expired` (none pending, expired, used or replaced),
 * `otp_invalid` (wrong; attempts remain) or `otp_attempts_exceeded` (the challenge is dead).
 */
export async function verifyCode(
  ctx: AppContext,
  install: InstallRow,
  phoneNumber: string,
  code: string,
): Promise<PhoneVerified> {
  const phone = parsePhoneOrThrow(phoneNumber);
  const hash = phoneHash(ctx, phone.e164);
  const now = ctx.now();
  const challenge = await findChallenge(ctx.storage.db, install.id, hash);
  if (!challenge) {
    throw new ApiError(
      'otp_expired',
      'no code is pending for this number (none was requested, or it was used); request one with POST /v1/phone/otp',
    );
  }
  if (challenge.attempts >= OTP_POLICY.maxAttempts) throw attemptsExceeded();
  if (challenge.expires_at <= now) throw expired();
  const attempt = await claimAttempt(ctx.storage.db, challenge.id, OTP_POLICY.maxAttempts, now);
  if (attempt === undefined) {
    // Lost a race: the last attempt went to a concurrent request, or the code was used or replaced.
    const current = await findChallenge(ctx.storage.db, install.id, hash);
    if (current?.id === challenge.id) throw attemptsExceeded();
    throw expired();
  }
  if (!safeEqual(new Uint8Array(challenge.code_hash), codeHash(ctx, challenge.id, code))) {
    const left = OTP_POLICY.maxAttempts - attempt;
    if (left === 0) throw attemptsExceeded();
    throw new ApiError(
      'otp_invalid',
      `the code is wrong; ${left} attempt${left === 1 ? '' : 's'} left before a new code is needed`,
    );
  }
  await ctx.storage.transaction(async (trx) => {
    // Single use: of two concurrent correct attempts, only the one that deletes the challenge links.
    if (!(await deleteChallenge(trx, challenge.id))) throw expired();
    const newPhoneId = newId('ph_');
    const phoneId = await upsertPhone(trx, {
      id: newPhoneId,
      phone_hash: hash,
      phone_enc: encryptAtRest(ctx.secrets.dataEncryptionKey, PHONE_ENCRYPTION_PURPOSE, phone.e164),
      carrier: phone.carrier,
      created_at: now,
      verified_at: now,
    });
    await linkInstallPhone(trx, install.id, phoneId, phone.carrier, now);
    // A number counts once in the statistics: when its row is created (docs/statistics.md).
    if (phoneId === newPhoneId)
      await countPhone(trx, statsDims({ ...install, phone_verified_at: now, carrier: phone.carrier }), now);
  });
  return {
    phoneNumber: phone.e164,
    carrier: phone.carrier,
    carrierName: vnPhoneNumbers().carrierName(phone.carrier),
  };
}

function expired(): ApiError {
  return new ApiError(
    'otp_expired',
    `the code is no longer valid (codes expire after ${OTP_POLICY.ttlMs / MINUTE} minutes, are used once and are replaced by a newer code); request a new one with POST /v1/phone/otp`,
  );
}

function attemptsExceeded(): ApiError {
  return new ApiError(
    'otp_attempts_exceeded',
    `${OTP_POLICY.maxAttempts} wrong codes were entered, so this code no longer works; request a new one with POST /v1/phone/otp`,
  );
}
