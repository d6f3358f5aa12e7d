/**
 * Signing keys and signatures of key export files: ECDSA P-256 with SHA-256 on the platform
 * WebCrypto (`globalThis.crypto.subtle`: Node ≥ 20, browsers, React Native with a WebCrypto
 * polyfill), so the protocol package stays free of platform imports.
 *
 * Keys come in as a `CryptoKey`, as PEM text or as DER bytes:
 *
 * | input | private (signing) key | public (verification) key |
 * |---|---|---|
 * | PEM | `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC 1, what `openssl ecparam -genkey` writes) | `PUBLIC KEY` (SPKI) |
 * | DER | PKCS#8 or SEC 1 | SPKI, or the 65-byte uncompressed point `04 ‖ x ‖ y` |
 *
 * WebCrypto has no SEC 1 import, so a SEC 1 key is wrapped into PKCS#8 here (a fixed DER prefix),
 * and its signatures are P1363, so they are converted to DER (see `der.ts`).
 *
 * @module
 */
import { ProtocolError } from '../errors.js';
import { exportEcdsaSignatureFromDer, exportEcdsaSignatureToDer } from './der.js';

/** A key given as a WebCrypto key, PEM text or DER bytes. */
export type ExportKeyInput = CryptoKey | string | Uint8Array;

const ECDSA_P256: EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** The platform's WebCrypto, or a clear error where there is none. */
function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto;
  if (crypto?.subtle === undefined) {
    throw new ProtocolError(
      'invalid_argument',
      'WebCrypto (globalThis.crypto.subtle) is not available: key export files need it for ECDSA; on React Native install a WebCrypto polyfill',
    );
  }
  return crypto.subtle;
}

/** `bytes` typed as WebCrypto wants it (backed by an ArrayBuffer); copies only a shared buffer. */
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : Uint8Array.from(bytes);
}

const keyError = (message: string, cause?: unknown) =>
  new ProtocolError('export_signing_key_invalid', message, cause === undefined ? undefined : { cause });

// --- base64 and PEM -------------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return out;
}

/** Decodes padded standard base64 (whitespace already removed); `undefined` when malformed. */
function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      const v = c === 61 && last && j >= 4 - padding ? 0 : c < 128 ? B64_VALUE[c]! : -1;
      if (v < 0) return undefined;
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

/** The first PEM block of `text`: its label and DER bytes. */
function readPem(text: string, what: string): { label: string; der: Uint8Array } {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!match) {
    throw keyError(`${what} is not PEM: expected a "-----BEGIN …-----" / "-----END …-----" block`);
  }
  const [, label, body] = match as unknown as [string, string, string];
  if (/^[A-Za-z-]+:/m.test(body)) {
    throw keyError(
      `${what} is an encrypted or annotated PEM block (${label}); export it without a passphrase`,
    );
  }
  const der = base64Decode(body.replace(/\s+/g, ''));
  if (der === undefined || der.length === 0)
    throw keyError(`${what}: the ${label} PEM block is not valid base64`);
  return { label, der };
}

function writePem(label: string, der: Uint8Array): string {
  const lines = base64Encode(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// --- DER key containers --------------------------------------------------------------------

/** DER length octets. */
function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  return Uint8Array.of(0x82, length >> 8, length & 0xff);
}

/** Offset of the first element inside the outer SEQUENCE of `der`, or -1. */
function sequenceBody(der: Uint8Array): number {
  if (der[0] !== 0x30 || der.length < 2) return -1;
  const first = der[1]!;
  if (first < 0x80) return 2;
  const count = first & 0x7f;
  return count >= 1 && count <= 2 ? 2 + count : -1;
}

/** True when `der` looks like a SEC 1 ECPrivateKey (`SEQUENCE { INTEGER 1, OCTET STRING … }`). */
function isSec1(der: Uint8Array): boolean {
  const at = sequenceBody(der);
  return at > 0 && der[at] === 0x02 && der[at + 1] === 0x01 && der[at + 2] === 0x01 && der[at + 3] === 0x04;
}

// AlgorithmIdentifier { id-ecPublicKey 1.2.840.10045.2.1, prime256v1 1.2.840.10045.3.1.7 }
const P256_ALGORITHM_IDENTIFIER = Uint8Array.of(
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
);

/** PKCS#8 `PrivateKeyInfo { version 0, P-256 AlgorithmIdentifier, OCTET STRING sec1 }`. */
function sec1ToPkcs8(sec1: Uint8Array): Uint8Array {
  const octets = [Uint8Array.of(0x04), derLength(sec1.length), sec1];
  const body = [Uint8Array.of(0x02, 0x01, 0x00), P256_ALGORITHM_IDENTIFIER, ...octets];
  const bodyLength = body.reduce((n, part) => n + part.length, 0);
  const parts = [Uint8Array.of(0x30), derLength(bodyLength), ...body];
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function checkCryptoKey(key: CryptoKey, type: KeyType, usage: KeyUsage): CryptoKey {
  const algorithm = key.algorithm as Partial<EcKeyAlgorithm>;
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw keyError(
      `the ${type} key must be ECDSA P-256, got ${algorithm.name}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''}`,
    );
  }
  if (key.type !== type) throw keyError(`expected a ${type} key, got a ${key.type} key`);
  if (!key.usages.includes(usage)) throw keyError(`the ${type} key is not allowed to ${usage}`);
  return key;
}

async function importWith(
  format: 'pkcs8' | 'spki' | 'raw',
  der: Uint8Array,
  usage: KeyUsage,
  what: string,
): Promise<CryptoKey> {
  try {
    return await subtle().importKey(format, bufferSource(der), ECDSA_P256, false, [usage]);
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw keyError(
      `${what} is not an ECDSA P-256 ${format === 'pkcs8' ? 'private' : 'public'} key: ${reason}`,
      error,
    );
  }
}

function isCryptoKey(input: ExportKeyInput): input is CryptoKey {
  return typeof input === 'object' && !(input instanceof Uint8Array);
}

/** PEM text given as bytes (a file read whole) becomes text; DER stays bytes. */
function pemOrDer(input: string | Uint8Array): string | Uint8Array {
  if (typeof input === 'string' || input[0] !== 0x2d) return input;
  return new TextDecoder('utf-8').decode(input);
}

/**
 * Imports the private key that signs export files.
 *
 * @param input a private ECDSA P-256 `CryptoKey` allowed to sign, PEM (`PRIVATE KEY` or
 *   `EC PRIVATE KEY`, as text or as the bytes of a PEM file) or DER bytes (PKCS#8 or SEC 1).
 * @throws {ProtocolError} `export_signing_key_invalid` naming what was wrong.
 */
export async function exportImportSigningKey(input: ExportKeyInput): Promise<CryptoKey> {
  if (isCryptoKey(input)) return checkCryptoKey(input, 'private', 'sign');
  input = pemOrDer(input);
  let der: Uint8Array;
  if (typeof input === 'string') {
    const pem = readPem(input, 'the private key');
    if (pem.label !== 'PRIVATE KEY' && pem.label !== 'EC PRIVATE KEY') {
      throw keyError(
        `expected a PRIVATE KEY or EC PRIVATE KEY PEM block for the private key, found ${pem.label}`,
      );
    }
    der = pem.der;
  } else {
    der = input;
  }
  return importWith('pkcs8', isSec1(der) ? sec1ToPkcs8(der) : der, 'sign', 'the private key');
}

/**
 * Imports the public key that verifies export files.
 *
 * @param input a public ECDSA P-256 `CryptoKey` allowed to verify, PEM (`PUBLIC KEY`, as text or
 *   as the bytes of a PEM file) or DER bytes (SPKI, or a 65-byte uncompressed point).
 * @throws {ProtocolError} `export_signing_key_invalid` naming what was wrong.
 */
export async function exportImportVerificationKey(input: ExportKeyInput): Promise<CryptoKey> {
  if (isCryptoKey(input)) return checkCryptoKey(input, 'public', 'verify');
  input = pemOrDer(input);
  let der: Uint8Array;
  if (typeof input === 'string') {
    const pem = readPem(input, 'the public key');
    if (pem.label !== 'PUBLIC KEY') {
      throw keyError(`expected a PUBLIC KEY PEM block for the public key, found ${pem.label}`);
    }
    der = pem.der;
  } else {
    der = input;
  }
  const raw = der.length === 65 && der[0] === 0x04;
  return importWith(raw ? 'raw' : 'spki', der, 'verify', 'the public key');
}

/** A fresh ECDSA P-256 key pair for signing export files; both keys are extractable (for PEM). */
export async function exportGenerateSigningKeyPair(): Promise<CryptoKeyPair> {
  return subtle().generateKey(ECDSA_P256, true, ['sign', 'verify']);
}

/**
 * PEM text of an extractable key: `PRIVATE KEY` (PKCS#8) for a private key, `PUBLIC KEY` (SPKI)
 * for a public key.
 *
 * @throws {ProtocolError} `export_signing_key_invalid` when the key is not extractable.
 */
export async function exportKeyToPem(key: CryptoKey): Promise<string> {
  if (!key.extractable) throw keyError(`the ${key.type} key is not extractable`);
  if (key.type === 'private') {
    return writePem('PRIVATE KEY', new Uint8Array(await subtle().exportKey('pkcs8', key)));
  }
  return writePem('PUBLIC KEY', new Uint8Array(await subtle().exportKey('spki', key)));
}

/**
 * ECDSA P-256 SHA-256 signature of `data` with `privateKey`, DER encoded.
 *
 * @throws {ProtocolError} `export_signing_key_invalid` when `privateKey` is not a P-256 private key allowed to sign.
 */
export async function exportSignBytes(data: Uint8Array, privateKey: CryptoKey): Promise<Uint8Array> {
  checkCryptoKey(privateKey, 'private', 'sign');
  const p1363 = new Uint8Array(await subtle().sign(ECDSA_SHA256, privateKey, bufferSource(data)));
  return exportEcdsaSignatureToDer(p1363);
}

/**
 * True when `derSignature` is a valid ECDSA P-256 SHA-256 signature of `data` by `publicKey`.
 * A signature that is not strict DER is simply invalid (false).
 */
export async function exportVerifyBytes(
  data: Uint8Array,
  derSignature: Uint8Array,
  publicKey: CryptoKey,
): Promise<boolean> {
  checkCryptoKey(publicKey, 'public', 'verify');
  const p1363 = exportEcdsaSignatureFromDer(derSignature);
  if (!p1363.ok) return false;
  return subtle().verify(ECDSA_SHA256, publicKey, bufferSource(p1363.value), bufferSource(data));
}
