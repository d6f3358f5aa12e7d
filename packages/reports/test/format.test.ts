import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDateVi, formatNumberVi, formatPercentVi, formatShortDateVi } from '../src/format.js';

describe('Vietnamese formatting', () => {
  it('groups thousands with "." and writes decimals with ","', () => {
    expect(formatNumberVi(270626)).toBe('270.626');
    expect(formatNumberVi(0)).toBe('0');
    expect(formatNumberVi(999)).toBe('999');
    expect(formatNumberVi(1000)).toBe('1.000');
    expect(formatNumberVi(22_740_000)).toBe('22.740.000');
    expect(formatNumberVi(-1234567)).toBe('-1.234.567');
    expect(formatNumberVi(1234.5, 1)).toBe('1.234,5');
    expect(formatNumberVi(0.5)).toBe('1'); // half away from zero
    expect(formatNumberVi(-0.4)).toBe('0');
    expect(() => formatNumberVi(Number.NaN)).toThrow(RangeError);
  });

  it('writes rates as percentages with two decimals and a space before the sign', () => {
    expect(formatPercentVi(0.27068)).toBe('27,07 %');
    expect(formatPercentVi(36 / 133)).toBe('27,07 %');
    expect(formatPercentVi(0.25)).toBe('25,00 %');
    expect(formatPercentVi(0.4435)).toBe('44,35 %');
    expect(formatPercentVi(1)).toBe('100,00 %');
    expect(formatPercentVi(20 / 270626)).toBe('0,01 %');
    expect(formatPercentVi(0.5, 0)).toBe('50 %');
  });

  it('writes dates as in documents', () => {
    expect(formatDateVi('2020-09-13')).toBe('ngày 13 tháng 9 năm 2020');
    expect(formatDateVi('2021-01-05', { pad: true })).toBe('ngày 05 tháng 01 năm 2021');
    // An instant is taken in Vietnam time: 17:00 UTC on 12/9 is 00:00 on 13/9.
    expect(formatDateVi('2020-09-12T17:00:00Z')).toBe('ngày 13 tháng 9 năm 2020');
    expect(formatDateVi(new Date('2020-09-12T16:59:59Z'))).toBe('ngày 12 tháng 9 năm 2020');
    expect(formatShortDateVi('2020-09-13')).toBe('13/9/2020');
  });

  it('round-trips every integer through the grouping', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (n) => {
        const text = formatNumberVi(n);
        expect(text).toMatch(/^-?\d{1,3}(\.\d{3})*$/);
        expect(Number(text.replaceAll('.', ''))).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});
