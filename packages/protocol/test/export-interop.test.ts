/**
 * Interoperability of key export files with an independent implementation, written here from the
 * field numbers of the public `exposure_key_export.proto` alone: a tiny protobuf wire writer and
 * reader, OpenSSL signatures through node:crypto (DER), and a ZIP writer and reader on node:zlib.
 * Nothing below uses the package's codecs, protobuf-es or fflate.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  EXPORT_SIGNATURE_ALGORITHM,
  exportOpenFile,
  exportParseFile,
  exportVerifyFile,
  exportWriteBatch,
  exportWriteFile,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exposureKeyArb, key, newSigner, success } from './export-helpers.js';

// --- protobuf wire format (varint = 0, fixed64 = 1, length-delimited = 2) ---------------------

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}
const tag = (field: number, wire: number) => varint(BigInt((field << 3) | wire));
const pbVarint = (field: number, value: number) => [...tag(field, 0), ...varint(BigInt(value))];
const pbSint = (field: number, value: number) => pbVarint(field, value >= 0 ? 2 * value : -2 * value - 1);
const pbBytes = (field: number, bytes: ArrayLike<number>) => [
  ...tag(field, 2),
  ...varint(BigInt(bytes.length)),
  ...Array.from(bytes),
];
const pbString = (field: number, text: string) => pbBytes(field, new TextEncoder().encode(text));
function pbFixed64(field: number, value: number): number[] {
  const out = tag(field, 1);
  let v = BigInt(value);
  for (let i = 0; i < 8; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

type Field = { field: number; wire: number; value: bigint | Uint8Array };

/** Decodes one message level into its fields, in wire order. */
function pbRead(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const readVarint = () => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
  };
  while (at < bytes.length) {
    const t = Number(readVarint());
    const field = t >> 3;
    const wire = t & 7;
    if (wire === 0) fields.push({ field, wire, value: readVarint() });
    else if (wire === 1) {
      let v = 0n;
      for (let i = 0; i < 8; i++) v |= BigInt(bytes[at + i]!) << BigInt(8 * i);
      at += 8;
      fields.push({ field, wire, value: v });
    } else if (wire === 2) {
      const length = Number(readVarint());
      fields.push({ field, wire, value: bytes.slice(at, at + length) });
      at += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}
const one = (fields: Field[], n: number) => fields.find((f) => f.field === n)?.value;
const all = (fields: Field[], n: number) =>
  fields.filter((f) => f.field === n).map((f) => f.value as Uint8Array);
const num = (v: bigint | Uint8Array | undefined) => (v === undefined ? undefined : Number(v as bigint));
const text = (v: bigint | Uint8Array | undefined) =>
  v === undefined ? undefined : new TextDecoder().decode(v as Uint8Array);
const unzigzag = (v: bigint | Uint8Array | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v as bigint);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
};

// --- ZIP (deflate, CRC-32) --------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function zipWrite(files: Record<string, Uint8Array>): Uint8Array {
  const local: number[] = [];
  const central: number[] = [];
  const u16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
  const u32 = (n: number) => [...u16(n & 0xffff), ...u16(n >>> 16)];
  let count = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBytes = [...new TextEncoder().encode(name)];
    const packed = new Uint8Array(deflateRawSync(data));
    const common = [
      ...u16(20),
      ...u16(0),
      ...u16(8),
      ...u16(0),
      ...u16(0x21),
      ...u32(crc32(data)),
      ...u32(packed.length),
      ...u32(data.length),
      ...u16(nameBytes.length),
      ...u16(0),
    ];
    const offset = local.length;
    local.push(...u32(0x04034b50), ...common, ...nameBytes, ...packed);
    central.push(
      ...u32(0x02014b50),
      ...u16(20),
      ...common,
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(offset),
      ...nameBytes,
    );
    count++;
  }
  const end = [
    ...u32(0x06054b50),
    ...u16(0),
    ...u16(0),
    ...u16(count),
    ...u16(count),
    ...u32(central.length),
    ...u32(local.length),
    ...u16(0),
  ];
  return Uint8Array.from([...local, ...central, ...end]);
}

function zipRead(zip: Uint8Array): Record<string, Uint8Array> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (view.getUint32(end, true) !== 0x06054b50) end--;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const packedSize = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    const dataAt =
      localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    const packed = zip.subarray(dataAt, dataAt + packedSize);
    const data = method === 0 ? packed.slice() : new Uint8Array(inflateRawSync(packed));
    expect(crc32(data)).toBe(crc);
    files[name] = data;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

// --- the tests --------------------------------------------------------------------------------

const HEADER = new TextEncoder().encode('EK Export v1    ');

describe('interop with an independent implementation of the public format', () => {
  it('reads and verifies a key file built by hand and signed by OpenSSL', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyData = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const signatureInfo = [
      ...pbString(3, 'v2'),
      ...pbString(4, '452'),
      ...pbString(5, '1.2.840.10045.4.3.2'),
    ];
    const keyMessage = [
      ...pbBytes(1, keyData),
      ...pbVarint(2, 3),
      ...pbVarint(3, 2_642_832),
      ...pbVarint(4, 144),
      ...pbVarint(5, 4), // RECURSIVE
      ...pbSint(6, -5),
    ];
    // rolling_period absent: the proto default, 144. An unknown field (99) must be skipped.
    const shortKey = [
      ...pbBytes(1, new Uint8Array(16).fill(7)),
      ...pbVarint(3, 2_642_688),
      ...pbVarint(99, 1),
    ];
    const revokedKey = [
      ...pbBytes(1, new Uint8Array(16).fill(9)),
      ...pbVarint(3, 2_642_544),
      ...pbVarint(4, 72),
      ...pbVarint(5, 5),
    ];
    const exportMessage = [
      // Fields deliberately out of numeric order: parsers must not care.
      ...pbString(3, 'VN'),
      ...pbFixed64(1, 1_585_699_200),
      ...pbFixed64(2, 1_585_785_600),
      ...pbVarint(4, 1),
      ...pbVarint(5, 1),
      ...pbBytes(6, signatureInfo),
      ...pbBytes(7, keyMessage),
      ...pbBytes(7, shortKey),
      ...pbBytes(8, revokedKey),
    ];
    const bin = Uint8Array.from([...HEADER, ...exportMessage]);
    const signature = new Uint8Array(sign('sha256', bin, { key: privateKey, dsaEncoding: 'der' }));
    const tekSignature = [
      ...pbBytes(1, signatureInfo),
      ...pbVarint(2, 1),
      ...pbVarint(3, 1),
      ...pbBytes(4, signature),
    ];
    const sig = Uint8Array.from(pbBytes(1, tekSignature));
    const zip = zipWrite({ 'export.bin': bin, 'export.sig': sig });

    const parsed = success(exportParseFile(zip));
    expect(parsed.contents).toEqual({
      startTimestamp: 1_585_699_200,
      endTimestamp: 1_585_785_600,
      region: 'VN',
      batchNum: 1,
      batchSize: 1,
      signatureInfos: [
        {
          verificationKeyVersion: 'v2',
          verificationKeyId: '452',
          signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
        },
      ],
      keys: [
        {
          keyData,
          transmissionRiskLevel: 3,
          rollingStartIntervalNumber: 2_642_832,
          rollingPeriod: 144,
          reportType: 4,
          daysSinceOnsetOfSymptoms: -5,
        },
        { keyData: new Uint8Array(16).fill(7), rollingStartIntervalNumber: 2_642_688, rollingPeriod: 144 },
      ],
      revisedKeys: [
        {
          keyData: new Uint8Array(16).fill(9),
          rollingStartIntervalNumber: 2_642_544,
          rollingPeriod: 72,
          reportType: 5,
        },
      ],
    });
    expect(parsed.signatures[0]!.signature).toEqual(signature);
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(success(await exportVerifyFile(parsed, publicPem))).toEqual({
      keyId: '452',
      keyVersion: 'v2',
      signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
    });
    // One flipped bit in a key and the OpenSSL signature no longer verifies with us either.
    const flipped = bin.slice();
    flipped[bin.indexOf(0xa5)]! ^= 1;
    const result = await exportOpenFile(zipWrite({ 'export.bin': flipped, 'export.sig': sig }), publicPem);
    expect(result.ok ? 'verified' : result.error.code).toBe('export_signature_invalid');
  });

  it('writes files the independent reader decodes and OpenSSL verifies (property)', async () => {
    const { signer, publicKey } = await newSigner('452', 'v1');
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
    await fc.assert(
      fc.asyncProperty(
        fc.array(exposureKeyArb, { maxLength: 12 }),
        fc.array(exposureKeyArb, { maxLength: 2 }),
        async (keys, revisedKeys) => {
          const zip = await exportWriteFile(
            { region: 'VN', startTimestamp: 1_585_699_200, endTimestamp: 1_585_785_600, keys, revisedKeys },
            signer,
          );
          const files = zipRead(zip);
          expect(Object.keys(files).sort()).toEqual(['export.bin', 'export.sig']);
          const bin = files['export.bin']!;
          expect(bin.subarray(0, 16)).toEqual(HEADER);

          const message = pbRead(bin.subarray(16));
          expect(num(one(message, 1))).toBe(1_585_699_200);
          expect(message.find((f) => f.field === 1)!.wire).toBe(1); // fixed64
          expect(num(one(message, 2))).toBe(1_585_785_600);
          expect(text(one(message, 3))).toBe('VN');
          expect([num(one(message, 4)), num(one(message, 5))]).toEqual([1, 1]);
          const info = pbRead(all(message, 6)[0]!);
          expect([text(one(info, 3)), text(one(info, 4)), text(one(info, 5))]).toEqual([
            'v1',
            '452',
            '1.2.840.10045.4.3.2',
          ]);
          const decodeKey = (bytes: Uint8Array) => {
            const f = pbRead(bytes);
            const out: Record<string, unknown> = {
              keyData: one(f, 1),
              rollingStartIntervalNumber: num(one(f, 3)),
              rollingPeriod: num(one(f, 4)) ?? 144,
            };
            if (one(f, 2) !== undefined) out['transmissionRiskLevel'] = num(one(f, 2));
            if (one(f, 5) !== undefined) out['reportType'] = num(one(f, 5));
            if (one(f, 6) !== undefined) out['daysSinceOnsetOfSymptoms'] = unzigzag(one(f, 6));
            return out;
          };
          expect(all(message, 7).map(decodeKey)).toEqual(keys);
          expect(all(message, 8).map(decodeKey)).toEqual(revisedKeys);

          const signatures = pbRead(files['export.sig']!);
          expect(signatures.every((f) => f.field === 1)).toBe(true);
          const tek = pbRead(all(signatures, 1)[0]!);
          const sigInfo = pbRead(one(tek, 1) as Uint8Array);
          expect(text(one(sigInfo, 5))).toBe('1.2.840.10045.4.3.2');
          expect([num(one(tek, 2)), num(one(tek, 3))]).toEqual([1, 1]);
          const der = one(tek, 4) as Uint8Array;
          expect(der[0]).toBe(0x30);
          const key = { key: Buffer.from(spki), format: 'der', type: 'spki', dsaEncoding: 'der' } as const;
          expect(verify('sha256', bin, key, der)).toBe(true);
          expect(verify('sha256', Uint8Array.of(...bin, 0), key, der)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('batches read back with the independent reader: sorted keys, batch numbers, valid signatures', async () => {
    const { signer, publicKey } = await newSigner();
    const spki = Buffer.from(await crypto.subtle.exportKey('spki', publicKey));
    const keys = Array.from({ length: 7 }, (_, i) => key(i * 13, 1));
    const batch = await exportWriteBatch({
      region: 'VN',
      startTimestamp: 1_585_699_200,
      endTimestamp: 1_585_785_600,
      keys,
      signers: signer,
      maxKeysPerFile: 3,
    });
    expect(batch.files).toHaveLength(3);
    const seen: string[] = [];
    for (const file of batch.files) {
      const files = zipRead(file.zip);
      const message = pbRead(files['export.bin']!.subarray(16));
      expect([num(one(message, 4)), num(one(message, 5))]).toEqual([file.batchNum, 3]);
      seen.push(...all(message, 7).map((k) => Buffer.from(one(pbRead(k), 1) as Uint8Array).toString('hex')));
      const tek = pbRead(all(pbRead(files['export.sig']!), 1)[0]!);
      expect(
        verify(
          'sha256',
          files['export.bin']!,
          { key: spki, format: 'der', type: 'spki', dsaEncoding: 'der' },
          one(tek, 4) as Uint8Array,
        ),
      ).toBe(true);
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen).toHaveLength(7);
  });
});
