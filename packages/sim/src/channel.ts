/**
 * The Bluetooth channel and the scanners: what one phone's scan hears of another during an
 * episode. Path loss fitted on Herald, body and carriage loss and shadowing fitted on the MIT
 * matrix (`scripts/fit-channel.mjs`, data/channel-fit.json), each model's TX power and RSSI
 * correction from the calibration table (December 2020). docs/simulator.md §3.
 *
 * @module
 */
import { riskDeviceCalibration } from '@bluezone/protocol';
import { type ChannelFit, loadChannelFit } from './data.js';
import { cumulative, type Random } from './prng.js';

/** How phones scan: a window of `durationSeconds` every `intervalSeconds`. */
export interface ScanSchedule {
  readonly intervalSeconds: number;
  readonly durationSeconds: number;
}

/** Exposure Notification: about 4 s every 5 minutes. */
export const EN_SCANS: ScanSchedule = { intervalSeconds: 300, durationSeconds: 4 };
/** The original Bluezone app: 40 s every 300 s. */
export const BLUEZONE_SCANS: ScanSchedule = { intervalSeconds: 300, durationSeconds: 40 };

export interface ChannelOptions {
  /** false: no shadowing, no body or carriage loss, every phone scans at the same instants. */
  readonly noise: boolean;
  readonly scans: ScanSchedule;
  /** Weakest RSSI a scanner reports, dBm. */
  readonly sensitivityDbm: number;
}

export const DEFAULT_CHANNEL: ChannelOptions = { noise: true, scans: EN_SCANS, sensitivityDbm: -100 };

/**
 * Phone models and their share (our assumption for Vietnam in 2020–21: Samsung, OPPO, Apple,
 * Xiaomi, vivo lead the market). iPhones are in no calibration list: the lookup gives the global
 * default for them, and so does the simulated radio.
 */
export const PHONE_MODELS: readonly { model: string; oem: string; share: number }[] = [
  { model: 'SM-A105F', oem: 'Samsung', share: 0.12 },
  { model: 'SM-A205F', oem: 'Samsung', share: 0.1 },
  { model: 'SM-A107F', oem: 'Samsung', share: 0.1 },
  { model: 'CPH1919', oem: 'OPPO', share: 0.1 },
  { model: 'CPH1931', oem: 'OPPO', share: 0.1 },
  { model: 'CPH2009', oem: 'OPPO', share: 0.05 },
  { model: 'iPhone', oem: 'Apple', share: 0.15 },
  { model: 'MI 6', oem: 'Xiaomi', share: 0.13 },
  { model: 'Pixel 4', oem: 'Google', share: 0.05 },
  { model: 'vivo 1906', oem: 'vivo', share: 0.1 },
];

/** Carriage of a phone: share of person-days and the fitted loss. */
export const CARRIAGES = ['hand', 'pocket', 'bag'] as const;
export const CARRIAGE_SHARES = [0.3, 0.5, 0.2] as const;

export interface ModelCalibration {
  readonly txPowerDbm: number;
  readonly rssiCorrection: number;
}

/** The channel with its fitted parameters. */
export class Channel {
  readonly fit: ChannelFit;
  readonly options: ChannelOptions;
  readonly models: readonly ModelCalibration[];
  readonly modelCdf: Float64Array;
  readonly carriageCdf: Float64Array;
  readonly carriageLoss: Float64Array;
  /** Per-scan variation with bodies, σ² = MIT's scan σ² − Herald's position σ². */
  readonly scanSigma: number;

  constructor(options: ChannelOptions = DEFAULT_CHANNEL) {
    this.fit = loadChannelFit();
    this.options = options;
    this.models = PHONE_MODELS.map((m) => {
      const c = riskDeviceCalibration({ model: m.model, oem: m.oem });
      return { txPowerDbm: c.txPower, rssiCorrection: c.rssiCorrection };
    });
    this.modelCdf = cumulative(PHONE_MODELS.map((m) => m.share));
    this.carriageCdf = cumulative([...CARRIAGE_SHARES]);
    const loss = this.fit.carriageLossDb;
    this.carriageLoss = Float64Array.from([loss.hand, loss.pocket, loss.bag]);
    const { residualSigmaDb } = this.fit.pathLoss;
    this.scanSigma = Math.sqrt(Math.max(0, this.fit.bodySigmaDb ** 2 - residualSigmaDb ** 2));
  }

  /** Median attenuation at `distance` metres (line of sight), dB. */
  pathLoss(distance: number): number {
    const { a0, n } = this.fit.pathLoss;
    return a0 + 10 * n * Math.log10(Math.max(distance, 0.05));
  }

  /**
   * The attenuation a phone computes for a sighting at `distance` on the noise-free channel:
   * whole dB, as phones report RSSI (TX power and RSSI corrections are whole dB too, so it is
   * the same for every pair of models: the path loss rounded, halves down).
   */
  noiseFreeAttenuation(distance: number): number {
    const m = this.models[0]!;
    const rssi = Math.round(m.txPowerDbm - this.pathLoss(distance) - m.rssiCorrection);
    return m.txPowerDbm - (rssi + m.rssiCorrection);
  }

  /** Shadowing of one episode (slow fading), dB. */
  episodeShadowing(rng: Random): number {
    return this.options.noise ? this.fit.pathLoss.residualSigmaDb * rng.normal() : 0;
  }

  /**
   * RSSI one scan reports: transmitter model `tx`, receiver model `rx`, episode loss `episodeDb`
   * (path loss + shadowing + both carriage losses). Returns NaN when the scan hears nothing.
   */
  scanRssi(tx: number, rx: number, episodeDb: number, rng: Random): number {
    const fast = this.options.noise ? this.scanSigma * rng.normal() : 0;
    const rssi = Math.round(
      this.models[tx]!.txPowerDbm - (episodeDb + fast) - this.models[rx]!.rssiCorrection,
    );
    return rssi < this.options.sensitivityDbm ? Number.NaN : Math.min(rssi, 127);
  }
}
