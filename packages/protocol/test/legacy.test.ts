import { nodeCrypto } from '@bluezone/crypto-node';
import {
  fromHex,
  LEGACY_DEFAULT_SLOTS,
  legacyDailyKey,
  legacyIdsForDay,
  legacySlotOf,
  matchLegacyTrace,
  nobleCrypto,
  ProtocolError,
  parseLegacyF0Record,
  parseLegacyTrace,
  toHex,
} from '@bluezone/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ZERO = new Uint8Array(32);
const hexU = (b: Uint8Array) => toHex(b).toUpperCase();

describe('legacy Bluezone IDs (SYSTEM.md §4 vectors)', () => {
  for (const crypto of [nobleCrypto, nodeCrypto]) {
    it(`derives the day-0 and day-1 IDs of base_id = 0³² (${crypto.name})`, () => {
      const day0 = legacyIdsForDay(legacyDailyKey(ZERO, 0, crypto), LEGACY_DEFAULT_SLOTS, crypto);
      expect(day0).toHaveLength(96);
      expect(hexU(day0[0]!)).toBe('490C085D937456A4DD07E710');
      expect(hexU(day0[1]!)).toBe('CC4111FEC540C346EC6A053F');
      expect(hexU(day0[95]!)).toBe('3140C784CD06058BB930F6A7');
      const day1 = legacyIdsForDay(legacyDailyKey(ZERO, 1, crypto), LEGACY_DEFAULT_SLOTS, crypto);
      expect(hexU(day1[0]!)).toBe('D80CC204FA6491AF30D0932A');
    });
  }

  it('uses the same chain for other slot counts (the first IDs do not depend on N)', () => {
    const ids144 = legacyIdsForDay(ZERO, 144);
    expect(ids144).toHaveLength(144);
    expect(hexU(ids144[95]!)).toBe('3140C784CD06058BB930F6A7');
  });

  it('computes slots from the day start', () => {
    expect(legacySlotOf(0, 0)).toBe(0);
    expect(legacySlotOf(899, 0)).toBe(0);
    expect(legacySlotOf(900, 0)).toBe(1);
    expect(legacySlotOf(86_399, 0)).toBe(95);
    expect(legacySlotOf(600, 0, 144)).toBe(1);
  });

  it('rejects bad keys, days and slot counts', () => {
    expect(() => legacyIdsForDay(new Uint8Array(31))).toThrow(/daily key must be 32 bytes/);
    expect(() => legacyDailyKey(ZERO, -1)).toThrow(/day must be an integer/);
    expect(() => legacyIdsForDay(ZERO, 0)).toThrow(/slots per day must be an integer from 1 to 1440/);
    expect(() => legacyIdsForDay(ZERO, 1441)).toThrow(ProtocolError);
  });
});

describe('data_trace.txt parser', () => {
  const id = (c: string) => c.repeat(24);

  it('reads Android (ms) and iOS (s) rows, CRLF and blank lines', () => {
    const text = `${id('a')}\t${id('b')}\t-70\t1596870000123\r\n\r\n${id('A')}\t${id('c')}\t-88\t1596870000\n\n`;
    const trace = parseLegacyTrace(text);
    expect(trace.malformed).toEqual([]);
    expect(trace.rows).toEqual([
      {
        line: 1,
        ownId: id('A'),
        contactId: id('B'),
        rssi: -70,
        timestampMs: 1596870000123,
        timestampUnit: 'ms',
      },
      {
        line: 3,
        ownId: id('A'),
        contactId: id('C'),
        rssi: -88,
        timestampMs: 1596870000000,
        timestampUnit: 's',
      },
    ]);
  });

  it('reports each malformed line with its number and keeps the good ones', () => {
    const good = `${id('a')}\t${id('b')}\t-70\t1596870000`;
    const lines = [
      good,
      `${id('a')}\t${id('b')}\t-70`,
      `${id('a')}\t${'b'.repeat(23)}\t-70\t1596870000`,
      `${'x'.repeat(24)}\t${id('b')}\t-70\t1596870000`,
      `${id('a')}\t${id('b')}\tstrong\t1596870000`,
      `${id('a')}\t${id('b')}\t-300\t1596870000`,
      `${id('a')}\t${id('b')}\t-70\tyesterday`,
      `${id('a')}\t${id('b')}\t-70\t0`,
      `${id('a')}\t${id('b')}\t-70\t1596870000\textra`,
      good,
    ];
    const trace = parseLegacyTrace(lines.join('\n'));
    expect(trace.rows.map((r) => r.line)).toEqual([1, 10]);
    expect(trace.malformed.map((m) => m.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(trace.malformed[0]!.reason).toMatch(/expected 4 tab-separated fields/);
    expect(trace.malformed[1]!.reason).toMatch(/contact ID must be 24 hex digits/);
    expect(trace.malformed[2]!.reason).toMatch(/own ID must be 24 hex digits/);
    expect(trace.malformed[3]!.reason).toMatch(/RSSI must be an integer/);
    expect(trace.malformed[4]!.reason).toMatch(/between -128 and 127/);
    expect(trace.malformed[5]!.reason).toMatch(/timestamp must be a positive number/);
    expect(trace.malformed[6]!.reason).toMatch(/timestamp must be a positive number/);
    expect(trace.malformed[7]!.reason).toMatch(/found 5/);
  });

  it('never throws and accounts for every non-blank line (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 20 }), (lines) => {
        const text = lines.join('\n');
        const trace = parseLegacyTrace(text);
        const nonBlank = text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
        expect(trace.rows.length + trace.malformed.length).toBe(nonBlank);
      }),
    );
  });
});

describe('legacy F0 matching', () => {
  const DAY0 = 1_596_844_800; // 2020-08-08T00:00:00Z
  const base = fromHex('11'.repeat(32));
  const dk0 = legacyDailyKey(base, 0, nodeCrypto);
  const ids0 = legacyIdsForDay(dk0, 96, nodeCrypto);
  const ids1 = legacyIdsForDay(legacyDailyKey(base, 1, nodeCrypto), 96, nodeCrypto);
  const own = 'AB'.repeat(12);
  const record = parseLegacyF0Record({
    data: [{ daily_key: toHex(dk0), time_start: DAY0, max: 96, time_end: DAY0 + 2 * 86_400 }],
  });
  if (!record.ok) throw record.error;
  const row = (contact: Uint8Array, seconds: number, ms = true) =>
    `${own}\t${hexU(contact)}\t-60\t${ms ? seconds * 1000 : seconds}`;

  it('matches the exact slot, across days, in ms and s', () => {
    const trace = parseLegacyTrace(
      [
        row(ids0[10]!, DAY0 + 10 * 900 + 5),
        row(ids1[3]!, DAY0 + 86_400 + 3 * 900, false),
        row(ids0[10]!, DAY0 + 40 * 900),
      ].join('\n'),
    );
    const matches = matchLegacyTrace(record.value, trace.rows, { tolerance: 0, crypto: nodeCrypto });
    expect(matches).toEqual([
      { line: 1, contactId: hexU(ids0[10]!), timestamp: (DAY0 + 10 * 900 + 5) * 1000, slot: 10 },
      { line: 2, contactId: hexU(ids1[3]!), timestamp: (DAY0 + 86_400 + 3 * 900) * 1000, slot: 3 },
    ]);
  });

  it('tolerates ±N slots of clock skew and no more', () => {
    const skewed = parseLegacyTrace(
      [row(ids0[10]!, DAY0 + 11 * 900 + 1), row(ids0[10]!, DAY0 + 12 * 900 + 1)].join('\n'),
    );
    expect(matchLegacyTrace(record.value, skewed.rows, { tolerance: 0 })).toEqual([]);
    expect(matchLegacyTrace(record.value, skewed.rows).map((m) => m.line)).toEqual([1]);
    expect(matchLegacyTrace(record.value, skewed.rows, { tolerance: 2 }).map((m) => m.line)).toEqual([1, 2]);
    // The last slot of day 0 and the first of day 1 are neighbours.
    const boundary = parseLegacyTrace(row(ids0[95]!, DAY0 + 86_400 + 1));
    expect(matchLegacyTrace(record.value, boundary.rows).map((m) => m.slot)).toEqual([95]);
  });

  it('finds every planted sighting and nothing else (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            slot: fc.integer({ min: 0, max: 191 }),
            planted: fc.boolean(),
            skewSeconds: fc.integer({ min: 0, max: 899 }),
          }),
          {
            maxLength: 40,
          },
        ),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        (sightings, noise) => {
          const lines = sightings.map((s) => {
            const ids = s.slot < 96 ? ids0 : ids1;
            const contact = s.planted ? ids[s.slot % 96]! : noise;
            return row(contact, DAY0 + s.slot * 900 + s.skewSeconds);
          });
          const { rows } = parseLegacyTrace(lines.join('\n'));
          const matched = matchLegacyTrace(record.value, rows, { tolerance: 0, crypto: nodeCrypto });
          const expected = sightings.flatMap((s, i) => (s.planted ? [i + 1] : []));
          expect(matched.map((m) => m.line)).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects malformed records with the entry and field named', () => {
    const cases: [unknown, RegExp][] = [
      [null, /object with a "data" array/],
      [{ data: [] }, /is empty/],
      [{ data: [5] }, /data\[0\] must be an object/],
      [
        { data: [{ daily_key: 'xyz', time_start: 0, max: 96, time_end: 1 }] },
        /data\[0\]\.daily_key must be 64 hex digits/,
      ],
      [
        { data: [{ daily_key: '00'.repeat(32), time_start: -1, max: 96, time_end: 1 }] },
        /time_start must be a non-negative integer/,
      ],
      [
        { data: [{ daily_key: '00'.repeat(32), time_start: 10, max: 96, time_end: 10 }] },
        /time_end must be an integer after time_start/,
      ],
      [
        { data: [{ daily_key: '00'.repeat(32), time_start: 0, max: 0, time_end: 10 }] },
        /max must be an integer from 1 to 1440/,
      ],
      [
        { data: [{ daily_key: '00'.repeat(32), time_start: 0, max: 96, time_end: 61 * 86_400 }] },
        /more than 60 days/,
      ],
    ];
    for (const [json, message] of cases) {
      const result = parseLegacyF0Record(json);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('legacy_record_malformed');
        expect(result.error.message).toMatch(message);
      }
    }
    expect(() => matchLegacyTrace(record.value, [], { tolerance: -1 })).toThrow(
      /tolerance must be an integer/,
    );
  });
});
