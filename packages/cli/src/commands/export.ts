/**
 * `bluezone export …`: Exposure Notification key export files.
 *
 * - `export build` signs a batch of keys from a JSON file into key files (ZIP);
 * - `export inspect` prints a key file's header, key counts and signature status;
 * - `export keygen` makes the ECDSA P-256 key pair that signs them.
 *
 * Keys JSON (`--keys`): an array of keys, or `{"keys":[…],"revisedKeys":[…]}`, each key
 * `{"keyData":"<base64, 16 bytes>","rollingStartIntervalNumber":N,"rollingPeriod":144,
 * "transmissionRiskLevel":0,"reportType":1,"daysSinceOnsetOfSymptoms":0}`; only keyData and
 * rollingStartIntervalNumber are required (rollingPeriod defaults to 144), reportType is a
 * number 0–5 or its name (e.g. "CONFIRMED_TEST").
 *
 * @module
 */
import { nodeRandom } from '@bluezone/crypto-node';
import {
  EXPORT_MAX_KEYS_PER_FILE,
  type ExportParsedFile,
  type ExposureKey,
  exportGenerateSigningKeyPair,
  exportImportSigningKey,
  exportImportVerificationKey,
  exportKeyToPem,
  exportParseFile,
  exportVerifyFile,
  exportWriteBatch,
  type MutableExposureKey,
  ProtocolError,
  ReportType,
} from '@bluezone/protocol';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type CliIo, readJson } from '../io.js';
import { intOption } from '../options.js';
import { timeOption } from './keys.js';

/** Default `--region`: Vietnam. */
const DEFAULT_REGION = 'VN';
/** Default `--key-id`: Vietnam's mobile country code, as Apple suggests for key ids. */
const DEFAULT_KEY_ID = '452';
const DEFAULT_KEY_VERSION = 'v1';

const REPORT_TYPE_NAMES = Object.fromEntries(
  Object.entries(ReportType).map(([name, value]) => [value, name]),
) as Record<number, string>;
const KEY_FIELDS = new Set([
  'keyData',
  'rollingStartIntervalNumber',
  'rollingPeriod',
  'transmissionRiskLevel',
  'reportType',
  'daysSinceOnsetOfSymptoms',
]);
const KEY_EXAMPLE =
  '[{"keyData":"<base64>","rollingStartIntervalNumber":2642976,"rollingPeriod":144,"transmissionRiskLevel":0,"reportType":1,"daysSinceOnsetOfSymptoms":0}]';

/** Prefixes the message of a protocol error (of one of `codes`, or any) with the file it came from. */
async function about<T>(path: string, work: () => Promise<T>, codes?: readonly string[]): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProtocolError && (codes === undefined || codes.includes(error.code))) {
      throw new UsageError(`${path}: ${error.message}`);
    }
    throw error;
  }
}

/** A WebCrypto public key (the type is named through the protocol: this package has no DOM types). */
type PublicKey = Awaited<ReturnType<typeof exportImportVerificationKey>>;

/** DER bytes when the file starts like DER (a SEQUENCE), PEM text otherwise. */
async function readKeyFile(io: CliIo, path: string): Promise<string | Uint8Array> {
  const bytes = await io.readFile(path);
  return bytes[0] === 0x30 ? bytes : new TextDecoder('utf-8').decode(bytes);
}

function decodeKeyData(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value.trim())) {
    throw new UsageError(
      `${where}.keyData must be a base64 string of 16 bytes, got ${JSON.stringify(value)}`,
    );
  }
  const bytes = new Uint8Array(
    Buffer.from(value.trim(), value.includes('-') || value.includes('_') ? 'base64url' : 'base64'),
  );
  if (bytes.length !== 16) {
    throw new UsageError(
      `${where}.keyData must be 16 bytes (24 base64 characters), got ${bytes.length} bytes`,
    );
  }
  return bytes;
}

function optionalInteger(record: Record<string, unknown>, field: string, where: string): number | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new UsageError(`${where}.${field} must be a whole number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseReportType(value: unknown, where: string): ReportType | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const named = (ReportType as Record<string, ReportType>)[value.toUpperCase()];
    if (named === undefined) {
      throw new UsageError(
        `${where}.reportType must be one of ${Object.keys(ReportType).join(', ')} or 0-5, got ${JSON.stringify(value)}`,
      );
    }
    return named;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new UsageError(
      `${where}.reportType must be a number 0-5 or a name such as "CONFIRMED_TEST", got ${JSON.stringify(value)}`,
    );
  }
  return value as ReportType;
}

function parseKey(value: unknown, where: string): ExposureKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${where} must be a key object such as ${KEY_EXAMPLE.slice(1, -1)}`);
  }
  const record = value as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!KEY_FIELDS.has(field)) {
      throw new UsageError(
        `${where} has an unknown field ${JSON.stringify(field)}; key fields are ${[...KEY_FIELDS].join(', ')}`,
      );
    }
  }
  const start = optionalInteger(record, 'rollingStartIntervalNumber', where);
  if (start === undefined) throw new UsageError(`${where}.rollingStartIntervalNumber is missing`);
  const key: MutableExposureKey = {
    keyData: decodeKeyData(record['keyData'], where),
    rollingStartIntervalNumber: start,
    rollingPeriod: optionalInteger(record, 'rollingPeriod', where) ?? 144,
  };
  const trl = optionalInteger(record, 'transmissionRiskLevel', where);
  if (trl !== undefined) key.transmissionRiskLevel = trl;
  const reportType = parseReportType(record['reportType'], where);
  if (reportType !== undefined) key.reportType = reportType;
  const onset = optionalInteger(record, 'daysSinceOnsetOfSymptoms', where);
  if (onset !== undefined) key.daysSinceOnsetOfSymptoms = onset;
  return key;
}

/** Parses the keys JSON of `export build`: an array of keys, or `{"keys":[…],"revisedKeys":[…]}`. */
export function parseKeysJson(
  value: unknown,
  path: string,
): { keys: ExposureKey[]; revisedKeys: ExposureKey[] } {
  const parseList = (list: unknown, name: string) => {
    if (!Array.isArray(list)) {
      throw new UsageError(`${name} must be a JSON array of keys such as ${KEY_EXAMPLE}`);
    }
    return list.map((item, i) => parseKey(item, `${name}[${i}]`));
  };
  if (Array.isArray(value)) return { keys: parseList(value, path), revisedKeys: [] };
  if (typeof value === 'object' && value !== null && 'keys' in value) {
    const record = value as Record<string, unknown>;
    return {
      keys: parseList(record['keys'], `${path} keys`),
      revisedKeys:
        record['revisedKeys'] === undefined ? [] : parseList(record['revisedKeys'], `${path} revisedKeys`),
    };
  }
  throw new UsageError(
    `${path} must hold a JSON array of keys such as ${KEY_EXAMPLE}, or {"keys":[…],"revisedKeys":[…]}`,
  );
}

/** `out.zip` for a one-file batch, `out-1.zip`, `out-2.zip`, … otherwise. */
function batchFileName(out: string, batchNum: number, batchSize: number): string {
  if (batchSize === 1) return out;
  return out.endsWith('.zip') ? `${out.slice(0, -4)}-${batchNum}.zip` : `${out}-${batchNum}`;
}

interface BuildOptions {
  keys: string;
  privateKey: string;
  out: string;
  region: string;
  keyId: string;
  keyVersion: string;
  minKeys?: string;
  maxKeysPerFile?: string;
  start?: string;
  end?: string;
  json?: boolean;
}

interface InspectOptions {
  publicKey?: string;
  json?: boolean;
  keys?: boolean;
}

interface SignatureStatus {
  present: boolean;
  valid: boolean | null;
  keyId: string | null;
  keyVersion: string | null;
  algorithm: string | null;
  problem: string | null;
}

async function signatureStatus(
  parsed: ExportParsedFile,
  publicKey: PublicKey | undefined,
): Promise<SignatureStatus> {
  const first = parsed.signatures[0];
  const status: SignatureStatus = {
    present: first !== undefined,
    valid: null,
    keyId: first?.verificationKeyId ?? null,
    keyVersion: first?.verificationKeyVersion ?? null,
    algorithm: first?.signatureAlgorithm ?? null,
    problem: null,
  };
  if (publicKey === undefined) return status;
  const result = await exportVerifyFile(parsed, publicKey);
  if (result.ok) {
    return {
      ...status,
      valid: true,
      keyId: result.value.keyId,
      keyVersion: result.value.keyVersion,
      algorithm: result.value.signatureAlgorithm,
    };
  }
  return { ...status, valid: false, problem: result.error.message };
}

function reportTypeCounts(keys: readonly ExposureKey[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const name =
      key.reportType === undefined ? 'UNSET' : (REPORT_TYPE_NAMES[key.reportType] ?? String(key.reportType));
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function keyJson(key: ExposureKey, revised: boolean): Record<string, unknown> {
  return {
    keyData: Buffer.from(key.keyData).toString('base64'),
    rollingStartIntervalNumber: key.rollingStartIntervalNumber,
    rollingPeriod: key.rollingPeriod,
    ...(key.transmissionRiskLevel === undefined ? {} : { transmissionRiskLevel: key.transmissionRiskLevel }),
    ...(key.reportType === undefined ? {} : { reportType: key.reportType }),
    ...(key.daysSinceOnsetOfSymptoms === undefined
      ? {}
      : { daysSinceOnsetOfSymptoms: key.daysSinceOnsetOfSymptoms }),
    ...(revised ? { revised: true } : {}),
  };
}

const isoSeconds = (seconds: number) => {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
};

/** Registers `bluezone export inspect | build | keygen`. */
export function registerExportCommands(program: Command, io: CliIo): void {
  const exportCommand = program
    .command('export')
    .description('Exposure Notification key export files (ZIP of export.bin and export.sig)');

  exportCommand
    .command('inspect')
    .description('Print the header, key counts and signature status of a key export file')
    .argument('<file>', 'the key export file (.zip)')
    .option(
      '--public-key <pem>',
      'verify the signature with this public key (PEM or DER); exit code 2 when invalid',
    )
    .option(
      '--json',
      'print {"region","batchNum","batchSize","startTimestamp","endTimestamp","keys":n,"reportTypes":{…},"signature":{…}}',
    )
    .option('--keys', 'also list the keys ("keyList" with --json)')
    .action(async (file: string, options: InspectOptions) => {
      const zip = await io.readFile(file);
      const parsed = exportParseFile(zip, { requireSignature: false });
      if (!parsed.ok) throw new UsageError(`${file}: ${parsed.error.message}`);
      const { contents } = parsed.value;
      const publicKey =
        options.publicKey === undefined
          ? undefined
          : await about(options.publicKey, async () =>
              exportImportVerificationKey(await readKeyFile(io, options.publicKey!)),
            );
      const signature = await signatureStatus(parsed.value, publicKey);
      const reportTypes = reportTypeCounts(contents.keys);
      if (options.json) {
        const json: Record<string, unknown> = {
          region: contents.region,
          batchNum: contents.batchNum,
          batchSize: contents.batchSize,
          startTimestamp: contents.startTimestamp,
          endTimestamp: contents.endTimestamp,
          keys: contents.keys.length,
          reportTypes,
          signature: {
            present: signature.present,
            valid: signature.valid,
            keyId: signature.keyId,
            keyVersion: signature.keyVersion,
          },
        };
        if (options.keys) {
          json['keyList'] = [
            ...contents.keys.map((k) => keyJson(k, false)),
            ...contents.revisedKeys.map((k) => keyJson(k, true)),
          ];
        }
        io.stdout(`${JSON.stringify(json)}\n`);
      } else {
        const types = Object.entries(reportTypes)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ');
        const status = !signature.present
          ? 'absent (no export.sig)'
          : `key id ${signature.keyId || '(none)'}, version ${signature.keyVersion || '(none)'}, algorithm ${signature.algorithm || '(none)'}: ${
              signature.valid === null
                ? 'not checked (give --public-key)'
                : signature.valid
                  ? 'valid'
                  : 'INVALID'
            }`;
        io.stdout(
          [
            `file          ${file}`,
            `region        ${contents.region}`,
            `batch         ${contents.batchNum} of ${contents.batchSize}`,
            `period        ${isoSeconds(contents.startTimestamp)} to ${isoSeconds(contents.endTimestamp)} (${contents.startTimestamp} to ${contents.endTimestamp})`,
            `keys          ${contents.keys.length}${contents.revisedKeys.length > 0 ? ` (and ${contents.revisedKeys.length} revised)` : ''}`,
            `report types  ${types || '-'}`,
            `signature     ${status}`,
            '',
          ].join('\n'),
        );
        if (options.keys) {
          io.stdout(
            '# keyData\trollingStartIntervalNumber\trollingPeriod\ttransmissionRiskLevel\treportType\tdaysSinceOnsetOfSymptoms\n',
          );
          const row = (k: ExposureKey, revised: boolean) =>
            `${Buffer.from(k.keyData).toString('base64')}\t${k.rollingStartIntervalNumber}\t${k.rollingPeriod}\t${k.transmissionRiskLevel ?? '-'}\t${
              k.reportType === undefined ? '-' : (REPORT_TYPE_NAMES[k.reportType] ?? k.reportType)
            }\t${k.daysSinceOnsetOfSymptoms ?? '-'}${revised ? '\trevised' : ''}\n`;
          for (const k of contents.keys) io.stdout(row(k, false));
          for (const k of contents.revisedKeys) io.stdout(row(k, true));
        }
      }
      if (signature.valid === false) {
        throw new UsageError(`${file}: the signature is invalid: ${signature.problem}`);
      }
    });

  exportCommand
    .command('build')
    .description(
      'Sign keys from a JSON file into a key export file (several, numbered, beyond --max-keys-per-file)',
    )
    .requiredOption('--keys <file>', `keys JSON, e.g. ${KEY_EXAMPLE}`)
    .requiredOption(
      '--private-key <pem>',
      'ECDSA P-256 private key, PEM (PRIVATE KEY or EC PRIVATE KEY) or DER',
    )
    .requiredOption('--out <file>', 'the key export file to write (.zip)')
    .option('--region <r>', 'region of the keys', DEFAULT_REGION)
    .option('--key-id <id>', 'verification_key_id phones know the key by', DEFAULT_KEY_ID)
    .option('--key-version <v>', 'verification_key_version', DEFAULT_KEY_VERSION)
    .option('--min-keys <n>', 'pad with random keys up to n keys (default 0: no padding)')
    .option(
      '--max-keys-per-file <n>',
      `split into files of at most n keys (default ${EXPORT_MAX_KEYS_PER_FILE})`,
    )
    .option('--start <iso>', 'start of the export period (default: 24 hours before --end)')
    .option(
      '--end <iso>',
      'end of the export period, the export time (default: now); keys still valid then are held back',
    )
    .option(
      '--json',
      'print {"files":[{"path","batchNum","batchSize","keys","revisedKeys"}],"paddingKeys":n,"embargoedKeys":n}',
    )
    .action(async (options: BuildOptions) => {
      const minKeys = intOption(options.minKeys, '--min-keys', 0, 10 * EXPORT_MAX_KEYS_PER_FILE) ?? 0;
      const maxKeysPerFile =
        intOption(options.maxKeysPerFile, '--max-keys-per-file', 1, EXPORT_MAX_KEYS_PER_FILE) ??
        EXPORT_MAX_KEYS_PER_FILE;
      const end = options.end === undefined ? io.now() : timeOption(options.end, '--end');
      const start =
        options.start === undefined
          ? new Date(end.getTime() - 86_400_000)
          : timeOption(options.start, '--start');
      const startTimestamp = Math.floor(start.getTime() / 1000);
      const endTimestamp = Math.floor(end.getTime() / 1000);
      if (startTimestamp < 0 || endTimestamp < startTimestamp) {
        throw new UsageError(
          `--start must not be after --end (got ${start.toISOString()} and ${end.toISOString()})`,
        );
      }
      const { keys, revisedKeys } = parseKeysJson(await readJson(io, options.keys), options.keys);
      const privateKey = await about(options.privateKey, async () =>
        exportImportSigningKey(await readKeyFile(io, options.privateKey)),
      );
      const batch = await about(
        options.keys,
        () =>
          exportWriteBatch({
            region: options.region,
            startTimestamp,
            endTimestamp,
            keys,
            revisedKeys,
            signers: { privateKey, keyId: options.keyId, keyVersion: options.keyVersion },
            minKeys,
            maxKeysPerFile,
            random: nodeRandom,
          }),
        ['export_key_invalid'],
      );
      const written: {
        path: string;
        batchNum: number;
        batchSize: number;
        keys: number;
        revisedKeys: number;
      }[] = [];
      for (const file of batch.files) {
        const path = batchFileName(options.out, file.batchNum, file.batchSize);
        await io.writeFile(path, file.zip);
        written.push({
          path,
          batchNum: file.batchNum,
          batchSize: file.batchSize,
          keys: file.keyCount,
          revisedKeys: file.revisedKeyCount,
        });
      }
      if (options.json) {
        io.stdout(
          `${JSON.stringify({ files: written, paddingKeys: batch.paddingKeyCount, embargoedKeys: batch.embargoed.length })}\n`,
        );
        return;
      }
      for (const w of written) {
        io.stdout(
          `wrote ${w.path}: batch ${w.batchNum} of ${w.batchSize}, ${w.keys} keys${w.revisedKeys > 0 ? ` and ${w.revisedKeys} revised` : ''}, region ${options.region}, signed by key ${options.keyId} ${options.keyVersion}\n`,
        );
      }
      if (batch.paddingKeyCount > 0)
        io.stdout(
          `padded with ${batch.paddingKeyCount} random ${batch.paddingKeyCount === 1 ? 'key' : 'keys'} (--min-keys ${minKeys})\n`,
        );
      if (batch.embargoed.length > 0) {
        const n = batch.embargoed.length;
        io.stdout(
          `held back ${n} ${n === 1 ? 'key' : 'keys'} still valid at ${isoSeconds(endTimestamp)} (embargo): export ${n === 1 ? 'it' : 'them'} after ${n === 1 ? 'its' : 'their'} day ends\n`,
        );
      }
    });

  exportCommand
    .command('keygen')
    .description('Make an ECDSA P-256 key pair for signing key export files (PEM: PKCS#8 and SPKI)')
    .requiredOption('--private-out <file>', 'where to write the private key (keep it secret)')
    .requiredOption('--public-out <file>', 'where to write the public key (give it to the phones)')
    .action(async (options: { privateOut: string; publicOut: string }) => {
      if (options.privateOut === options.publicOut) {
        throw new UsageError('--private-out and --public-out must be different files');
      }
      for (const path of [options.privateOut, options.publicOut]) {
        const exists = await io.readFile(path).then(
          () => true,
          () => false,
        );
        if (exists)
          throw new UsageError(`${path} already exists; refusing to overwrite a key (delete it first)`);
      }
      const pair = await exportGenerateSigningKeyPair();
      await io.writeFile(options.privateOut, await exportKeyToPem(pair.privateKey));
      await io.writeFile(options.publicOut, await exportKeyToPem(pair.publicKey));
      io.stdout(
        `wrote private key ${options.privateOut} (keep it secret) and public key ${options.publicOut}\n`,
      );
    });
}
