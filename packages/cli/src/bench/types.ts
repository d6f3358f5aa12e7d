/**
 * Benchmark contract. Every benchmark measures its figure and a baseline (the floor it is
 * compared with) in the same run, because the machines are shared and noisy: the ratio counts.
 *
 * @module
 */

/** One measured figure: the median over the runs. */
export interface Measurement {
  readonly label: string;
  readonly value: number;
  /** Unit as printed, e.g. "keys/s", "ms", "MB". */
  readonly unit: string;
}

/** The outcome of one benchmark. */
export interface BenchmarkReport {
  /** Stable id, also the `bluezone bench <id>` subcommand. */
  readonly id: string;
  readonly title: string;
  /** What the workload was, in one sentence (sizes, runs). */
  readonly workload: string;
  /** Our figures (medians). */
  readonly figures: readonly Measurement[];
  /** The baseline measured in the same run. */
  readonly baseline: Measurement;
  /**
   * Our figure relative to the baseline. For cost benchmarks (matching, export) it is our time ÷
   * the floor's time (lower is better, 1.0 = as fast as the floor); for throughput benchmarks
   * (API) it is our throughput ÷ the bare endpoint's (higher is better). `goal` states which.
   */
  readonly ratio: number;
  /** The goal from SYSTEM.md §8, in words. */
  readonly goal: string;
  /** Whether the goal was reached in this run. */
  readonly met: boolean;
  /** What limits the figure, observations. */
  readonly notes: readonly string[];
  /** The machine-readable result printed by `--json`. */
  readonly json: Record<string, unknown>;
}

/** Options every benchmark accepts. */
export interface BenchmarkOptions {
  /** Workload size (keys) when the benchmark has one; the benchmark's default otherwise. */
  readonly size?: number;
  /** Fewer repetitions, for smoke tests. */
  readonly quick: boolean;
  /** Called as work progresses, for a progress bar. */
  readonly progress?: (done: number, total: number) => void;
}

/** A registered benchmark. */
export interface Benchmark {
  readonly id: string;
  readonly description: string;
  /** Name of the size option (e.g. "keys"), shown as `--keys <n>`; absent when not sizable. */
  readonly sizeOption?: { readonly name: string; readonly description: string; readonly max: number };
  run(options: BenchmarkOptions): Promise<BenchmarkReport>;
}
