/**
 * The in-memory adapter of the storage port: for tests, the simulator and browsers that keep
 * nothing. Behaves exactly like the SQLite adapter (one contract suite runs on both): values are
 * copied in and out, settings go through JSON, and {@link DeviceStore.apply} is all or nothing —
 * it works on copies of the tables it touches and swaps them in only when every mutation applied.
 *
 * @module
 */
import type {
  DeviceSettingName,
  DeviceSettings,
  DeviceStore,
  DeviceStoreMutation,
  DeviceStorePurge,
  DeviceStorePurgeCounts,
  ProcessedFile,
  StoredExposureMatch,
  StoredKey,
  StoredSighting,
} from './store.js';

const copyKey = (k: StoredKey): StoredKey => ({ ...k, keyData: Uint8Array.from(k.keyData) });
const copySighting = (s: StoredSighting): StoredSighting => ({
  ...s,
  rpi: Uint8Array.from(s.rpi),
  aem: Uint8Array.from(s.aem),
});
const copyJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Creates an empty in-memory store. */
export function createMemoryDeviceStore(): DeviceStore {
  let closed = false;
  const keys = new Map<number, StoredKey>();
  let sightings: StoredSighting[] = [];
  let files = new Map<string, ProcessedFile>();
  let matches = new Map<string, string>();
  let settings = new Map<string, string>();

  const open = () => {
    if (closed) throw new Error('the memory device store is closed');
  };

  return {
    kind: 'memory',
    async getKey(start) {
      open();
      const key = keys.get(start);
      return key && copyKey(key);
    },
    async insertKeyIfAbsent(key) {
      open();
      const existing = keys.get(key.rollingStartIntervalNumber);
      if (existing) return copyKey(existing);
      keys.set(key.rollingStartIntervalNumber, copyKey(key));
      return copyKey(key);
    },
    async listKeys() {
      open();
      return [...keys.values()]
        .sort((a, b) => a.rollingStartIntervalNumber - b.rollingStartIntervalNumber)
        .map(copyKey);
    },
    async addSightings(list) {
      open();
      sightings = sightings.concat(list.map(copySighting));
    },
    async listSightings() {
      open();
      // Array.prototype.sort is stable: ties keep insertion order.
      return sightings.map(copySighting).sort((a, b) => a.timeMs - b.timeMs);
    },
    async countSightings() {
      open();
      return sightings.length;
    },
    async listProcessedFiles() {
      open();
      return [...files.values()]
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        .map(copyJson);
    },
    async listExposureMatches() {
      open();
      return [...matches.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, json]) => JSON.parse(json) as StoredExposureMatch);
    },
    async getSetting<K extends DeviceSettingName>(name: K) {
      open();
      const json = settings.get(name);
      return json === undefined ? undefined : (JSON.parse(json) as DeviceSettings[K]);
    },
    async apply(mutations: readonly DeviceStoreMutation[]) {
      open();
      const nextFiles = new Map(files);
      const nextMatches = new Map(matches);
      const nextSettings = new Map(settings);
      for (const m of mutations) {
        switch (m.type) {
          case 'putSetting':
            nextSettings.set(m.name, JSON.stringify(m.value));
            break;
          case 'deleteSetting':
            nextSettings.delete(m.name);
            break;
          case 'putProcessedFile':
            nextFiles.set(m.file.path, copyJson(m.file));
            break;
          case 'deleteProcessedFiles':
            for (const path of m.paths) nextFiles.delete(path);
            break;
          case 'putExposureMatch':
            nextMatches.set(m.match.keyHash, JSON.stringify(m.match));
            break;
          case 'deleteExposureMatch':
            nextMatches.delete(m.keyHash);
            break;
          default:
            throw new Error(`unknown mutation ${JSON.stringify(m satisfies never)}`);
        }
      }
      files = nextFiles;
      matches = nextMatches;
      settings = nextSettings;
    },
    async purge(limits: DeviceStorePurge): Promise<DeviceStorePurgeCounts> {
      open();
      let keyCount = 0;
      for (const [start, key] of keys) {
        if (key.rollingStartIntervalNumber + key.rollingPeriod <= limits.keysEndingBy) {
          keys.delete(start);
          keyCount++;
        }
      }
      const kept = sightings.filter((s) => s.timeMs >= limits.sightingsBefore);
      const sightingCount = sightings.length - kept.length;
      sightings = kept;
      let matchCount = 0;
      for (const [hash, json] of matches) {
        if ((JSON.parse(json) as StoredExposureMatch).lastDayMs < limits.matchesBefore) {
          matches.delete(hash);
          matchCount++;
        }
      }
      let fileCount = 0;
      for (const [path, file] of files) {
        if (file.processedAt < limits.processedFilesBefore) {
          files.delete(path);
          fileCount++;
        }
      }
      return { keys: keyCount, sightings: sightingCount, matches: matchCount, processedFiles: fileCount };
    },
    async close() {
      closed = true;
    },
  };
}
