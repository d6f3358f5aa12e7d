/**
 * Column types that differ between SQLite and PostgreSQL, for migrations.
 *
 * @module
 */
import { type ColumnDataType, type Expression, sql } from 'kysely';
import type { Dialect } from '../storage.js';

/** Binary column type. */
export const bytes = (dialect: Dialect): ColumnDataType | Expression<unknown> =>
  dialect === 'postgres' ? 'bytea' : sql`blob`;

/** 64-bit integer column type (millisecond times, counters). */
export const int64 = (_dialect: Dialect): ColumnDataType => 'bigint';
