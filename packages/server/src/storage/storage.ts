/**
 * The storage port: a typed Kysely handle over SQLite (embedded default, better-sqlite3, WAL) or
 * PostgreSQL, plus the few operations whose SQL differs by engine. Features write their queries
 * once against {@link Storage.db}; the contract suite runs them on both engines.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

/** Which engine a storage runs on. */
export type Dialect = 'sqlite' | 'postgres';

/** An open database. */
export interface Storage {
  readonly dialect: Dialect;
  /** PostgreSQL schema holding the tables (undefined on SQLite). */
  readonly schema?: string;
  readonly db: Kysely<Database>;
  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Runs `fn` only if no other process holds the lock `name` (PostgreSQL advisory lock, held for
   * the duration of `fn`); returns `undefined` when another instance is the leader. On SQLite
   * (one process) the lock is process-local.
   */
  withLeaderLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}

function localLocks(): (name: string) => { acquire(): boolean; release(): void } {
  const held = new Set<string>();
  return (name) => ({
    acquire: () => {
      if (held.has(name)) return false;
      held.add(name);
      return true;
    },
    release: () => {
      held.delete(name);
    },
  });
}

/** Opens (creating if needed) a SQLite database file; `:memory:` for a private in-memory one. */
export function openSqlite(path: string): Storage {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const lock = localLocks();
  return {
    dialect: 'sqlite',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    withLeaderLock: async (name, fn) => {
      const l = lock(name);
      if (!l.acquire()) return undefined;
      try {
        return await fn();
      } finally {
        l.release();
      }
    },
    close: () => db.destroy(),
  };
}

const INT8_OID = 20;

/** Opens a PostgreSQL pool; every connection uses `schema` (created if missing). */
export async function openPostgres(url: string, schema = 'public', maxConnections = 10): Promise<Storage> {
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    options: `-c search_path=${schema}`,
    // bigint columns hold millisecond times and counts, far below 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema !== 'public') await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const lock = localLocks();
  return {
    dialect: 'postgres',
    schema,
    db,
    transaction: (fn) => db.transaction().execute(fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    withLeaderLock: async (name, fn) => {
      const l = lock(name);
      if (!l.acquire()) return undefined;
      try {
        // A transaction-scoped advisory lock, held while fn runs on other connections.
        return await db.transaction().execute(async (trx) => {
          const { rows } = await sql<{
            locked: boolean;
          }>`select pg_try_advisory_xact_lock(hashtext(${`bluezone:${schema}:${name}`})) as locked`.execute(
            trx,
          );
          if (!rows[0]?.locked) return undefined;
          return fn();
        });
      } finally {
        l.release();
      }
    },
    close: () => db.destroy(),
  };
}
