/**
 * The signed device configuration (`GET /v1/config` → `{version, jws}`): risk parameters, the
 * granularity of the exposure time shown, the check interval, where the key files are and which
 * keys sign them, and the keys the configuration itself may be signed with.
 *
 * **Trust.** The app is built with the configuration public keys current at its build
 * ({@link TrustedConfigKey}, the server's `config` signing keys). A configuration is accepted only
 * when its compact JWS is ES256, typed `bluezone-config+jws`, and verifies with the trusted key its
 * `kid` names; the phone then trusts exactly the keys the configuration lists in `configKeys` (a
 * rotation reaches phones through a configuration signed by the old key; a retired key stops
 * being trusted). A configuration issued before the adopted one is refused (`config_rollback`),
 * so an old, validly signed configuration cannot be replayed to undo a change.
 *
 * **Shape.** {@link parseDeviceConfig} checks every field the SDK uses and keeps only those:
 * fields it does not know are dropped, never acted on. Nothing in a configuration can make the
 * SDK send data: it only tunes scoring and display, and names key files and their keys.
 *
 * @module
 */
import {
  exportImportVerificationKey,
  ProtocolError,
  parseRiskConfig,
  type RiskConfig,
  verificationBase64Decode,
} from '@bluezone/protocol';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { DeviceError } from './errors.js';

/** A public key the configuration may be signed with. */
export interface TrustedConfigKey {
  /** The key's ID: the JWS header `kid`. */
  readonly id: string;
  /** SubjectPublicKeyInfo DER of an ECDSA P-256 key, standard base64. */
  readonly publicKey: string;
}

/** A public key that signs key export files. */
export interface KeyFilePublicKey {
  /** The server's ID of the key. */
  readonly id: string;
  /** `verification_key_version` of the files it signs. */
  readonly version: string;
  /** SubjectPublicKeyInfo DER, standard base64. */
  readonly publicKey: string;
  /** Signature algorithm OID (`1.2.840.10045.4.3.2`, ECDSA with SHA-256). */
  readonly algorithm: string;
}

/** How precisely a warning shows when an exposure happened. */
export type ExposureTimeGranularity = 'none' | 'period' | 'hour';

/** The verified device configuration, as the SDK keeps it. */
export interface DeviceConfig {
  /** Content hash; changes exactly when the content changes. */
  readonly version: string;
  /** Region of the key files, e.g. `VN`. */
  readonly region: string;
  /** The health authority ID key uploads name (`healthAuthorityID`). */
  readonly healthAuthorityId: string;
  readonly risk: { readonly preset: string; readonly parameters: RiskConfig };
  readonly scan: { readonly intervalSeconds: number; readonly durationSeconds: number };
  readonly exposureTimeGranularity: ExposureTimeGranularity;
  /** Hours between exposure checks (and heartbeats). */
  readonly checkIntervalHours: number;
  readonly keyFiles: { readonly indexPath: string; readonly publicKeys: readonly KeyFilePublicKey[] };
  readonly configKeys: readonly TrustedConfigKey[];
  /** When the server signed it, Unix seconds. */
  readonly issuedAt: number;
}

/** The `typ` header of a device configuration JWS. */
export const DEVICE_CONFIG_JWS_TYPE = 'bluezone-config+jws';

const MAX_KEYS = 16;
const INDEX_PATH = /^\/(?!\/)[A-Za-z0-9._~/-]{1,200}$/;

const invalid = (message: string) => new DeviceError('config_invalid', `device configuration: ${message}`);

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string, max = 256): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(`${field} must be a string of 1 to ${max} characters`);
  }
  return value;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function spki(value: unknown, field: string): string {
  const base64 = text(value, field, 1024);
  try {
    verificationBase64Decode(base64, field);
  } catch {
    throw invalid(`${field} must be standard base64 of a SubjectPublicKeyInfo`);
  }
  return base64;
}

function list(value: unknown, field: string, min: number): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > MAX_KEYS) {
    throw invalid(`${field} must be an array of ${min} to ${MAX_KEYS} entries`);
  }
  return value;
}

/**
 * Checks a decoded configuration payload and returns the fields the SDK uses (unknown fields
 * are dropped).
 *
 * @throws {DeviceError} `config_invalid` naming the field at fault.
 */
export function parseDeviceConfig(json: unknown): DeviceConfig {
  const c = record(json, 'the payload');
  const risk = record(c['risk'], 'risk');
  const parameters = parseRiskConfig(risk['parameters']);
  if (!parameters.ok) throw invalid(`risk.parameters: ${parameters.error.message}`);
  const scan = record(c['scan'], 'scan');
  const granularity = c['exposureTimeGranularity'];
  if (granularity !== 'none' && granularity !== 'period' && granularity !== 'hour') {
    throw invalid('exposureTimeGranularity must be "none", "period" or "hour"');
  }
  const checkIntervalHours = c['checkIntervalHours'];
  if (
    typeof checkIntervalHours !== 'number' ||
    !Number.isFinite(checkIntervalHours) ||
    checkIntervalHours < 0.25 ||
    checkIntervalHours > 168
  ) {
    throw invalid('checkIntervalHours must be a number from 0.25 to 168');
  }
  const keyFiles = record(c['keyFiles'], 'keyFiles');
  const indexPath = text(keyFiles['indexPath'], 'keyFiles.indexPath', 201);
  if (!INDEX_PATH.test(indexPath) || indexPath.split('/').includes('..')) {
    throw invalid('keyFiles.indexPath must be an absolute path on the server, e.g. /v1/exports/index.txt');
  }
  const publicKeys = list(keyFiles['publicKeys'], 'keyFiles.publicKeys', 1).map((entry, i) => {
    const k = record(entry, `keyFiles.publicKeys[${i}]`);
    return {
      id: text(k['id'], `keyFiles.publicKeys[${i}].id`),
      version: typeof k['version'] === 'string' ? k['version'] : '',
      publicKey: spki(k['publicKey'], `keyFiles.publicKeys[${i}].publicKey`),
      algorithm: text(k['algorithm'], `keyFiles.publicKeys[${i}].algorithm`),
    };
  });
  const configKeys = list(c['configKeys'], 'configKeys', 0).map((entry, i) => {
    const k = record(entry, `configKeys[${i}]`);
    return {
      id: text(k['id'], `configKeys[${i}].id`),
      publicKey: spki(k['publicKey'], `configKeys[${i}].publicKey`),
    };
  });
  return {
    version: text(c['version'], 'version', 128),
    region: typeof c['region'] === 'string' ? c['region'].slice(0, 16) : '',
    healthAuthorityId: text(c['healthAuthorityId'], 'healthAuthorityId'),
    risk: { preset: text(risk['preset'], 'risk.preset', 64), parameters: parameters.value },
    scan: {
      intervalSeconds: integer(scan['intervalSeconds'], 'scan.intervalSeconds', 1, 3_600),
      durationSeconds: integer(scan['durationSeconds'], 'scan.durationSeconds', 1, 600),
    },
    exposureTimeGranularity: granularity,
    checkIntervalHours,
    keyFiles: { indexPath, publicKeys },
    configKeys,
    issuedAt: integer(c['issuedAt'], 'issuedAt', 0, 2 ** 40),
  };
}

/**
 * Verifies a configuration JWS with the trusted keys and parses its payload.
 *
 * @throws {DeviceError} `config_signature_invalid` (not a JWS, another algorithm or type, a `kid`
 *   no trusted key has, a signature that does not verify), `config_invalid` (the payload).
 */
export async function verifyDeviceConfig(
  jws: string,
  trusted: readonly TrustedConfigKey[],
): Promise<DeviceConfig> {
  const bad = (message: string, cause?: unknown) =>
    new DeviceError('config_signature_invalid', `device configuration: ${message}`, { cause });
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch (error) {
    throw bad('not a compact JWS', error);
  }
  if (header.alg !== 'ES256') throw bad(`signed with ${JSON.stringify(header.alg)}, only ES256 is accepted`);
  if (header.typ !== DEVICE_CONFIG_JWS_TYPE)
    throw bad(`type ${JSON.stringify(header.typ)} is not ${DEVICE_CONFIG_JWS_TYPE}`);
  const trustedKey = trusted.find((k) => k.id === header.kid);
  if (!trustedKey) throw bad(`signed with key ${JSON.stringify(header.kid)}, which this app does not trust`);
  let key: CryptoKey;
  try {
    key = await exportImportVerificationKey(
      verificationBase64Decode(trustedKey.publicKey, 'trusted config key'),
    );
  } catch (error) {
    if (error instanceof ProtocolError) {
      throw new DeviceError('invalid_argument', `trusted config key ${trustedKey.id}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, key, { algorithms: ['ES256'] }));
  } catch (error) {
    throw bad('the signature does not verify', error);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    throw new DeviceError('config_invalid', 'device configuration: the payload is not JSON', {
      cause: error,
    });
  }
  return parseDeviceConfig(json);
}

/**
 * Checks the configuration keys an app is built with.
 *
 * @throws {DeviceError} `invalid_argument` for an empty list or a malformed key.
 */
export function checkTrustedConfigKeys(keys: readonly TrustedConfigKey[]): readonly TrustedConfigKey[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new DeviceError(
      'invalid_argument',
      'trustedConfigKeys must list at least one configuration public key',
    );
  }
  for (const k of keys) {
    try {
      text(k.id, 'id');
      spki(k.publicKey, 'publicKey');
    } catch (error) {
      throw new DeviceError('invalid_argument', `trustedConfigKeys: ${(error as Error).message}`);
    }
  }
  return keys.map((k) => ({ id: k.id, publicKey: k.publicKey }));
}
