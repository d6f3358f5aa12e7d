/**
 * The portal's dictionaries (src/i18n.ts): both languages complete (tsc already refuses a missing
 * English key; this also refuses empty texts), the same placeholders in both, Vietnamese in
 * composed Unicode (NFC: what keyboards type and what the server's data uses — decomposed marks
 * render as broken diacritics in some fonts), and the formatting helpers.
 */
import { describe, expect, it } from 'vitest';
import { en, format, texts, vi } from '../src/i18n.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('portal dictionaries', () => {
  const keys = Object.keys(vi) as (keyof typeof vi)[];

  it('has a non-empty text in both languages for every key, and no extra English key', () => {
    expect(keys.length).toBeGreaterThan(100);
    for (const key of keys) {
      expect(vi[key].trim(), key).not.toBe('');
      expect(en[key].trim(), key).not.toBe('');
    }
    expect(Object.keys(en).sort()).toEqual([...keys].sort());
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of keys) expect(placeholders(en[key]), key).toEqual(placeholders(vi[key]));
  });

  it('writes Vietnamese in composed form (NFC), with its diacritics', () => {
    for (const key of keys) expect(vi[key] === vi[key].normalize('NFC'), key).toBe(true);
    expect(vi['nav.contacts']).toBe('Người tiếp xúc (F1/F2)');
    expect(vi['nav.graph']).toBe('Sơ đồ lây nhiễm');
    expect(vi['nav.audit']).toBe('Nhật ký truy cập');
    // A control: a decomposed string is caught by the same check.
    const decomposed = 'Người'.normalize('NFD');
    expect(decomposed === decomposed.normalize('NFC')).toBe(false);
  });

  it('does not leave English in the Vietnamese texts of the navigation and workflow', () => {
    for (const key of keys.filter((k) => k.startsWith('nav.') || k.startsWith('status.'))) {
      expect(vi[key], key).not.toBe(en[key]);
    }
  });
});

describe('formatting', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('Ca bệnh {id}', { id: 'case_1' })).toBe('Ca bệnh case_1');
    expect(format('{a} và {b}', { a: 1 })).toBe('1 và {b}');
  });

  it('shows times in Vietnam time, in the language’s order', () => {
    const at = '2020-08-08T03:05:00.000Z'; // 10:05 in Vietnam
    const viText = texts('vi').dateTime(at);
    expect(viText).toContain('10:05');
    expect(viText).toContain('08/08/2020');
    expect(texts('en').dateTime(at)).toContain('08/08/2020');
    expect(texts('vi').dateTime(null)).toBe('—');
  });

  it('formats calendar days and numbers per language', () => {
    expect(texts('vi').day('2020-08-07')).toMatch(/7 thg 8, 2020|07\/08\/2020|7 tháng 8/);
    expect(texts('en').day('2020-08-07')).toBe('Aug 7, 2020');
    expect(texts('vi').number(12345)).toBe('12.345');
    expect(texts('en').number(12345)).toBe('12,345');
  });

  it('falls back to the key for a text key made at run time that does not exist', () => {
    expect(texts('vi').t('status.unknown' as 'status.new')).toBe('status.unknown');
    expect(texts('vi').t('status.closed')).toBe('Đóng');
  });
});
