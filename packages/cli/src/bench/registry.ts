/**
 * Every benchmark `npm run bench` runs, in order. Each is also `bluezone bench <id>`.
 *
 * @module
 */
import { apiBenchmark } from './api.js';
import { exportBenchmark } from './export.js';
import { exposureCheckBenchmark } from './exposure-check.js';
import { importBenchmark } from './import.js';
import { matchingBenchmark } from './matching.js';
import { reportBenchmark } from './report.js';
import { simBenchmark } from './sim.js';
import { statsBenchmark } from './stats-table.js';
import type { Benchmark } from './types.js';

export const benchmarks: readonly Benchmark[] = [
  matchingBenchmark,
  exposureCheckBenchmark,
  exportBenchmark,
  apiBenchmark,
  statsBenchmark,
  importBenchmark,
  reportBenchmark,
  simBenchmark,
];
