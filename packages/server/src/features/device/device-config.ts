/**
 * The signed device configuration: everything the authority tunes on phones — risk scoring
 * parameters, scan timing, how precisely the exposure time is shown, and the public keys that key
 * files are signed with — as a compact JWS (ES256) signed with the `config` signing key.
 *
 * Trust: an app ships with the config public keys current at its build. It accepts a config
 * signed by any key it trusts and then trusts the keys the config lists in `configKeys`, so a
 * rotated key reaches phones through a config signed by the old one (old keys stay published for
 * the rotation grace period).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { RISK_PRESETS, type RiskConfig } from '@bluezone/protocol';
import { CompactSign } from 'jose';
import type { AppContext } from '../../context.js';
import { exportFileKeyId } from '../exports/exports.batcher.js';
import { activeSigningKey, publishedSigningKeys } from '../signing-keys/signing-keys.js';

/** Signature algorithm OID of key files (ECDSA with SHA-256). */
export const EXPORT_SIGNATURE_ALGORITHM = '1.2.840.10045.4.3.2';

/** The configuration content (before signing). */
export interface DeviceConfig {
  /** Content hash: changes exactly when the content changes. */
  readonly version: string;
  readonly region: string;
  readonly healthAuthorityId: string;
  readonly risk: { readonly preset: string; readonly parameters: RiskConfig };
  /** Scanning schedule (Exposure Notification style: a short scan every few minutes). */
  readonly scan: { readonly intervalSeconds: number; readonly durationSeconds: number };
  /** How precisely a warning shows the time of an exposure: not at all, morning/afternoon/evening, or the hour. */
  readonly exposureTimeGranularity: 'none' | 'period' | 'hour';
  /** Hours between heartbeats and exposure checks. */
  readonly checkIntervalHours: number;
  /** Key files: where the index is and which keys sign them. */
  readonly keyFiles: {
    readonly indexPath: string;
    readonly publicKeys: readonly { id: string; version: string; publicKey: string; algorithm: string }[];
  };
  /** Public keys (SPKI, base64) this config may be signed with, for key rotation. */
  readonly configKeys: readonly { id: string; publicKey: string }[];
}

/** The content of the current configuration. */
export async function buildDeviceConfig(ctx: AppContext): Promise<DeviceConfig> {
  const preset = ctx.config.riskPreset;
  // Make sure the key that will sign the next key files exists, so phones can trust it already.
  await activeSigningKey(ctx, 'export');
  const exportKeys = await publishedSigningKeys(ctx, 'export');
  const configKeys = await publishedSigningKeys(ctx, 'config');
  const content = {
    region: ctx.config.region,
    healthAuthorityId: ctx.config.healthAuthorityId,
    risk: { preset, parameters: RISK_PRESETS[preset] },
    scan: { intervalSeconds: 300, durationSeconds: 4 },
    exposureTimeGranularity: ctx.config.exposureTimeGranularity,
    checkIntervalHours: 4,
    keyFiles: {
      indexPath: '/v1/exports/index.txt',
      publicKeys: exportKeys.map((k) => ({
        // The ID as key files carry it (verification_key_id), so phones can match file to key.
        id: exportFileKeyId(k.id),
        version: k.version,
        publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
        algorithm: EXPORT_SIGNATURE_ALGORITHM,
      })),
    },
    configKeys: configKeys.map((k) => ({
      id: k.id,
      publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
    })),
  };
  const version = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  return { version, ...content };
}

/** The signed configuration: `{version, jws}`. */
export async function signDeviceConfig(ctx: AppContext): Promise<{ version: string; jws: string }> {
  const key = await activeSigningKey(ctx, 'config');
  const config = await buildDeviceConfig(ctx);
  const payload = new TextEncoder().encode(
    JSON.stringify({ ...config, issuedAt: Math.floor(ctx.now() / 1000) }),
  );
  const jws = await new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', kid: key.id, typ: 'bluezone-config+jws' })
    .sign(key.privateKey);
  return { version: config.version, jws };
}

/** A cache of the config version (heartbeats ask for it on every call). */
export function deviceConfigVersionCache(ctx: AppContext, ttlMs = 30_000): () => Promise<string> {
  let cached: { version: string; at: number } | undefined;
  return async () => {
    const now = ctx.now();
    if (cached && now - cached.at < ttlMs && now >= cached.at) return cached.version;
    const { version } = await buildDeviceConfig(ctx);
    cached = { version, at: now };
    return version;
  };
}
