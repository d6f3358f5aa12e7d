/**
 * The signed device configuration: adopted when it verifies with a trusted key, 304 when
 * unchanged, key rotation through `configKeys`, and refusals — another signer, another
 * algorithm or type, a tampered payload, a replayed older configuration, a malformed field —
 * after which the adopted configuration stays in use.
 */
import { RISK_CONFIG_CWA } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { DeviceError, parseDeviceConfig, verifyDeviceConfig } from '../src/index.js';
import { createFakeBluezone, deviceOn, jsonResponse, signConfig, signingKey } from './helpers.js';

describe('device configuration', () => {
  it('adopts a configuration signed by a trusted key, and asks with If-None-Match afterwards', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    const config = await device.refreshConfig();
    expect(config).toMatchObject({
      version: 'v1',
      region: 'VN',
      healthAuthorityId: 'bluezone-test',
      exposureTimeGranularity: 'period',
      keyFiles: { indexPath: '/v1/exports/index.txt' },
      scan: { intervalSeconds: 300, durationSeconds: 4 },
    });
    expect(config.risk.parameters.version).toBe('bluezone-default-1');
    await device.refreshConfig();
    const [first, second] = fake.server.to('/v1/config');
    expect(first!.headers['if-none-match']).toBeUndefined();
    expect(second!.headers['if-none-match']).toBe('"v1"');
    expect(await device.config()).toEqual(config);
  });

  it('follows a key rotation: the new key is trusted, the retired one no longer', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await device.refreshConfig();
    const next = await signingKey('sk_config_2');
    const both = [
      { id: fake.configKey.id, publicKey: fake.configKey.spki },
      { id: next.id, publicKey: next.spki },
    ];
    fake.clock.advance(1000);
    await fake.resign({ configKeys: both });
    await device.refreshConfig();
    fake.clock.advance(1000);
    await fake.resign({ configKeys: [both[1]] }, next);
    expect((await device.refreshConfig()).version).toBe('v3');
    fake.clock.advance(1000);
    await fake.resign({ checkIntervalHours: 1 }, fake.configKey);
    await expect(device.refreshConfig()).rejects.toMatchObject({ code: 'config_signature_invalid' });
    expect((await device.config())?.version).toBe('v3');
  });

  it('refuses a configuration issued before the adopted one (replay)', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    const old = fake.jws;
    fake.clock.advance(60_000);
    await fake.resign({ exposureTimeGranularity: 'none' });
    await device.refreshConfig();
    fake.server.on('GET', '/v1/config', () => jsonResponse({ version: 'v1', jws: old }));
    await expect(device.refreshConfig()).rejects.toMatchObject({ code: 'config_rollback' });
    expect((await device.config())?.exposureTimeGranularity).toBe('none');
  });

  it('refuses other signers, algorithms, types and tampering', async () => {
    const fake = await createFakeBluezone();
    const payload = JSON.parse(
      new TextDecoder().decode(Buffer.from(fake.jws.split('.')[1]!, 'base64url')),
    ) as object;
    const stranger = await signingKey(fake.configKey.id);
    const trusted = fake.trustedConfigKeys;
    const parts = fake.jws.split('.');
    const tampered = [
      parts[0],
      Buffer.from(JSON.stringify({ ...payload, region: 'XX' })).toString('base64url'),
      parts[2],
    ].join('.');
    const hs256 = await (async () => {
      const { CompactSign } = await import('jose');
      return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'HS256', kid: fake.configKey.id, typ: 'bluezone-config+jws' })
        .sign(new Uint8Array(32));
    })();
    const cases: [string, string][] = [
      ['another key with the same kid', await signConfig(payload, stranger)],
      ['an unknown kid', await signConfig(payload, await signingKey('sk_other'))],
      ['another type', await signConfig(payload, fake.configKey, { typ: 'JWT' })],
      ['HS256', hs256],
      ['a tampered payload', tampered],
      ['not a JWS', 'hello'],
      [
        'alg none',
        `${Buffer.from('{"alg":"none","typ":"bluezone-config+jws"}').toString('base64url')}.${parts[1]}.`,
      ],
    ];
    for (const [name, jws] of cases) {
      const error = await verifyDeviceConfig(jws, trusted).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(DeviceError);
      expect((error as DeviceError).code, name).toBe('config_signature_invalid');
    }
    expect((await verifyDeviceConfig(fake.jws, trusted)).version).toBe('v1');
  });

  it('checks every field it uses and drops the others', async () => {
    const fake = await createFakeBluezone();
    const base: Record<string, unknown> = { ...fake.config, version: 'v9', issuedAt: 1 };
    const keyFiles = fake.config['keyFiles'] as object;
    expect(parseDeviceConfig({ ...base, extra: { upload: true } })).not.toHaveProperty('extra');
    expect(
      parseDeviceConfig({ ...base, risk: { preset: 'cwa', parameters: RISK_CONFIG_CWA } }).risk.preset,
    ).toBe('cwa');
    const bad: [string, Record<string, unknown>][] = [
      ['exposureTimeGranularity', { exposureTimeGranularity: 'minute' }],
      ['risk.parameters', { risk: { preset: 'x', parameters: { version: 'x' } } }],
      ['keyFiles.indexPath', { keyFiles: { ...keyFiles, indexPath: 'https://evil.example/index.txt' } }],
      ['keyFiles.indexPath', { keyFiles: { ...keyFiles, indexPath: '/v1/../../index.txt' } }],
      ['keyFiles.publicKeys', { keyFiles: { ...keyFiles, publicKeys: [] } }],
      ['configKeys[0].publicKey', { configKeys: [{ id: 'a', publicKey: 'not base64!' }] }],
      ['healthAuthorityId', { healthAuthorityId: '' }],
      ['checkIntervalHours', { checkIntervalHours: 0 }],
      ['scan.intervalSeconds', { scan: { intervalSeconds: 1.5, durationSeconds: 4 } }],
      ['issuedAt', { issuedAt: -1 }],
    ];
    for (const [field, change] of bad) {
      expect(() => parseDeviceConfig({ ...base, ...change }), field).toThrow(field);
    }
    expect(() => parseDeviceConfig(null)).toThrow(DeviceError);
  });

  it('refuses a body that is not {version, jws}, keeping the adopted configuration', async () => {
    const fake = await createFakeBluezone();
    const device = deviceOn(fake);
    await device.refreshConfig();
    fake.server.on('GET', '/v1/config', () => jsonResponse({ version: 'v2', config: fake.config }));
    await expect(device.refreshConfig()).rejects.toMatchObject({ code: 'invalid_response' });
    expect((await device.config())?.version).toBe('v1');
  });

  it('needs at least one well-formed build-time key', async () => {
    const fake = await createFakeBluezone();
    expect(() => deviceOn(fake, { trustedConfigKeys: [] })).toThrow(DeviceError);
    expect(() => deviceOn(fake, { trustedConfigKeys: [{ id: 'a', publicKey: '%%%' }] })).toThrow(DeviceError);
  });
});
