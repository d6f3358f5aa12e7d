/**
 * Parsers for option values. Each throws a {@link UsageError} that names the option and says
 * what a good value looks like.
 *
 * @module
 */
import { fromHex, ProtocolError } from '@bluezone/protocol';
import { UsageError } from './errors.js';

/** Parses a decimal integer in `[min, max]`. */
export function intOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value.trim())) {
    throw new UsageError(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return n;
}

/** Parses hex of an exact byte length (when given). */
export function hexOption(value: string, name: string, length?: number): Uint8Array {
  try {
    return fromHex(value.trim(), name, length);
  } catch (error) {
    if (error instanceof ProtocolError) throw new UsageError(error.message);
    throw error;
  }
}
