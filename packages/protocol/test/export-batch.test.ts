import {
  bytesEqual,
  type ExposureKey,
  exportIsEmbargoed,
  exportPaddingKeys,
  exportParseFile,
  exportPlanBatch,
  exportReleaseInterval,
  exportSortKeys,
  exportVerifyFile,
  exportWriteBatch,
  ProtocolError,
  ReportType,
  toHex,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, exposureKeyArb, key, newSigner, seededRandom, success } from './export-helpers.js';

const sortedHex = (keys: readonly ExposureKey[]) => keys.map((k) => toHex(k.keyData));
const isSorted = (keys: readonly ExposureKey[]) => {
  const hex = sortedHex(keys);
  return hex.every((h, i) => i === 0 || hex[i - 1]! <= h);
};

describe('embargo: keys still valid at export time are held back', () => {
  it('releases a key exactly when its validity has ended', () => {
    const today = key(1, 0); // valid DAY … DAY + 143
    expect(exportReleaseInterval(today)).toBe(DAY + 144);
    expect(exportIsEmbargoed(today, DAY)).toBe(true);
    expect(exportIsEmbargoed(today, DAY + 143)).toBe(true);
    expect(exportIsEmbargoed(today, DAY + 144)).toBe(false);
    // A key ended early (EN v1.5 same-day release) is free once its shorter period ends.
    const short = key(2, 0, { rollingPeriod: 60 });
    expect(exportIsEmbargoed(short, DAY + 59)).toBe(true);
    expect(exportIsEmbargoed(short, DAY + 60)).toBe(false);
  });

  it('splits any keys into released (ended) and embargoed (still valid), losing none (property)', () => {
    fc.assert(
      fc.property(
        fc.array(exposureKeyArb, { maxLength: 40 }),
        fc.array(exposureKeyArb, { maxLength: 5 }),
        fc.integer({ min: 0, max: 0x7fff_ffff }),
        (keys, revisedKeys, exportInterval) => {
          const plan = exportPlanBatch({ keys, revisedKeys, exportInterval });
          const released = plan.files.flatMap((f) => [...f.keys, ...f.revisedKeys]);
          for (const k of released)
            expect(k.rollingStartIntervalNumber + k.rollingPeriod).toBeLessThanOrEqual(exportInterval);
          for (const k of plan.embargoed)
            expect(k.rollingStartIntervalNumber + k.rollingPeriod).toBeGreaterThan(exportInterval);
          expect(released.length + plan.embargoed.length).toBe(keys.length + revisedKeys.length);
          expect(plan.paddingKeyCount).toBe(0);
        },
      ),
    );
  });

  it('holds back today’s key in a written batch and returns it to the caller', async () => {
    const { signer, publicKey } = await newSigner();
    const batch = await exportWriteBatch({
      region: 'VN',
      startTimestamp: (DAY - 144) * 600,
      endTimestamp: DAY * 600 + 3600, // 01:00 UTC: today's keys are still valid
      keys: [key(1, 1), key(2, 0), key(3, 2)],
      revisedKeys: [key(4, 0, { reportType: ReportType.REVOKED })],
      signers: signer,
    });
    expect(batch.embargoed.map((k) => k.keyData)).toEqual([key(2, 0).keyData, key(4, 0).keyData]);
    const parsed = success(exportParseFile(batch.files[0]!.zip));
    expect(sortedHex(parsed.contents.keys).sort()).toEqual(sortedHex([key(1, 1), key(3, 2)]).sort());
    expect(parsed.contents.revisedKeys).toEqual([]);
    expect(success(await exportVerifyFile(parsed, publicKey)).keyId).toBe('452');
  });
});

describe('padding with random keys', () => {
  it('pads up to the minimum with keys shaped like the real ones, from the injected random source', () => {
    const real = [
      key(1, 1, { reportType: ReportType.CONFIRMED_TEST, daysSinceOnsetOfSymptoms: 2 }),
      key(2, 3, { reportType: ReportType.RECURSIVE, transmissionRiskLevel: 6, daysSinceOnsetOfSymptoms: -1 }),
      key(3, 5, { rollingPeriod: 100, transmissionRiskLevel: undefined }),
    ];
    const plan = exportPlanBatch({ keys: real, exportInterval: DAY, minKeys: 1000, random: seededRandom(7) });
    expect(plan.paddingKeyCount).toBe(997);
    const keys = plan.files[0]!.keys;
    expect(keys).toHaveLength(1000);
    const padding = keys.filter((k) => !real.some((r) => bytesEqual(r.keyData, k.keyData)));
    expect(padding).toHaveLength(997);
    const shape = (k: ExposureKey) => {
      const { keyData: _, ...fields } = k;
      return JSON.stringify(fields, Object.keys(fields).sort());
    };
    const realShapes = new Set(real.map(shape));
    // Every padding key copies all fields but the key bytes from a real key…
    for (const p of padding) {
      expect(realShapes.has(shape(p))).toBe(true);
      expect(Object.keys(p).sort()).toEqual(Object.keys(real.find((r) => shape(r) === shape(p))!).sort());
      expect(p.keyData).toHaveLength(16);
      expect(exportIsEmbargoed(p, DAY)).toBe(false);
    }
    // …every real shape is used, about equally often…
    const counts = new Map<string, number>();
    for (const p of padding) counts.set(shape(p), (counts.get(shape(p)) ?? 0) + 1);
    expect(counts.size).toBe(3);
    for (const n of counts.values()) expect(n).toBeGreaterThan(250);
    // …and the key bytes are all different.
    expect(new Set(sortedHex(padding)).size).toBe(997);
    // Padding is mixed in among the real keys: the file is sorted by key bytes.
    expect(isSorted(keys)).toBe(true);
  });

  it('takes its bytes from the random source (deterministic with a seeded source)', () => {
    const a = exportPlanBatch({ keys: [key(1)], exportInterval: DAY, minKeys: 10, random: seededRandom(3) });
    const b = exportPlanBatch({ keys: [key(1)], exportInterval: DAY, minKeys: 10, random: seededRandom(3) });
    const c = exportPlanBatch({ keys: [key(1)], exportInterval: DAY, minKeys: 10, random: seededRandom(4) });
    expect(a).toEqual(b);
    expect(sortedHex(a.files[0]!.keys)).not.toEqual(sortedHex(c.files[0]!.keys));
  });

  it('without real keys, pads with full-day CONFIRMED_TEST keys of the 14 days before the export', () => {
    const exportInterval = DAY + 50;
    const padding = exportPaddingKeys(500, seededRandom(9), [], exportInterval);
    const days = new Set(padding.map((p) => p.rollingStartIntervalNumber));
    expect(days.size).toBe(14);
    for (const p of padding) {
      expect(p.rollingPeriod).toBe(144);
      expect(p.reportType).toBe(ReportType.CONFIRMED_TEST);
      expect(p.rollingStartIntervalNumber % 144).toBe(0);
      expect(p.rollingStartIntervalNumber).toBeGreaterThanOrEqual(DAY - 14 * 144);
      expect(exportIsEmbargoed(p, exportInterval)).toBe(false);
    }
    expect(() => exportPaddingKeys(1, seededRandom(), [], 100)).toThrow(/no complete day precedes it/);
    expect(exportPaddingKeys(0, seededRandom(), [], 0)).toEqual([]);
  });

  it('never pads revised keys, and needs a random source only when padding', () => {
    const plan = exportPlanBatch({
      keys: [],
      revisedKeys: [key(1)],
      exportInterval: DAY,
      minKeys: 2,
      random: seededRandom(),
    });
    expect(plan.files[0]!.keys).toHaveLength(2);
    expect(plan.files[0]!.revisedKeys).toHaveLength(1);
    expect(() => exportPlanBatch({ keys: [key(1)], exportInterval: DAY, minKeys: 5 })).toThrow(
      /4 padding keys are needed \(minKeys 5\) but no random source was given/,
    );
    expect(exportPlanBatch({ keys: [key(1)], exportInterval: DAY, minKeys: 1 }).paddingKeyCount).toBe(0);
    expect(() => exportPaddingKeys(2, () => new Uint8Array(3), [], DAY)).toThrow(/must return 32 bytes/);
  });

  it('pads a written batch so that a file of few keys looks like a file of many', async () => {
    const { signer } = await newSigner();
    const batch = await exportWriteBatch({
      region: 'VN',
      startTimestamp: DAY * 600 - 86_400,
      endTimestamp: DAY * 600,
      keys: [key(1)],
      signers: signer,
      minKeys: 300,
      random: seededRandom(11),
    });
    expect(batch.paddingKeyCount).toBe(299);
    expect(batch.files[0]!.keyCount).toBe(300);
    expect(success(exportParseFile(batch.files[0]!.zip)).contents.keys).toHaveLength(300);
  });
});

describe('order and batching', () => {
  it('sorts keys by their bytes, like a comparator sort, keeping equal keys in order (property)', () => {
    const nearKeys = fc
      .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 3 }))
      .map(([bytes, shared]) => {
        // Many keys share 0–3 leading bytes, to exercise the equal-prefix runs.
        const keyData = bytes.slice();
        keyData.fill(0xab, 0, shared);
        return key(0, 1, { keyData });
      });
    fc.assert(
      fc.property(fc.array(nearKeys, { maxLength: 200 }), (keys) => {
        const withDuplicates = [...keys, ...keys.slice(0, 3).map((k) => ({ ...k, rollingPeriod: 1 }))];
        const sorted = exportSortKeys(withDuplicates);
        const expected = [...withDuplicates].sort((a, b) => {
          const x = toHex(a.keyData);
          const y = toHex(b.keyData);
          return x < y ? -1 : x > y ? 1 : 0;
        });
        expect(sorted).toEqual(expected);
      }),
    );
  });

  it('splits a batch into files of at most maxKeysPerFile keys, new keys then revised keys (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 1, max: 25 }),
        (newCount, revisedCount, max) => {
          const keys = Array.from({ length: newCount }, (_, i) => key(i, 1));
          const revisedKeys = Array.from({ length: revisedCount }, (_, i) =>
            key(100 + i, 2, { reportType: 5 }),
          );
          const plan = exportPlanBatch({ keys, revisedKeys, exportInterval: DAY, maxKeysPerFile: max });
          const total = newCount + revisedCount;
          expect(plan.files).toHaveLength(Math.max(1, Math.ceil(total / max)));
          plan.files.forEach((f, i) => {
            const size = f.keys.length + f.revisedKeys.length;
            expect(size).toBeLessThanOrEqual(max);
            if (i < plan.files.length - 1) expect(size).toBe(max);
            expect(isSorted(f.keys)).toBe(true);
          });
          const allNew = plan.files.flatMap((f) => f.keys);
          const allRevised = plan.files.flatMap((f) => f.revisedKeys);
          expect(sortedHex(allNew).sort()).toEqual(sortedHex(keys).sort());
          expect(sortedHex(allRevised).sort()).toEqual(sortedHex(revisedKeys).sort());
          expect(isSorted(allNew)).toBe(true);
        },
      ),
    );
  });

  it('writes numbered files (batch_num of batch_size) in export.bin and export.sig, each signed', async () => {
    const { signer, publicKey } = await newSigner();
    const keys = Array.from({ length: 25 }, (_, i) => key(i, 1 + (i % 3)));
    const batch = await exportWriteBatch({
      region: 'VN',
      startTimestamp: DAY * 600 - 86_400,
      endTimestamp: DAY * 600,
      keys,
      signers: signer,
      maxKeysPerFile: 10,
    });
    expect(batch.files.map((f) => [f.batchNum, f.batchSize, f.keyCount])).toEqual([
      [1, 3, 10],
      [2, 3, 10],
      [3, 3, 5],
    ]);
    for (const file of batch.files) {
      const parsed = success(exportParseFile(file.zip));
      expect([parsed.contents.batchNum, parsed.contents.batchSize]).toEqual([file.batchNum, 3]);
      expect([parsed.signatures[0]!.batchNum, parsed.signatures[0]!.batchSize]).toEqual([file.batchNum, 3]);
      expect(success(await exportVerifyFile(parsed, publicKey)).keyVersion).toBe('v1');
    }
  });

  it('writes one empty file when nothing is released', async () => {
    const { signer } = await newSigner();
    const batch = await exportWriteBatch({
      region: 'VN',
      startTimestamp: DAY * 600 - 86_400,
      endTimestamp: DAY * 600,
      keys: [key(1, 0)],
      signers: signer,
    });
    expect(batch.files).toHaveLength(1);
    expect(batch.files[0]!.keyCount).toBe(0);
    expect(batch.embargoed).toHaveLength(1);
    expect(success(exportParseFile(batch.files[0]!.zip)).contents.keys).toEqual([]);
  });

  it('validates keys and options before planning', () => {
    expect(() =>
      exportPlanBatch({ keys: [key(1), key(2, 1, { rollingPeriod: 0 })], exportInterval: DAY }),
    ).toThrow(/keys\[1\]: rolling_period/);
    expect(() =>
      exportPlanBatch({
        keys: [],
        revisedKeys: [key(2, 1, { keyData: new Uint8Array(2) })],
        exportInterval: DAY,
      }),
    ).toThrow(/revisedKeys\[0\]: key_data/);
    for (const bad of [
      { maxKeysPerFile: 0 },
      { maxKeysPerFile: 750_001 },
      { minKeys: -1 },
      { exportInterval: -1 },
    ]) {
      expect(() => exportPlanBatch({ keys: [], exportInterval: DAY, ...bad })).toThrow(ProtocolError);
    }
  });
});
