/**
 * A synthetic province: people in households in the province's real districts, with a role, a
 * workplace, school class or kindergarten group, a market, and a bus habit. Struct of arrays:
 * one typed array per attribute, person ids 0 … size − 1, households contiguous.
 *
 * Distributions and their sources: docs/simulator.md §2.
 *
 * @module
 */
import { type DistrictInfo, findProvince, provinceDistricts } from './data.js';
import { cumulative, type Random } from './prng.js';

/** What a person does on a working day. */
export const Role = {
  /** 0–5 years: kindergarten group on weekdays. */
  preschool: 0,
  /** 6–17 years: school class on weekdays. */
  student: 1,
  /** Employed adult: workplace Monday to Saturday. */
  worker: 2,
  /** Adult at home (not employed). */
  home: 3,
  /** 60 and over, at home. */
  elder: 4,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/**
 * Household sizes 1…7+ (7 stands for 7 or more). Mean 3.5 persons, the 2019 census average
 * (GSO, 1 April 2019: 96.2 million people in 26.9 million households); the shape is ours.
 */
export const HOUSEHOLD_SIZE_WEIGHTS = [0.1, 0.19, 0.21, 0.25, 0.14, 0.07, 0.04] as const;
/** Share of adults (18–59) who work outside the home. */
export const EMPLOYMENT_RATE = 0.8;
/** School class size (Vietnamese classes: 35 in primary, 40–45 in secondary). */
export const CLASS_SIZE = 38;
/** Kindergarten group size. */
export const KINDERGARTEN_GROUP = 25;
/** Close colleagues: a workplace is split into teams of this size. */
export const TEAM_SIZE = 6;
/** Share of workers and students commuting by bus (provincial Vietnam: mostly motorbikes). */
export const BUS_SHARE = 0.05;
/** People per market (Vietnamese communes have a daily market each). */
export const PEOPLE_PER_MARKET = 4_000;

export interface Population {
  readonly size: number;
  readonly provinceCode: string;
  readonly provinceName: string;
  readonly districts: readonly DistrictInfo[];
  readonly district: Uint16Array;
  readonly role: Uint8Array;
  /** Household of each person; members of household h are `householdStart[h] … householdStart[h+1] − 1`. */
  readonly household: Int32Array;
  readonly householdStart: Int32Array;
  /** The partner of a couple (the first two adults of a household), or −1. */
  readonly partner: Int32Array;
  /** Workplace, class or kindergarten group ("group") of each person, or −1; members listed in CSR form. */
  readonly group: Int32Array;
  readonly groupStart: Int32Array;
  readonly groupMembers: Int32Array;
  /** 0 workplace, 1 school class, 2 kindergarten group. */
  readonly groupKind: Uint8Array;
  readonly market: Int32Array;
  readonly marketCount: number;
  readonly busRider: Uint8Array;
  readonly householdCount: number;
}

/** Builds the population of `size` people in the province `provinceCode`. */
export function buildPopulation(provinceCode: string, size: number, rng: Random): Population {
  const province = findProvince(provinceCode);
  if (!province) throw new RangeError(`unknown province code ${JSON.stringify(provinceCode)}`);
  const districts = provinceDistricts(provinceCode);
  if (districts.length === 0) throw new RangeError(`province ${provinceCode} has no districts`);
  if (!Number.isInteger(size) || size < 2)
    throw new RangeError(`population must be an integer ≥ 2, got ${size}`);

  const district = new Uint16Array(size);
  const role = new Uint8Array(size);
  const household = new Int32Array(size);
  const partner = new Int32Array(size).fill(-1);
  const starts: number[] = [];
  const sizeCdf = cumulative([...HOUSEHOLD_SIZE_WEIGHTS]);
  let person = 0;
  let h = 0;
  while (person < size) {
    const drawn = rng.pick(sizeCdf) + 1;
    const n = Math.min(size - person, drawn === 7 ? 7 + rng.int(3) : drawn);
    const d = rng.int(districts.length);
    starts.push(person);
    for (let k = 0; k < n; k++) {
      const p = person + k;
      household[p] = h;
      district[p] = d;
      role[p] = memberRole(k, n, rng);
    }
    // A couple: the first two members when both are adults.
    if (n >= 2 && isAdult(role[person]!) && isAdult(role[person + 1]!)) {
      partner[person] = person + 1;
      partner[person + 1] = person;
    }
    person += n;
    h++;
  }
  starts.push(size);
  const householdStart = Int32Array.from(starts);

  // Groups: workplaces (per district, 80 % in the home district), classes, kindergarten groups.
  const group = new Int32Array(size).fill(-1);
  const groupKinds: number[] = [];
  const groupStartList: number[] = [];
  const members: number[] = [];
  const byDistrict = (filter: (p: number) => boolean) => {
    const lists: number[][] = districts.map(() => []);
    for (let p = 0; p < size; p++) {
      if (!filter(p)) continue;
      const d = role[p] === Role.worker && rng.chance(0.2) ? rng.int(districts.length) : district[p]!;
      lists[d]!.push(p);
    }
    for (const list of lists) shuffle(list, rng);
    return lists;
  };
  const addGroups = (lists: number[][], kind: number, sizeOf: () => number) => {
    for (const list of lists) {
      let i = 0;
      while (i < list.length) {
        const n = Math.min(list.length - i, sizeOf());
        const g = groupKinds.length;
        groupKinds.push(kind);
        groupStartList.push(members.length);
        for (let k = 0; k < n; k++) {
          const p = list[i + k]!;
          group[p] = g;
          members.push(p);
        }
        i += n;
      }
    }
  };
  // Workplace sizes: log-normal, median 8, most people in small firms and household businesses.
  addGroups(
    byDistrict((p) => role[p] === Role.worker),
    0,
    () => Math.max(1, Math.min(500, Math.round(rng.logNormal(8, 1.2)))),
  );
  addGroups(
    byDistrict((p) => role[p] === Role.student),
    1,
    () => CLASS_SIZE,
  );
  addGroups(
    byDistrict((p) => role[p] === Role.preschool),
    2,
    () => KINDERGARTEN_GROUP,
  );
  groupStartList.push(members.length);

  // Markets: one per PEOPLE_PER_MARKET in each district; each person uses one of the district's.
  const perDistrict = new Int32Array(districts.length);
  for (let p = 0; p < size; p++) perDistrict[district[p]!]!++;
  const marketBase = new Int32Array(districts.length + 1);
  for (let d = 0; d < districts.length; d++) {
    marketBase[d + 1] = marketBase[d]! + Math.max(1, Math.ceil(perDistrict[d]! / PEOPLE_PER_MARKET));
  }
  const market = new Int32Array(size);
  const busRider = new Uint8Array(size);
  for (let p = 0; p < size; p++) {
    const d = district[p]!;
    market[p] = marketBase[d]! + rng.int(marketBase[d + 1]! - marketBase[d]!);
    if ((role[p] === Role.worker || role[p] === Role.student) && rng.chance(BUS_SHARE)) busRider[p] = 1;
  }

  return {
    size,
    provinceCode,
    provinceName: province.name,
    districts,
    district,
    role,
    household,
    householdStart,
    partner,
    group,
    groupStart: Int32Array.from(groupStartList),
    groupMembers: Int32Array.from(members),
    groupKind: Uint8Array.from(groupKinds),
    market,
    marketCount: marketBase[districts.length]!,
    busRider,
    householdCount: h,
  };
}

function isAdult(role: number): boolean {
  return role === Role.worker || role === Role.home;
}

/**
 * Role of member `k` of a household of `n`: one or two adults head it (a single-person household
 * is an elder 35 % of the time), further members are children (70 %: a quarter of them under 6)
 * or grandparents.
 */
function memberRole(k: number, n: number, rng: Random): Role {
  const adult = () => (rng.chance(EMPLOYMENT_RATE) ? Role.worker : Role.home);
  if (n === 1) return rng.chance(0.35) ? Role.elder : adult();
  if (k === 0) return adult();
  if (k === 1) return n === 2 && rng.chance(0.3) ? Role.elder : adult();
  if (rng.chance(0.7)) return rng.chance(0.3) ? Role.preschool : Role.student;
  return rng.chance(0.6) ? Role.elder : adult();
}

function shuffle(list: number[], rng: Random): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = list[i]!;
    list[i] = list[j]!;
    list[j] = t;
  }
}
