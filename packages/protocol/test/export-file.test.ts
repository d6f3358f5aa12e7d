import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  EXPORT_HEADER,
  EXPORT_MAX_KEYS_PER_FILE,
  EXPORT_SIGNATURE_ALGORITHM,
  type ExposureKey,
  exportDecodeBin,
  exportEncodeBin,
  exportEncodeSignatureList,
  exportGenerateSigningKeyPair,
  exportImportSigningKey,
  exportImportVerificationKey,
  exportKeyToPem,
  exportOpenFile,
  exportParseFile,
  exportParseFileOrThrow,
  exportSignBytes,
  exportValidateKey,
  exportVerifyBytes,
  exportVerifyFile,
  exportWriteBatch,
  exportWriteFile,
  ProtocolError,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DAY, exposureKeyArb, failure, key, newSigner, rezip, success } from './export-helpers.js';

const header = { region: 'VN', startTimestamp: 1_585_699_200, endTimestamp: 1_585_785_600 };

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<ProtocolError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    return error as ProtocolError;
  }
  throw new Error(`expected a ProtocolError ${code}`);
}

describe('key export file: write → parse → verify', () => {
  it('round-trips every field of any keys, region and timestamps (property)', async () => {
    const { signer, publicKey } = await newSigner('452', 'v7');
    await fc.assert(
      fc.asyncProperty(
        fc.array(exposureKeyArb, { maxLength: 20 }),
        fc.array(exposureKeyArb, { maxLength: 3 }),
        fc.string({ maxLength: 10 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        async (keys, revisedKeys, region, start, length) => {
          const zip = await exportWriteFile(
            { region, startTimestamp: start, endTimestamp: start + length, keys, revisedKeys },
            signer,
          );
          const parsed = success(exportParseFile(zip));
          expect(parsed.contents).toEqual({
            region,
            startTimestamp: start,
            endTimestamp: start + length,
            batchNum: 1,
            batchSize: 1,
            signatureInfos: [
              {
                verificationKeyId: '452',
                verificationKeyVersion: 'v7',
                signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
              },
            ],
            keys,
            revisedKeys,
          });
          expect(parsed.signatures).toHaveLength(1);
          expect(parsed.signatures[0]).toMatchObject({ batchNum: 1, batchSize: 1, verificationKeyId: '452' });
          expect(success(await exportVerifyFile(parsed, publicKey))).toEqual({
            keyId: '452',
            keyVersion: 'v7',
            signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('lays out export.bin as the 16-byte header then the protobuf, and zips export.bin and export.sig', async () => {
    const { signer } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, signer);
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual(['export.bin', 'export.sig']);
    const bin = entries['export.bin']!;
    expect(new TextDecoder().decode(bin.subarray(0, 16))).toBe('EK Export v1    ');
    expect(EXPORT_HEADER).toEqual(bin.subarray(0, 16));
    // First field: start_timestamp, field 1, wire type 1 (fixed64) = tag 0x09.
    expect(bin[16]).toBe(0x09);
    // The signature entry verifies with the bytes of export.bin.
    const parsed = exportParseFileOrThrow(zip);
    expect(parsed.exportBin).toEqual(bin);
  });

  it('encodes the one-key example of docs/export-files.md byte for byte', () => {
    const bin = exportEncodeBin({
      region: 'VN',
      startTimestamp: 1_585_699_200,
      endTimestamp: 1_585_785_600,
      batchNum: 1,
      batchSize: 1,
      signatureInfos: [
        {
          verificationKeyVersion: 'v1',
          verificationKeyId: '452',
          signatureAlgorithm: EXPORT_SIGNATURE_ALGORITHM,
        },
      ],
      keys: [
        {
          keyData: Uint8Array.from({ length: 16 }, (_, i) => i),
          rollingStartIntervalNumber: 2_642_832,
          rollingPeriod: 144,
          transmissionRiskLevel: 0,
          reportType: 1,
          daysSinceOnsetOfSymptoms: -2,
        },
      ],
      revisedKeys: [],
    });
    const ascii = (text: string) => Buffer.from(text).toString('hex');
    expect(Buffer.from(bin).toString('hex')).toBe(
      [
        ascii('EK Export v1    '),
        '0980d9835e00000000',
        '11002b855e00000000',
        `1a02${ascii('VN')}`,
        '2001',
        '2801',
        `321e1a02${ascii('v1')}2203${ascii('452')}2a13${ascii('1.2.840.10045.4.3.2')}`,
        // keys: key_data, TRL 0, rolling start 2642832 (varint), period 144, CONFIRMED_TEST, onset −2 (zigzag 3)
        `3a20${'0a10000102030405060708090a0b0c0d0e0f'}${'1000'}${'1890a7a101'}${'209001'}${'2801'}${'3003'}`,
      ].join(''),
    );
    expect(bin).toHaveLength(108);
  });

  it('writes the same export.bin for the same input (deterministic entry, fixed ZIP time)', async () => {
    const { signer } = await newSigner();
    const a = unzipSync(await exportWriteFile({ ...header, keys: [key(1), key(2)] }, signer));
    const b = unzipSync(await exportWriteFile({ ...header, keys: [key(1), key(2)] }, signer));
    expect(a['export.bin']).toEqual(b['export.bin']);
  });

  it('signs with several keys and verifies with either, reporting which', async () => {
    const one = await newSigner('452', 'v1');
    const two = await newSigner('452', 'v2');
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, [one.signer, two.signer]);
    const parsed = success(exportParseFile(zip));
    expect(parsed.signatures.map((s) => s.verificationKeyVersion)).toEqual(['v1', 'v2']);
    expect(parsed.contents.signatureInfos).toHaveLength(2);
    expect(success(await exportVerifyFile(parsed, two.publicKey)).keyVersion).toBe('v2');
    expect(success(await exportVerifyFile(parsed, one.publicKey, { keyVersion: 'v1' })).keyVersion).toBe(
      'v1',
    );
    failure(await exportVerifyFile(parsed, one.publicKey, { keyVersion: 'v2' }), 'export_signature_invalid');
    const none = failure(
      await exportVerifyFile(parsed, one.publicKey, { keyId: '999' }),
      'export_signature_missing',
    );
    expect(none.message).toMatch(/no signature for key id "999"/);
  });

  it('opens (parses and verifies) a download in one call', async () => {
    const { signer, publicKey } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, signer);
    const opened = success(await exportOpenFile(zip, publicKey));
    expect(opened.contents.keys).toEqual([key(1)]);
    expect(opened.verification.keyId).toBe('452');
    const other = await newSigner();
    failure(await exportOpenFile(zip, other.publicKey), 'export_signature_invalid');
    failure(await exportOpenFile(new Uint8Array(10), publicKey), 'export_zip_invalid');
  });
});

describe('key export file: rejections', () => {
  it('rejects bytes that are not a ZIP', () => {
    const error = failure(
      exportParseFile(new TextEncoder().encode('not a zip at all, sorry')),
      'export_zip_invalid',
    );
    expect(error.message).toMatch(/not a readable ZIP archive/);
  });

  it('rejects an archive without export.bin or export.sig, naming the missing file', async () => {
    const { signer } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, signer);
    const noBin = rezip(zip, (e) => ({ 'export.sig': e['export.sig']!, 'readme.txt': new Uint8Array(1) }));
    expect(failure(exportParseFile(noBin), 'export_file_missing').message).toMatch(
      /no export\.bin \(it holds export\.sig, readme\.txt\)/,
    );
    const noSig = rezip(zip, (e) => ({ 'export.bin': e['export.bin']! }));
    expect(failure(exportParseFile(noSig), 'export_file_missing').message).toMatch(/no export\.sig/);
    // Inspection tools may read an unsigned file; verifying it then finds no signature.
    const unsigned = success(exportParseFile(noSig, { requireSignature: false }));
    expect(unsigned.signatures).toEqual([]);
    const { publicKey } = await newSigner();
    failure(await exportVerifyFile(unsigned, publicKey), 'export_signature_missing');
    expect(() => exportParseFileOrThrow(noSig)).toThrow(/no export\.sig/);
  });

  it('rejects a wrong or short header', async () => {
    const { signer } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, signer);
    const bin = unzipSync(zip)['export.bin']!;
    const wrong = bin.slice();
    wrong.set(new TextEncoder().encode('EK Export v2'), 0);
    const error = failure(exportDecodeBin(wrong), 'export_header_invalid');
    expect(error.message).toMatch(
      /must start with the 16-byte header "EK Export v1".*found "EK Export v2 {4}"/,
    );
    failure(exportDecodeBin(bin.subarray(0, 10)), 'export_header_invalid');
    // Zero padding (an old draft of the format) is not the header either.
    const zeroPadded = bin.slice();
    zeroPadded.fill(0, 12, 16);
    failure(exportDecodeBin(zeroPadded), 'export_header_invalid');
    const tampered = rezip(zip, (e) => ({ ...e, 'export.bin': wrong }));
    failure(exportParseFile(tampered), 'export_header_invalid');
  });

  it('rejects a truncated or corrupt protobuf in export.bin and export.sig', async () => {
    const { signer } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1), key(2)] }, signer);
    const { 'export.bin': bin, 'export.sig': sig } = unzipSync(zip) as Record<string, Uint8Array>;
    const truncated = failure(exportDecodeBin(bin!.subarray(0, bin!.length - 5)), 'export_protobuf_invalid');
    expect(truncated.message).toMatch(/export\.bin is not a valid protobuf \(truncated or corrupt\)/);
    // Wire type 7 does not exist.
    failure(exportDecodeBin(Uint8Array.of(...EXPORT_HEADER, 0x0f)), 'export_protobuf_invalid');
    failure(
      exportParseFile(rezip(zip, (e) => ({ ...e, 'export.sig': sig!.subarray(0, sig!.length - 3) }))),
      'export_protobuf_invalid',
    );
  });

  it('rejects an unknown signature algorithm', async () => {
    const { signer, publicKey } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, signer);
    const parsed = success(exportParseFile(zip));
    const sig = exportEncodeSignatureList(
      parsed.signatures.map((s) => ({ ...s, signatureAlgorithm: '1.2.840.10045.4.3.4' })),
    );
    const reparsed = success(exportParseFile(rezip(zip, (e) => ({ ...e, 'export.sig': sig }))));
    expect(reparsed.signatures[0]!.signatureAlgorithm).toBe('1.2.840.10045.4.3.4');
    const error = failure(
      await exportVerifyFile(reparsed, publicKey),
      'export_signature_algorithm_unsupported',
    );
    expect(error.message).toMatch(/"1\.2\.840\.10045\.4\.3\.4" is not supported.*1\.2\.840\.10045\.4\.3\.2/);
  });

  it('rejects a bad signature: altered export.bin, another key, a mangled DER signature', async () => {
    const { signer, publicKey } = await newSigner();
    const zip = await exportWriteFile({ ...header, keys: [key(1)] }, signer);
    const altered = exportEncodeBin({
      ...success(exportParseFile(zip)).contents,
      keys: [key(2)],
    });
    const tampered = success(exportParseFile(rezip(zip, (e) => ({ ...e, 'export.bin': altered }))));
    const error = failure(await exportVerifyFile(tampered, publicKey), 'export_signature_invalid');
    expect(error.message).toMatch(/does not verify export\.bin with this public key/);

    const other = await newSigner();
    failure(
      await exportVerifyFile(success(exportParseFile(zip)), other.publicKey),
      'export_signature_invalid',
    );

    const parsed = success(exportParseFile(zip));
    const mangled = parsed.signatures.map((s) => ({ ...s, signature: s.signature.slice(0, -1) }));
    const withMangled = rezip(zip, (e) => ({ ...e, 'export.sig': exportEncodeSignatureList(mangled) }));
    failure(
      await exportVerifyFile(success(exportParseFile(withMangled)), publicKey),
      'export_signature_invalid',
    );
  });

  it('rejects too many keys when writing and when parsing', async () => {
    const { signer } = await newSigner();
    const keys = [key(1), key(2), key(3)];
    const error = await expectCode(
      exportWriteFile({ ...header, keys, revisedKeys: [key(4)] }, signer, { maxKeysPerFile: 3 }),
      'export_too_many_keys',
    );
    expect(error.message).toMatch(/at most 3 keys, got 4/);
    // A file of 750,001 (empty) key messages: field 7, length 0.
    const count = EXPORT_MAX_KEYS_PER_FILE + 1;
    const body = new Uint8Array(16 + 2 * count);
    body.set(EXPORT_HEADER, 0);
    for (let i = 0; i < count; i++) body[16 + 2 * i] = 0x3a;
    expect(failure(exportDecodeBin(body), 'export_too_many_keys').message).toMatch(/holds 750001 keys/);
  });

  it('rejects every invalid key field, on write and on parse, naming the key and the rule', async () => {
    const { signer } = await newSigner();
    const cases: [Partial<ExposureKey>, RegExp][] = [
      [{ keyData: new Uint8Array(15) }, /key_data must be 16 bytes, got 15 bytes/],
      [{ keyData: new Uint8Array(17) }, /key_data must be 16 bytes/],
      [{ rollingPeriod: 0 }, /rolling_period must be a whole number from 1 to 144, got 0/],
      [{ rollingPeriod: 145 }, /rolling_period .* got 145/],
      [{ rollingPeriod: 1.5 }, /rolling_period/],
      [{ transmissionRiskLevel: -1 }, /transmission_risk_level must be a whole number from 0 to 8, got -1/],
      [{ transmissionRiskLevel: 9 }, /transmission_risk_level .* got 9/],
      [
        { daysSinceOnsetOfSymptoms: -15 },
        /days_since_onset_of_symptoms must be a whole number from -14 to 14, got -15/,
      ],
      [{ daysSinceOnsetOfSymptoms: 15 }, /days_since_onset_of_symptoms .* got 15/],
      [{ reportType: 6 as 5 }, /report_type must be a whole number from 0 to 5, got 6/],
      [{ rollingStartIntervalNumber: -1 }, /rolling_start_interval_number must be a whole number from 0/],
      [{ rollingStartIntervalNumber: 2 ** 31 }, /rolling_start_interval_number/],
    ];
    for (const [fields, message] of cases) {
      const bad = key(9, 1, fields);
      const error = await expectCode(
        exportWriteFile({ ...header, keys: [key(1), bad] }, signer),
        'export_key_invalid',
      );
      expect(error.message).toMatch(/^keys\[1\]: /);
      expect(error.message).toMatch(message);
      expect(() => exportValidateKey(bad)).toThrow(message);
    }
    // On parse: encode without validation, then decode.
    const bins: [Uint8Array, RegExp][] = [
      [
        exportEncodeBin({
          ...header,
          batchNum: 1,
          batchSize: 1,
          signatureInfos: [],
          keys: [key(1), key(2, 1, { rollingPeriod: 200 })],
          revisedKeys: [],
        }),
        /^keys\[1\]: rolling_period/,
      ],
      [
        exportEncodeBin({
          ...header,
          batchNum: 1,
          batchSize: 1,
          signatureInfos: [],
          keys: [],
          revisedKeys: [key(2, 1, { keyData: new Uint8Array(3) })],
        }),
        /^revised_keys\[0\]: key_data must be 16 bytes, got 3 bytes/,
      ],
      [
        exportEncodeBin({
          ...header,
          batchNum: 1,
          batchSize: 1,
          signatureInfos: [],
          keys: [key(2, 1, { daysSinceOnsetOfSymptoms: 20 })],
          revisedKeys: [],
        }),
        /days_since_onset_of_symptoms/,
      ],
      // A key message without rolling_start_interval_number (field 7 holding only key_data).
      [
        Uint8Array.of(...EXPORT_HEADER, 0x3a, 0x12, 0x0a, 0x10, ...new Uint8Array(16)),
        /rolling_start_interval_number is missing/,
      ],
    ];
    for (const [bin, message] of bins) {
      expect(failure(exportDecodeBin(bin), 'export_key_invalid').message).toMatch(message);
    }
  });

  it('rejects bad header fields and signers as invalid arguments', async () => {
    const { signer } = await newSigner();
    await expectCode(
      exportWriteFile({ ...header, startTimestamp: 10, endTimestamp: 5, keys: [] }, signer),
      'invalid_argument',
    );
    await expectCode(
      exportWriteFile({ ...header, batchNum: 3, batchSize: 2, keys: [] }, signer),
      'invalid_argument',
    );
    await expectCode(exportWriteFile({ ...header, keys: [] }, []), 'invalid_argument');
    await expectCode(
      exportWriteFile({ ...header, keys: [] }, { ...signer, keyId: 'no spaces' }),
      'invalid_argument',
    );
    await expectCode(
      exportWriteFile({ ...header, keys: [] }, { ...signer, keyVersion: 'v.1' }),
      'invalid_argument',
    );
    await expectCode(
      exportWriteFile({ ...header, keys: [] }, signer, { maxKeysPerFile: 750_001 }),
      'invalid_argument',
    );
  });

  it('refuses unpacking entries larger than a key file can be', () => {
    // A ZIP whose central directory claims export.bin unpacks to 100 MB.
    const huge = zipSync({ 'export.bin': new Uint8Array(1024) });
    const view = new DataView(huge.buffer, huge.byteOffset, huge.byteLength);
    let central = huge.length - 22;
    while (view.getUint32(central, true) !== 0x02014b50) central--;
    view.setUint32(central + 24, 100 * 1024 * 1024, true);
    expect(failure(exportParseFile(huge), 'export_zip_invalid').message).toMatch(
      /would unpack to 104857600 bytes/,
    );
  });
});

describe('signing keys', () => {
  it('imports PKCS#8 and SEC 1 private keys (PEM and DER) and SPKI / raw public keys', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const data = new TextEncoder().encode('export.bin bytes');
    const pkcs8Pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const sec1Pem = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    const pkcs8Der = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
    const sec1Der = new Uint8Array(privateKey.export({ type: 'sec1', format: 'der' }));
    const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const jwk = publicKey.export({ format: 'jwk' });
    const raw = Uint8Array.of(4, ...Buffer.from(jwk.x!, 'base64url'), ...Buffer.from(jwk.y!, 'base64url'));
    const publics = await Promise.all(
      [spkiPem, spkiDer, raw, new TextEncoder().encode(spkiPem)].map((k) => exportImportVerificationKey(k)),
    );
    for (const input of [pkcs8Pem, sec1Pem, pkcs8Der, sec1Der, new TextEncoder().encode(sec1Pem)]) {
      const signing = await exportImportSigningKey(input);
      const signature = await exportSignBytes(data, signing);
      for (const verifying of publics) expect(await exportVerifyBytes(data, signature, verifying)).toBe(true);
      expect(await exportVerifyBytes(Uint8Array.of(1, ...data), signature, publics[0]!)).toBe(false);
    }
  });

  it('generates key pairs and writes them as PEM that imports again', async () => {
    const pair = await exportGenerateSigningKeyPair();
    const privatePem = await exportKeyToPem(pair.privateKey);
    const publicPem = await exportKeyToPem(pair.publicKey);
    expect(privatePem).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----\n$/,
    );
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(privatePem.split('\n').every((line) => line.length <= 64)).toBe(true);
    const data = Uint8Array.of(1, 2, 3);
    const signature = await exportSignBytes(data, await exportImportSigningKey(privatePem));
    expect(await exportVerifyBytes(data, signature, await exportImportVerificationKey(publicPem))).toBe(true);
    // OpenSSL reads the PEM too.
    expect(createPrivateKey(privatePem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPublicKey(publicPem).asymmetricKeyType).toBe('ec');
    const imported = await exportImportSigningKey(pair.privateKey);
    expect(imported).toBe(pair.privateKey);
    await expectCode(exportKeyToPem(await exportImportSigningKey(privatePem)), 'export_signing_key_invalid');
  });

  it('rejects keys that are not ECDSA P-256 of the right kind, saying why', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const ed = generateKeyPairSync('ed25519');
    const pair = await exportGenerateSigningKeyPair();
    const publicPem = await exportKeyToPem(pair.publicKey);
    const privatePem = await exportKeyToPem(pair.privateKey);
    const cases: [Promise<unknown>, RegExp][] = [
      [exportImportSigningKey('hello'), /not PEM/],
      [
        exportImportSigningKey(publicPem),
        /expected a PRIVATE KEY or EC PRIVATE KEY PEM block .* found PUBLIC KEY/,
      ],
      [exportImportVerificationKey(privatePem), /expected a PUBLIC KEY PEM block .* found PRIVATE KEY/],
      [
        exportImportSigningKey('-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----'),
        /not valid base64/,
      ],
      [
        exportImportSigningKey(p384.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        /not an ECDSA P-256 private key/,
      ],
      [
        exportImportSigningKey(ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        /not an ECDSA P-256/,
      ],
      [
        exportImportVerificationKey(p384.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        /not an ECDSA P-256 public key/,
      ],
      [exportImportVerificationKey(new Uint8Array(65).fill(4)), /not an ECDSA P-256 public key/],
      [exportImportSigningKey(pair.publicKey), /expected a private key, got a public key/],
      [exportImportVerificationKey(pair.privateKey), /expected a public key, got a private key/],
      [exportSignBytes(Uint8Array.of(1), pair.publicKey), /expected a private key/],
    ];
    for (const [promise, message] of cases) {
      const error = await expectCode(promise, 'export_signing_key_invalid');
      expect(error.message).toMatch(message);
    }
  });

  it('is usable for a whole batch with a key imported from PEM', async () => {
    const pair = await exportGenerateSigningKeyPair();
    const privateKey = await exportImportSigningKey(await exportKeyToPem(pair.privateKey));
    const batch = await exportWriteBatch({
      ...header,
      keys: [key(1, 2), key(2, 3)],
      signers: { privateKey, keyId: '452', keyVersion: 'v1' },
    });
    const opened = success(await exportOpenFile(batch.files[0]!.zip, await exportKeyToPem(pair.publicKey)));
    expect(opened.contents.keys).toHaveLength(2);
    expect(opened.contents.keys.every((k) => k.rollingStartIntervalNumber < DAY)).toBe(true);
  });
});
