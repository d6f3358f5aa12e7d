/**
 * `bluezone risk …`: risk scoring of exposure windows.
 *
 * - `risk score --config FILE|PRESET --windows FILE [--now ISO]` scores exposure windows and
 *   prints JSON: per window, per day, and the totals (`totalRiskLevel`,
 *   `mostRecentDateWithLowRisk`, `mostRecentDateWithHighRisk`, `numberOfDaysWithLowRisk`,
 *   `numberOfDaysWithHighRisk`, …);
 * - `risk config PRESET` prints a built-in configuration, a starting point for your own;
 * - `risk attenuation --tx DBM --rssi DBM [--model NAME] [--oem NAME]` computes one calibrated
 *   attenuation and says which calibration it used.
 *
 * Windows JSON (`--windows`): an array of exposure windows in the EN API's shape,
 * `[{"dateMillisSinceEpoch":1615334400000,"reportType":1,"infectiousness":1,
 * "calibrationConfidence":3,"scanInstances":[{"minAttenuation":50,"typicalAttenuation":55,
 * "secondsSinceLastScan":300}]}]`. Presets: `cwa`, `bluezone-legacy`, `bluezone-default`,
 * `close-contact-2m-15min`.
 *
 * @module
 */
import {
  CalibrationConfidence,
  isRiskPresetName,
  parseRiskConfig,
  parseRiskExposureWindows,
  RISK_CALIBRATION_DEFAULT_TABLE_ID,
  RISK_PRESET_NAMES,
  RISK_PRESETS,
  type RiskCalibrationTable,
  type RiskConfig,
  riskAttenuation,
  riskDefaultCalibrationTable,
  riskJune2020CalibrationTable,
  scoreExposureWindows,
} from '@bluezone/protocol';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type CliIo, readJson } from '../io.js';
import { intOption } from '../options.js';
import { timeOption } from './keys.js';

interface ScoreOptions {
  config: string;
  windows: string;
  now?: string;
}

interface AttenuationOptions {
  tx: string;
  rssi: string;
  model?: string;
  oem?: string;
  table?: string;
  json?: boolean;
}

const PRESET_LIST = RISK_PRESET_NAMES.join(', ');
const WINDOW_EXAMPLE =
  '[{"dateMillisSinceEpoch":1615334400000,"reportType":1,"infectiousness":1,"calibrationConfidence":3,"scanInstances":[{"minAttenuation":50,"typicalAttenuation":55,"secondsSinceLastScan":300}]}]';

const CALIBRATION_TABLES: Record<string, () => RiskCalibrationTable> = {
  '2020-12-14': riskDefaultCalibrationTable,
  '2020-06-13': riskJune2020CalibrationTable,
};

const CONFIDENCE_NAMES = Object.fromEntries(
  Object.entries(CalibrationConfidence).map(([name, value]) => [value, name]),
) as Record<number, string>;

/** A preset by name, or a configuration file validated. */
async function loadConfig(io: CliIo, value: string): Promise<RiskConfig> {
  if (isRiskPresetName(value)) return RISK_PRESETS[value];
  let json: unknown;
  try {
    json = await readJson(io, value);
  } catch (error) {
    if (error instanceof UsageError) {
      throw new UsageError(`--config: ${error.message} (give a JSON file or a preset: ${PRESET_LIST})`);
    }
    throw error;
  }
  const config = parseRiskConfig(json);
  if (!config.ok) throw new UsageError(`${value}: ${config.error.message}`);
  return config.value;
}

export function registerRiskCommands(program: Command, io: CliIo): void {
  const risk = program
    .command('risk')
    .description('Risk scoring of exposure windows (Corona-Warn-App parameter model) and attenuation');

  risk
    .command('score')
    .description('Score exposure windows against a configuration; prints JSON (windows, days, totals)')
    .requiredOption('--config <file|preset>', `configuration JSON file, or a preset: ${PRESET_LIST}`)
    .requiredOption('--windows <file>', `exposure windows, a JSON array such as ${WINDOW_EXAMPLE}`)
    .option('--now <iso>', 'the time to score at (ISO 8601, default: now); only its UTC day matters')
    .action(async (options: ScoreOptions) => {
      const now = options.now === undefined ? io.now() : timeOption(options.now, '--now');
      const config = await loadConfig(io, options.config);
      const windows = parseRiskExposureWindows(await readJson(io, options.windows));
      if (!windows.ok) throw new UsageError(`${options.windows}: ${windows.error.message}`);
      const score = scoreExposureWindows(windows.value, config, now);
      io.stdout(`${JSON.stringify(score, null, 2)}\n`);
    });

  risk
    .command('config')
    .description(`Print a built-in configuration as JSON (${PRESET_LIST})`)
    .argument('<preset>', `one of ${PRESET_LIST}`)
    .action((preset: string) => {
      if (!isRiskPresetName(preset)) {
        throw new UsageError(`unknown preset ${JSON.stringify(preset)}; presets: ${PRESET_LIST}`);
      }
      io.stdout(`${JSON.stringify(RISK_PRESETS[preset], null, 2)}\n`);
    });

  risk
    .command('attenuation')
    .description(
      "Calibrated attenuation of one sighting: TX power from the sender's metadata − (RSSI + the receiving model's correction)",
    )
    .requiredOption('--tx <dbm>', "transmitter's calibrated TX power from its metadata, dBm, -127 to 127")
    .requiredOption('--rssi <dbm>', 'RSSI measured by the receiver, dBm, -127 to 127')
    .option('--model <name>', 'receiving model (android.os.Build.MODEL), e.g. "Pixel 4"')
    .option('--oem <name>', 'receiving manufacturer (android.os.Build.MANUFACTURER), e.g. Google')
    .option(
      '--table <id>',
      `calibration table: ${Object.keys(CALIBRATION_TABLES).join(' or ')} (default ${RISK_CALIBRATION_DEFAULT_TABLE_ID})`,
    )
    .option('--json', 'print {"attenuationDb":N,"rawAttenuationDb":N,"calibration":{…}}')
    .action((options: AttenuationOptions) => {
      const txPowerDbm = intOption(options.tx, '--tx', -127, 127)!;
      const rssiDbm = intOption(options.rssi, '--rssi', -127, 127)!;
      const tableId = options.table ?? RISK_CALIBRATION_DEFAULT_TABLE_ID;
      const table = CALIBRATION_TABLES[tableId];
      if (!table) {
        throw new UsageError(
          `--table must be ${Object.keys(CALIBRATION_TABLES).join(' or ')}, got ${JSON.stringify(tableId)}`,
        );
      }
      const result = riskAttenuation(
        {
          txPowerDbm,
          rssiDbm,
          receiver: {
            ...(options.model === undefined ? {} : { model: options.model }),
            ...(options.oem === undefined ? {} : { oem: options.oem }),
          },
        },
        table(),
      );
      if (options.json) {
        io.stdout(`${JSON.stringify(result)}\n`);
        return;
      }
      const c = result.calibration;
      const device =
        c.source === 'model'
          ? `model ${c.model}${c.oem ? ` (${c.oem})` : ''}`
          : c.source === 'oem_average'
            ? `average of ${c.oem} models`
            : 'average of all models';
      io.stdout(
        `${result.attenuationDb} dB = ${txPowerDbm} − (${rssiDbm} + ${c.rssiCorrection})` +
          `${result.attenuationDb === result.rawAttenuationDb ? '' : ` (clamped from ${result.rawAttenuationDb})`}\n` +
          `calibration: ${device}, table ${c.tableId}, confidence ${CONFIDENCE_NAMES[c.confidence]} (${c.confidence})\n`,
      );
    });
}
