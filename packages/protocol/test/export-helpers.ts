/**
 * Shared fixtures of the key export tests: key generators, signers, ZIP tampering.
 */
import {
  type ExportSigner,
  type ExposureKey,
  exportGenerateSigningKeyPair,
  type ProtocolError,
  type Result,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { expect } from 'vitest';

/** A day in April 2020 (ENIntervalNumber of 2020-04-02T00:00Z). */
export const DAY = 2_642_976;

/** A valid key of the day `DAY - 144 * daysAgo`, with all optional fields. */
export function key(seed: number, daysAgo = 1, fields: Partial<ExposureKey> = {}): ExposureKey {
  return {
    keyData: Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 7) & 0xff),
    rollingStartIntervalNumber: DAY - 144 * daysAgo,
    rollingPeriod: 144,
    transmissionRiskLevel: 4,
    reportType: 1,
    daysSinceOnsetOfSymptoms: -daysAgo,
    ...fields,
  };
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Any valid exposure key, optional fields present or not. */
export const exposureKeyArb: fc.Arbitrary<ExposureKey> = fc
  .record({
    keyData: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    rollingStartIntervalNumber: fc.integer({ min: 0, max: 0x7fff_ffff }),
    rollingPeriod: fc.integer({ min: 1, max: 144 }),
    transmissionRiskLevel: optional(fc.integer({ min: 0, max: 8 })),
    reportType: optional(fc.constantFrom(0, 1, 2, 3, 4, 5) as fc.Arbitrary<0 | 1 | 2 | 3 | 4 | 5>),
    daysSinceOnsetOfSymptoms: optional(fc.integer({ min: -14, max: 14 })),
  })
  .map((k) => {
    // Absent optional fields are left out, as a decoder returns them.
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(k)) if (value !== undefined) out[name] = value;
    return out as unknown as ExposureKey;
  });

/** A fresh signer (ECDSA P-256 on WebCrypto) and its public key. */
export async function newSigner(
  keyId = '452',
  keyVersion = 'v1',
): Promise<{ signer: ExportSigner; publicKey: CryptoKey }> {
  const pair = await exportGenerateSigningKeyPair();
  return { signer: { privateKey: pair.privateKey, keyId, keyVersion }, publicKey: pair.publicKey };
}

/** A deterministic random source (xorshift), for reproducible padding. */
export function seededRandom(seed = 1): (length: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}

/** Rebuilds a ZIP with its entries changed by `edit` (entries absent from the result are dropped). */
export function rezip(
  zip: Uint8Array,
  edit: (entries: Record<string, Uint8Array>) => Record<string, Uint8Array>,
): Uint8Array {
  return zipSync(edit(unzipSync(zip)));
}

/** The error of a failed result, checked to carry `code`. */
export function failure<T>(result: Result<T>, code: string): ProtocolError {
  if (result.ok) throw new Error(`expected a failure with ${code}`);
  expect(result.error.code).toBe(code);
  return result.error;
}

/** The value of a successful result (its error is thrown otherwise). */
export function success<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
