/**
 * Codecs of the two entries of a key export file, on the code generated from
 * `proto/exposure_key_export.proto` by protoc-gen-es:
 *
 * - `export.bin` = 16-byte header ‖ `TemporaryExposureKeyExport`;
 * - `export.sig` = `TEKSignatureList`.
 *
 * Encoders take already validated input (the writer in `file.ts` validates); decoders validate
 * everything they return and report failures as {@link Result}s.
 *
 * @module
 */
import { create, fromBinary, isFieldSet, toBinary } from '@bufbuild/protobuf';
import { bytesEqual } from '../bytes.js';
import type { ExposureKey, MutableExposureKey, ReportType } from '../en/exposure-key.js';
import { err, ok, ProtocolError, type Result } from '../errors.js';
import {
  EXPORT_HEADER,
  EXPORT_HEADER_LENGTH,
  EXPORT_HEADER_TEXT,
  EXPORT_MAX_KEYS_PER_FILE,
  type ExportFileContents,
  type ExportSignature,
  type ExportSignatureInfo,
  exportKeyProblem,
} from './format.js';
import {
  type SignatureInfo,
  SignatureInfoSchema,
  type TEKSignature,
  TEKSignatureListSchema,
  TEKSignatureSchema,
  type TemporaryExposureKey,
  type TemporaryExposureKey_ReportType,
  TemporaryExposureKeyExportSchema,
  TemporaryExposureKeySchema,
} from './gen/exposure_key_export_pb.js';

function signatureInfoMessage(info: ExportSignatureInfo): SignatureInfo {
  return create(SignatureInfoSchema, {
    verificationKeyVersion: info.verificationKeyVersion,
    verificationKeyId: info.verificationKeyId,
    signatureAlgorithm: info.signatureAlgorithm,
  });
}

function keyMessage(key: ExposureKey): TemporaryExposureKey {
  const message = create(TemporaryExposureKeySchema, {
    keyData: key.keyData,
    rollingStartIntervalNumber: key.rollingStartIntervalNumber,
    rollingPeriod: key.rollingPeriod,
  });
  // Optional fields are written only when present (proto2 presence), as phones send them.
  if (key.transmissionRiskLevel !== undefined) message.transmissionRiskLevel = key.transmissionRiskLevel;
  if (key.reportType !== undefined) message.reportType = key.reportType as TemporaryExposureKey_ReportType;
  if (key.daysSinceOnsetOfSymptoms !== undefined) {
    message.daysSinceOnsetOfSymptoms = key.daysSinceOnsetOfSymptoms;
  }
  return message;
}

/**
 * The bytes of `export.bin`: header ‖ `TemporaryExposureKeyExport`. Keys are written in the
 * given order and are not validated here (see `exportWriteFile`).
 *
 * @throws {ProtocolError} `invalid_argument` for a negative or non-integer timestamp.
 */
export function exportEncodeBin(contents: ExportFileContents): Uint8Array {
  for (const [name, value] of [
    ['startTimestamp', contents.startTimestamp],
    ['endTimestamp', contents.endTimestamp],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ProtocolError('invalid_argument', `${name} must be whole Unix seconds ≥ 0, got ${value}`);
    }
  }
  const message = create(TemporaryExposureKeyExportSchema, {
    startTimestamp: BigInt(contents.startTimestamp),
    endTimestamp: BigInt(contents.endTimestamp),
    region: contents.region,
    batchNum: contents.batchNum,
    batchSize: contents.batchSize,
    signatureInfos: contents.signatureInfos.map(signatureInfoMessage),
    keys: contents.keys.map(keyMessage),
    revisedKeys: contents.revisedKeys.map(keyMessage),
  });
  const body = toBinary(TemporaryExposureKeyExportSchema, message);
  const out = new Uint8Array(EXPORT_HEADER_LENGTH + body.length);
  out.set(EXPORT_HEADER, 0);
  out.set(body, EXPORT_HEADER_LENGTH);
  return out;
}

/** The bytes of `export.sig`: a `TEKSignatureList` with `signatures` in order. */
export function exportEncodeSignatureList(signatures: readonly ExportSignature[]): Uint8Array {
  return toBinary(
    TEKSignatureListSchema,
    create(TEKSignatureListSchema, {
      signatures: signatures.map((s) =>
        create(TEKSignatureSchema, {
          signatureInfo: signatureInfoMessage(s),
          batchNum: s.batchNum,
          batchSize: s.batchSize,
          signature: s.signature,
        }),
      ),
    }),
  );
}

const protobufError = (what: string, error: unknown) =>
  new ProtocolError(
    'export_protobuf_invalid',
    `${what} is not a valid protobuf (truncated or corrupt): ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );

function readKey(message: TemporaryExposureKey, what: string): Result<ExposureKey> {
  if (!isFieldSet(message, TemporaryExposureKeySchema.field.rollingStartIntervalNumber)) {
    return err(new ProtocolError('export_key_invalid', `${what}: rolling_start_interval_number is missing`));
  }
  const key: MutableExposureKey = {
    keyData: message.keyData,
    rollingStartIntervalNumber: message.rollingStartIntervalNumber,
    // An absent rolling_period means 144 (the field's default).
    rollingPeriod: message.rollingPeriod,
  };
  if (isFieldSet(message, TemporaryExposureKeySchema.field.transmissionRiskLevel)) {
    key.transmissionRiskLevel = message.transmissionRiskLevel;
  }
  if (isFieldSet(message, TemporaryExposureKeySchema.field.reportType)) {
    key.reportType = message.reportType as number as ReportType;
  }
  if (isFieldSet(message, TemporaryExposureKeySchema.field.daysSinceOnsetOfSymptoms)) {
    key.daysSinceOnsetOfSymptoms = message.daysSinceOnsetOfSymptoms;
  }
  const problem = exportKeyProblem(key);
  return problem === undefined
    ? ok(key)
    : err(new ProtocolError('export_key_invalid', `${what}: ${problem}`));
}

function readKeys(messages: readonly TemporaryExposureKey[], field: string): Result<ExposureKey[]> {
  const keys: ExposureKey[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const key = readKey(messages[i]!, `${field}[${i}]`);
    if (!key.ok) return key;
    keys[i] = key.value;
  }
  return ok(keys);
}

function readSignatureInfo(info: SignatureInfo | undefined): ExportSignatureInfo {
  return {
    verificationKeyVersion: info?.verificationKeyVersion ?? '',
    verificationKeyId: info?.verificationKeyId ?? '',
    signatureAlgorithm: info?.signatureAlgorithm ?? '',
  };
}

function timestamp(value: bigint, name: string): Result<number> {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    return err(new ProtocolError('export_protobuf_invalid', `${name} ${value} is beyond any plausible time`));
  }
  return ok(Number(value));
}

/**
 * Decodes `export.bin`. Fails with `export_header_invalid` when the first 16 bytes are not
 * `"EK Export v1"` padded with spaces, `export_protobuf_invalid` for a truncated or corrupt
 * message, `export_too_many_keys` beyond {@link EXPORT_MAX_KEYS_PER_FILE} keys and
 * `export_key_invalid` for a key that breaks a field rule (the message names the key).
 */
export function exportDecodeBin(bytes: Uint8Array): Result<ExportFileContents> {
  const header = bytes.subarray(0, EXPORT_HEADER_LENGTH);
  if (!bytesEqual(header, EXPORT_HEADER)) {
    const shown = Array.from(header, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    return err(
      new ProtocolError(
        'export_header_invalid',
        `export.bin must start with the 16-byte header "${EXPORT_HEADER_TEXT}" padded with spaces, found "${shown}"${bytes.length < EXPORT_HEADER_LENGTH ? ` (only ${bytes.length} bytes)` : ''}`,
      ),
    );
  }
  let message: ReturnType<typeof fromBinary<typeof TemporaryExposureKeyExportSchema>>;
  try {
    message = fromBinary(TemporaryExposureKeyExportSchema, bytes.subarray(EXPORT_HEADER_LENGTH));
  } catch (error) {
    return err(protobufError('export.bin', error));
  }
  const count = message.keys.length + message.revisedKeys.length;
  if (count > EXPORT_MAX_KEYS_PER_FILE) {
    return err(
      new ProtocolError(
        'export_too_many_keys',
        `export.bin holds ${count} keys; a file may hold at most ${EXPORT_MAX_KEYS_PER_FILE}`,
      ),
    );
  }
  const start = timestamp(message.startTimestamp, 'start_timestamp');
  if (!start.ok) return start;
  const end = timestamp(message.endTimestamp, 'end_timestamp');
  if (!end.ok) return end;
  const keys = readKeys(message.keys, 'keys');
  if (!keys.ok) return keys;
  const revisedKeys = readKeys(message.revisedKeys, 'revised_keys');
  if (!revisedKeys.ok) return revisedKeys;
  return ok({
    startTimestamp: start.value,
    endTimestamp: end.value,
    region: message.region,
    batchNum: message.batchNum,
    batchSize: message.batchSize,
    signatureInfos: message.signatureInfos.map(readSignatureInfo),
    keys: keys.value,
    revisedKeys: revisedKeys.value,
  });
}

/** Decodes `export.sig`; fails with `export_protobuf_invalid` for a truncated or corrupt message. */
export function exportDecodeSignatureList(bytes: Uint8Array): Result<ExportSignature[]> {
  let signatures: TEKSignature[];
  try {
    signatures = fromBinary(TEKSignatureListSchema, bytes).signatures;
  } catch (error) {
    return err(protobufError('export.sig', error));
  }
  return ok(
    signatures.map((s) => ({
      ...readSignatureInfo(s.signatureInfo),
      batchNum: s.batchNum,
      batchSize: s.batchSize,
      signature: s.signature,
    })),
  );
}
