/**
 * The counting worker of a large installs import (docs/statistics.md, "Imports"): reads the same
 * file as the importing thread and sums its counter increments ({@link ImportCounters}) while that
 * thread validates and writes the rows. It counts every data line whose times parse: when the file
 * is accepted every line was valid, so these are exactly the rows written; when it is rejected the
 * sums are thrown away. Given a staging file (SQLite), it writes the sums there in key order and
 * sends back only the outliers; otherwise it sends the sums as plain data.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { countInstallLines } from './import-counting.js';

const { shared, length, stageFile } = workerData as {
  shared: SharedArrayBuffer;
  length: number;
  stageFile?: string;
};
// TextDecoder reads no shared memory: a private copy of the file's bytes.
const counts = (await countInstallLines(new Uint8Array(shared, 0, length).slice())).counts();
if (stageFile !== undefined) {
  const db = new SqliteDatabase(stageFile);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  counts.stage(db);
  db.close();
  parentPort!.postMessage({ staged: true, outliers: counts.outliers() });
} else {
  const data = counts.data;
  parentPort!.postMessage(data, [
    data.cellKeys.buffer,
    data.cellCounts.buffer,
    data.activityKeys.buffer,
    data.activityCounts.buffer,
  ]);
}
