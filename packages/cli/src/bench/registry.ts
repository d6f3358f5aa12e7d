/**
 * Every benchmark `npm run bench` runs, in order. Each is also `bluezone bench <id>`.
 *
 * @module
 */
import { apiBenchmark } from './api.js';
import { exportBenchmark } from './export.js';
import { exposureCheckBenchmark } from './exposure-check.js';
import { matchingBenchmark } from './matching.js';
import type { Benchmark } from './types.js';

export const benchmarks: readonly Benchmark[] = [
  matchingBenchmark,
  exposureCheckBenchmark,
  exportBenchmark,
  apiBenchmark,
];
