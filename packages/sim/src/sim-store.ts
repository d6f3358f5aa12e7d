/**
 * The phones' store in the simulation: the SDK's memory adapter for everything but the sighting
 * log, which is kept append-only here. The memory adapter copies the whole log on every batch
 * (`concat`), fine on a phone and quadratic for thousands of simulated phones hearing millions of
 * scans. Same contract (values copied in and out, `listSightings` by time with ties in insertion
 * order, retention).
 *
 * @module
 */
import { createMemoryDeviceStore, type DeviceStore, type StoredSighting } from '@bluezone/device';

const copy = (s: StoredSighting): StoredSighting => ({
  rpi: Uint8Array.from(s.rpi),
  aem: Uint8Array.from(s.aem),
  timeMs: s.timeMs,
  rssiDbm: s.rssiDbm,
  receiverModel: s.receiverModel,
});

export function createSimDeviceStore(): DeviceStore {
  const base = createMemoryDeviceStore();
  let sightings: StoredSighting[] = [];
  let sorted = true;
  return {
    kind: 'sim-memory',
    getKey: (start) => base.getKey(start),
    insertKeyIfAbsent: (key) => base.insertKeyIfAbsent(key),
    listKeys: () => base.listKeys(),
    listProcessedFiles: () => base.listProcessedFiles(),
    listExposureMatches: () => base.listExposureMatches(),
    getSetting: (name) => base.getSetting(name),
    apply: (mutations) => base.apply(mutations),
    async addSightings(list) {
      for (const s of list) {
        const last = sightings[sightings.length - 1];
        if (last !== undefined && s.timeMs < last.timeMs) sorted = false;
        sightings.push(copy(s));
      }
    },
    async listSightings() {
      if (!sorted) {
        // Stable: ties keep insertion order.
        sightings = sightings.sort((a, b) => a.timeMs - b.timeMs);
        sorted = true;
      }
      return sightings.map(copy);
    },
    async countSightings() {
      return sightings.length;
    },
    async purge(limits) {
      const counts = await base.purge(limits);
      const kept = sightings.filter((s) => s.timeMs >= limits.sightingsBefore);
      const removed = sightings.length - kept.length;
      sightings = kept;
      return { ...counts, sightings: removed };
    },
    close: () => base.close(),
  };
}
