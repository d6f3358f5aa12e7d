/**
 * Server configuration: every setting comes from one environment variable, is parsed and
 * validated once at start, and is frozen. {@link CONFIG_VARIABLES} is the single list of
 * variables (name, default, range, meaning); `docs/operations.md` documents exactly this list and
 * a test keeps the two in sync.
 *
 * @module
 */
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RiskPresetName } from '@bluezone/protocol';

/** A bad configuration value. `main` prints the message and exits with {@link CONFIG_EXIT_CODE}. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Exit code for a configuration error (EX_CONFIG from sysexits.h). */
export const CONFIG_EXIT_CODE = 78;

/** How SMS messages leave the server. */
export type SmsTarget = { kind: 'console' } | { kind: 'file'; path: string } | { kind: 'http'; url: string };

/** The validated, frozen configuration. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL when set, else SQLite at {@link Config.sqlitePath}. */
  readonly databaseUrl: string | undefined;
  readonly databaseSchema: string;
  readonly sqlitePath: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimitBytes: number;
  /** Master secret (32 bytes); absent = generated into the data directory on first start. */
  readonly secretKey: Uint8Array | undefined;
  readonly sms: SmsTarget;
  readonly healthAuthorityId: string;
  readonly region: string;
  readonly keyRetentionDays: number;
  /** Days after a case closes that its contact list's personal data and legacy matches are kept. */
  readonly contactRetentionDays: number;
  readonly exportPeriodSeconds: number;
  readonly exportMinKeys: number;
  readonly exportMaxKeys: number;
  readonly activeDays: number;
  /** Target install rate of the statistics (phone-registered ÷ smartphones), a fraction. */
  readonly statsTarget: number;
  /** k: public statistics suppress counts from 1 to k − 1. */
  readonly statsMinCell: number;
  readonly jobsEnabled: boolean;
  readonly trustProxy: boolean;
  /** Risk scoring preset phones use (signed device configuration). */
  readonly riskPreset: RiskPresetName;
  /** How precisely warnings show the time of an exposure. */
  readonly exposureTimeGranularity: 'none' | 'period' | 'hour';
  /** Mark the portal's session cookie `Secure` (off only for plain-HTTP local use). */
  readonly cookieSecure: boolean;
  /** A session ends after this many minutes without a request. */
  readonly sessionIdleMinutes: number;
  /** A session ends this many hours after login, however active. */
  readonly sessionMaxHours: number;
  /** Directory of the built portal (the SPA served at `/`). */
  readonly portalDir: string;
  /** Days a health declaration (and its daily reports) is kept after it was made or its monitoring ended. */
  readonly declarationRetentionDays: number;
  /** Lifetime of a personal QR token, minutes. */
  readonly qrTokenMinutes: number;
  /** Requests a partner API key may make per minute. */
  readonly partnerRequestsPerMinute: number;
}

/** One documented environment variable. */
export interface ConfigVariable {
  readonly name: string;
  readonly default: string;
  readonly range: string;
  readonly description: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function fraction(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d*\.?\d+$/.test(raw.trim()) || value < min || value > max)
    throw new ConfigError(
      `${name} must be a fraction from ${min} to ${max} (0.5 = 50 %), got ${JSON.stringify(raw)}`,
    );
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw.trim())) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw.trim() as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.trim().toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.trim().toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function parseSms(raw: string | undefined, cwd: string): SmsTarget {
  const value = raw?.trim() || 'console';
  if (value === 'console') return { kind: 'console' };
  if (value.startsWith('file:') && value.length > 5) {
    const path = value.slice(5);
    return { kind: 'file', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (value.startsWith('http:') || value.startsWith('https:')) {
    const url = value.startsWith('http:http') ? value.slice(5) : value;
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
      return { kind: 'http', url: parsed.toString() };
    } catch {
      throw new ConfigError(`BLUEZONE_SMS=http:URL needs a valid http(s) URL, got ${JSON.stringify(value)}`);
    }
  }
  throw new ConfigError(`BLUEZONE_SMS must be console, file:PATH or http:URL, got ${JSON.stringify(value)}`);
}

function parseSecret(raw: string | undefined): Uint8Array | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const bytes = Buffer.from(raw.trim(), 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== raw.trim()) {
    throw new ConfigError(
      'BLUEZONE_SECRET_KEY must be 32 bytes in standard base64 (44 characters); make one with `openssl rand -base64 32`',
    );
  }
  return new Uint8Array(bytes);
}

function text(env: Env, name: string, fallback: string, pattern: RegExp, hint: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!pattern.test(raw.trim())) throw new ConfigError(`${name} must be ${hint}, got ${JSON.stringify(raw)}`);
  return raw.trim();
}

/** Every variable the server reads, with its default and range: the documentation's source. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'BLUEZONE_HOST',
    default: '127.0.0.1',
    range: 'an interface address',
    description: 'Address to listen on; 0.0.0.0 behind a load balancer.',
  },
  {
    name: 'BLUEZONE_PORT',
    default: '8080',
    range: '0–65535 (0 = any free port)',
    description: 'TCP port to listen on.',
  },
  {
    name: 'BLUEZONE_DATA_DIR',
    default: './data',
    range: 'a writable directory',
    description: 'Where the SQLite database and generated secrets live.',
  },
  {
    name: 'BLUEZONE_DB',
    default: '<data dir>/bluezone.db',
    range: 'a file path',
    description: 'SQLite database file (the embedded default). Ignored when DATABASE_URL is set.',
  },
  {
    name: 'DATABASE_URL',
    default: '(unset)',
    range: 'postgres://user@host:port/db',
    description: 'Use PostgreSQL instead of SQLite.',
  },
  {
    name: 'BLUEZONE_DB_SCHEMA',
    default: 'public',
    range: 'a lower-case SQL identifier',
    description: 'PostgreSQL schema for all tables.',
  },
  {
    name: 'BLUEZONE_LOG_LEVEL',
    default: 'info',
    range: 'fatal, error, warn, info, debug, trace, silent',
    description: 'Structured JSON log level. Logs never contain phone numbers, codes, keys or tokens.',
  },
  {
    name: 'BLUEZONE_BODY_LIMIT',
    default: '262144',
    range: '1024–10485760 bytes',
    description: 'Largest request body accepted (413 above it).',
  },
  {
    name: 'BLUEZONE_SECRET_KEY',
    default: '(generated into the data dir)',
    range: '32 bytes, base64',
    description:
      'Master secret: phone-number encryption and keyed hashes are derived from it. Production passes it in from a secret store; never change it without a re-encryption plan.',
  },
  {
    name: 'BLUEZONE_SMS',
    default: 'console',
    range: 'console, file:PATH, http:URL',
    description:
      'Where one-time codes are sent: stdout as JSON lines (development), a JSON-lines file (tests), or an SMS gateway (HTTP POST).',
  },
  {
    name: 'BLUEZONE_HEALTH_AUTHORITY_ID',
    default: 'vn-moh',
    range: 'letters, digits, . _ -',
    description: 'Health authority ID: issuer of verification certificates, publish healthAuthorityID.',
  },
  {
    name: 'BLUEZONE_REGION',
    default: 'VN',
    range: 'letters, digits, - (1–16)',
    description: 'Region of key export files.',
  },
  {
    name: 'BLUEZONE_KEY_RETENTION_DAYS',
    default: '14',
    range: '1–30',
    description: 'Days published keys are kept before the retention job deletes them.',
  },
  {
    name: 'BLUEZONE_CONTACT_RETENTION_DAYS',
    default: '30',
    range: '1–365',
    description:
      'Days after a case is closed before the retention job deletes its contact list’s personal data (phone link, exposure days and risk) and its legacy matches.',
  },
  {
    name: 'BLUEZONE_EXPORT_PERIOD_SECONDS',
    default: '3600',
    range: '60–86400',
    description: 'Length of one export batch.',
  },
  {
    name: 'BLUEZONE_EXPORT_MIN_KEYS',
    default: '1000',
    range: '0–750000',
    description: 'Key files are padded with random keys up to this count.',
  },
  {
    name: 'BLUEZONE_EXPORT_MAX_KEYS',
    default: '750000',
    range: '1–750000',
    description: 'Most keys in one file; larger batches are split.',
  },
  {
    name: 'BLUEZONE_ACTIVE_DAYS',
    default: '7',
    range: '1–90',
    description:
      'An install is active if it checked in within this many days (statistics: the whole Vietnamese days before the as-of instant; docs/statistics.md).',
  },
  {
    name: 'BLUEZONE_STATS_TARGET',
    default: '0.5',
    range: '0.01–1',
    description:
      'Target install rate (phone-registered installs ÷ smartphones) the statistics measure progress to.',
  },
  {
    name: 'BLUEZONE_STATS_MIN_CELL',
    default: '10',
    range: '1–1000',
    description: 'k of public statistics: counts from 1 to k − 1 are suppressed (shown as null and marked).',
  },
  {
    name: 'BLUEZONE_JOBS',
    default: 'true',
    range: 'true, false',
    description: 'Run the background jobs (export batching, retention, key rotation) in this process.',
  },
  {
    name: 'BLUEZONE_RISK_PRESET',
    default: 'bluezone-default',
    range: 'bluezone-default, cwa, bluezone-legacy, close-contact-2m-15min',
    description:
      'Risk scoring parameters phones use (docs/risk-scoring.md); part of the signed device configuration.',
  },
  {
    name: 'BLUEZONE_EXPOSURE_TIME_GRANULARITY',
    default: 'period',
    range: 'none, period, hour',
    description:
      'How precisely a warning shows when the exposure happened: not at all, morning/afternoon/evening, or the hour.',
  },
  {
    name: 'BLUEZONE_TRUST_PROXY',
    default: 'false',
    range: 'true, false',
    description: 'Trust X-Forwarded-For for client addresses (per-IP rate limits) behind a load balancer.',
  },
  {
    name: 'BLUEZONE_COOKIE_SECURE',
    default: 'true',
    range: 'true, false',
    description:
      'Send the portal session cookie only over HTTPS (Secure). Set false only for plain-HTTP use on localhost.',
  },
  {
    name: 'BLUEZONE_SESSION_IDLE_MINUTES',
    default: '30',
    range: '1–1440',
    description: 'A portal session ends after this many minutes without a request.',
  },
  {
    name: 'BLUEZONE_SESSION_MAX_HOURS',
    default: '12',
    range: '1–168',
    description: 'A portal session ends this many hours after login, however active (log in again).',
  },
  {
    name: 'BLUEZONE_PORTAL_DIR',
    default: '<server package>/../portal/dist',
    range: 'a directory',
    description:
      'The built health-authority portal served at / (`npm run build` makes it); without its index.html, / answers 503.',
  },
  {
    name: 'BLUEZONE_DECLARATION_RETENTION_DAYS',
    default: '30',
    range: '1–365',
    description:
      'Days a health declaration and its daily reports are kept after the declaration was made or, for people under monitoring, after the monitoring ended; then the retention job deletes them.',
  },
  {
    name: 'BLUEZONE_QR_TOKEN_MINUTES',
    default: '5',
    range: '1–60',
    description: 'Lifetime of a personal QR token (POST /v1/qr); offline checkpoints accept it this long.',
  },
  {
    name: 'BLUEZONE_PARTNER_REQUESTS_PER_MINUTE',
    default: '600',
    range: '1–100000',
    description: 'Requests one partner (NCOVI, VHD, …) may make per minute to /partner/v1 (429 above it).',
  },
];

/** The portal package's build output, next to the server package (src/ and dist/ are both one level down). */
const DEFAULT_PORTAL_DIR = fileURLToPath(new URL('../../portal/dist', import.meta.url));

/** Parses and validates `env`; relative paths resolve against `cwd`. Throws {@link ConfigError}. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  for (const name of Object.keys(env)) {
    if (name.startsWith('BLUEZONE_') && !known.has(name)) {
      throw new ConfigError(
        `unknown setting ${name}; the known BLUEZONE_* variables are listed in docs/operations.md`,
      );
    }
  }
  const dataDir = resolve(cwd, env['BLUEZONE_DATA_DIR']?.trim() || './data');
  const databaseUrl = env['DATABASE_URL']?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const exportMinKeys = integer(env, 'BLUEZONE_EXPORT_MIN_KEYS', 1000, 0, 750_000);
  const exportMaxKeys = integer(env, 'BLUEZONE_EXPORT_MAX_KEYS', 750_000, 1, 750_000);
  if (exportMinKeys > exportMaxKeys) {
    throw new ConfigError(
      `BLUEZONE_EXPORT_MIN_KEYS (${exportMinKeys}) must not exceed BLUEZONE_EXPORT_MAX_KEYS (${exportMaxKeys})`,
    );
  }
  const config: Config = {
    host: text(
      env,
      'BLUEZONE_HOST',
      '127.0.0.1',
      /^[0-9A-Za-z.:-]+$/,
      'an interface address such as 0.0.0.0',
    ),
    port: integer(env, 'BLUEZONE_PORT', 8080, 0, 65_535),
    dataDir,
    databaseUrl,
    databaseSchema: text(
      env,
      'BLUEZONE_DB_SCHEMA',
      'public',
      /^[a-z_][a-z0-9_]{0,62}$/,
      'a lower-case SQL identifier',
    ),
    sqlitePath: env['BLUEZONE_DB']?.trim()
      ? resolve(cwd, env['BLUEZONE_DB'].trim())
      : join(dataDir, 'bluezone.db'),
    logLevel: oneOf(env, 'BLUEZONE_LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    bodyLimitBytes: integer(env, 'BLUEZONE_BODY_LIMIT', 262_144, 1024, 10_485_760),
    secretKey: parseSecret(env['BLUEZONE_SECRET_KEY']),
    sms: parseSms(env['BLUEZONE_SMS'], cwd),
    healthAuthorityId: text(
      env,
      'BLUEZONE_HEALTH_AUTHORITY_ID',
      'vn-moh',
      /^[A-Za-z0-9._-]{1,64}$/,
      'letters, digits, dot, dash or underscore',
    ),
    region: text(env, 'BLUEZONE_REGION', 'VN', /^[A-Za-z0-9-]{1,16}$/, 'letters, digits or dash (1-16)'),
    keyRetentionDays: integer(env, 'BLUEZONE_KEY_RETENTION_DAYS', 14, 1, 30),
    contactRetentionDays: integer(env, 'BLUEZONE_CONTACT_RETENTION_DAYS', 30, 1, 365),
    exportPeriodSeconds: integer(env, 'BLUEZONE_EXPORT_PERIOD_SECONDS', 3600, 60, 86_400),
    exportMinKeys,
    exportMaxKeys,
    activeDays: integer(env, 'BLUEZONE_ACTIVE_DAYS', 7, 1, 90),
    statsTarget: fraction(env, 'BLUEZONE_STATS_TARGET', 0.5, 0.01, 1),
    statsMinCell: integer(env, 'BLUEZONE_STATS_MIN_CELL', 10, 1, 1000),
    jobsEnabled: bool(env, 'BLUEZONE_JOBS', true),
    trustProxy: bool(env, 'BLUEZONE_TRUST_PROXY', false),
    riskPreset: oneOf<RiskPresetName>(env, 'BLUEZONE_RISK_PRESET', 'bluezone-default', [
      'bluezone-default',
      'cwa',
      'bluezone-legacy',
      'close-contact-2m-15min',
    ]),
    exposureTimeGranularity: oneOf(env, 'BLUEZONE_EXPOSURE_TIME_GRANULARITY', 'period', [
      'none',
      'period',
      'hour',
    ]),
    cookieSecure: bool(env, 'BLUEZONE_COOKIE_SECURE', true),
    sessionIdleMinutes: integer(env, 'BLUEZONE_SESSION_IDLE_MINUTES', 30, 1, 1440),
    sessionMaxHours: integer(env, 'BLUEZONE_SESSION_MAX_HOURS', 12, 1, 168),
    portalDir: env['BLUEZONE_PORTAL_DIR']?.trim()
      ? resolve(cwd, env['BLUEZONE_PORTAL_DIR'].trim())
      : DEFAULT_PORTAL_DIR,
    declarationRetentionDays: integer(env, 'BLUEZONE_DECLARATION_RETENTION_DAYS', 30, 1, 365),
    qrTokenMinutes: integer(env, 'BLUEZONE_QR_TOKEN_MINUTES', 5, 1, 60),
    partnerRequestsPerMinute: integer(env, 'BLUEZONE_PARTNER_REQUESTS_PER_MINUTE', 600, 1, 100_000),
  };
  return Object.freeze(config);
}
