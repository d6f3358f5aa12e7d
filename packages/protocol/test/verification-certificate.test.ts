import {
  type CertificateRequest,
  type CertificateTrustedKey,
  type CertificateUpload,
  type CertificateVerifyOptions,
  calculateVerificationHmac,
  certificateReportTypeToReportType,
  DEFAULT_CERTIFICATE_CLOCK_SKEW_SECONDS,
  DEFAULT_CERTIFICATE_LIFETIME_SECONDS,
  nobleCrypto,
  ProtocolError,
  ReportType,
  reportTypeToCertificateReportType,
  signVerificationCertificate,
  type VerificationExposureKey,
  verificationBase64Encode,
  verifyVerificationCertificate,
  verifyVerificationCertificateOrThrow,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader, exportJWK, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

const ISSUER = 'https://verify.bluezone.example';
const AUDIENCE = 'https://keys.bluezone.example';
const KID = 'vs-2026-1';
const NOW = 1_780_000_000; // Unix seconds

async function p256(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

let issuerKeys: CryptoKeyPair;
let otherKeys: CryptoKeyPair;
let trusted: CertificateTrustedKey[];

beforeAll(async () => {
  issuerKeys = await p256();
  otherKeys = await p256();
  trusted = [
    { issuer: ISSUER, kid: KID, publicKey: issuerKeys.publicKey },
    { issuer: 'https://other-verifier.example', kid: 'other-1', publicKey: otherKeys.publicKey },
  ];
});

const keys: VerificationExposureKey[] = Array.from({ length: 5 }, (_, i) => ({
  keyData: Uint8Array.from({ length: 16 }, (_, j) => (i * 31 + j * 7) & 0xff),
  rollingStartIntervalNumber: 2_966_400 + i * 144,
  rollingPeriod: 144,
  transmissionRiskLevel: i % 3,
}));
const hmacKey = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const upload: CertificateUpload = { keys, hmacKey: verificationBase64Encode(hmacKey) };

function request(overrides: Partial<CertificateRequest> = {}): CertificateRequest {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    healthAuthority: 'vn-hcdc',
    tekmac: calculateVerificationHmac(keys, hmacKey),
    reportType: 'confirmed',
    symptomOnsetInterval: 2_966_256,
    now: NOW,
    ...overrides,
  };
}

function options(overrides: Partial<CertificateVerifyOptions> = {}): CertificateVerifyOptions {
  return { trustedKeys: trusted, audience: AUDIENCE, now: NOW + 60, ...overrides };
}

const sign = (overrides: Partial<CertificateRequest> = {}, privateKey = issuerKeys.privateKey, kid = KID) =>
  signVerificationCertificate(request(overrides), { kid, privateKey });

async function expectFailure(
  token: string,
  code: string,
  opts: Partial<CertificateVerifyOptions> = {},
  up: CertificateUpload = upload,
): Promise<ProtocolError> {
  const result = await verifyVerificationCertificate(token, up, options(opts));
  if (result.ok) throw new Error(`expected ${code}, the certificate verified`);
  expect(result.error).toBeInstanceOf(ProtocolError);
  expect(result.error.code).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(20);
  return result.error;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with the standard claims of {@link request} plus `claims`, signed by the trusted key. */
async function signRaw(claims: JWTPayload, header: Record<string, unknown> = { alg: 'ES256', kid: KID }) {
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    iat: NOW,
    exp: NOW + 900,
    tekmac: verificationBase64Encode(calculateVerificationHmac(keys, hmacKey)),
    reportType: 'confirmed',
    healthAuthority: 'vn-hcdc',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(issuerKeys.privateKey);
}

describe('signing', () => {
  it('writes an ES256 JWT with kid and the documented claims', async () => {
    const token = await sign();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: KID, typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      iat: NOW,
      exp: NOW + DEFAULT_CERTIFICATE_LIFETIME_SECONDS,
      tekmac: verificationBase64Encode(calculateVerificationHmac(keys, hmacKey)),
      reportType: 'confirmed',
      symptomOnsetInterval: 2_966_256,
      healthAuthority: 'vn-hcdc',
    });
  });

  it('omits an unknown onset, truncates fractional time and honours the lifetime', async () => {
    const claims = decodeJwt(
      await sign({ symptomOnsetInterval: undefined, now: NOW + 0.9, lifetimeSeconds: 60 }),
    );
    expect(claims).not.toHaveProperty('symptomOnsetInterval');
    expect(claims.iat).toBe(NOW);
    expect(claims.exp).toBe(NOW + 60);
  });

  it('accepts the tekmac as base64, as the phone sends it', async () => {
    const tekmac = verificationBase64Encode(calculateVerificationHmac(keys, hmacKey));
    expect(decodeJwt(await sign({ tekmac }))['tekmac']).toBe(tekmac);
  });

  it('rejects bad requests with invalid_argument / invalid_length / invalid_base64', async () => {
    const cases: [Partial<CertificateRequest>, string][] = [
      [{ issuer: '' }, 'invalid_argument'],
      [{ audience: '' }, 'invalid_argument'],
      [{ healthAuthority: '' }, 'invalid_argument'],
      [{ reportType: 'positive' as never }, 'invalid_argument'],
      [{ symptomOnsetInterval: 0 }, 'invalid_argument'],
      [{ symptomOnsetInterval: 1.5 }, 'invalid_argument'],
      [{ now: Number.NaN }, 'invalid_argument'],
      [{ lifetimeSeconds: 0 }, 'invalid_argument'],
      [{ tekmac: new Uint8Array(31) }, 'invalid_length'],
      [{ tekmac: 'AAAA' }, 'invalid_length'],
      [{ tekmac: 'not base64!' }, 'invalid_base64'],
    ];
    for (const [overrides, code] of cases) {
      await expect(sign(overrides)).rejects.toMatchObject({ name: 'ProtocolError', code });
    }
    await expect(sign({}, issuerKeys.privateKey, '')).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('rejects a key that cannot sign ES256', async () => {
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ]);
    await expect(sign({}, p384.privateKey)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(sign({}, issuerKeys.publicKey)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('verification of a valid certificate', () => {
  it('returns the claims for the key server to apply', async () => {
    const result = await verifyVerificationCertificate(await sign(), upload, options());
    expect(result).toEqual({
      ok: true,
      value: {
        issuer: ISSUER,
        kid: KID,
        healthAuthority: 'vn-hcdc',
        reportType: 'confirmed',
        keyReportType: ReportType.CONFIRMED_TEST,
        symptomOnsetInterval: 2_966_256,
        issuedAt: NOW,
        expiresAt: NOW + DEFAULT_CERTIFICATE_LIFETIME_SECONDS,
      },
    });
  });

  it('accepts the keys in any order, the hmackey as bytes, and a JWK public key', async () => {
    const token = await sign({ reportType: 'recursive' });
    const jwk = await exportJWK(issuerKeys.publicKey);
    const verified = await verifyVerificationCertificateOrThrow(
      token,
      { keys: [...keys].reverse(), hmacKey },
      options({ trustedKeys: [{ issuer: ISSUER, kid: KID, publicKey: jwk }], crypto: nobleCrypto }),
    );
    expect(verified.reportType).toBe('recursive');
    expect(verified.keyReportType).toBe(ReportType.RECURSIVE);
  });

  it('accepts the legacy HMAC (without transmission risk) when every risk is 0', async () => {
    const zeroed = keys.map((k) => ({ ...k, transmissionRiskLevel: 0 }));
    const legacy = calculateVerificationHmac(zeroed, hmacKey, nobleCrypto, 'legacy');
    const token = await sign({ tekmac: legacy });
    expect((await verifyVerificationCertificate(token, { ...upload, keys: zeroed }, options())).ok).toBe(
      true,
    );
    await expectFailure(token, 'certificate_hmac_mismatch', {}, { ...upload, keys });
  });

  it('treats a symptomOnsetInterval claim of 0 as absent, as Google does', async () => {
    const verified = await verifyVerificationCertificateOrThrow(
      await signRaw({ symptomOnsetInterval: 0 }),
      upload,
      options(),
    );
    expect(verified.symptomOnsetInterval).toBeUndefined();
  });

  it('maps negative certificates to no report type: the keys are not to be published', async () => {
    const verified = await verifyVerificationCertificateOrThrow(
      await sign({ reportType: 'negative' }),
      upload,
      options(),
    );
    expect(verified.keyReportType).toBeUndefined();
  });
});

describe('rejections', () => {
  it('tampered uploads: a changed, missing or extra key, or another hmackey', async () => {
    const token = await sign();
    const changed = keys.map((k, i) => (i === 2 ? { ...k, rollingPeriod: 143 } : k));
    await expectFailure(token, 'certificate_hmac_mismatch', {}, { ...upload, keys: changed });
    await expectFailure(token, 'certificate_hmac_mismatch', {}, { ...upload, keys: keys.slice(1) });
    await expectFailure(
      token,
      'certificate_hmac_mismatch',
      {},
      { ...upload, keys: [...keys, { ...keys[0]!, rollingStartIntervalNumber: 2_967_840 }] },
    );
    const otherKey = Uint8Array.from(hmacKey);
    otherKey[0]! ^= 1;
    await expectFailure(token, 'certificate_hmac_mismatch', {}, { keys, hmacKey: otherKey });
  });

  it('a payload edited after signing', async () => {
    const [h, p, s] = (await sign()).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as JWTPayload;
    for (const edit of [
      { reportType: 'recursive' },
      { exp: NOW + 86_400 },
      { healthAuthority: 'vn-other' },
    ]) {
      await expectFailure(`${h}.${b64url({ ...claims, ...edit })}.${s}`, 'certificate_invalid_signature');
    }
  });

  it('a signature byte flipped', async () => {
    const token = await sign();
    const [h, p, s] = token.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 0x80;
    await expectFailure(`${h}.${p}.${sig.toString('base64url')}`, 'certificate_invalid_signature');
  });

  it('claims re-signed with another key under a trusted kid', async () => {
    await expectFailure(
      await sign({ reportType: 'recursive' }, otherKeys.privateKey),
      'certificate_invalid_signature',
    );
  });

  it('a kid the issuer does not have, or one outside its validity window', async () => {
    const error = await expectFailure(
      await sign({}, issuerKeys.privateKey, 'vs-2099'),
      'certificate_unknown_key',
    );
    expect(error.message).toContain('vs-2099');
    // A kid of another issuer is not a key of this one.
    await expectFailure(await sign({}, otherKeys.privateKey, 'other-1'), 'certificate_unknown_key');
    const token = await sign();
    const windowed = (w: Partial<CertificateTrustedKey>) =>
      options({ trustedKeys: [{ issuer: ISSUER, kid: KID, publicKey: issuerKeys.publicKey, ...w }] });
    await expectFailure(token, 'certificate_unknown_key', windowed({ validUntil: NOW + 60 }));
    await expectFailure(token, 'certificate_unknown_key', windowed({ validFrom: NOW + 61 }));
    expect(
      (await verifyVerificationCertificate(token, upload, windowed({ validFrom: NOW, validUntil: NOW + 61 })))
        .ok,
    ).toBe(true);
  });

  it('a missing kid header', async () => {
    await expectFailure(await signRaw({}, { alg: 'ES256' }), 'certificate_malformed');
  });

  it('an expired certificate, with the clock skew honoured', async () => {
    const token = await sign({ lifetimeSeconds: 600 });
    const skew = DEFAULT_CERTIFICATE_CLOCK_SKEW_SECONDS;
    expect(
      (await verifyVerificationCertificate(token, upload, options({ now: NOW + 600 + skew - 1 }))).ok,
    ).toBe(true);
    await expectFailure(token, 'certificate_expired', { now: NOW + 600 + skew });
    await expectFailure(token, 'certificate_expired', { now: NOW + 601, clockSkewSeconds: 0 });
    expect(
      (await verifyVerificationCertificate(token, upload, options({ now: NOW + 700, clockSkewSeconds: 120 })))
        .ok,
    ).toBe(true);
  });

  it('a certificate issued in the future, or with a future nbf', async () => {
    const token = await sign();
    const skew = DEFAULT_CERTIFICATE_CLOCK_SKEW_SECONDS;
    expect((await verifyVerificationCertificate(token, upload, options({ now: NOW - skew }))).ok).toBe(true);
    await expectFailure(token, 'certificate_not_yet_valid', { now: NOW - skew - 1 });
    await expectFailure(await signRaw({ nbf: NOW + 3600 }), 'certificate_not_yet_valid', { now: NOW });
  });

  it('a wrong audience', async () => {
    await expectFailure(
      await sign({ audience: 'https://keys.elsewhere.example' }),
      'certificate_wrong_audience',
    );
    await expectFailure(await sign(), 'certificate_wrong_audience', {
      audience: 'https://other-key-server.example',
    });
    await expectFailure(await signRaw({ aud: undefined }), 'certificate_wrong_audience');
  });

  it('an untrusted issuer, even when signed with a trusted key', async () => {
    await expectFailure(await sign({ issuer: 'https://evil.example' }), 'certificate_wrong_issuer');
    await expectFailure(await signRaw({ iss: undefined }), 'certificate_malformed');
  });

  it('alg none and HS256 tokens', async () => {
    const payload = decodeJwt(await sign());
    await expectFailure(
      `${b64url({ alg: 'none', kid: KID })}.${b64url(payload)}.`,
      'certificate_unsupported_algorithm',
    );
    const hs256 = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: KID })
      .sign(new TextEncoder().encode('a shared secret the attacker chose'));
    await expectFailure(hs256, 'certificate_unsupported_algorithm');
    // The classic confusion: HMAC keyed with the (public) verification key.
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', issuerKeys.publicKey));
    const confused = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: KID }).sign(spki);
    await expectFailure(confused, 'certificate_unsupported_algorithm');
    const es384 = `${b64url({ alg: 'ES384', kid: KID })}.${b64url(payload)}.AAAA`;
    await expectFailure(es384, 'certificate_unsupported_algorithm');
  });

  it('malformed private claims', async () => {
    const bad: JWTPayload[] = [
      { tekmac: undefined },
      { tekmac: 'AAAA' },
      { tekmac: 'not base64' },
      { tekmac: 42 },
      { reportType: 'positive' },
      { reportType: undefined },
      { symptomOnsetInterval: -1 },
      { symptomOnsetInterval: 2 ** 32 },
      { symptomOnsetInterval: '2966256' },
      { healthAuthority: '' },
      { healthAuthority: undefined },
      { exp: undefined },
      { iat: undefined },
      { exp: 'tomorrow' } as unknown as JWTPayload,
    ];
    for (const claims of bad) await expectFailure(await signRaw(claims), 'certificate_malformed');
    // Expiring before it was issued (checked once the time checks pass).
    await expectFailure(await signRaw({ iat: NOW, exp: NOW - 1 }), 'certificate_malformed', {
      now: NOW - 30,
    });
  });

  it('garbage tokens', async () => {
    const payload = b64url(decodeJwt(await sign()));
    const header = b64url({ alg: 'ES256', kid: KID });
    for (const token of [
      '',
      'abc',
      'a.b',
      'a.b.c',
      '...',
      `${header}.${payload}`,
      `${header}.${payload}.sig.extra.parts`,
      `${header}.${b64url([1, 2])}.AAAA`,
      `${header}.${Buffer.from('{"iss":').toString('base64url')}.AAAA`,
      `${b64url('ES256')}.${payload}.AAAA`,
      `${header}.${payload}.!!!`,
    ]) {
      const result = await verifyVerificationCertificate(token, upload, options());
      expect(result.ok ? 'ok' : result.error.code, token).toBe('certificate_malformed');
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (token) => {
        const result = await verifyVerificationCertificate(token, upload, options());
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toMatch(/^certificate_(malformed|unsupported_algorithm)$/);
      }),
      { numRuns: 200 },
    );
  });

  it('an invalid upload: hmackey not base64, too short, or no keys', async () => {
    const token = await sign();
    await expectFailure(token, 'invalid_base64', {}, { keys, hmacKey: 'not base64' });
    await expectFailure(token, 'invalid_length', {}, { keys, hmacKey: 'AAAA' });
    await expectFailure(token, 'invalid_argument', {}, { keys: [], hmacKey });
  });

  it('the OrThrow variant throws the same ProtocolError', async () => {
    await expect(
      verifyVerificationCertificateOrThrow(await sign(), upload, options({ audience: 'elsewhere' })),
    ).rejects.toMatchObject({ name: 'ProtocolError', code: 'certificate_wrong_audience' });
  });
});

describe('configuration errors throw', () => {
  it('duplicate trusted keys, an empty audience, a negative skew', async () => {
    const token = await sign();
    const dup = [...trusted, { issuer: ISSUER, kid: KID, publicKey: otherKeys.publicKey }];
    for (const bad of [{ trustedKeys: dup }, { audience: '' }, { clockSkewSeconds: -1 }, { now: -5 }]) {
      await expect(verifyVerificationCertificate(token, upload, options(bad))).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    }
  });

  it('a trusted key that cannot verify ES256', async () => {
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ]);
    await expect(
      verifyVerificationCertificate(
        await sign(),
        upload,
        options({ trustedKeys: [{ issuer: ISSUER, kid: KID, publicKey: p384.publicKey }] }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('report types', () => {
  it("maps Google's claim values and ours to export report types and back", () => {
    expect(certificateReportTypeToReportType('confirmed')).toBe(ReportType.CONFIRMED_TEST);
    expect(certificateReportTypeToReportType('likely')).toBe(ReportType.CONFIRMED_CLINICAL_DIAGNOSIS);
    expect(certificateReportTypeToReportType('user-report')).toBe(ReportType.SELF_REPORT);
    expect(certificateReportTypeToReportType('recursive')).toBe(ReportType.RECURSIVE);
    expect(certificateReportTypeToReportType('negative')).toBeUndefined();
    for (const t of ['confirmed', 'likely', 'user-report', 'recursive'] as const) {
      expect(reportTypeToCertificateReportType(certificateReportTypeToReportType(t)!)).toBe(t);
    }
    expect(() => reportTypeToCertificateReportType(ReportType.REVOKED)).toThrow(ProtocolError);
    expect(() => reportTypeToCertificateReportType(ReportType.UNKNOWN)).toThrow(/no certificate/);
  });
});
