/**
 * The contact model: one day of co-presence episodes of a population, written into typed arrays
 * (no object per contact). An episode is two people, a start (seconds since the UTC day began;
 * the day runs from 07:00 to 07:00 Vietnam time, UTC+7), a duration and a distance, constant
 * over the episode. Settings and distributions: docs/simulator.md §2.
 *
 * @module
 */
import { type Population, Role } from './population.js';
import type { Random } from './prng.js';

export const Setting = { household: 0, work: 1, school: 2, kindergarten: 3, market: 4, bus: 5 } as const;
export const SETTING_NAMES = ['household', 'work', 'school', 'kindergarten', 'market', 'bus'] as const;

/** Seconds since the UTC day began of a Vietnam local time (hours, 7 … 31). */
const local = (hours: number) => Math.round((hours - 7) * 3600);
const MIN = 60;

/** Growable struct-of-arrays of episodes. */
export class EpisodeBuffer {
  count = 0;
  a: Int32Array;
  b: Int32Array;
  start: Int32Array;
  duration: Int32Array;
  distance: Float32Array;
  setting: Uint8Array;

  constructor(capacity = 1 << 16) {
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.duration = new Int32Array(capacity);
    this.distance = new Float32Array(capacity);
    this.setting = new Uint8Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  push(a: number, b: number, start: number, duration: number, distance: number, setting: number): void {
    if (this.count === this.a.length) this.#grow();
    const i = this.count++;
    this.a[i] = a;
    this.b[i] = b;
    this.start[i] = start;
    this.duration[i] = duration;
    this.distance[i] = distance;
    this.setting[i] = setting;
  }

  #grow(): void {
    const n = this.a.length * 2;
    const grow = <T extends Int32Array | Float32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const fresh = make(n);
      fresh.set(old);
      return fresh;
    };
    this.a = grow(this.a, (k) => new Int32Array(k));
    this.b = grow(this.b, (k) => new Int32Array(k));
    this.start = grow(this.start, (k) => new Int32Array(k));
    this.duration = grow(this.duration, (k) => new Int32Array(k));
    this.distance = grow(this.distance, (k) => new Float32Array(k));
    this.setting = grow(this.setting, (k) => new Uint8Array(k));
  }
}

/** Reusable scratch space for {@link generateDay}. */
export class ContactScratch {
  readonly marketVisitors: Int32Array;
  readonly marketSlot: Int32Array;
  readonly marketCount: Int32Array;
  readonly marketOffset: Int32Array;
  /** Market visitors sorted by slot, then bus riders grouped by district. */
  readonly bus: Int32Array;
  /** Start of each district's bus riders in `bus` (and one past the last). */
  readonly busOffset: Int32Array;
  /** Next free place of each district in `bus` while it is filled. */
  readonly busCursor: Int32Array;
  readonly atHome: Uint8Array;

  constructor(pop: Population) {
    this.marketVisitors = new Int32Array(pop.size);
    this.marketSlot = new Int32Array(pop.size);
    this.marketCount = new Int32Array(pop.marketCount * 2 + 1);
    this.marketOffset = new Int32Array(pop.marketCount * 2 + 1);
    this.bus = new Int32Array(pop.size);
    this.busOffset = new Int32Array(pop.districts.length + 1);
    this.busCursor = new Int32Array(pop.districts.length);
    this.atHome = new Uint8Array(pop.size);
  }
}

/**
 * Appends an episode whose distance is log-normal (`median`, `sigma`), drawn last (after the
 * start and duration, which the caller drew). Allocation-free: see {@link Random.logNormalInto}.
 */
function episode(
  out: EpisodeBuffer,
  rng: Random,
  a: number,
  b: number,
  start: number,
  duration: number,
  median: number,
  sigma: number,
  setting: number,
): void {
  const index = out.count;
  out.push(a, b, start, duration, 0, setting);
  rng.logNormalInto(out.distance, index, median, sigma);
}

// Times of the schedule, seconds since the UTC day began (Vietnam local time in the name).
const T_07_00 = local(7);
const T_07_15 = local(7.25);
const T_07_30 = local(7.5);
const T_09_00 = local(9);
const T_11_15 = local(11.25);
const T_13_30 = local(13.5);
const T_14_00 = local(14);
const T_16_30 = local(16.5);
const T_17_00 = local(17);
const T_18_15 = local(18.25);
const T_22_30 = local(22.5);
const T_06_30_NEXT = local(30.5);

/**
 * Appends the episodes of day `day` (weekday 0 = Sunday) to `out`. People with `absent[p] = 1`
 * (isolated cases) meet nobody.
 *
 * Written for speed (docs/simulator.md §7): one function per setting, so that the JIT inlines
 * the generator's draws and the buffer's `push` in each; no allocation; every draw in the same
 * order as the model's description, so a seed gives the same episodes.
 */
export function generateDay(
  pop: Population,
  weekday: number,
  rng: Random,
  absent: Uint8Array,
  out: EpisodeBuffer,
  scratch: ContactScratch = new ContactScratch(pop),
): void {
  const workDay = weekday !== 0;
  const schoolDay = weekday >= 1 && weekday <= 5;
  const role = pop.role;
  const atHome = scratch.atHome;
  const size = pop.size;
  const workerAtHome = workDay ? 0 : 1;
  const pupilAtHome = schoolDay ? 0 : 1;
  for (let p = 0; p < size; p++) {
    const r = role[p]!;
    atHome[p] =
      absent[p] === 1
        ? 0
        : r === Role.worker
          ? workerAtHome
          : r === Role.student || r === Role.preschool
            ? pupilAtHome
            : 1;
  }
  households(pop, rng, absent, atHome, out);
  groups(pop, workDay, schoolDay, rng, absent, out);
  markets(pop, workDay, rng, absent, out, scratch);
  buses(pop, rng, absent, atHome, out, scratch);
}

/**
 * Households: dinner (all pairs, ~1 m), the evening (all pairs, 1–4 m), the night (couples,
 * 0.7 m), the day at home (pairs of those who stay home, ~2 m, two spells).
 */
function households(
  pop: Population,
  rng: Random,
  absent: Uint8Array,
  atHome: Uint8Array,
  out: EpisodeBuffer,
) {
  const { householdStart, partner } = pop;
  const households = householdStart.length - 1;
  const night = T_06_30_NEXT - T_22_30;
  for (let h = 0; h < households; h++) {
    const s = householdStart[h]!;
    const e = householdStart[h + 1]!;
    if (e - s < 2) continue;
    const dinner = T_18_15 + rng.int(30 * MIN);
    const dinnerLength = 30 * MIN + rng.int(30 * MIN);
    const afterDinner = dinner + dinnerLength;
    for (let i = s; i < e; i++) {
      if (absent[i] === 1) continue;
      const home = atHome[i] === 1;
      const couple = partner[i]!;
      for (let j = i + 1; j < e; j++) {
        if (absent[j] === 1) continue;
        episode(out, rng, i, j, dinner, dinnerLength, 1, 0.3, Setting.household);
        const evening = afterDinner + rng.int(20 * MIN);
        episode(out, rng, i, j, evening, 30 * MIN + rng.int(150 * MIN), 2.5, 0.5, Setting.household);
        if (couple === j) episode(out, rng, i, j, T_22_30, night, 0.7, 0.2, Setting.household);
        if (home && atHome[j] === 1) {
          const morning = T_09_00 + rng.int(60 * MIN);
          episode(out, rng, i, j, morning, 60 * MIN + rng.int(120 * MIN), 2, 0.5, Setting.household);
          const afternoon = T_14_00 + rng.int(60 * MIN);
          episode(out, rng, i, j, afternoon, 30 * MIN + rng.int(90 * MIN), 2, 0.5, Setting.household);
        }
      }
    }
  }
}

/** Workplaces, classes, kindergarten groups. */
function groups(
  pop: Population,
  workDay: boolean,
  schoolDay: boolean,
  rng: Random,
  absent: Uint8Array,
  out: EpisodeBuffer,
) {
  const { groupStart, groupMembers, groupKind } = pop;
  const groups = groupStart.length - 1;
  for (let g = 0; g < groups; g++) {
    const kind = groupKind[g]!;
    if (kind === 0 ? !workDay : !schoolDay) continue;
    const s = groupStart[g]!;
    const e = groupStart[g + 1]!;
    if (e - s < 2) continue;
    if (kind === 0) workplace(groupMembers, s, e, rng, absent, out);
    else classroom(groupMembers, s, e, kind === 1 ? Setting.school : Setting.kindergarten, rng, absent, out);
  }
}

/** Teams of 6: 1–3 spells a day of 10–120 min at ~1.5 m; 3 encounters with others. */
function workplace(
  members: Int32Array,
  s: number,
  e: number,
  rng: Random,
  absent: Uint8Array,
  out: EpisodeBuffer,
) {
  const n = e - s;
  const day = T_17_00 - T_07_30;
  for (let i = s; i < e; i++) {
    const p = members[i]!;
    if (absent[p] === 1) continue;
    const teamEnd = Math.min(e, s + (((i - s) / 6) | 0) * 6 + 6);
    for (let j = i + 1; j < teamEnd; j++) {
      const q = members[j]!;
      if (absent[q] === 1) continue;
      const spells = 1 + rng.int(3);
      for (let k = 0; k < spells; k++) {
        const length = Math.min(120 * MIN, rng.roundedLogNormal(25 * MIN, 0.7));
        const start = T_07_30 + rng.int(day - length);
        episode(out, rng, p, q, start, length, 1.5, 0.4, Setting.work);
      }
    }
    if (n > 6) {
      for (let k = 0; k < 3; k++) {
        const q = members[s + rng.int(n)]!;
        if (q === p || absent[q] === 1) continue;
        const length = 2 * MIN + rng.roundedExponential(8 * MIN);
        const start = T_07_30 + rng.int(8 * 3600);
        episode(out, rng, p, q, start, length, 2, 0.5, Setting.work);
      }
    }
  }
}

/**
 * Classes and groups: bench neighbours (0.6 m) and the row behind (1.2 m) all morning and
 * afternoon; four 10–30 min spells with other classmates at breaks (~1.5 m).
 */
function classroom(
  members: Int32Array,
  s: number,
  e: number,
  setting: number,
  rng: Random,
  absent: Uint8Array,
  out: EpisodeBuffer,
) {
  const n = e - s;
  const morning = T_11_15 - T_07_15;
  const afternoon = T_16_30 - T_13_30;
  for (let i = s; i < e; i++) {
    const p = members[i]!;
    if (absent[p] === 1) continue;
    if (((i - s) & 1) === 0 && i + 1 < e) {
      const bench = members[i + 1]!;
      if (absent[bench] === 0) {
        episode(out, rng, p, bench, T_07_15, morning, 0.6, 0.2, setting);
        episode(out, rng, p, bench, T_13_30, afternoon, 0.6, 0.2, setting);
      }
    }
    if (i + 2 < e) {
      const behind = members[i + 2]!;
      if (absent[behind] === 0) episode(out, rng, p, behind, T_07_15, morning, 1.2, 0.2, setting);
    }
    for (let k = 0; k < 4; k++) {
      const q = members[s + rng.int(n)]!;
      if (q === p || absent[q] === 1) continue;
      const start = T_09_00 + rng.int(6 * 3600);
      episode(out, rng, p, q, start, 10 * MIN + rng.int(20 * MIN), 1.5, 0.5, setting);
    }
  }
}

/**
 * Markets: visitors by market and slot (morning / late afternoon), 3 encounters each on average,
 * 1–10 min at ~1.2 m.
 */
function markets(
  pop: Population,
  workDay: boolean,
  rng: Random,
  absent: Uint8Array,
  out: EpisodeBuffer,
  scratch: ContactScratch,
) {
  const { role, market } = pop;
  const { marketVisitors, marketSlot, marketCount, marketOffset } = scratch;
  const size = pop.size;
  const workerSlot = workDay ? 1 : 0;
  marketCount.fill(0);
  let visitors = 0;
  for (let p = 0; p < size; p++) {
    if (absent[p] === 1) continue;
    const r = role[p]!;
    let slot: number;
    if (r === Role.home || r === Role.elder) {
      if (rng.float() >= 0.5) continue;
      slot = market[p]! * 2;
    } else if (r === Role.worker) {
      if (rng.float() >= 0.25) continue;
      slot = market[p]! * 2 + workerSlot;
    } else continue;
    marketSlot[visitors] = slot;
    marketVisitors[visitors++] = p;
    marketCount[slot]!++;
  }
  const slots = marketCount.length;
  let acc = 0;
  for (let k = 0; k < slots; k++) {
    marketOffset[k] = acc;
    acc += marketCount[k]!;
  }
  const sorted = scratch.bus; // reused as scratch: visitors sorted by slot
  const fill = marketCount; // reused as a cursor
  fill.fill(0);
  for (let v = 0; v < visitors; v++) {
    const slot = marketSlot[v]!;
    sorted[marketOffset[slot]! + fill[slot]!++] = marketVisitors[v]!;
  }
  for (let slot = 0; slot < slots; slot++) {
    const s = marketOffset[slot]!;
    const n = fill[slot]!;
    if (n < 2) continue;
    const base = (slot & 1) === 0 ? T_07_00 : T_17_00;
    for (let i = 0; i < n; i++) {
      const p = sorted[s + i]!;
      const arrive = base + rng.int(90 * MIN);
      const encounters = rng.poisson(3);
      for (let k = 0; k < encounters; k++) {
        const q = sorted[s + rng.int(n)]!;
        if (q === p) continue;
        const start = arrive + rng.int(40 * MIN);
        const length = MIN + rng.roundedExponential(3 * MIN);
        episode(out, rng, p, q, start, length, 1.2, 0.5, Setting.market);
      }
    }
  }
}

/**
 * Buses: riders of a district fill buses of 40 in random order, morning and evening; the seat
 * neighbour at 0.5 m for the trip (20–50 min), 4 others at ~1.5 m.
 */
function buses(
  pop: Population,
  rng: Random,
  absent: Uint8Array,
  atHome: Uint8Array,
  out: EpisodeBuffer,
  scratch: ContactScratch,
) {
  const { busRider, district } = pop;
  const size = pop.size;
  const districts = pop.districts.length;
  // The day's riders grouped by district, in person order (one pass instead of one per district).
  const { bus, busOffset, busCursor: cursor } = scratch;
  busOffset.fill(0);
  for (let p = 0; p < size; p++) {
    if (busRider[p] === 1 && atHome[p] === 0 && absent[p] === 0) busOffset[district[p]! + 1]!++;
  }
  for (let d = 0; d < districts; d++) busOffset[d + 1]! += busOffset[d]!;
  for (let d = 0; d < districts; d++) cursor[d] = busOffset[d]!;
  for (let p = 0; p < size; p++) {
    if (busRider[p] === 1 && atHome[p] === 0 && absent[p] === 0) bus[cursor[district[p]!]!++] = p;
  }
  for (let d = 0; d < districts; d++) {
    const o = busOffset[d]!;
    const riders = busOffset[d + 1]! - o;
    for (let departure = T_07_00; departure <= T_17_00; departure += T_17_00 - T_07_00) {
      for (let i = riders - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = bus[o + i]!;
        bus[o + i] = bus[o + j]!;
        bus[o + j] = t;
      }
      for (let s = 0; s < riders; s += 40) {
        const e = Math.min(riders, s + 40);
        const n = e - s;
        const start = departure + rng.int(30 * MIN);
        const length = 20 * MIN + rng.int(30 * MIN);
        for (let i = s; i < e; i++) {
          const p = bus[o + i]!;
          if (((i - s) & 1) === 0 && i + 1 < e)
            episode(out, rng, p, bus[o + i + 1]!, start, length, 0.5, 0.2, Setting.bus);
          if (n <= 2) continue;
          for (let k = 0; k < 4; k++) {
            const q = bus[o + s + rng.int(n)]!;
            if (q !== p) episode(out, rng, p, q, start, length, 1.5, 0.4, Setting.bus);
          }
        }
      }
    }
  }
}
