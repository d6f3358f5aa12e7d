/**
 * `@bluezone/device/sqlite`: the storage port on SQLite through better-sqlite3, for Node (the
 * simulator, end-to-end tests, desktop tools). The only module of the package that uses Node;
 * the main entry never imports it. React Native apps implement the same port over their SQLite
 * library with the same schema (docs/device-sdk.md).
 *
 * Schema (version 1, `PRAGMA user_version`): `device_keys`, `device_sightings` (indexed by
 * time), `device_processed_files`, `device_exposure_matches` (the record as JSON, with its key
 * hash and latest day as columns) and `device_settings` (JSON text). `apply` runs in one
 * SQLite transaction; better-sqlite3 is synchronous, so every method completes before its
 * promise resolves.
 *
 * @module
 */
import Database from 'better-sqlite3';
import type {
  DeviceSettingName,
  DeviceSettings,
  DeviceStore,
  DeviceStoreMutation,
  DeviceStorePurge,
  DeviceStorePurgeCounts,
  ProcessedFile,
  ProcessedFileStatus,
  StoredExposureMatch,
  StoredKey,
  StoredSighting,
} from './store.js';

/** Schema version this adapter writes. */
export const SQLITE_DEVICE_STORE_SCHEMA_VERSION = 1;

const SCHEMA_V1 = `
CREATE TABLE device_keys (
  rolling_start INTEGER PRIMARY KEY,
  rolling_period INTEGER NOT NULL,
  key_data BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE device_sightings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rpi BLOB NOT NULL,
  aem BLOB NOT NULL,
  time_ms REAL NOT NULL,
  rssi INTEGER NOT NULL,
  receiver_model TEXT NOT NULL
);
CREATE INDEX device_sightings_time ON device_sightings (time_ms, id);
CREATE TABLE device_processed_files (
  path TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  processed_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT,
  key_count INTEGER NOT NULL,
  matched_key_count INTEGER NOT NULL
);
CREATE TABLE device_exposure_matches (
  key_hash TEXT PRIMARY KEY,
  last_day_ms INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE TABLE device_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

interface KeyRow {
  rolling_start: number;
  rolling_period: number;
  key_data: Uint8Array;
  created_at: number;
}
interface SightingRow {
  rpi: Uint8Array;
  aem: Uint8Array;
  time_ms: number;
  rssi: number;
  receiver_model: string;
}
interface FileRow {
  path: string;
  status: ProcessedFileStatus;
  processed_at: number;
  attempts: number;
  reason: string | null;
  key_count: number;
  matched_key_count: number;
}

const blob = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const bytes = (value: Uint8Array) => new Uint8Array(value);

const toKey = (r: KeyRow): StoredKey => ({
  rollingStartIntervalNumber: r.rolling_start,
  rollingPeriod: r.rolling_period,
  keyData: bytes(r.key_data),
  createdAt: r.created_at,
});

/** Options of {@link openSqliteDeviceStore}. */
export interface SqliteDeviceStoreOptions {
  /** A database file (created if missing), or `:memory:` (the default). */
  readonly path?: string;
  /** An open better-sqlite3 database to use instead (left open by `close`). */
  readonly database?: Database.Database;
}

/**
 * Opens (and creates or migrates) a SQLite device store.
 *
 * @throws {Error} when the file cannot be opened or has a newer schema than this adapter.
 */
export function openSqliteDeviceStore(options: SqliteDeviceStoreOptions = {}): DeviceStore {
  const owned = options.database === undefined;
  const db = options.database ?? new Database(options.path ?? ':memory:');
  if (owned) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SQLITE_DEVICE_STORE_SCHEMA_VERSION) {
    throw new Error(
      `the device store has schema version ${version}; this adapter knows up to ${SQLITE_DEVICE_STORE_SCHEMA_VERSION}`,
    );
  }
  if (version < 1) {
    db.transaction(() => {
      db.exec(SCHEMA_V1);
      db.pragma(`user_version = ${SQLITE_DEVICE_STORE_SCHEMA_VERSION}`);
    })();
  }

  const s = {
    getKey: db.prepare<[number], KeyRow>('SELECT * FROM device_keys WHERE rolling_start = ?'),
    insertKey: db.prepare<[number, number, Buffer, number]>(
      'INSERT INTO device_keys (rolling_start, rolling_period, key_data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (rolling_start) DO NOTHING',
    ),
    listKeys: db.prepare<[], KeyRow>('SELECT * FROM device_keys ORDER BY rolling_start'),
    addSighting: db.prepare<[Buffer, Buffer, number, number, string]>(
      'INSERT INTO device_sightings (rpi, aem, time_ms, rssi, receiver_model) VALUES (?, ?, ?, ?, ?)',
    ),
    listSightings: db.prepare<[], SightingRow>(
      'SELECT rpi, aem, time_ms, rssi, receiver_model FROM device_sightings ORDER BY time_ms, id',
    ),
    countSightings: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM device_sightings'),
    listFiles: db.prepare<[], FileRow>('SELECT * FROM device_processed_files ORDER BY path'),
    putFile: db.prepare<[string, string, number, number, string | null, number, number]>(
      `INSERT INTO device_processed_files (path, status, processed_at, attempts, reason, key_count, matched_key_count)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET status = excluded.status, processed_at = excluded.processed_at,
         attempts = excluded.attempts, reason = excluded.reason, key_count = excluded.key_count,
         matched_key_count = excluded.matched_key_count`,
    ),
    deleteFile: db.prepare<[string]>('DELETE FROM device_processed_files WHERE path = ?'),
    listMatches: db.prepare<[], { data: string }>(
      'SELECT data FROM device_exposure_matches ORDER BY key_hash',
    ),
    putMatch: db.prepare<[string, number, string]>(
      `INSERT INTO device_exposure_matches (key_hash, last_day_ms, data) VALUES (?, ?, ?)
       ON CONFLICT (key_hash) DO UPDATE SET last_day_ms = excluded.last_day_ms, data = excluded.data`,
    ),
    deleteMatch: db.prepare<[string]>('DELETE FROM device_exposure_matches WHERE key_hash = ?'),
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM device_settings WHERE name = ?'),
    putSetting: db.prepare<[string, string]>(
      'INSERT INTO device_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    deleteSetting: db.prepare<[string]>('DELETE FROM device_settings WHERE name = ?'),
    purgeKeys: db.prepare<[number]>('DELETE FROM device_keys WHERE rolling_start + rolling_period <= ?'),
    purgeSightings: db.prepare<[number]>('DELETE FROM device_sightings WHERE time_ms < ?'),
    purgeMatches: db.prepare<[number]>('DELETE FROM device_exposure_matches WHERE last_day_ms < ?'),
    purgeFiles: db.prepare<[number]>('DELETE FROM device_processed_files WHERE processed_at < ?'),
  };

  const insertKey = db.transaction((key: StoredKey): StoredKey => {
    s.insertKey.run(key.rollingStartIntervalNumber, key.rollingPeriod, blob(key.keyData), key.createdAt);
    return toKey(s.getKey.get(key.rollingStartIntervalNumber)!);
  });
  const addSightings = db.transaction((list: readonly StoredSighting[]) => {
    for (const x of list) s.addSighting.run(blob(x.rpi), blob(x.aem), x.timeMs, x.rssiDbm, x.receiverModel);
  });
  const apply = db.transaction((mutations: readonly DeviceStoreMutation[]) => {
    for (const m of mutations) {
      switch (m.type) {
        case 'putSetting':
          s.putSetting.run(m.name, JSON.stringify(m.value));
          break;
        case 'deleteSetting':
          s.deleteSetting.run(m.name);
          break;
        case 'putProcessedFile': {
          const f = m.file;
          s.putFile.run(f.path, f.status, f.processedAt, f.attempts, f.reason, f.keyCount, f.matchedKeyCount);
          break;
        }
        case 'deleteProcessedFiles':
          for (const path of m.paths) s.deleteFile.run(path);
          break;
        case 'putExposureMatch':
          s.putMatch.run(m.match.keyHash, m.match.lastDayMs, JSON.stringify(m.match));
          break;
        case 'deleteExposureMatch':
          s.deleteMatch.run(m.keyHash);
          break;
        default:
          throw new Error(`unknown mutation ${JSON.stringify(m satisfies never)}`);
      }
    }
  });
  const purge = db.transaction(
    (limits: DeviceStorePurge): DeviceStorePurgeCounts => ({
      keys: s.purgeKeys.run(limits.keysEndingBy).changes,
      sightings: s.purgeSightings.run(limits.sightingsBefore).changes,
      matches: s.purgeMatches.run(limits.matchesBefore).changes,
      processedFiles: s.purgeFiles.run(limits.processedFilesBefore).changes,
    }),
  );

  return {
    kind: 'sqlite',
    async getKey(start) {
      const row = s.getKey.get(start);
      return row && toKey(row);
    },
    async insertKeyIfAbsent(key) {
      return insertKey(key);
    },
    async listKeys() {
      return s.listKeys.all().map(toKey);
    },
    async addSightings(list) {
      addSightings(list);
    },
    async listSightings() {
      return s.listSightings.all().map((r) => ({
        rpi: bytes(r.rpi),
        aem: bytes(r.aem),
        timeMs: r.time_ms,
        rssiDbm: r.rssi,
        receiverModel: r.receiver_model,
      }));
    },
    async countSightings() {
      return s.countSightings.get()!.n;
    },
    async listProcessedFiles(): Promise<ProcessedFile[]> {
      return s.listFiles.all().map((r) => ({
        path: r.path,
        status: r.status,
        processedAt: r.processed_at,
        attempts: r.attempts,
        reason: r.reason,
        keyCount: r.key_count,
        matchedKeyCount: r.matched_key_count,
      }));
    },
    async listExposureMatches() {
      return s.listMatches.all().map((r) => JSON.parse(r.data) as StoredExposureMatch);
    },
    async getSetting<K extends DeviceSettingName>(name: K) {
      const row = s.getSetting.get(name);
      return row === undefined ? undefined : (JSON.parse(row.value) as DeviceSettings[K]);
    },
    async apply(mutations) {
      apply(mutations);
    },
    async purge(limits) {
      return purge(limits);
    },
    async close() {
      if (owned && db.open) db.close();
    },
  };
}
