/**
 * Key export files as a whole: write (encode `export.bin`, sign it, zip), parse (unzip, check
 * the header, decode) and verify (the signature against a public key).
 *
 * {@link exportWriteBatch} is what a key server calls per export period: it applies the batch
 * rules of `batch.ts` (embargo, padding, order, split) and returns one signed ZIP per file.
 * {@link exportWriteFile} writes one file from keys as given. {@link exportOpenFile} is what a
 * phone calls on a download: parse, then verify.
 *
 * The ZIP entries get a fixed modification time (1980-01-01 00:00, the earliest a ZIP can hold),
 * so that the same keys always give the same `export.bin` entry, and are deflated at level 2 by
 * default: key bytes are random, so only the protobuf framing around them compresses; level 2
 * shrinks files by about 44 %, as much as level 6 to 0.1 %, in the time of level 1 (measured
 * with fflate on 100,000 keys: 52 ms against 85 ms for level 6).
 *
 * @module
 */
import { type DeflateOptions, unzipSync, zipSync } from 'fflate';
import type { RandomSource } from '../crypto.js';
import type { ExposureKey } from '../en/exposure-key.js';
import { enIntervalNumber } from '../en/interval.js';
import { err, ok, ProtocolError, type Result } from '../errors.js';
import { exportPlanBatch } from './batch.js';
import {
  exportDecodeBin,
  exportDecodeSignatureList,
  exportEncodeBin,
  exportEncodeSignatureList,
} from './codec.js';
import {
  EXPORT_BIN_NAME,
  EXPORT_MAX_KEYS_PER_FILE,
  EXPORT_SIG_NAME,
  EXPORT_SIGNATURE_ALGORITHM,
  type ExportFileContents,
  type ExportSignature,
  type ExportSignatureInfo,
  exportValidateKey,
} from './format.js';
import {
  type ExportKeyInput,
  exportImportVerificationKey,
  exportSignBytes,
  exportVerifyBytes,
} from './signing.js';

/** A key that signs export files, and how phones know it. */
export interface ExportSigner {
  /** ECDSA P-256 private key (see `exportImportSigningKey`). */
  readonly privateKey: CryptoKey;
  /** `verification_key_id`: letters, digits, `_` and `.`; often the region's MCC, e.g. `"452"`. */
  readonly keyId: string;
  /** `verification_key_version`: letters, digits and `_`, e.g. `"v1"`. */
  readonly keyVersion: string;
}

/** ZIP deflate level 0 (store) to 9. */
export type ExportCompressionLevel = NonNullable<DeflateOptions['level']>;

/** One file to write with {@link exportWriteFile}. */
export interface ExportFileInput {
  /** Region of the keys, e.g. `"VN"`. */
  readonly region: string;
  /** Start of the window of server arrival times of the keys, Unix seconds. */
  readonly startTimestamp: number;
  /** End of that window, Unix seconds (≥ start). */
  readonly endTimestamp: number;
  /** Position in the batch, 1-based (default 1). */
  readonly batchNum?: number;
  /** Files in the batch (default 1). */
  readonly batchSize?: number;
  /** New keys, written in this order. */
  readonly keys: readonly ExposureKey[];
  /** Revised keys, written in this order. */
  readonly revisedKeys?: readonly ExposureKey[];
}

/** Options of the writers. */
export interface ExportWriteOptions {
  /** Most keys (new and revised) per file, 1–750,000 (default 750,000). */
  readonly maxKeysPerFile?: number;
  /** Deflate level of the ZIP entries (default {@link EXPORT_DEFAULT_COMPRESSION_LEVEL}; 0 stores them). */
  readonly compressionLevel?: ExportCompressionLevel;
}

/** Default deflate level of the ZIP entries (see the module comment). */
export const EXPORT_DEFAULT_COMPRESSION_LEVEL: ExportCompressionLevel = 2;

const ZIP_MTIME = new Date(1980, 0, 1);
const KEY_ID = /^[A-Za-z0-9_.]*$/;
const KEY_VERSION = /^[A-Za-z0-9_]*$/;
/** export.bin of 750,000 keys of the largest shape is about 27 MB; refuse to unpack more. */
const MAX_BIN_BYTES = 64 * 1024 * 1024;
const MAX_SIG_BYTES = 1024 * 1024;

function signerList(signers: ExportSigner | readonly ExportSigner[]): readonly ExportSigner[] {
  const list = Array.isArray(signers) ? (signers as readonly ExportSigner[]) : [signers as ExportSigner];
  if (list.length === 0) throw new ProtocolError('invalid_argument', 'at least one signer is needed');
  for (const s of list) {
    if (!KEY_ID.test(s.keyId)) {
      throw new ProtocolError(
        'invalid_argument',
        `the key id may hold letters, digits, "_" and "." only, got ${JSON.stringify(s.keyId)}`,
      );
    }
    if (!KEY_VERSION.test(s.keyVersion)) {
      throw new ProtocolError(
        'invalid_argument',
        `the key version may hold letters, digits and "_" only, got ${JSON.stringify(s.keyVersion)}`,
      );
    }
  }
  return list;
}

const signatureInfo = (s: ExportSigner): ExportSignatureInfo => ({
  verificationKeyVersion: s.keyVersion,
  verificationKeyId: s.keyId,
  signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
});

function checkMaxKeys(maxKeysPerFile: number): void {
  if (
    !Number.isSafeInteger(maxKeysPerFile) ||
    maxKeysPerFile < 1 ||
    maxKeysPerFile > EXPORT_MAX_KEYS_PER_FILE
  ) {
    throw new ProtocolError(
      'invalid_argument',
      `maxKeysPerFile must be a whole number from 1 to ${EXPORT_MAX_KEYS_PER_FILE}, got ${maxKeysPerFile}`,
    );
  }
}

function checkHeaderFields(input: ExportFileInput, batchNum: number, batchSize: number): void {
  if (typeof input.region !== 'string') {
    throw new ProtocolError('invalid_argument', `region must be a string, got ${typeof input.region}`);
  }
  if (
    !Number.isSafeInteger(input.startTimestamp) ||
    !Number.isSafeInteger(input.endTimestamp) ||
    input.startTimestamp < 0 ||
    input.endTimestamp < input.startTimestamp
  ) {
    throw new ProtocolError(
      'invalid_argument',
      `timestamps must be whole Unix seconds with 0 ≤ start ≤ end, got ${input.startTimestamp} … ${input.endTimestamp}`,
    );
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 0x7fff_ffff) {
    throw new ProtocolError('invalid_argument', `batchSize must be a whole number ≥ 1, got ${batchSize}`);
  }
  if (!Number.isSafeInteger(batchNum) || batchNum < 1 || batchNum > batchSize) {
    throw new ProtocolError(
      'invalid_argument',
      `batchNum must be from 1 to batchSize ${batchSize}, got ${batchNum}`,
    );
  }
}

/** Encodes, signs and zips one file whose keys are already validated. */
async function writeValidated(
  contents: ExportFileContents,
  signers: readonly ExportSigner[],
  level: ExportCompressionLevel,
): Promise<Uint8Array> {
  const bin = exportEncodeBin(contents);
  const signatures: ExportSignature[] = [];
  for (const signer of signers) {
    signatures.push({
      ...signatureInfo(signer),
      batchNum: contents.batchNum,
      batchSize: contents.batchSize,
      signature: await exportSignBytes(bin, signer.privateKey),
    });
  }
  return zipSync(
    {
      [EXPORT_BIN_NAME]: [bin, { level }],
      [EXPORT_SIG_NAME]: [exportEncodeSignatureList(signatures), { level }],
    },
    { mtime: ZIP_MTIME },
  );
}

/**
 * Writes one signed key export file (a ZIP) from keys in the order given. Applies no batch rule
 * (no embargo, padding or sorting: see {@link exportWriteBatch}).
 *
 * @throws {ProtocolError} `export_key_invalid` naming the first invalid key,
 *   `export_too_many_keys` beyond `maxKeysPerFile`, `invalid_argument` for bad header fields or
 *   signers.
 */
export async function exportWriteFile(
  input: ExportFileInput,
  signers: ExportSigner | readonly ExportSigner[],
  options: ExportWriteOptions = {},
): Promise<Uint8Array> {
  const { maxKeysPerFile = EXPORT_MAX_KEYS_PER_FILE, compressionLevel = EXPORT_DEFAULT_COMPRESSION_LEVEL } =
    options;
  checkMaxKeys(maxKeysPerFile);
  const list = signerList(signers);
  const batchNum = input.batchNum ?? 1;
  const batchSize = input.batchSize ?? 1;
  checkHeaderFields(input, batchNum, batchSize);
  const revisedKeys = input.revisedKeys ?? [];
  const count = input.keys.length + revisedKeys.length;
  if (count > maxKeysPerFile) {
    throw new ProtocolError(
      'export_too_many_keys',
      `a file may hold at most ${maxKeysPerFile} keys, got ${count}; use exportWriteBatch to split them`,
    );
  }
  for (let i = 0; i < input.keys.length; i++) exportValidateKey(input.keys[i]!, `keys[${i}]`);
  for (let i = 0; i < revisedKeys.length; i++) exportValidateKey(revisedKeys[i]!, `revisedKeys[${i}]`);
  return writeValidated(
    {
      region: input.region,
      startTimestamp: input.startTimestamp,
      endTimestamp: input.endTimestamp,
      batchNum,
      batchSize,
      signatureInfos: list.map(signatureInfo),
      keys: input.keys,
      revisedKeys,
    },
    list,
    compressionLevel,
  );
}

/** What {@link exportWriteBatch} needs. */
export interface ExportBatchInput extends ExportWriteOptions {
  /** Region of the keys, e.g. `"VN"`. */
  readonly region: string;
  /** Start of the export period (server arrival times), Unix seconds. */
  readonly startTimestamp: number;
  /** End of the export period, Unix seconds: the export time, reference of the embargo. */
  readonly endTimestamp: number;
  /** New keys that arrived in the period, in any order. */
  readonly keys: readonly ExposureKey[];
  /** Revised keys (e.g. revoked), in any order. */
  readonly revisedKeys?: readonly ExposureKey[];
  /** Signing key(s); every file is signed by each. */
  readonly signers: ExportSigner | readonly ExportSigner[];
  /** Pad new keys with random keys up to this count (default 0). */
  readonly minKeys?: number;
  /** Source of padding key bytes; required when padding is needed. */
  readonly random?: RandomSource;
}

/** One written file of a batch. */
export interface ExportBatchFile {
  readonly batchNum: number;
  readonly batchSize: number;
  /** New keys in the file, padding included. */
  readonly keyCount: number;
  readonly revisedKeyCount: number;
  /** The signed ZIP archive. */
  readonly zip: Uint8Array;
}

/** The outcome of {@link exportWriteBatch}. */
export interface ExportBatch {
  /** At least one file. */
  readonly files: readonly ExportBatchFile[];
  /** Keys held back because they are still valid at the export's end: export them later. */
  readonly embargoed: readonly ExposureKey[];
  /** Padding keys added. */
  readonly paddingKeyCount: number;
}

/**
 * Writes the signed files of one export period: embargoes keys still valid at
 * `endTimestamp`'s interval, pads to `minKeys`, sorts by key bytes and splits into files of at
 * most `maxKeysPerFile` keys numbered 1…n of n.
 *
 * @throws {ProtocolError} `export_key_invalid` naming the first invalid key, `invalid_argument`
 *   for bad header fields, options or signers.
 */
export async function exportWriteBatch(input: ExportBatchInput): Promise<ExportBatch> {
  const { compressionLevel = EXPORT_DEFAULT_COMPRESSION_LEVEL } = input;
  const list = signerList(input.signers);
  checkHeaderFields(input, 1, 1);
  const plan = exportPlanBatch({
    keys: input.keys,
    revisedKeys: input.revisedKeys ?? [],
    exportInterval: enIntervalNumber(input.endTimestamp),
    minKeys: input.minKeys ?? 0,
    maxKeysPerFile: input.maxKeysPerFile ?? EXPORT_MAX_KEYS_PER_FILE,
    ...(input.random === undefined ? {} : { random: input.random }),
  });
  const batchSize = plan.files.length;
  const files: ExportBatchFile[] = [];
  for (let i = 0; i < batchSize; i++) {
    const { keys, revisedKeys } = plan.files[i]!;
    const zip = await writeValidated(
      {
        region: input.region,
        startTimestamp: input.startTimestamp,
        endTimestamp: input.endTimestamp,
        batchNum: i + 1,
        batchSize,
        signatureInfos: list.map(signatureInfo),
        keys,
        revisedKeys,
      },
      list,
      compressionLevel,
    );
    files.push({
      batchNum: i + 1,
      batchSize,
      keyCount: keys.length,
      revisedKeyCount: revisedKeys.length,
      zip,
    });
  }
  return { files, embargoed: plan.embargoed, paddingKeyCount: plan.paddingKeyCount };
}

/**
 * A parsed key export file. Key data are views into `exportBin` (no copy per key): copy a key's
 * bytes to keep it without the file.
 */
export interface ExportParsedFile {
  /** The decoded `export.bin`. */
  readonly contents: ExportFileContents;
  /** The entries of `export.sig` (empty when the archive has none and it was not required). */
  readonly signatures: readonly ExportSignature[];
  /** The exact bytes of `export.bin`, which the signatures sign. */
  readonly exportBin: Uint8Array;
}

/** Options of {@link exportParseFile}. */
export interface ExportParseOptions {
  /** Fail when `export.sig` is absent (default true); inspection tools pass false. */
  readonly requireSignature?: boolean;
}

/**
 * Parses a key export file (ZIP) without checking its signature (see {@link exportVerifyFile}).
 *
 * Fails with `export_zip_invalid` for bytes that are not a readable ZIP or entries too large to
 * be key files, `export_file_missing` when `export.bin` (or a required `export.sig`) is absent,
 * and with the errors of the decoders: `export_header_invalid`, `export_protobuf_invalid`,
 * `export_too_many_keys`, `export_key_invalid`.
 */
export function exportParseFile(zip: Uint8Array, options: ExportParseOptions = {}): Result<ExportParsedFile> {
  let oversized: string | undefined;
  let entries: Record<string, Uint8Array>;
  const names: string[] = [];
  try {
    entries = unzipSync(zip, {
      filter: (file) => {
        names.push(file.name);
        const limit =
          file.name === EXPORT_BIN_NAME ? MAX_BIN_BYTES : file.name === EXPORT_SIG_NAME ? MAX_SIG_BYTES : 0;
        if (limit === 0) return false;
        if (file.originalSize > limit) {
          oversized ??= `${file.name} would unpack to ${file.originalSize} bytes, more than the ${limit} a key file may hold`;
          return false;
        }
        return true;
      },
    });
  } catch (error) {
    return err(
      new ProtocolError(
        'export_zip_invalid',
        `not a readable ZIP archive: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      ),
    );
  }
  if (oversized !== undefined) return err(new ProtocolError('export_zip_invalid', oversized));
  const bin = entries[EXPORT_BIN_NAME];
  const sig = entries[EXPORT_SIG_NAME];
  const missing = (name: string) =>
    err(
      new ProtocolError(
        'export_file_missing',
        `the archive has no ${name}${names.length > 0 ? ` (it holds ${names.join(', ')})` : ''}; a key file holds ${EXPORT_BIN_NAME} and ${EXPORT_SIG_NAME}`,
      ),
    );
  if (bin === undefined) return missing(EXPORT_BIN_NAME);
  if (sig === undefined && options.requireSignature !== false) return missing(EXPORT_SIG_NAME);
  const contents = exportDecodeBin(bin);
  if (!contents.ok) return contents;
  let signatures: ExportSignature[] = [];
  if (sig !== undefined) {
    const decoded = exportDecodeSignatureList(sig);
    if (!decoded.ok) return decoded;
    signatures = decoded.value;
  }
  return ok({ contents: contents.value, signatures, exportBin: bin });
}

/** {@link exportParseFile}, throwing its error. */
export function exportParseFileOrThrow(zip: Uint8Array, options: ExportParseOptions = {}): ExportParsedFile {
  const result = exportParseFile(zip, options);
  if (!result.ok) throw result.error;
  return result.value;
}

/** Which signature verified, and by which key. */
export interface ExportVerification {
  readonly keyId: string;
  readonly keyVersion: string;
  readonly signatureAlgorithm: string;
}

/** Options of {@link exportVerifyFile}: restrict to the signatures of one key id / version. */
export interface ExportVerifyOptions {
  readonly keyId?: string;
  readonly keyVersion?: string;
}

/**
 * Verifies a parsed file against `publicKey`: succeeds when one of its signatures (restricted to
 * `options.keyId` / `keyVersion` when given) is a valid ECDSA P-256 SHA-256 signature of
 * `export.bin`, and reports that signature's key id and version.
 *
 * Fails with `export_signature_missing` when no signature (of that key) is present,
 * `export_signature_algorithm_unsupported` when none uses ECDSA SHA-256, and
 * `export_signature_invalid` when none verifies.
 *
 * @throws {ProtocolError} `export_signing_key_invalid` when `publicKey` is not a usable P-256 public key.
 */
export async function exportVerifyFile(
  file: ExportParsedFile,
  publicKey: ExportKeyInput,
  options: ExportVerifyOptions = {},
): Promise<Result<ExportVerification>> {
  const key = await exportImportVerificationKey(publicKey);
  const candidates = file.signatures.filter(
    (s) =>
      (options.keyId === undefined || s.verificationKeyId === options.keyId) &&
      (options.keyVersion === undefined || s.verificationKeyVersion === options.keyVersion),
  );
  if (candidates.length === 0) {
    const which =
      options.keyId === undefined && options.keyVersion === undefined
        ? ''
        : ` for key id ${JSON.stringify(options.keyId ?? '*')} version ${JSON.stringify(options.keyVersion ?? '*')}`;
    return err(new ProtocolError('export_signature_missing', `export.sig holds no signature${which}`));
  }
  const supported = candidates.filter((s) => s.signatureAlgorithm === EXPORT_SIGNATURE_ALGORITHM);
  if (supported.length === 0) {
    const found = [...new Set(candidates.map((s) => JSON.stringify(s.signatureAlgorithm)))].join(', ');
    return err(
      new ProtocolError(
        'export_signature_algorithm_unsupported',
        `signature algorithm ${found} is not supported; key files are signed with ECDSA SHA-256 (${EXPORT_SIGNATURE_ALGORITHM})`,
      ),
    );
  }
  for (const s of supported) {
    if (await exportVerifyBytes(file.exportBin, s.signature, key)) {
      return ok({
        keyId: s.verificationKeyId,
        keyVersion: s.verificationKeyVersion,
        signatureAlgorithm: s.signatureAlgorithm,
      });
    }
  }
  const ids = supported.map(
    (s) => `${s.verificationKeyId || '(no id)'}/${s.verificationKeyVersion || '(no version)'}`,
  );
  return err(
    new ProtocolError(
      'export_signature_invalid',
      `the signature${supported.length > 1 ? 's' : ''} (key ${ids.join(', ')}) do${supported.length > 1 ? '' : 'es'} not verify export.bin with this public key: the file was altered or signed by another key`,
    ),
  );
}

/** Parses and verifies a downloaded key export file: {@link exportParseFile} then {@link exportVerifyFile}. */
export async function exportOpenFile(
  zip: Uint8Array,
  publicKey: ExportKeyInput,
  options: ExportVerifyOptions = {},
): Promise<Result<ExportParsedFile & { readonly verification: ExportVerification }>> {
  const parsed = exportParseFile(zip);
  if (!parsed.ok) return parsed;
  const verified = await exportVerifyFile(parsed.value, publicKey, options);
  if (!verified.ok) return verified;
  return ok({ ...parsed.value, verification: verified.value });
}
