/**
 * Input checks shared by the risk configuration and exposure-window validators: every failure
 * names the offending field by its path (`minutesAtAttenuationWeights[1].weight`), so that a
 * health authority editing a configuration file, or a caller passing windows, sees what to fix.
 *
 * @module
 */
import { ProtocolError } from '../errors.js';

/** The error codes risk scoring uses for bad input. */
export type RiskValidationErrorCode = 'risk_config_invalid' | 'risk_window_invalid';

/**
 * A rejected risk configuration or exposure window. `field` is the path of the bad value within
 * the input (`trlEncoding.reportTypeOffsetConfirmedTest`, `[2].scanInstances[0].minAttenuation`);
 * the message repeats it with what was wrong.
 */
export class RiskValidationError extends ProtocolError {
  readonly field: string;

  constructor(code: RiskValidationErrorCode, field: string, message: string) {
    super(code, message);
    this.field = field;
  }
}

/** Throws the validation error for a field; built once per input kind. */
export type RiskFail = (field: string, problem: string) => never;

/** A {@link RiskFail} whose messages start with `subject` ("risk config", "exposure windows"). */
export function riskFailer(code: RiskValidationErrorCode, subject: string): RiskFail {
  return (field, problem) => {
    throw new RiskValidationError(code, field, `${subject}: ${field || 'the input'} ${problem}`);
  };
}

/** A short rendering of a bad value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Joins a path and a key (`a` + `b` → `a.b`, `` + `b` → `b`). */
export const fieldPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Checks that `value` is a plain object with only `allowed` keys; returns it. */
export function readObject(
  value: unknown,
  field: string,
  allowed: readonly string[],
  fail: RiskFail,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(field, `must be an object, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      fail(fieldPath(field, key), `is not a known field (expected one of: ${allowed.join(', ')})`);
    }
  }
  return record;
}

/** Checks that `value` is an array; returns it. */
export function readArray(value: unknown, field: string, fail: RiskFail): readonly unknown[] {
  if (!Array.isArray(value)) fail(field, `must be an array, got ${describeValue(value)}`);
  return value as unknown[];
}

/** A finite number in `[min, max]`. */
export function readNumber(value: unknown, field: string, min: number, max: number, fail: RiskFail): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(field, `must be a finite number, got ${describeValue(value)}`);
  }
  const n = value as number;
  if (n < min || n > max) fail(field, `must be from ${min} to ${max}, got ${n}`);
  return n;
}

/** An integer in `[min, max]`. */
export function readInteger(value: unknown, field: string, min: number, max: number, fail: RiskFail): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value as number;
}

/** An optional boolean (absent → false, as protobuf defaults it). */
export function readFlag(value: unknown, field: string, fail: RiskFail): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(field, `must be true or false, got ${describeValue(value)}`);
  return value as boolean;
}
