/**
 * What every route and job gets: configuration, storage, secrets, reference data, a clock and
 * the SMS sender.
 *
 * @module
 */
import type { Config } from './config.js';
import type { AdminUnits } from './reference/admin-units.js';
import type { Secrets } from './secrets.js';
import { createSmsSender } from './sms/create-sms-sender.js';
import type { SmsSender } from './sms/sms-sender.js';
import type { Storage } from './storage/storage.js';

/** Dependencies of the app, passed to {@link buildApp}; tests substitute any of them. */
export interface AppDeps {
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly adminUnits: AdminUnits;
  /** Current time in Unix milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Where SMS go (default: the adapter `config.sms` names). */
  readonly sms?: SmsSender;
}

/** The resolved context shared by routes and jobs. */
export interface AppContext {
  readonly config: Config;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly adminUnits: AdminUnits;
  readonly now: () => number;
  readonly sms: SmsSender;
}

/** Resolves `deps` into the context shared by the app and the jobs. */
export function createContext(config: Config, deps: AppDeps): AppContext {
  const now = deps.now ?? Date.now;
  return {
    config,
    storage: deps.storage,
    secrets: deps.secrets,
    adminUnits: deps.adminUnits,
    now,
    sms: deps.sms ?? createSmsSender(config.sms, now),
  };
}
