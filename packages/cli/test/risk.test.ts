import { readFileSync } from 'node:fs';
import { RISK_CONFIG_BLUEZONE_DEFAULT, RISK_CONFIG_CWA } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const DAY = 86_400_000;
const TODAY = Date.UTC(2021, 2, 10);
const NOW = '2021-03-10T15:30:00Z';

const scan = (minAttenuation: number, secondsSinceLastScan: number) => ({
  minAttenuation,
  typicalAttenuation: minAttenuation,
  secondsSinceLastScan,
});
const window = (age: number, scans: ReturnType<typeof scan>[], reportType = 1, infectiousness = 1) => ({
  dateMillisSinceEpoch: TODAY - age * DAY,
  reportType,
  infectiousness,
  calibrationConfidence: 3,
  scanInstances: scans,
});

/** Two days: a high one (12 min at 50 dB, confirmed test) and a low one (5 min). */
const WINDOWS = [window(3, [scan(50, 420), scan(50, 300)]), window(1, [scan(65, 300)], 2)];

interface ScoreJson {
  configVersion: string;
  computedAt: string;
  windows: { index: number; date: string; dropped: boolean; reason?: string; riskLevel?: number }[];
  days: { date: string; riskLevel: number | null; normalizedTime: number }[];
  totalRiskLevel: number;
  mostRecentDateWithLowRisk: string | null;
  mostRecentDateWithHighRisk: string | null;
  numberOfDaysWithLowRisk: number;
  numberOfDaysWithHighRisk: number;
}

describe('bluezone risk score', () => {
  it('scores windows with a preset and prints windows, days and totals', async () => {
    const t = tempDir();
    const windows = t.file('windows.json', JSON.stringify(WINDOWS));
    const r = await runCli(['risk', 'score', '--config', 'cwa', '--windows', windows, '--now', NOW]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const score = JSON.parse(r.stdout) as ScoreJson;
    expect(score).toMatchObject({
      configVersion: RISK_CONFIG_CWA.version,
      computedAt: '2021-03-10T15:30:00.000Z',
      totalRiskLevel: 2,
      mostRecentDateWithLowRisk: '2021-03-09',
      mostRecentDateWithHighRisk: '2021-03-07',
      numberOfDaysWithLowRisk: 1,
      numberOfDaysWithHighRisk: 1,
    });
    expect(score.windows.map((w) => [w.index, w.date, w.dropped, w.riskLevel])).toEqual([
      [0, '2021-03-07', false, 2],
      [1, '2021-03-09', false, 1],
    ]);
    expect(score.days).toMatchObject([
      { date: '2021-03-07', riskLevel: 2, normalizedTime: 13.44 },
      { date: '2021-03-09', riskLevel: 1, normalizedTime: 5 },
    ]);
  });

  it('reads a configuration file and reports dropped windows', async () => {
    const t = tempDir();
    const config = t.file(
      'config.json',
      JSON.stringify({ ...RISK_CONFIG_BLUEZONE_DEFAULT, version: 'mine-1' }),
    );
    const windows = t.file(
      'windows.json',
      JSON.stringify([...WINDOWS, window(20, [scan(40, 600)]), window(1, [scan(40, 600)], 0)]),
    );
    const r = await runCli(['risk', 'score', '--config', config, '--windows', windows, '--now', NOW]);
    expect(r.code).toBe(0);
    const score = JSON.parse(r.stdout) as ScoreJson;
    expect(score.configVersion).toBe('mine-1');
    expect(score.windows.slice(2)).toMatchObject([
      { index: 2, dropped: true, reason: 'older_than_max_encounter_age' },
      { index: 3, dropped: true, reason: 'transmission_risk_level_filter' },
    ]);
  });

  it('handles no windows and uses the clock when --now is absent', async () => {
    const t = tempDir();
    const windows = t.file('windows.json', '[]');
    const r = await runCli(['risk', 'score', '--config', 'bluezone-legacy', '--windows', windows], {
      now: new Date(NOW),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      computedAt: '2021-03-10T15:30:00.000Z',
      windows: [],
      days: [],
      totalRiskLevel: 1,
      mostRecentDateWithLowRisk: null,
      mostRecentDateWithHighRisk: null,
      numberOfDaysWithLowRisk: 0,
      numberOfDaysWithHighRisk: 0,
    });
  });

  it('scores the same windows differently under the three presets', async () => {
    const t = tempDir();
    // 10 minutes at 60 dB, confirmed test: CWA high (10 × 0.8 × 1.4), ours low (10 × 0), legacy high.
    const windows = t.file('windows.json', JSON.stringify([window(2, [scan(60, 600)])]));
    const total = async (preset: string) =>
      (
        JSON.parse(
          (await runCli(['risk', 'score', '--config', preset, '--windows', windows, '--now', NOW])).stdout,
        ) as ScoreJson
      ).totalRiskLevel;
    expect([await total('cwa'), await total('bluezone-default'), await total('bluezone-legacy')]).toEqual([
      2, 1, 2,
    ]);
  });

  it('fails with exit code 2 and one line on bad input', async () => {
    const t = tempDir();
    const good = t.file('windows.json', JSON.stringify(WINDOWS));
    const badWindows = t.file('bad-windows.json', JSON.stringify([{ ...WINDOWS[0], reportType: 9 }]));
    const notJson = t.file('broken.json', '[{');
    const badConfig = t.file(
      'bad-config.json',
      JSON.stringify({ ...RISK_CONFIG_CWA, maxEncounterAgeInDays: -3 }),
    );
    const cases: [string[], RegExp][] = [
      [
        ['--config', 'cwa', '--windows', badWindows, '--now', NOW],
        /bad-windows\.json: exposure windows: \[0\]\.reportType must be an integer from 0 to 5, got 9/,
      ],
      [['--config', 'cwa', '--windows', notJson, '--now', NOW], /broken\.json is not valid JSON/],
      [
        ['--config', badConfig, '--windows', good, '--now', NOW],
        /bad-config\.json: risk config: maxEncounterAgeInDays must be an integer from 0 to 366, got -3/,
      ],
      [
        ['--config', 'cwa-2020', '--windows', good, '--now', NOW],
        /--config: cannot read cwa-2020: no such file \(give a JSON file or a preset: cwa, bluezone-legacy, bluezone-default, close-contact-2m-15min\)/,
      ],
      [
        ['--config', 'cwa', '--windows', `${t.dir}/missing.json`, '--now', NOW],
        /cannot read .*missing\.json: no such file/,
      ],
      [['--config', 'cwa', '--windows', good, '--now', 'yesterday'], /--now must be an ISO 8601 time/],
      [['--windows', good], /required option '--config <file\|preset>' not specified/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['risk', 'score', ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^bluezone: /);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('bluezone risk config', () => {
  it('prints a preset that risk score accepts back as a file', async () => {
    const r = await runCli(['risk', 'config', 'bluezone-default']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(RISK_CONFIG_BLUEZONE_DEFAULT)));
    const t = tempDir();
    const config = t.file('default.json', r.stdout);
    const windows = t.file('windows.json', JSON.stringify(WINDOWS));
    const score = await runCli(['risk', 'score', '--config', config, '--windows', windows, '--now', NOW]);
    expect(score.code).toBe(0);
    expect(JSON.parse(score.stdout).configVersion).toBe(RISK_CONFIG_BLUEZONE_DEFAULT.version);
  });

  it('rejects an unknown preset', async () => {
    const r = await runCli(['risk', 'config', 'cwa2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'bluezone: unknown preset "cwa2"; presets: cwa, bluezone-legacy, bluezone-default, close-contact-2m-15min\n',
    );
  });
});

describe('bluezone risk attenuation', () => {
  it('prints the attenuation and the calibration used', async () => {
    const r = await runCli(['risk', 'attenuation', '--tx', '-30', '--rssi', '-70', '--model', 'Pixel 4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '32 dB = -30 − (-70 + 8)\ncalibration: model Pixel 4 (google), table 2020-12-14, confidence HIGH (3)\n',
    );
  });

  it('falls back to the OEM and global averages, and can use the June 2020 table', async () => {
    const oem = await runCli([
      'risk',
      'attenuation',
      '--tx=-25',
      '--rssi=-80',
      '--model',
      'SM-X999',
      '--oem',
      'Samsung',
      '--json',
    ]);
    expect(JSON.parse(oem.stdout).calibration).toMatchObject({ source: 'oem_average', confidence: 1 });
    const global = await runCli(['risk', 'attenuation', '--tx=-25', '--rssi=-80']);
    expect(global.stdout).toMatch(
      /calibration: average of all models, table 2020-12-14, confidence LOWEST \(0\)/,
    );
    const june = await runCli([
      'risk',
      'attenuation',
      '--tx=-30',
      '--rssi=-70',
      '--model',
      'Pixel 4',
      '--table',
      '2020-06-13',
      '--json',
    ]);
    expect(JSON.parse(june.stdout)).toMatchObject({
      attenuationDb: 35,
      calibration: { tableId: '2020-06-13' },
    });
  });

  it('says when the attenuation was clamped', async () => {
    const r = await runCli(['risk', 'attenuation', '--tx=-100', '--rssi=20', '--model', 'Pixel 4']);
    expect(r.stdout).toMatch(/^0 dB = -100 − \(20 \+ 8\) \(clamped from -128\)\n/);
  });

  it('rejects bad numbers and tables with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--tx', '-128', '--rssi', '-70'], /--tx must be a whole number from -127 to 127, got -128/],
      [['--tx', '-30', '--rssi', 'loud'], /--rssi must be a whole number from -127 to 127, got "loud"/],
      [
        ['--tx', '-30', '--rssi', '-70', '--table', '2021'],
        /--table must be 2020-12-14 or 2020-06-13, got "2021"/,
      ],
      [['--rssi', '-70'], /required option '--tx <dbm>' not specified/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['risk', 'attenuation', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('docs', () => {
  it('documents every preset and command', () => {
    const doc = readFileSync(new URL('../../../docs/risk-scoring.md', import.meta.url), 'utf8');
    for (const word of [
      'cwa',
      'bluezone-legacy',
      'bluezone-default',
      'close-contact-2m-15min',
      'risk score',
      'risk attenuation',
      'risk config',
    ]) {
      expect(doc).toContain(word);
    }
  });
});
