/**
 * Synthetic installs for the statistics benchmarks: a deterministic PRNG (xorshift32) over the 63
 * provinces and their districts, created from 2020-04-18 over 440 days, 60 % with a verified
 * number (carriers in market-like shares), 35 % with a check-in in the last 30 days.
 *
 * @module
 */
import type { ImportedInstall } from '@bluezone/server';

/** 2020-04-18 00:00 Vietnam time (the launch), Unix ms. */
export const LAUNCH_MS = Date.UTC(2020, 3, 17, 17);
/** Days the synthetic installs are spread over. */
export const SPAN_DAYS = 440;
const DAY = 86_400_000;
const CARRIERS: readonly (string | null)[] = [
  ...Array<string>(50).fill('viettel'),
  ...Array<string>(22).fill('vinaphone'),
  ...Array<string>(20).fill('mobifone'),
  ...Array<string>(4).fill('vietnamobile'),
  'gmobile',
  'itelecom',
  'reddi',
  null,
];

/** A generator of install rows. */
export class SyntheticInstalls {
  private state = 0x9e3779b9;
  private readonly areas: readonly { readonly province: string; readonly district: string | null }[];

  constructor(units: {
    readonly provinces: ReadonlyMap<string, unknown>;
    readonly districts: ReadonlyMap<string, { readonly provinceCode: string }>;
  }) {
    const areas: { province: string; district: string | null }[] = [];
    for (const [code, d] of units.districts) areas.push({ province: d.provinceCode, district: code });
    for (const code of units.provinces.keys()) areas.push({ province: code, district: null });
    this.areas = areas;
  }

  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4_294_967_296;
  }

  /** Install number `i`. */
  row(i: number): ImportedInstall {
    const area = this.areas[Math.floor(this.next() * this.areas.length)]!;
    const createdAt = LAUNCH_MS + Math.floor(this.next() * SPAN_DAYS * DAY);
    const phone = this.next() < 0.6;
    const active = this.next() < 0.35;
    const end = LAUNCH_MS + SPAN_DAYS * DAY;
    return {
      id: `bench-${i}`,
      createdAt,
      platform: this.next() < 0.7 ? 'android' : 'ios',
      province: area.province,
      district: area.district,
      phoneVerifiedAt: phone ? createdAt + 60_000 : null,
      carrier: phone ? (CARRIERS[Math.floor(this.next() * CARRIERS.length)] ?? null) : null,
      lastActiveAt: active ? Math.max(createdAt, end - Math.floor(this.next() * 30 * DAY)) : null,
    };
  }
}

/** The CSV line of a row, as `bluezone import installs` reads it. */
export function csvLine(row: ImportedInstall): string {
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  return `${row.id},${iso(row.createdAt)},${row.platform},${row.province},${row.district ?? ''},${iso(row.phoneVerifiedAt)},${row.carrier ?? ''},${iso(row.lastActiveAt)}`;
}
