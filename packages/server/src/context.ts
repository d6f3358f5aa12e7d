/**
 * What every route and job gets: configuration, storage, secrets, reference data and a clock.
 *
 * @module
 */
import type { Config } from './config.js';
import type { AdminUnits } from './reference/admin-units.js';
import type { Secrets } from './secrets.js';
import type { Storage } from './storage/storage.js';

/** Dependencies of the app, passed to {@link buildApp}; tests substitute any of them. */
export interface AppDeps {
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly adminUnits: AdminUnits;
  /** Current time in Unix milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** The resolved context shared by routes and jobs. */
export interface AppContext {
  readonly config: Config;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly adminUnits: AdminUnits;
  readonly now: () => number;
}

/** Resolves `deps` into the context shared by the app and the jobs. */
export function createContext(config: Config, deps: AppDeps): AppContext {
  return {
    config,
    storage: deps.storage,
    secrets: deps.secrets,
    adminUnits: deps.adminUnits,
    now: deps.now ?? Date.now,
  };
}
