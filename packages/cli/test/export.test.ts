import { generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportEncodeBin, exportParseFile } from '@bluezone/protocol';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

/** 2020-04-02T00:00Z as an ENIntervalNumber. */
const DAY = 2_642_976;
const END = '2020-04-02T00:00:00Z';

const b64 = (fill: number) => Buffer.from(new Uint8Array(16).fill(fill)).toString('base64');
const keysJson = JSON.stringify([
  {
    keyData: b64(1),
    rollingStartIntervalNumber: DAY - 144,
    rollingPeriod: 144,
    transmissionRiskLevel: 0,
    reportType: 1,
    daysSinceOnsetOfSymptoms: 0,
  },
  { keyData: b64(2), rollingStartIntervalNumber: DAY - 288, reportType: 'RECURSIVE' },
  { keyData: b64(3), rollingStartIntervalNumber: DAY, reportType: 1 }, // still valid at END: held back
]);

async function setup() {
  const t = tempDir();
  const privatePath = join(t.dir, 'private.pem');
  const publicPath = join(t.dir, 'public.pem');
  const keygen = await runCli(['export', 'keygen', '--private-out', privatePath, '--public-out', publicPath]);
  expect(keygen.code).toBe(0);
  const keysPath = t.file('keys.json', keysJson);
  const out = join(t.dir, 'export.zip');
  return { ...t, privatePath, publicPath, keysPath, out };
}

describe('bluezone export keygen / build / inspect', () => {
  it('builds a signed file that inspect reads and verifies (text and JSON)', async () => {
    const s = await setup();
    const build = await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
    ]);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(build.stdout).toContain(`wrote ${s.out}: batch 1 of 1, 2 keys, region VN, signed by key 452 v1`);
    expect(build.stdout).toContain('held back 1 key still valid at 2020-04-02T00:00:00Z (embargo)');

    const text = await runCli(['export', 'inspect', s.out, '--public-key', s.publicPath]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('region        VN');
    expect(text.stdout).toContain('batch         1 of 1');
    expect(text.stdout).toContain('keys          2');
    expect(text.stdout).toContain('report types  CONFIRMED_TEST 1, RECURSIVE 1');
    expect(text.stdout).toContain(
      'signature     key id 452, version v1, algorithm 1.2.840.10045.4.3.2: valid',
    );

    const json = await runCli(['export', 'inspect', s.out, '--json', '--public-key', s.publicPath]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      region: 'VN',
      batchNum: 1,
      batchSize: 1,
      startTimestamp: (DAY - 144) * 600,
      endTimestamp: DAY * 600,
      keys: 2,
      reportTypes: { CONFIRMED_TEST: 1, RECURSIVE: 1 },
      signature: { present: true, valid: true, keyId: '452', keyVersion: 'v1' },
    });
  });

  it('reports valid: null without --public-key, and lists the keys with --keys', async () => {
    const s = await setup();
    await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
      '--region',
      '452',
      '--key-id',
      'vn.moh',
      '--key-version',
      'v3',
    ]);
    const r = await runCli(['export', 'inspect', s.out, '--json', '--keys']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json['region']).toBe('452');
    expect(json['signature']).toEqual({ present: true, valid: null, keyId: 'vn.moh', keyVersion: 'v3' });
    // Sorted by key bytes.
    expect(json['keyList']).toEqual([
      {
        keyData: b64(1),
        rollingStartIntervalNumber: DAY - 144,
        rollingPeriod: 144,
        transmissionRiskLevel: 0,
        reportType: 1,
        daysSinceOnsetOfSymptoms: 0,
      },
      { keyData: b64(2), rollingStartIntervalNumber: DAY - 288, rollingPeriod: 144, reportType: 4 },
    ]);
    const text = await runCli(['export', 'inspect', s.out, '--keys']);
    expect(text.stdout).toContain('not checked (give --public-key)');
    expect(text.stdout).toContain(`${b64(2)}\t${DAY - 288}\t144\t-\tRECURSIVE\t-\n`);
  });

  it('pads to --min-keys and splits by --max-keys-per-file into numbered files', async () => {
    const s = await setup();
    const r = await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
      '--min-keys',
      '5',
      '--max-keys-per-file',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      files: { path: string; batchNum: number; batchSize: number; keys: number }[];
      paddingKeys: number;
      embargoedKeys: number;
    };
    expect(summary.paddingKeys).toBe(3);
    expect(summary.embargoedKeys).toBe(1);
    expect(
      summary.files.map((f) => [f.path.slice(s.dir.length + 1), f.batchNum, f.batchSize, f.keys]),
    ).toEqual([
      ['export-1.zip', 1, 3, 2],
      ['export-2.zip', 2, 3, 2],
      ['export-3.zip', 3, 3, 1],
    ]);
    for (const f of summary.files) {
      const inspect = await runCli(['export', 'inspect', f.path, '--json', '--public-key', s.publicPath]);
      const json = JSON.parse(inspect.stdout) as {
        batchNum: number;
        batchSize: number;
        signature: { valid: boolean };
      };
      expect([json.batchNum, json.batchSize, json.signature.valid]).toEqual([f.batchNum, 3, true]);
    }
  });

  it('writes PEM keys that OpenSSL uses, and accepts OpenSSL keys (SEC 1 private key)', async () => {
    const s = await setup();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sec1 = s.file('sec1.pem', privateKey.export({ type: 'sec1', format: 'pem' }) as string);
    const spki = s.file('spki.pem', publicKey.export({ type: 'spki', format: 'pem' }) as string);
    expect(
      (
        await runCli([
          'export',
          'build',
          '--keys',
          s.keysPath,
          '--private-key',
          sec1,
          '--out',
          s.out,
          '--end',
          END,
        ])
      ).code,
    ).toBe(0);
    const r = await runCli(['export', 'inspect', s.out, '--json', '--public-key', spki]);
    expect(JSON.parse(r.stdout).signature.valid).toBe(true);
    // OpenSSL verifies the signature over export.bin with the public key keygen wrote.
    await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
    ]);
    const parsed = exportParseFile(new Uint8Array(readFileSync(s.out)));
    if (!parsed.ok) throw parsed.error;
    const pem = readFileSync(s.publicPath, 'utf8');
    expect(
      verify(
        'sha256',
        parsed.value.exportBin,
        { key: pem, dsaEncoding: 'der' },
        parsed.value.signatures[0]!.signature,
      ),
    ).toBe(true);
  });

  it('reports a tampered file as invalid (exit code 2) and a file signed by another key too', async () => {
    const s = await setup();
    await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
    ]);
    const entries = unzipSync(new Uint8Array(readFileSync(s.out)));
    const parsed = exportParseFile(new Uint8Array(readFileSync(s.out)));
    if (!parsed.ok) throw parsed.error;
    const altered = exportEncodeBin({ ...parsed.value.contents, region: 'XX' });
    const tampered = s.file('tampered.zip', zipSync({ ...entries, 'export.bin': altered }));
    const r = await runCli(['export', 'inspect', tampered, '--json', '--public-key', s.publicPath]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).signature).toEqual({
      present: true,
      valid: false,
      keyId: '452',
      keyVersion: 'v1',
    });
    expect(r.stderr).toMatch(
      /^bluezone: .*tampered\.zip: the signature is invalid: .*does not verify export\.bin/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    const text = await runCli(['export', 'inspect', tampered, '--public-key', s.publicPath]);
    expect(text.stdout).toContain(': INVALID');
    expect(text.code).toBe(2);

    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const other = await runCli(['export', 'inspect', s.out, '--public-key', s.file('other.pem', otherKey)]);
    expect(other.code).toBe(2);

    // A flipped byte in the compressed data: unreadable or invalid, never accepted.
    const bytes = new Uint8Array(readFileSync(s.out));
    bytes[60]! ^= 0xff;
    writeFileSync(join(s.dir, 'flipped.zip'), bytes);
    const flipped = await runCli([
      'export',
      'inspect',
      join(s.dir, 'flipped.zip'),
      '--public-key',
      s.publicPath,
    ]);
    expect(flipped.code).toBe(2);
    expect(flipped.stderr).toMatch(/^bluezone: /);
  });

  it('inspects an unsigned file, saying the signature is absent', async () => {
    const s = await setup();
    await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
    ]);
    const { 'export.bin': bin } = unzipSync(new Uint8Array(readFileSync(s.out)));
    const unsigned = s.file('unsigned.zip', zipSync({ 'export.bin': bin! }));
    const r = await runCli(['export', 'inspect', unsigned]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signature     absent (no export.sig)');
    const json = await runCli(['export', 'inspect', unsigned, '--json', '--public-key', s.publicPath]);
    expect(JSON.parse(json.stdout).signature).toEqual({
      present: false,
      valid: false,
      keyId: null,
      keyVersion: null,
    });
    expect(json.code).toBe(2);
  });
});

describe('bluezone export: user errors (exit code 2, one line)', () => {
  const oneLine = (stderr: string) => {
    expect(stderr.startsWith('bluezone: ')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  };

  it('rejects missing files', async () => {
    const s = await setup();
    const missingZip = await runCli(['export', 'inspect', join(s.dir, 'nope.zip')]);
    expect(missingZip.code).toBe(2);
    expect(missingZip.stderr).toMatch(/cannot read .*nope\.zip: no such file/);
    oneLine(missingZip.stderr);
    const missingKeys = await runCli([
      'export',
      'build',
      '--keys',
      join(s.dir, 'nope.json'),
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
    ]);
    expect(missingKeys.code).toBe(2);
    expect(missingKeys.stderr).toMatch(/nope\.json: no such file/);
    const missingPem = await runCli(['export', 'inspect', s.out, '--public-key', join(s.dir, 'nope.pem')]);
    expect(missingPem.code).toBe(2);
  });

  it.each([
    ['{not json', /keys\.json is not valid JSON/],
    ['{"a":1}', /must hold a JSON array of keys such as \[\{"keyData":"<base64>"/],
    ['[1]', /keys\.json\[0\] must be a key object/],
    [
      '[{"keyData":"AAAA","rollingStartIntervalNumber":1}]',
      /keys\.json\[0\]\.keyData must be 16 bytes \(24 base64 characters\), got 3 bytes/,
    ],
    [
      '[{"keyData":"not base64!","rollingStartIntervalNumber":1}]',
      /keyData must be a base64 string of 16 bytes/,
    ],
    [`[{"keyData":"${b64(1)}"}]`, /keys\.json\[0\]\.rollingStartIntervalNumber is missing/],
    [
      `[{"keyData":"${b64(1)}","rollingStartIntervalNumber":1,"rollingPeriods":144}]`,
      /unknown field "rollingPeriods"/,
    ],
    [
      `[{"keyData":"${b64(1)}","rollingStartIntervalNumber":1,"reportType":"POSITIVE"}]`,
      /reportType must be one of UNKNOWN, CONFIRMED_TEST/,
    ],
    [
      `[{"keyData":"${b64(1)}","rollingStartIntervalNumber":1,"rollingPeriod":"144"}]`,
      /rollingPeriod must be a whole number, got "144"/,
    ],
    [
      `[{"keyData":"${b64(1)}","rollingStartIntervalNumber":1,"rollingPeriod":145}]`,
      /keys\.json: keys\[0\]: rolling_period must be a whole number from 1 to 144, got 145/,
    ],
    [
      `[{"keyData":"${b64(1)}","rollingStartIntervalNumber":1,"daysSinceOnsetOfSymptoms":-20}]`,
      /days_since_onset_of_symptoms .* got -20/,
    ],
    [
      `[{"keyData":"${b64(1)}","rollingStartIntervalNumber":1,"transmissionRiskLevel":9}]`,
      /transmission_risk_level .* got 9/,
    ],
  ])('rejects bad keys JSON %s', async (content, message) => {
    const s = await setup();
    const keys = s.file('keys.json', content);
    const r = await runCli([
      'export',
      'build',
      '--keys',
      keys,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    oneLine(r.stderr);
  });

  it('rejects bad keys: not PEM, the wrong kind, the wrong curve', async () => {
    const s = await setup();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const cases: [string, string[], RegExp][] = [
      [s.file('junk.pem', 'hello'), ['build'], /junk\.pem: the private key is not PEM/],
      [
        s.publicPath,
        ['build'],
        /public\.pem: expected a PRIVATE KEY or EC PRIVATE KEY PEM block for the private key, found PUBLIC KEY/,
      ],
      [
        s.file('p384.pem', p384.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        ['build'],
        /p384\.pem: the private key is not an ECDSA P-256 private key/,
      ],
      [s.privatePath, ['inspect'], /private\.pem: expected a PUBLIC KEY PEM block/],
    ];
    await runCli([
      'export',
      'build',
      '--keys',
      s.keysPath,
      '--private-key',
      s.privatePath,
      '--out',
      s.out,
      '--end',
      END,
    ]);
    for (const [key, [command], message] of cases) {
      const argv =
        command === 'build'
          ? [
              'export',
              'build',
              '--keys',
              s.keysPath,
              '--private-key',
              key,
              '--out',
              join(s.dir, 'x.zip'),
              '--end',
              END,
            ]
          : ['export', 'inspect', s.out, '--public-key', key];
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      oneLine(r.stderr);
    }
  });

  it('rejects files that are not key files, with the reason', async () => {
    const s = await setup();
    const cases: [string, Uint8Array, RegExp][] = [
      ['text.zip', new TextEncoder().encode('hello, not a zip'), /not a readable ZIP archive/],
      [
        'nobin.zip',
        zipSync({ 'other.txt': new Uint8Array(3) }),
        /the archive has no export\.bin \(it holds other\.txt\)/,
      ],
      [
        'header.zip',
        zipSync({ 'export.bin': new TextEncoder().encode('EK Export v2    \x08\x01') }),
        /must start with the 16-byte header "EK Export v1"/,
      ],
      [
        'truncated.zip',
        zipSync({ 'export.bin': new TextEncoder().encode('EK Export v1    \x1a\x05VN') }),
        /not a valid protobuf/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const r = await runCli(['export', 'inspect', s.file(name, bytes)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      oneLine(r.stderr);
    }
  });

  it('rejects bad options', async () => {
    const s = await setup();
    const base = ['export', 'build', '--keys', s.keysPath, '--private-key', s.privatePath, '--out', s.out];
    const cases: [string[], RegExp][] = [
      [['--min-keys', '-1'], /--min-keys must be a whole number/],
      [['--max-keys-per-file', '750001'], /--max-keys-per-file must be a whole number from 1 to 750000/],
      [['--end', 'yesterday'], /--end must be an ISO 8601 time/],
      [['--start', '2020-04-03T00:00:00Z', '--end', END], /--start must not be after --end/],
      [['--key-id', 'has space', '--end', END], /key id may hold letters, digits/],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli([...base, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      oneLine(r.stderr);
    }
    const again = await runCli([
      'export',
      'keygen',
      '--private-out',
      s.privatePath,
      '--public-out',
      join(s.dir, 'new.pem'),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/private\.pem already exists; refusing to overwrite a key/);
    const missing = await runCli(['export', 'build', '--keys', s.keysPath]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--private-key <pem>' not specified/);
  });
});
