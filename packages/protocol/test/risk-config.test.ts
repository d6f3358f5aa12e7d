import {
  isRiskPresetName,
  ProtocolError,
  parseRiskConfig,
  parseRiskExposureWindows,
  RISK_CONFIG_BLUEZONE_DEFAULT,
  RISK_CONFIG_BLUEZONE_LEGACY,
  RISK_CONFIG_CWA,
  RISK_PRESET_NAMES,
  RISK_PRESETS,
  type RiskConfig,
  RiskValidationError,
  scoreExposureWindows,
  validateRiskConfig,
} from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { NOW, scan, simpleConfig, window } from './risk-helpers.js';

/** A deep copy of a configuration as plain JSON, to corrupt. */
const json = (config: RiskConfig = RISK_CONFIG_CWA) =>
  JSON.parse(JSON.stringify(config)) as Record<string, unknown>;

function configError(input: unknown): RiskValidationError {
  const result = parseRiskConfig(input);
  if (result.ok) throw new Error('expected the configuration to be rejected');
  expect(result.error).toBeInstanceOf(RiskValidationError);
  expect(result.error).toBeInstanceOf(ProtocolError);
  expect(result.error.code).toBe('risk_config_invalid');
  return result.error;
}

function windowsError(input: unknown): RiskValidationError {
  const result = parseRiskExposureWindows(input);
  if (result.ok) throw new Error('expected the windows to be rejected');
  expect(result.error.code).toBe('risk_window_invalid');
  return result.error;
}

describe('risk configurations', () => {
  it('accepts every preset and returns an equal copy', () => {
    for (const name of RISK_PRESET_NAMES) {
      const preset = RISK_PRESETS[name];
      expect(parseRiskConfig(json(preset))).toEqual({ ok: true, value: preset });
      expect(validateRiskConfig(preset)).toEqual(preset);
      expect(isRiskPresetName(name)).toBe(true);
    }
    expect(isRiskPresetName('cwa-2020')).toBe(false);
    expect(RISK_PRESETS.cwa).toBe(RISK_CONFIG_CWA);
    expect(RISK_PRESETS['bluezone-legacy']).toBe(RISK_CONFIG_BLUEZONE_LEGACY);
    expect(RISK_PRESETS['bluezone-default']).toBe(RISK_CONFIG_BLUEZONE_DEFAULT);
  });

  it('carries a distinct version in every preset', () => {
    const versions = RISK_PRESET_NAMES.map((n) => RISK_PRESETS[n].version);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('freezes the presets deeply', () => {
    expect(Object.isFrozen(RISK_CONFIG_CWA)).toBe(true);
    expect(Object.isFrozen(RISK_CONFIG_CWA.minutesAtAttenuationWeights[0]!.attenuationRange)).toBe(true);
    expect(() => {
      (
        RISK_CONFIG_CWA.trlEncoding as { reportTypeOffsetConfirmedTest: number }
      ).reportTypeOffsetConfirmedTest = 0;
    }).toThrow(TypeError);
  });

  it('names the bad field', () => {
    const cases: [(c: Record<string, unknown>) => void, string, RegExp][] = [
      [(c) => delete c['version'], 'version', /version is missing/],
      [(c) => (c['version'] = '  '), 'version', /non-empty string/],
      [(c) => (c['maxEncounterAgeInDays'] = 1.5), 'maxEncounterAgeInDays', /integer from 0 to 366/],
      [(c) => (c['maxEncounterAgeInDays'] = 367), 'maxEncounterAgeInDays', /got 367/],
      [(c) => (c['trlFilters'] = {}), 'trlFilters', /must be an array/],
      [(c) => (c['minutesAtAttenuationWeights'] = []), 'minutesAtAttenuationWeights', /at least one entry/],
      [
        (c) => (c['normalizedTimePerEWToRiskLevelMapping'] = []),
        'normalizedTimePerEWToRiskLevelMapping',
        /at least one/,
      ],
      [
        (c) => (c['normalizedTimePerDayToRiskLevelMapping'] = []),
        'normalizedTimePerDayToRiskLevelMapping',
        /at least one/,
      ],
      [(c) => (c['colour'] = 'red'), 'colour', /not a known field/],
      [
        (c) => delete (c['trlEncoding'] as Record<string, unknown>)['reportTypeOffsetSelfReport'],
        'trlEncoding.reportTypeOffsetSelfReport',
        /is missing/,
      ],
      [
        (c) => ((c['trlEncoding'] as Record<string, unknown>)['infectiousnessOffsetHigh'] = 0.5),
        'trlEncoding.infectiousnessOffsetHigh',
        /integer/,
      ],
      [(c) => (c['description'] = 3), 'description', /must be a string/],
    ];
    for (const [corrupt, field, message] of cases) {
      const c = json();
      corrupt(c);
      const error = configError(c);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(field);
      expect(error.message).toMatch(/^risk config: /);
    }
  });

  it('names the bad field inside lists and ranges', () => {
    const at = (path: string, value: unknown) => {
      const c = json();
      const keys = path.split('.');
      let target = c as Record<string, unknown>;
      for (const k of keys.slice(0, -1)) {
        const m = /^(\w+)\[(\d+)\]$/.exec(k);
        target = (m ? (target[m[1]!] as Record<string, unknown>[])[Number(m[2])] : target[k]) as Record<
          string,
          unknown
        >;
      }
      target[keys.at(-1)!] = value;
      return configError(c);
    };
    expect(at('minutesAtAttenuationWeights[1].weight', -0.1).field).toBe(
      'minutesAtAttenuationWeights[1].weight',
    );
    expect(at('minutesAtAttenuationWeights[1].weight', '1').message).toMatch(
      /must be a finite number, got "1"/,
    );
    expect(at('minutesAtAttenuationWeights[0].attenuationRange.max', Number.NaN).field).toBe(
      'minutesAtAttenuationWeights[0].attenuationRange.max',
    );
    expect(at('minutesAtAttenuationWeights[0].attenuationRange.maxExclusive', 'yes').message).toMatch(
      /true or false/,
    );
    expect(at('minutesAtAttenuationWeights[0].attenuationRange.maxExcl', true).message).toMatch(
      /maxExcl is not a known field/,
    );
    expect(at('minutesAtAttenuationWeights[0].attenuationRange.min', 70).message).toMatch(
      /attenuationRange is empty: min 70 is greater than max 63/,
    );
    expect(at('normalizedTimePerEWToRiskLevelMapping[1].riskLevel', 3).message).toMatch(
      /must be 1 \(low\) or 2 \(high\)/,
    );
    expect(at('normalizedTimePerDayToRiskLevelMapping[0].riskLevel', 0).field).toBe(
      'normalizedTimePerDayToRiskLevelMapping[0].riskLevel',
    );
    expect(at('transmissionRiskValueMapping[2].transmissionRiskLevel', 1).message).toMatch(/repeats level 1/);
    expect(at('transmissionRiskValueMapping[2].transmissionRiskValue', -1).field).toBe(
      'transmissionRiskValueMapping[2].transmissionRiskValue',
    );
  });

  it('rejects empty ranges with an exclusive bound and accepts single points', () => {
    const withFilter = (range: object) =>
      parseRiskConfig({ ...json(), trlFilters: [{ dropIfTrlInRange: range }] });
    expect(withFilter({ min: 2, max: 2 }).ok).toBe(true);
    const r = withFilter({ min: 2, max: 2, maxExclusive: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe('trlFilters[0].dropIfTrlInRange');
    expect(withFilter({ min: 1 }).ok).toBe(false);
  });

  it('rejects what is not an object', () => {
    for (const bad of [null, [], 'cwa', 42]) {
      expect(configError(bad).message).toMatch(/risk config: the input must be an object/);
    }
  });

  it('drops exclusive flags that are false from the normalized copy', () => {
    const r = parseRiskConfig({
      ...json(simpleConfig()),
      trlFilters: [{ dropIfTrlInRange: { min: 1, max: 2, minExclusive: false, maxExclusive: false } }],
    });
    expect(r.ok && r.value.trlFilters[0]).toEqual({ dropIfTrlInRange: { min: 1, max: 2 } });
  });

  it('scoring rejects a bad configuration with a typed error', () => {
    const bad = { ...simpleConfig(), maxEncounterAgeInDays: -1 };
    expect(() => scoreExposureWindows([], bad, NOW)).toThrow(RiskValidationError);
    expect(() => scoreExposureWindows([], bad, NOW)).toThrow(/maxEncounterAgeInDays/);
  });
});

describe('exposure window input', () => {
  const good = () => JSON.parse(JSON.stringify([window(1, [scan(50, 300)])])) as Record<string, unknown>[];

  it('accepts windows in the EN shape', () => {
    expect(parseRiskExposureWindows(good())).toEqual({ ok: true, value: [window(1, [scan(50, 300)])] });
    expect(parseRiskExposureWindows([])).toEqual({ ok: true, value: [] });
  });

  it('names the bad window and field', () => {
    const cases: [(ws: Record<string, unknown>[]) => void, string, RegExp][] = [
      [
        (ws) => (ws[0]!['dateMillisSinceEpoch'] = 1_615_334_400_001),
        '[0].dateMillisSinceEpoch',
        /start of a UTC day/,
      ],
      [(ws) => (ws[0]!['dateMillisSinceEpoch'] = -86_400_000), '[0].dateMillisSinceEpoch', /integer from 0/],
      [(ws) => delete ws[0]!['reportType'], '[0].reportType', /is missing/],
      [(ws) => (ws[0]!['reportType'] = 6), '[0].reportType', /integer from 0 to 5, got 6/],
      [(ws) => (ws[0]!['infectiousness'] = 3), '[0].infectiousness', /0 to 2/],
      [(ws) => (ws[0]!['calibrationConfidence'] = '3'), '[0].calibrationConfidence', /0 to 3, got "3"/],
      [(ws) => (ws[0]!['scanInstances'] = null), '[0].scanInstances', /must be an array, got null/],
      [(ws) => (ws[0]!['attenuation'] = 50), '[0].attenuation', /not a known field/],
      [
        (ws) => ((ws[0]!['scanInstances'] as Record<string, unknown>[])[0]!['minAttenuation'] = 256),
        '[0].scanInstances[0].minAttenuation',
        /0 to 255, got 256/,
      ],
      [
        (ws) => ((ws[0]!['scanInstances'] as Record<string, unknown>[])[0]!['typicalAttenuation'] = 50.5),
        '[0].scanInstances[0].typicalAttenuation',
        /integer/,
      ],
      [
        (ws) => delete (ws[0]!['scanInstances'] as Record<string, unknown>[])[0]!['secondsSinceLastScan'],
        '[0].scanInstances[0].secondsSinceLastScan',
        /is missing/,
      ],
      [(ws) => ws.push(ws[0]!, 7 as never), '[2]', /must be an object, got 7/],
    ];
    for (const [corrupt, field, message] of cases) {
      const ws = good();
      corrupt(ws);
      const error = windowsError(ws);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/^exposure windows: /);
    }
  });

  it('rejects what is not an array', () => {
    expect(windowsError({ windows: [] }).message).toBe(
      'exposure windows: the input must be an array, got {"windows":[]}',
    );
  });

  it('scoring rejects bad windows and a bad now', () => {
    const bad = [{ ...window(1, []), infectiousness: 7 }] as never;
    expect(() => scoreExposureWindows(bad, simpleConfig(), NOW)).toThrow(/\[0\]\.infectiousness/);
    expect(() => scoreExposureWindows([], simpleConfig(), Number.NaN)).toThrow(/now must be a valid time/);
    expect(() => scoreExposureWindows([], simpleConfig(), new Date('nope'))).toThrow(ProtocolError);
    expect(scoreExposureWindows([], simpleConfig(), new Date(NOW)).computedAt).toBe(
      new Date(NOW).toISOString(),
    );
  });
});
