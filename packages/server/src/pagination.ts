/**
 * Keyset pagination cursors shared by the list endpoints: a cursor is the (time, id) of the last
 * row of a page, opaque to clients (base64url JSON). A cursor not made by this codec is refused
 * with `invalid_request`.
 *
 * @module
 */
import { ApiError } from './errors.js';

/** The position after which the next page starts. */
export interface KeysetPosition {
  /** Sort time of the last row, Unix ms. */
  readonly time: number;
  /** ID of the last row (tie-breaker). */
  readonly id: string;
}

/** The opaque cursor of `position`. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.time, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names; throws `invalid_request` for anything else. */
export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 64
    ) {
      return { time: value[0] as number, id: value[1] };
    }
  } catch {
    // not base64url JSON: refused below
  }
  throw new ApiError(
    'invalid_request',
    'cursor is not one this API returned; pass nextCursor unchanged, or start again without it',
  );
}
