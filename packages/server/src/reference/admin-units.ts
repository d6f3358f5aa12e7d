/**
 * Vietnamese administrative units (GSO codes) in force 2020-11-01, from the data shipped in
 * `packages/server/data/vn-admin/` (see its PROVENANCE.md). Loaded once.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** Reference date of the units. Stored next to every code the server keeps. */
export const ADMIN_UNITS_AS_OF = '2020-11-01';

export interface Province {
  readonly code: string;
  /** Full Vietnamese name, e.g. "Thành phố Hà Nội". */
  readonly name: string;
  readonly nameEn: string;
}

export interface District {
  readonly code: string;
  /** Full Vietnamese name, e.g. "Quận 1". */
  readonly name: string;
  readonly provinceCode: string;
}

/** Lookup of provinces and districts. */
export interface AdminUnits {
  readonly asOf: string;
  readonly provinces: ReadonlyMap<string, Province>;
  readonly districts: ReadonlyMap<string, District>;
  /** A reason when the pair is invalid, `undefined` when it is valid. */
  check(provinceCode: string, districtCode: string | null | undefined): string | undefined;
}

const dataUrl = (file: string) => new URL(`../../data/vn-admin/${file}`, import.meta.url);

/** Loads the 63 provinces and 707 districts. */
export function loadAdminUnits(): AdminUnits {
  const p = JSON.parse(readFileSync(dataUrl('provinces-63.json'), 'utf8')) as {
    provinces: { code: string; full_name: string; name_en: string }[];
  };
  const d = JSON.parse(readFileSync(dataUrl('districts-2020-11.json'), 'utf8')) as {
    districts: { code: string; full_name: string; province_code: string }[];
  };
  const provinces = new Map(
    p.provinces.map((x) => [x.code, { code: x.code, name: x.full_name, nameEn: x.name_en }]),
  );
  const districts = new Map(
    d.districts.map((x) => [x.code, { code: x.code, name: x.full_name, provinceCode: x.province_code }]),
  );
  return {
    asOf: ADMIN_UNITS_AS_OF,
    provinces,
    districts,
    check(provinceCode, districtCode) {
      if (!provinces.has(provinceCode)) {
        return `provinceCode ${provinceCode} is not one of the 63 GSO province codes (01-96, units as of ${ADMIN_UNITS_AS_OF})`;
      }
      if (districtCode === null || districtCode === undefined) return undefined;
      const district = districts.get(districtCode);
      if (!district)
        return `districtCode ${districtCode} is not a GSO district code (units as of ${ADMIN_UNITS_AS_OF})`;
      if (district.provinceCode !== provinceCode) {
        return `districtCode ${districtCode} (${district.name}) is in province ${district.provinceCode}, not ${provinceCode}`;
      }
      return undefined;
    },
  };
}
