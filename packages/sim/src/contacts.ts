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
  readonly bus: Int32Array;
  readonly atHome: Uint8Array;

  constructor(pop: Population) {
    this.marketVisitors = new Int32Array(pop.size);
    this.marketSlot = new Int32Array(pop.size);
    this.marketCount = new Int32Array(pop.marketCount * 2 + 1);
    this.marketOffset = new Int32Array(pop.marketCount * 2 + 1);
    this.bus = new Int32Array(pop.size);
    this.atHome = new Uint8Array(pop.size);
  }
}

/**
 * Appends the episodes of day `day` (weekday 0 = Sunday) to `out`. People with `absent[p] = 1`
 * (isolated cases) meet nobody.
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
  const { role, householdStart, partner } = pop;
  const atHome = scratch.atHome;
  for (let p = 0; p < pop.size; p++) {
    const r = role[p]!;
    atHome[p] =
      absent[p] === 1
        ? 0
        : r === Role.worker
          ? workDay
            ? 0
            : 1
          : r === Role.student || r === Role.preschool
            ? schoolDay
              ? 0
              : 1
            : 1;
  }

  // Households: dinner (all pairs, ~1 m), the evening (all pairs, 1–4 m), the night (couples,
  // 0.7 m), the day at home (pairs of those who stay home, ~2 m, two spells).
  for (let h = 0; h + 1 < householdStart.length; h++) {
    const s = householdStart[h]!;
    const e = householdStart[h + 1]!;
    if (e - s < 2) continue;
    const dinner = local(18.25) + rng.int(30 * MIN);
    const dinnerLength = 30 * MIN + rng.int(30 * MIN);
    for (let i = s; i < e; i++) {
      if (absent[i] === 1) continue;
      for (let j = i + 1; j < e; j++) {
        if (absent[j] === 1) continue;
        out.push(i, j, dinner, dinnerLength, rng.logNormal(1, 0.3), Setting.household);
        const evening = dinner + dinnerLength + rng.int(20 * MIN);
        out.push(i, j, evening, 30 * MIN + rng.int(150 * MIN), rng.logNormal(2.5, 0.5), Setting.household);
        if (partner[i] === j) {
          out.push(i, j, local(22.5), local(30.5) - local(22.5), rng.logNormal(0.7, 0.2), Setting.household);
        }
        if (atHome[i] === 1 && atHome[j] === 1) {
          out.push(
            i,
            j,
            local(9) + rng.int(60 * MIN),
            60 * MIN + rng.int(120 * MIN),
            rng.logNormal(2, 0.5),
            Setting.household,
          );
          out.push(
            i,
            j,
            local(14) + rng.int(60 * MIN),
            30 * MIN + rng.int(90 * MIN),
            rng.logNormal(2, 0.5),
            Setting.household,
          );
        }
      }
    }
  }

  // Workplaces, classes, kindergarten groups.
  const { groupStart, groupMembers, groupKind } = pop;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    const kind = groupKind[g]!;
    if (kind === 0 ? !workDay : !schoolDay) continue;
    const s = groupStart[g]!;
    const e = groupStart[g + 1]!;
    const n = e - s;
    if (n < 2) continue;
    if (kind === 0) {
      // Teams of 6: 1–3 spells a day of 10–120 min at ~1.5 m; 3 encounters with others.
      for (let i = s; i < e; i++) {
        const p = groupMembers[i]!;
        if (absent[p] === 1) continue;
        const teamEnd = Math.min(e, s + (Math.floor((i - s) / 6) + 1) * 6);
        for (let j = i + 1; j < teamEnd; j++) {
          const q = groupMembers[j]!;
          if (absent[q] === 1) continue;
          const spells = 1 + rng.int(3);
          for (let k = 0; k < spells; k++) {
            const length = Math.min(120 * MIN, Math.round(rng.logNormal(25 * MIN, 0.7)));
            out.push(
              p,
              q,
              local(7.5) + rng.int(local(17) - local(7.5) - length),
              length,
              rng.logNormal(1.5, 0.4),
              Setting.work,
            );
          }
        }
        if (n > 6) {
          for (let k = 0; k < 3; k++) {
            const q = groupMembers[s + rng.int(n)]!;
            if (q === p || absent[q] === 1) continue;
            const length = 2 * MIN + Math.round(rng.exponential(8 * MIN));
            out.push(p, q, local(7.5) + rng.int(8 * 3600), length, rng.logNormal(2, 0.5), Setting.work);
          }
        }
      }
    } else {
      // Classes and groups: bench neighbours (0.6 m) and the row behind (1.2 m) all morning
      // and afternoon; four 10–30 min spells with other classmates at breaks (~1.5 m).
      const setting = kind === 1 ? Setting.school : Setting.kindergarten;
      for (let i = s; i < e; i++) {
        const p = groupMembers[i]!;
        if (absent[p] === 1) continue;
        const rel = i - s;
        const bench = rel % 2 === 0 ? i + 1 : -1;
        if (bench > 0 && bench < e && absent[groupMembers[bench]!] === 0) {
          out.push(
            p,
            groupMembers[bench]!,
            local(7.25),
            local(11.25) - local(7.25),
            rng.logNormal(0.6, 0.2),
            setting,
          );
          out.push(
            p,
            groupMembers[bench]!,
            local(13.5),
            local(16.5) - local(13.5),
            rng.logNormal(0.6, 0.2),
            setting,
          );
        }
        const behind = i + 2;
        if (behind < e && absent[groupMembers[behind]!] === 0) {
          out.push(
            p,
            groupMembers[behind]!,
            local(7.25),
            local(11.25) - local(7.25),
            rng.logNormal(1.2, 0.2),
            setting,
          );
        }
        for (let k = 0; k < 4; k++) {
          const q = groupMembers[s + rng.int(n)]!;
          if (q === p || absent[q] === 1) continue;
          out.push(
            p,
            q,
            local(9) + rng.int(6 * 3600),
            10 * MIN + rng.int(20 * MIN),
            rng.logNormal(1.5, 0.5),
            setting,
          );
        }
      }
    }
  }

  // Markets: visitors by market and slot (morning / late afternoon), 3 encounters each on
  // average, 1–10 min at ~1.2 m.
  const { marketVisitors, marketSlot, marketCount, marketOffset } = scratch;
  marketCount.fill(0);
  let visitors = 0;
  for (let p = 0; p < pop.size; p++) {
    if (absent[p] === 1) continue;
    const r = role[p]!;
    const prob = r === Role.home || r === Role.elder ? 0.5 : r === Role.worker ? 0.25 : 0;
    if (prob === 0 || rng.float() >= prob) continue;
    const slot = pop.market[p]! * 2 + (r === Role.worker && workDay ? 1 : 0);
    marketSlot[visitors] = slot;
    marketVisitors[visitors++] = p;
    marketCount[slot]!++;
  }
  let acc = 0;
  for (let k = 0; k < marketCount.length; k++) {
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
  for (let slot = 0; slot < marketCount.length; slot++) {
    const s = marketOffset[slot]!;
    const n = fill[slot]!;
    if (n < 2) continue;
    const base = slot % 2 === 0 ? local(7) : local(17);
    for (let i = 0; i < n; i++) {
      const p = sorted[s + i]!;
      const arrive = base + rng.int(90 * MIN);
      const encounters = rng.poisson(3);
      for (let k = 0; k < encounters; k++) {
        const q = sorted[s + rng.int(n)]!;
        if (q === p) continue;
        out.push(
          p,
          q,
          arrive + rng.int(40 * MIN),
          MIN + Math.round(rng.exponential(3 * MIN)),
          rng.logNormal(1.2, 0.5),
          Setting.market,
        );
      }
    }
  }

  // Buses: riders of a district fill buses of 40 in random order, morning and evening; the seat
  // neighbour at 0.5 m for the trip (20–50 min), 4 others at ~1.5 m.
  const bus = scratch.bus;
  for (let d = 0; d < pop.districts.length; d++) {
    let riders = 0;
    for (let p = 0; p < pop.size; p++) {
      if (pop.busRider[p] === 1 && pop.district[p] === d && atHome[p] === 0 && absent[p] === 0)
        bus[riders++] = p;
    }
    for (const departure of [local(7), local(17)]) {
      for (let i = riders - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = bus[i]!;
        bus[i] = bus[j]!;
        bus[j] = t;
      }
      for (let s = 0; s < riders; s += 40) {
        const e = Math.min(riders, s + 40);
        const start = departure + rng.int(30 * MIN);
        const length = 20 * MIN + rng.int(30 * MIN);
        for (let i = s; i < e; i++) {
          if ((i - s) % 2 === 0 && i + 1 < e)
            out.push(bus[i]!, bus[i + 1]!, start, length, rng.logNormal(0.5, 0.2), Setting.bus);
          for (let k = 0; k < 4 && e - s > 2; k++) {
            const q = bus[s + rng.int(e - s)]!;
            if (q !== bus[i]) out.push(bus[i]!, q, start, length, rng.logNormal(1.5, 0.4), Setting.bus);
          }
        }
      }
    }
  }
}
