/**
 * The counting worker of a large installs import (docs/statistics.md, "Imports"): reads the same
 * file as the importing thread and sums its counter increments ({@link ImportCounters}) while that
 * thread validates and writes the rows; sends the sums back as plain data. It counts every data
 * line whose times parse: when the file is accepted every line was valid, so these are exactly
 * the rows written; when it is rejected the sums are thrown away.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { countInstallLines } from './import-counting.js';

const { input } = workerData as { input: string | Uint8Array };
const counts = await countInstallLines(input);
const data = counts.data();
parentPort!.postMessage(data, [
  data.cellKeys.buffer,
  data.cellCounts.buffer,
  data.activityKeys.buffer,
  data.activityCounts.buffer,
]);
