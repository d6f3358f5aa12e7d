/**
 * Progress bars for long CLI work (cli-progress), drawn on stderr only when it is a terminal so
 * that pipes and CI logs stay clean.
 *
 * @module
 */
import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';

/** A started progress bar. `update` may be called with any total; `stop` is idempotent. */
export interface Progress {
  update: (done: number, total: number) => void;
  stop: () => void;
}

/** Creates a progress bar labelled `label`, or a silent one when stderr is not interactive. */
export function progressBar(io: CliIo, label: string): Progress {
  if (!io.interactive) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
