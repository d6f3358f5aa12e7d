/**
 * Opens the storage the configuration names: PostgreSQL when `DATABASE_URL` is set, else SQLite.
 *
 * @module
 */
import type { Config } from '../config.js';
import { openPostgres, openSqlite, type Storage } from './storage.js';

export async function openStorage(
  config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'sqlitePath'>,
): Promise<Storage> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, config.databaseSchema)
    : openSqlite(config.sqlitePath);
}

/** Where the data lives, for messages (never prints credentials). */
export function describeStorage(
  config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'sqlitePath'>,
): string {
  if (!config.databaseUrl) return `SQLite ${config.sqlitePath}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname} schema ${config.databaseSchema}`;
}
