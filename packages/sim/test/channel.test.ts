import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RISK_CONFIG_CLOSE_CONTACT } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { Channel, EN_SCANS } from '../src/channel.js';
import { Random } from '../src/prng.js';
import { CLOSE_DISTANCE_M, CLOSE_SECONDS } from '../src/simulate.js';

describe('channel model', () => {
  it('the committed fit is what scripts/fit-channel.mjs computes from the copied data', () => {
    const script = fileURLToPath(new URL('../scripts/fit-channel.mjs', import.meta.url));
    const printed = execFileSync(process.execPath, [script, '--print'], { encoding: 'utf8' });
    const committed = readFileSync(new URL('../data/channel-fit.json', import.meta.url), 'utf8');
    expect(printed).toBe(committed);
  });

  it('attenuation grows with distance; 2 m is near the close threshold of bluezone-default', () => {
    const c = new Channel({ noise: false, scans: EN_SCANS, sensitivityDbm: -100 });
    expect(c.pathLoss(0.5)).toBeLessThan(c.pathLoss(1));
    expect(c.pathLoss(1)).toBeLessThan(c.pathLoss(4));
    expect(c.pathLoss(2)).toBeGreaterThan(44);
    expect(c.pathLoss(2)).toBeLessThan(50);
  });

  it('without noise the RSSI is exact and calibration recovers the path loss', () => {
    const c = new Channel({ noise: false, scans: EN_SCANS, sensitivityDbm: -100 });
    const rng = Random.fromSeed(1);
    for (let tx = 0; tx < c.models.length; tx++) {
      for (let rx = 0; rx < c.models.length; rx++) {
        const loss = c.pathLoss(1.5);
        const rssi = c.scanRssi(tx, rx, loss, rng);
        const attenuation = c.models[tx]!.txPowerDbm - (rssi + c.models[rx]!.rssiCorrection);
        expect(Math.abs(attenuation - loss)).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it('with noise the RSSI spreads around the same mean; below the sensitivity nothing is heard', () => {
    const c = new Channel({ noise: true, scans: EN_SCANS, sensitivityDbm: -100 });
    const rng = Random.fromSeed(2);
    const xs = Array.from({ length: 4000 }, () =>
      c.scanRssi(0, 0, c.pathLoss(2) + c.episodeShadowing(rng), rng),
    ).filter((x) => !Number.isNaN(x));
    expect(xs.length).toBeGreaterThan(3900);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const exact = c.models[0]!.txPowerDbm - c.pathLoss(2) - c.models[0]!.rssiCorrection;
    expect(Math.abs(mean - exact)).toBeLessThan(1);
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(sd).toBeGreaterThan(5);
    expect(Number.isNaN(c.scanRssi(0, 0, 200, rng))).toBe(true);
  });

  it('noise-free attenuations are whole dB, the same for every pair of models', () => {
    const c = new Channel({ noise: false, scans: EN_SCANS, sensitivityDbm: -100 });
    const rng = Random.fromSeed(3);
    for (const d of [0.5, 1.9, 1.96, 1.97, 2, 2.3, 2.36, 3]) {
      const expected = c.noiseFreeAttenuation(d);
      expect(Number.isInteger(expected)).toBe(true);
      expect(Math.abs(expected - c.pathLoss(d))).toBeLessThanOrEqual(0.5);
      for (let tx = 0; tx < c.models.length; tx++) {
        for (let rx = 0; rx < c.models.length; rx++) {
          const rssi = c.scanRssi(tx, rx, c.pathLoss(d), rng);
          expect(c.models[tx]!.txPowerDbm - (rssi + c.models[rx]!.rssiCorrection)).toBe(expected);
        }
      }
    }
  });

  it('close-contact-2m-15min is the ground truth on this channel: 47 dB is 2 m, 15 minutes a day', () => {
    const c = new Channel({ noise: false, scans: EN_SCANS, sensitivityDbm: -100 });
    // A(2 m) = 46.6 dB; phones report whole dB: 47. The 47-dB step spans 1.96–2.36 m.
    expect(c.pathLoss(CLOSE_DISTANCE_M)).toBeCloseTo(46.6, 1);
    const step = c.noiseFreeAttenuation(CLOSE_DISTANCE_M);
    expect(step).toBe(47);
    expect(c.noiseFreeAttenuation(1.96)).toBe(46);
    expect(c.noiseFreeAttenuation(2.35)).toBe(47);
    expect(c.noiseFreeAttenuation(2.36)).toBe(48);
    const rule = RISK_CONFIG_CLOSE_CONTACT;
    expect(rule.minutesAtAttenuationWeights).toEqual([
      { attenuationRange: { min: 0, max: step }, weight: 1 },
    ]);
    expect(rule.normalizedTimePerDayToRiskLevelMapping).toEqual([
      { normalizedTimeRange: { min: CLOSE_SECONDS / 60, max: 1e9 }, riskLevel: 2 },
    ]);
  });
});
