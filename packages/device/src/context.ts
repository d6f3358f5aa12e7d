/**
 * What every part of the SDK works with: the injected platform (clock, randomness, crypto), the
 * HTTP client on the server's base URL, the store, and the build-time settings. Built once by
 * `createBluezoneDevice`; parts receive it rather than reaching for globals.
 *
 * @module
 */
import type { CryptoPrimitives, RandomSource } from '@bluezone/protocol';
import type { TrustedConfigKey } from './config.js';
import { DeviceError } from './errors.js';
import type { HttpClient } from './http.js';
import type { Registration } from './registration.js';
import type { DeviceClock } from './runtime.js';
import type { DeviceStore } from './store.js';

/** The shared context of the SDK's parts. */
export interface DeviceContext {
  readonly http: HttpClient;
  readonly store: DeviceStore;
  readonly clock: DeviceClock;
  readonly random: RandomSource;
  readonly crypto: CryptoPrimitives;
  /** The app's API key for the verification API (`X-API-Key`, role `device`). */
  readonly apiKey: string;
  /** The configuration keys the app was built with. */
  readonly trustedConfigKeys: readonly TrustedConfigKey[];
  /** This phone's model (calibration) and manufacturer. */
  readonly deviceModel: string;
  readonly deviceOem: string | undefined;
}

/** The registration, or `not_registered`. */
export async function requireRegistration(ctx: DeviceContext): Promise<Registration> {
  const registration = await ctx.store.getSetting('registration');
  if (!registration) throw new DeviceError('not_registered', 'register the install first (register())');
  return registration;
}

/** The `Authorization` header of device calls. */
export function bearer(registration: Registration): Record<string, string> {
  return { authorization: `Bearer ${registration.deviceToken}` };
}
