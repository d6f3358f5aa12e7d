/**
 * Benchmark `sim`: agent-days per second of the simulator's contact model (`generateDay`: every
 * household, workplace, class, market and bus of a synthetic province for one day, written into
 * typed arrays), against a floor measured in the same run: a plain loop writing the same number
 * of episodes into the same typed arrays with values from the same PRNG (what any generator of
 * that many episodes must at least pay). Runs alternate; figures are medians.
 *
 * @module
 */
import { buildPopulation, ContactScratch, EpisodeBuffer, generateDay, Random } from '@bluezone/sim';
import { median, nowMs, peakRssMb } from './stats.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './types.js';

const DEFAULT_PEOPLE = 200_000;
const DAYS = 7;
const GOAL = 1_000_000;

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const people = options.size ?? DEFAULT_PEOPLE;
  const runs = options.quick ? 3 : 7;
  const pop = buildPopulation('30', people, Random.fromSeed(1));
  const absent = new Uint8Array(people);
  const scratch = new ContactScratch(pop);
  const buffer = new EpisodeBuffer(1 << 20);
  let episodes = 0;

  const model = () => {
    const rng = Random.fromSeed(2);
    episodes = 0;
    for (let day = 0; day < DAYS; day++) {
      buffer.clear();
      generateDay(pop, (1 + day) % 7, rng, absent, buffer, scratch);
      episodes += buffer.count;
    }
  };
  const floor = () => {
    const rng = Random.fromSeed(2);
    const perDay = Math.round(episodes / DAYS);
    for (let day = 0; day < DAYS; day++) {
      buffer.clear();
      for (let i = 0; i < perDay; i++) {
        buffer.push(
          rng.int(people),
          rng.int(people),
          rng.int(86_400),
          rng.int(3_600),
          rng.float() * 5,
          i & 7,
        );
      }
    }
  };

  model(); // warm up, and learn the episode count for the floor
  floor();
  const total = 2 * runs;
  let done = 0;
  const ours: number[] = [];
  const base: number[] = [];
  const time = (fn: () => void) => {
    const t = nowMs();
    fn();
    options.progress?.(++done, total);
    return nowMs() - t;
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      base.push(time(floor));
      ours.push(time(model));
    } else {
      ours.push(time(model));
      base.push(time(floor));
    }
  }
  const oursMs = median(ours);
  const baseMs = median(base);
  const agentDays = people * DAYS;
  const rate = agentDays / (oursMs / 1000);
  const ratio = oursMs / baseMs;
  return {
    id: 'sim',
    title: 'Simulator contact model',
    workload: `${people.toLocaleString('en-US')} people of Hải Dương (30) × ${DAYS} days (${episodes.toLocaleString('en-US')} episodes), ${runs} interleaved runs each`,
    figures: [
      { label: 'contact model', value: rate, unit: 'agent-days/s' },
      { label: 'episodes', value: episodes / (oursMs / 1000), unit: 'episodes/s' },
      { label: 'time', value: oursMs, unit: 'ms' },
    ],
    baseline: {
      label: 'plain loop writing as many episodes into the same typed arrays',
      value: baseMs,
      unit: 'ms',
    },
    ratio,
    goal: `≥ ${GOAL.toLocaleString('en-US')} agent-days/s`,
    met: rate >= GOAL,
    notes: [
      `${(episodes / agentDays).toFixed(1)} episodes per agent-day; the floor draws 5 PRNG values per episode, the model about as many plus a log-normal distance (Math.exp, and Math.log and Math.sqrt per two) and its schedule logic`,
      `peak resident memory ${peakRssMb().toFixed(0)} MB`,
    ],
    json: {
      id: 'sim',
      people,
      days: DAYS,
      episodes,
      modelMs: oursMs,
      floorMs: baseMs,
      ratio,
      agentDaysPerSecond: rate,
      goal: GOAL,
      met: rate >= GOAL,
    },
  };
}

/** The `sim` benchmark: `bluezone bench sim [--people N] [--json]`. */
export const simBenchmark: Benchmark = {
  id: 'sim',
  description: 'Simulator contact model: agent-days per second vs a plain loop filling the same typed arrays',
  sizeOption: {
    name: 'people',
    description: `people (default ${DEFAULT_PEOPLE.toLocaleString('en-US')})`,
    max: 1_000_000,
  },
  run,
};
