/**
 * Fetching and adopting the signed device configuration (`GET /v1/config`).
 *
 * The request carries `If-None-Match` with the adopted version, so an unchanged configuration
 * costs a 304. A new one is verified with the trusted configuration keys — those adopted from
 * the last verified configuration, or the app's build-time keys before the first — and, when it
 * verifies and is not older than the adopted one, adopted together with its `configKeys` in one
 * store write. A configuration that fails any check is not adopted; the adopted one stays in use.
 *
 * @module
 */
import { type DeviceConfig, verifyDeviceConfig } from './config.js';
import type { DeviceContext } from './context.js';
import { DeviceError } from './errors.js';
import { settingMutation } from './store.js';

/** The outcome of {@link refreshConfig}. */
export interface ConfigRefresh {
  readonly config: DeviceConfig;
  /** True when a configuration of another version was adopted. */
  readonly changed: boolean;
}

/** The adopted configuration, if any. */
export async function adoptedConfig(ctx: DeviceContext): Promise<DeviceConfig | undefined> {
  return (await ctx.store.getSetting('config'))?.config;
}

/** The configuration keys trusted now. */
export async function trustedConfigKeys(ctx: DeviceContext) {
  return (await ctx.store.getSetting('trustedConfigKeys')) ?? ctx.trustedConfigKeys;
}

/**
 * Fetches the configuration and adopts it if it is new and verifies.
 *
 * @throws {DeviceError} the HTTP client's errors; `invalid_response` for a body that is not
 *   `{version, jws}`; `config_signature_invalid`, `config_invalid`, `config_rollback`.
 */
export async function refreshConfig(ctx: DeviceContext): Promise<ConfigRefresh> {
  const stored = await ctx.store.getSetting('config');
  const response = await ctx.http.request({
    method: 'GET',
    path: '/v1/config',
    expect: 'json',
    acceptNotModified: stored !== undefined,
    ...(stored ? { headers: { 'if-none-match': `"${stored.config.version}"` } } : {}),
  });
  if (response.status === 304 && stored) return { config: stored.config, changed: false };
  const body = response.body;
  if (typeof body !== 'object' || body === null || typeof (body as { jws?: unknown }).jws !== 'string') {
    throw new DeviceError('invalid_response', 'GET /v1/config: the body is not {version, jws}');
  }
  const jws = (body as { jws: string }).jws;
  const config = await verifyDeviceConfig(jws, await trustedConfigKeys(ctx));
  if (stored && config.issuedAt < stored.config.issuedAt) {
    throw new DeviceError(
      'config_rollback',
      `GET /v1/config: the configuration was issued at ${config.issuedAt}, before the adopted one (${stored.config.issuedAt})`,
    );
  }
  await ctx.store.apply([
    settingMutation('config', { jws, config }),
    ...(config.configKeys.length > 0 ? [settingMutation('trustedConfigKeys', config.configKeys)] : []),
  ]);
  return { config, changed: stored?.config.version !== config.version };
}
