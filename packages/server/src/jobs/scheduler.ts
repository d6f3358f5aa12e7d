/**
 * The in-process job scheduler. Every instance runs it; each run of a job first takes the job's
 * leader lock (`Storage.withLeaderLock`: a PostgreSQL advisory lock, process-local on SQLite), so
 * with several API instances exactly one runs a given job at a time and the others skip that
 * tick. Runs of one job never overlap; the next run is scheduled when the previous one ends.
 * Each run's outcome is recorded in `job_runs` (for `/admin` status and operations).
 *
 * @module
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../context.js';

/** What a run reports (counts only: never personal data). */
export type JobResult = Readonly<Record<string, number | string | boolean>>;

/** A background job. */
export interface Job {
  /** Stable name, also the leader-lock name. */
  readonly name: string;
  /** Time between the end of one run and the start of the next, ms. */
  readonly intervalMs: number;
  run(ctx: AppContext): Promise<JobResult>;
}

/** The outcome of one attempt to run a job. */
export type JobOutcome =
  | { readonly status: 'ok'; readonly result: JobResult; readonly ms: number }
  | { readonly status: 'skipped' }
  | { readonly status: 'error'; readonly error: string; readonly ms: number };

/** Runs `job` once now under its leader lock and records the outcome. Never throws. */
export async function runJobOnce(ctx: AppContext, job: Job, log?: FastifyBaseLogger): Promise<JobOutcome> {
  const started = ctx.now();
  let outcome: JobOutcome;
  try {
    const result = await ctx.storage.withLeaderLock(`job:${job.name}`, () => job.run(ctx));
    outcome =
      result === undefined ? { status: 'skipped' } : { status: 'ok', result, ms: ctx.now() - started };
  } catch (error) {
    outcome = {
      status: 'error',
      error: error instanceof Error ? error.message : String(error),
      ms: ctx.now() - started,
    };
  }
  if (outcome.status === 'skipped') return outcome;
  if (outcome.status === 'error') log?.error({ job: job.name, error: outcome.error }, 'job failed');
  else log?.info({ job: job.name, ...outcome.result, ms: outcome.ms }, 'job finished');
  try {
    const row = {
      name: job.name,
      last_started_at: started,
      last_finished_at: ctx.now(),
      last_status: outcome.status,
      last_detail: outcome.status === 'ok' ? JSON.stringify(outcome.result) : outcome.error.slice(0, 1000),
    };
    await ctx.storage.db
      .insertInto('job_runs')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet(row))
      .execute();
  } catch (error) {
    log?.warn({ job: job.name, err: error }, 'could not record the job run');
  }
  return outcome;
}

/** A started scheduler. */
export interface Scheduler {
  /** Stops scheduling and waits for runs in progress. Idempotent. */
  stop(): Promise<void>;
}

/** Starts running `jobs` in the background, the first run of each after `initialDelayMs`. */
export function startScheduler(
  ctx: AppContext,
  jobs: readonly Job[],
  options: { log?: FastifyBaseLogger; initialDelayMs?: number } = {},
): Scheduler {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  const schedule = (job: Job, delay: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = runJobOnce(ctx, job, options.log).finally(() => {
        running.delete(run);
        schedule(job, job.intervalMs);
      });
      running.add(run);
    }, delay);
    timer.unref();
    timers.add(timer);
  };
  for (const job of jobs) schedule(job, options.initialDelayMs ?? 5_000);
  return {
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
