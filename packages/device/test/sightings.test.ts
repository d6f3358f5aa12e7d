/**
 * The sighting log: service data and raw advertisements accepted, 5-second de-duplication per
 * RPI (checked against a model on random streams), malformed input counted by reason and never
 * thrown, batched writes to the store.
 */
import { encodeAdvertisement, toHex } from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createBluezoneDevice,
  createMemoryDeviceStore,
  type DeviceStore,
  SIGHTING_DEDUP_MS,
} from '../src/index.js';
import { API_KEY, BASE_URL, FakeServer, seededRandom } from './helpers.js';

function device(store: DeviceStore = createMemoryDeviceStore()) {
  return createBluezoneDevice({
    baseUrl: BASE_URL,
    apiKey: API_KEY,
    trustedConfigKeys: [{ id: 'k', publicKey: 'AAAA' }],
    store,
    fetch: new FakeServer().fetch,
    random: seededRandom(1),
    deviceModel: 'SM-G973F',
  });
}

const serviceData = (id: number) => {
  const bytes = new Uint8Array(20);
  bytes[0] = id;
  bytes[19] = 0xaa;
  return bytes;
};

describe('sighting log', () => {
  it('accepts service data and raw advertisements, and stores them with the receiver model', async () => {
    const store = createMemoryDeviceStore();
    const d = device(store);
    const t = Date.UTC(2020, 7, 10, 8);
    expect(d.onSighting(serviceData(1), -60, t)).toBe('accepted');
    const raw = encodeAdvertisement({ rpi: serviceData(2).slice(0, 16), aem: serviceData(2).slice(16) });
    expect(d.onSighting(raw, -70, new Date(t + 1000), 'iPhone12,1')).toBe('accepted');
    expect(d.sightingCounters()).toMatchObject({ accepted: 2, queued: 2, malformed: 0 });
    expect(await d.flushSightings()).toBe(2);
    const stored = await store.listSightings();
    expect(stored.map((s) => [toHex(s.rpi).slice(0, 2), s.rssiDbm, s.timeMs, s.receiverModel])).toEqual([
      ['01', -60, t, 'SM-G973F'],
      ['02', -70, t + 1000, 'iPhone12,1'],
    ]);
    expect(toHex(stored[0]!.aem)).toBe('000000aa');
    expect(d.sightingCounters().queued).toBe(0);
  });

  it('drops the same RPI within 5 seconds, and takes it again after', () => {
    const d = device();
    const t = Date.UTC(2020, 7, 10, 8);
    expect(d.onSighting(serviceData(1), -60, t)).toBe('accepted');
    expect(d.onSighting(serviceData(1), -61, t + SIGHTING_DEDUP_MS - 1)).toBe('duplicate');
    expect(d.onSighting(serviceData(2), -61, t + 10)).toBe('accepted');
    expect(d.onSighting(serviceData(1), -62, t + SIGHTING_DEDUP_MS)).toBe('accepted');
    expect(d.sightingCounters()).toMatchObject({ accepted: 3, duplicates: 1 });
  });

  it('de-duplicates like the model on random streams (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.integer({ min: 0, max: 3 }), gap: fc.integer({ min: 0, max: 7000 }) }), {
          maxLength: 60,
        }),
        (events) => {
          const d = device();
          const last = new Map<number, number>();
          let t = Date.UTC(2020, 7, 10);
          for (const { id, gap } of events) {
            t += gap;
            const previous = last.get(id);
            const expected =
              previous !== undefined && t - previous < SIGHTING_DEDUP_MS ? 'duplicate' : 'accepted';
            if (expected === 'accepted') last.set(id, t);
            expect(d.onSighting(serviceData(id), -50, t)).toBe(expected);
          }
        },
      ),
    );
  });

  it('counts malformed input by reason and never throws', () => {
    const d = device();
    const t = Date.UTC(2020, 7, 10);
    const good = serviceData(1);
    const wrongUuid = encodeAdvertisement({ rpi: good.slice(0, 16), aem: good.slice(16) });
    wrongUuid[9] = 0x6f;
    wrongUuid[10] = 0xfd;
    const cases: [unknown, number, unknown, string][] = [
      [new Uint8Array(19), -50, t, 'advertisement_missing_service_data'],
      [Uint8Array.of(2, 1, 0x1a, 30, 0x16), -50, t, 'advertisement_malformed'],
      [Uint8Array.of(2, 1, 0x1a), -50, t, 'advertisement_missing_service_data'],
      [wrongUuid, -50, t, 'advertisement_wrong_service_uuid'],
      [Uint8Array.of(5, 0x16, 0x56, 0x4e, 1, 2), -50, t, 'advertisement_wrong_length'],
      ['not bytes', -50, t, 'invalid_payload'],
      [good, -50.5, t, 'invalid_rssi'],
      [good, 200, t, 'invalid_rssi'],
      [good, -50, Number.NaN, 'invalid_time'],
      [good, -50, -1, 'invalid_time'],
    ];
    for (const [payload, rssi, time, _reason] of cases) {
      expect(d.onSighting(payload as Uint8Array, rssi, time as number)).toBe('malformed');
    }
    const counters = d.sightingCounters();
    expect(counters.malformed).toBe(cases.length);
    expect(counters.accepted).toBe(0);
    const expected: Record<string, number> = {};
    for (const [, , , reason] of cases) expected[reason] = (expected[reason] ?? 0) + 1;
    expect(counters.malformedByReason).toEqual(expected);
  });

  it('never throws on arbitrary bytes (property)', () => {
    const d = device();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: -200, max: 200 }), (bytes, rssi) => {
        expect(['accepted', 'duplicate', 'malformed']).toContain(
          d.onSighting(bytes, rssi, Date.UTC(2020, 7, 10)),
        );
      }),
    );
  });

  it('writes in batches on its own and keeps sightings queued when a write fails', async () => {
    const inner = createMemoryDeviceStore();
    let failing = true;
    const errors: unknown[] = [];
    const store: DeviceStore = {
      ...inner,
      addSightings: async (s) => {
        if (failing) throw new Error('disk full');
        return inner.addSightings(s);
      },
      listSightings: () => inner.listSightings(),
    };
    const d = createBluezoneDevice({
      baseUrl: BASE_URL,
      apiKey: API_KEY,
      trustedConfigKeys: [{ id: 'k', publicKey: 'AAAA' }],
      store,
      fetch: new FakeServer().fetch,
      random: seededRandom(1),
      onBackgroundError: (e) => errors.push(e),
    });
    const t = Date.UTC(2020, 7, 10);
    for (let i = 0; i < 64; i++) d.onSighting(serviceData(i), -50, t + i);
    await expect(d.flushSightings()).rejects.toThrow('disk full');
    expect(errors).toHaveLength(1);
    expect(d.sightingCounters().queued).toBe(64);
    failing = false;
    expect(await d.flushSightings()).toBe(64);
    expect(await inner.countSightings()).toBe(64);
  });
});
