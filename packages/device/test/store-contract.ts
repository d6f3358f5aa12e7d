/**
 * The contract of the storage port, as a suite any adapter can run:
 * `deviceStoreContract(name, open)` defines it for a factory of fresh stores. Keys made once per
 * day, sightings in time order, processed-file markers, matches, settings as JSON, atomic
 * `apply` (a failing mutation leaves nothing), retention boundaries, copies in and out.
 */
import { ReportType } from '@bluezone/protocol';
import { describe, expect, it } from 'vitest';
import type {
  DeviceStore,
  DeviceStoreMutation,
  ProcessedFile,
  StoredExposureMatch,
  StoredSighting,
} from '../src/index.js';

export const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
export const sighting = (timeMs: number, id: number): StoredSighting => ({
  rpi: bytes(16, id),
  aem: bytes(4, id),
  timeMs,
  rssiDbm: -50 - id,
  receiverModel: `model-${id}`,
});
export const file = (path: string, processedAt = 1000): ProcessedFile => ({
  path,
  status: 'processed',
  processedAt,
  attempts: 1,
  reason: null,
  keyCount: 10,
  matchedKeyCount: 0,
});
export const match = (keyHash: string, lastDayMs = 86_400_000): StoredExposureMatch => ({
  keyHash,
  rollingStartIntervalNumber: 2_650_000 - (2_650_000 % 144),
  rollingPeriod: 144,
  reportType: ReportType.CONFIRMED_TEST,
  sourceLevel: 'F0',
  windows: [
    {
      dateMillisSinceEpoch: lastDayMs,
      reportType: ReportType.CONFIRMED_TEST,
      infectiousness: 2,
      calibrationConfidence: 3,
      scanInstances: [{ minAttenuation: 40, typicalAttenuation: 42, secondsSinceLastScan: 300 }],
    },
  ],
  sightingTimesMs: [lastDayMs + 1000, lastDayMs + 61_000],
  sourcePath: 'VN/1-2-00001.zip',
  matchedAt: 5,
  lastDayMs,
});

/** Defines the contract suite for stores made by `open` (each test gets a fresh store). */
export function deviceStoreContract(name: string, open: () => DeviceStore): void {
  describe(`device store contract: ${name}`, () => {
    it('stores one key per rolling start: the first wins', async () => {
      const store = open();
      const first = await store.insertKeyIfAbsent({
        rollingStartIntervalNumber: 288,
        rollingPeriod: 144,
        keyData: bytes(16, 1),
        createdAt: 1,
      });
      const second = await store.insertKeyIfAbsent({
        rollingStartIntervalNumber: 288,
        rollingPeriod: 144,
        keyData: bytes(16, 2),
        createdAt: 2,
      });
      expect(second).toEqual(first);
      await store.insertKeyIfAbsent({
        rollingStartIntervalNumber: 144,
        rollingPeriod: 144,
        keyData: bytes(16, 3),
        createdAt: 3,
      });
      expect((await store.listKeys()).map((k) => [k.rollingStartIntervalNumber, k.keyData[0]])).toEqual([
        [144, 3],
        [288, 1],
      ]);
      expect(await store.getKey(288)).toEqual(first);
      expect(await store.getKey(432)).toBeUndefined();
      expect((await store.getKey(288))!.keyData).toBeInstanceOf(Uint8Array);
      await store.close();
    });

    it('copies values in and out', async () => {
      const store = open();
      const keyData = bytes(16, 9);
      await store.insertKeyIfAbsent({
        rollingStartIntervalNumber: 0,
        rollingPeriod: 144,
        keyData,
        createdAt: 0,
      });
      keyData.fill(0);
      const read = (await store.getKey(0))!;
      expect(read.keyData[0]).toBe(9);
      read.keyData.fill(1);
      expect((await store.getKey(0))!.keyData[0]).toBe(9);
      const s = sighting(5, 4);
      await store.addSightings([s]);
      s.rpi.fill(0);
      expect((await store.listSightings())[0]!.rpi[0]).toBe(4);
      await store.close();
    });

    it('lists sightings by time, ties in insertion order, and counts them', async () => {
      const store = open();
      await store.addSightings([sighting(300, 1), sighting(100, 2)]);
      await store.addSightings([sighting(200, 3), sighting(100, 4), sighting(250.5, 5)]);
      const list = await store.listSightings();
      expect(list.map((s) => [s.timeMs, s.rpi[0]])).toEqual([
        [100, 2],
        [100, 4],
        [200, 3],
        [250.5, 5],
        [300, 1],
      ]);
      expect(list[0]).toEqual(sighting(100, 2));
      expect(await store.countSightings()).toBe(5);
      await store.addSightings([]);
      expect(await store.countSightings()).toBe(5);
      await store.close();
    });

    it('keeps processed-file markers, matches and settings, replacing and deleting them', async () => {
      const store = open();
      await store.apply([
        { type: 'putProcessedFile', file: file('VN/b.zip') },
        { type: 'putProcessedFile', file: file('VN/a.zip') },
        { type: 'putExposureMatch', match: match('h2') },
        { type: 'putExposureMatch', match: match('h1') },
        { type: 'putSetting', name: 'inboxSince', value: 42 },
        { type: 'putSetting', name: 'reportedKeyHashes', value: ['a', 'b'] },
      ]);
      expect((await store.listProcessedFiles()).map((f) => f.path)).toEqual(['VN/a.zip', 'VN/b.zip']);
      expect(await store.listExposureMatches()).toEqual([match('h1'), match('h2')]);
      expect(await store.getSetting('inboxSince')).toBe(42);
      expect(await store.getSetting('reportedKeyHashes')).toEqual(['a', 'b']);
      await store.apply([
        {
          type: 'putProcessedFile',
          file: { ...file('VN/a.zip'), status: 'rejected', attempts: 2, reason: 'export_zip_invalid' },
        },
        { type: 'deleteProcessedFiles', paths: ['VN/b.zip', 'VN/none.zip'] },
        { type: 'putExposureMatch', match: { ...match('h1'), sourcePath: 'VN/c.zip' } },
        { type: 'deleteExposureMatch', keyHash: 'h2' },
        { type: 'deleteSetting', name: 'inboxSince' },
      ]);
      expect(await store.listProcessedFiles()).toEqual([
        { ...file('VN/a.zip'), status: 'rejected', attempts: 2, reason: 'export_zip_invalid' },
      ]);
      expect(await store.listExposureMatches()).toEqual([{ ...match('h1'), sourcePath: 'VN/c.zip' }]);
      expect(await store.getSetting('inboxSince')).toBeUndefined();
      await store.close();
    });

    it('applies all or nothing', async () => {
      const store = open();
      await store.apply([{ type: 'putSetting', name: 'inboxSince', value: 1 }]);
      const failing: DeviceStoreMutation[] = [
        { type: 'putProcessedFile', file: file('VN/a.zip') },
        { type: 'putExposureMatch', match: match('h1') },
        { type: 'putSetting', name: 'inboxSince', value: 2 },
        // JSON cannot hold a BigInt: the adapter fails on this last write.
        { type: 'putSetting', name: 'lastHeartbeatAt', value: 1n as unknown as number },
      ];
      await expect(store.apply(failing)).rejects.toThrow();
      expect(await store.listProcessedFiles()).toEqual([]);
      expect(await store.listExposureMatches()).toEqual([]);
      expect(await store.getSetting('inboxSince')).toBe(1);
      await store.close();
    });

    it('purges exactly what is older than each limit', async () => {
      const store = open();
      for (const start of [0, 144, 288]) {
        await store.insertKeyIfAbsent({
          rollingStartIntervalNumber: start,
          rollingPeriod: 144,
          keyData: bytes(16, start % 251),
          createdAt: 0,
        });
      }
      await store.addSightings([sighting(999, 1), sighting(1000, 2), sighting(1001, 3)]);
      await store.apply([
        { type: 'putExposureMatch', match: match('old', 86_400_000) },
        { type: 'putExposureMatch', match: match('new', 2 * 86_400_000) },
        { type: 'putProcessedFile', file: file('VN/old.zip', 10) },
        { type: 'putProcessedFile', file: file('VN/new.zip', 20) },
      ]);
      const counts = await store.purge({
        keysEndingBy: 288,
        sightingsBefore: 1000,
        matchesBefore: 2 * 86_400_000,
        processedFilesBefore: 20,
      });
      expect(counts).toEqual({ keys: 2, sightings: 1, matches: 1, processedFiles: 1 });
      expect((await store.listKeys()).map((k) => k.rollingStartIntervalNumber)).toEqual([288]);
      expect((await store.listSightings()).map((s) => s.timeMs)).toEqual([1000, 1001]);
      expect((await store.listExposureMatches()).map((m) => m.keyHash)).toEqual(['new']);
      expect((await store.listProcessedFiles()).map((f) => f.path)).toEqual(['VN/new.zip']);
      await store.close();
    });
  });
}
