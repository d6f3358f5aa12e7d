/**
 * The storage port's contract suite (store-contract.ts) on every adapter of this package —
 * memory, SQLite in memory, SQLite on a file — and, as a property, any sequence of writes leaves
 * memory and SQLite the same. SQLite alone: data survives reopening the file, and a newer schema
 * is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDeviceStore } from '@bluezone/device/sqlite';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryDeviceStore, type DeviceStore, type DeviceStoreMutation } from '../src/index.js';
import { bytes, deviceStoreContract, file, match, sighting } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'bluezone-device-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

const ADAPTERS: [string, () => DeviceStore][] = [
  ['memory', () => createMemoryDeviceStore()],
  ['sqlite (memory)', () => openSqliteDeviceStore()],
  ['sqlite (file)', () => openSqliteDeviceStore({ path: join(dir, `store-${++fileCount}.db`) })],
];

for (const [name, open] of ADAPTERS) deviceStoreContract(name, open);

describe('device store contract: adapters agree', () => {
  const mutation: fc.Arbitrary<DeviceStoreMutation> = fc.oneof(
    fc.record({
      type: fc.constant('putSetting' as const),
      name: fc.constant('inboxSince' as const),
      value: fc.nat(),
    }),
    fc.record({ type: fc.constant('deleteSetting' as const), name: fc.constant('inboxSince' as const) }),
    fc
      .constantFrom('a', 'b', 'c')
      .map((p) => ({ type: 'putProcessedFile' as const, file: file(`VN/${p}.zip`) })),
    fc
      .uniqueArray(fc.constantFrom('VN/a.zip', 'VN/b.zip', 'VN/x.zip'))
      .map((paths) => ({ type: 'deleteProcessedFiles' as const, paths })),
    fc.tuple(fc.constantFrom('h1', 'h2', 'h3'), fc.nat({ max: 5 })).map(([h, d]) => ({
      type: 'putExposureMatch' as const,
      match: match(h, d * 86_400_000),
    })),
    fc.constantFrom('h1', 'h2', 'h4').map((keyHash) => ({ type: 'deleteExposureMatch' as const, keyHash })),
  );

  it('any sequence of writes leaves memory and SQLite the same (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(mutation, { maxLength: 5 }), { maxLength: 6 }), async (batches) => {
        const stores = [createMemoryDeviceStore(), openSqliteDeviceStore()];
        for (const batch of batches) for (const store of stores) await store.apply(batch);
        const snapshot = async (s: DeviceStore) => ({
          files: await s.listProcessedFiles(),
          matches: await s.listExposureMatches(),
          since: await s.getSetting('inboxSince'),
        });
        expect(await snapshot(stores[1]!)).toEqual(await snapshot(stores[0]!));
        for (const store of stores) await store.close();
      }),
      { numRuns: 50 },
    );
  });
});

describe('device store: SQLite only', () => {
  it('keeps everything across reopening the file', async () => {
    const path = join(dir, 'reopen.db');
    const first = openSqliteDeviceStore({ path });
    await first.insertKeyIfAbsent({
      rollingStartIntervalNumber: 144,
      rollingPeriod: 144,
      keyData: bytes(16, 7),
      createdAt: 1,
    });
    await first.addSightings([sighting(10, 1)]);
    await first.apply([
      { type: 'putExposureMatch', match: match('h') },
      { type: 'putProcessedFile', file: file('VN/a.zip') },
      { type: 'putSetting', name: 'lastHeartbeatAt', value: 99 },
    ]);
    await first.close();
    const second = openSqliteDeviceStore({ path });
    expect((await second.getKey(144))!.keyData).toEqual(bytes(16, 7));
    expect(await second.listSightings()).toEqual([sighting(10, 1)]);
    expect(await second.listExposureMatches()).toEqual([match('h')]);
    expect(await second.listProcessedFiles()).toEqual([file('VN/a.zip')]);
    expect(await second.getSetting('lastHeartbeatAt')).toBe(99);
    await second.close();
  });

  it('refuses a database of a newer schema, and leaves a database it was given open', async () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 99');
    expect(() => openSqliteDeviceStore({ database: db })).toThrow(/schema version 99/);
    const shared = new Database(':memory:');
    const store = openSqliteDeviceStore({ database: shared });
    await store.close();
    expect(shared.open).toBe(true);
    shared.close();
    db.close();
  });
});
