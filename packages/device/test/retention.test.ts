/**
 * Retention with a moved clock, on the memory and SQLite stores: keys whose day ended more than
 * 14 days ago, sightings older than 14 days and results whose day is more than 14 days before
 * today disappear — the exposure warning with them — while younger ones stay; the check applies
 * retention itself.
 */
import { openSqliteDeviceStore } from '@bluezone/device/sqlite';
import { describe, expect, it } from 'vitest';
import { createMemoryDeviceStore, type DeviceStore, RETENTION_DAYS } from '../src/index.js';
import {
  createFakeBluezone,
  DAY_MS,
  deviceOn,
  HOUR_MS,
  MINUTE_MS,
  meet,
  otherPhone,
  seededRandom,
  T0,
} from './helpers.js';

const MEETING = T0 - 2 * DAY_MS + 9 * HOUR_MS; // 2020-08-08 09:00 UTC

for (const [name, open] of [
  ['memory', () => createMemoryDeviceStore()],
  ['sqlite', () => openSqliteDeviceStore()],
] as [string, () => DeviceStore][]) {
  describe(`retention on ${name}`, () => {
    it('deletes keys, sightings and results past 14 days as the clock moves', async () => {
      const fake = await createFakeBluezone();
      const store = open();
      const device = deviceOn(fake, { store });
      // Keys for 2020-08-01 … 2020-08-10 and an exposure on 2020-08-08.
      for (let day = 9; day >= 0; day--) await device.currentAdvertisement(T0 - day * DAY_MS + HOUR_MS);
      const phone = otherPhone(MEETING, seededRandom(31));
      meet(device, phone, MEETING, 30 * MINUTE_MS);
      device.onSighting(
        otherPhone(T0 - 6 * DAY_MS, seededRandom(32)).serviceDataAt(T0 - 6 * DAY_MS),
        -70,
        T0 - 6 * DAY_MS,
      );
      await fake.addKeyFile([phone.published()]);
      expect((await device.checkExposure()).results.days.map((d) => d.date)).toEqual(['2020-08-08']);
      expect(await store.countSightings()).toBe(31);

      // 2020-08-20 12:00: the cutoff is 2020-08-06 12:00.
      fake.clock.set(Date.UTC(2020, 7, 20, 12));
      const first = await device.purge();
      expect(first).toMatchObject({ keys: 5, sightings: 1, matches: 0 });
      expect(
        (await store.listKeys()).map((k) =>
          new Date(k.rollingStartIntervalNumber * 600_000).toISOString().slice(0, 10),
        ),
      ).toEqual(['2020-08-06', '2020-08-07', '2020-08-08', '2020-08-09', '2020-08-10']);
      expect(await store.countSightings()).toBe(30);
      expect((await device.exposureResults()).days.map((d) => d.date)).toEqual(['2020-08-08']);

      // 2020-08-23: the exposure day is 15 days ago; its sightings are gone too.
      fake.clock.set(Date.UTC(2020, 7, 23, 0, 1));
      const second = await device.purge();
      expect(second).toMatchObject({ sightings: 30, matches: 1 });
      expect(await store.countSightings()).toBe(0);
      expect(await store.listExposureMatches()).toEqual([]);
      expect((await device.exposureResults()).days).toEqual([]);
      expect(await device.pendingExposureReport()).toBeUndefined();

      // 2020-08-26: every key's day ended more than 14 days ago.
      fake.clock.set(Date.UTC(2020, 7, 25, 0, 1));
      await device.purge();
      expect(await store.listKeys()).toEqual([]);
      await store.close();
    });

    it('keeps what is exactly 14 days old, and the check purges by itself', async () => {
      const fake = await createFakeBluezone();
      const store = open();
      const device = deviceOn(fake, { store });
      const now = fake.clock.now();
      const edge = now - RETENTION_DAYS * DAY_MS;
      const phone = otherPhone(edge, seededRandom(33));
      device.onSighting(phone.serviceDataAt(edge), -60, edge);
      device.onSighting(phone.serviceDataAt(edge - 1), -60, edge - 1);
      await device.checkExposure();
      expect((await store.listSightings()).map((s) => s.timeMs)).toEqual([edge]);
      await store.close();
    });
  });
}
