/**
 * Revision tokens of the publish API: the opaque string a phone gets back from `POST /v1/publish`
 * and must present to change (revise) keys it published before, as in Google's key server.
 *
 * The token lists the keys it may revise — key bytes, rolling start and rolling period — and is
 * encrypted and authenticated with AES-256-GCM under the data key (`encryptAtRest`, purpose
 * `revision-token` as associated data, so no other encrypted value passes for a token). Only
 * this server can read or make one; a changed bit makes it invalid. It is standard base64.
 *
 * Layout before encryption: version (1 byte, 1) ‖ count (2 bytes, big-endian) ‖ per key: key
 * data (16) ‖ rolling start (4, big-endian) ‖ rolling period (1).
 *
 * @module
 */
import { decryptAtRest, encryptAtRest } from '../../encryption.js';

/** A key a token allows to revise. */
export interface RevisableKey {
  readonly keyData: Uint8Array;
  readonly rollingStartIntervalNumber: number;
  readonly rollingPeriod: number;
}

const VERSION = 1;
const ENTRY = 16 + 4 + 1;
const PURPOSE = 'revision-token';
/** Most keys one token lists (tokens keep keys for 15 days: at most 15 × 3 start intervals, with room). */
export const REVISION_TOKEN_MAX_KEYS = 256;

/** Encrypts a token listing `keys` (at most {@link REVISION_TOKEN_MAX_KEYS}, the newest kept). */
export function makeRevisionToken(dataKey: Uint8Array, keys: readonly RevisableKey[]): string {
  const kept = [...keys]
    .sort((a, b) => b.rollingStartIntervalNumber - a.rollingStartIntervalNumber)
    .slice(0, REVISION_TOKEN_MAX_KEYS);
  const plain = new Uint8Array(3 + kept.length * ENTRY);
  const view = new DataView(plain.buffer);
  plain[0] = VERSION;
  view.setUint16(1, kept.length);
  kept.forEach((key, i) => {
    const at = 3 + i * ENTRY;
    plain.set(key.keyData, at);
    view.setUint32(at + 16, key.rollingStartIntervalNumber);
    plain[at + 20] = key.rollingPeriod;
  });
  return Buffer.from(encryptAtRest(dataKey, PURPOSE, plain)).toString('base64');
}

/** The keys of a token this server made, or undefined for anything else (altered, foreign, garbage). */
export function openRevisionToken(dataKey: Uint8Array, token: string): RevisableKey[] | undefined {
  if (token.length > 16_384 || !/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) {
    return undefined;
  }
  let plain: Uint8Array;
  try {
    plain = decryptAtRest(dataKey, PURPOSE, new Uint8Array(Buffer.from(token, 'base64')));
  } catch {
    return undefined;
  }
  if (plain.length < 3 || plain[0] !== VERSION) return undefined;
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const count = view.getUint16(1);
  if (plain.length !== 3 + count * ENTRY) return undefined;
  const keys: RevisableKey[] = [];
  for (let i = 0; i < count; i++) {
    const at = 3 + i * ENTRY;
    keys.push({
      keyData: plain.slice(at, at + 16),
      rollingStartIntervalNumber: view.getUint32(at + 16),
      rollingPeriod: plain[at + 20]!,
    });
  }
  return keys;
}
