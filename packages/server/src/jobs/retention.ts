/**
 * The retention job: deletes what Bluezone promised not to keep. Each feature contributes a task
 * that deletes its expired rows and returns how many it deleted; the job runs them all.
 *
 * @module
 */
import type { AppContext } from '../context.js';
import { verificationRetentionTask } from '../features/cases/cases.retention.js';
import { contactNotesRetentionTask } from '../features/contacts/contact-workflow.js';
import { CONTACT_RETENTION_TASKS } from '../features/contacts/contacts.retention.js';
import { DECLARATION_RETENTION_TASKS } from '../features/declarations/declarations.retention.js';
import { exportFileRetentionTask } from '../features/exports/exports.retention.js';
import { PHONE_RETENTION_TASKS } from '../features/phones/phones.retention.js';
import { exposureRetentionTask } from '../features/publish/publish.retention.js';
import { sessionRetentionTask } from '../features/users/sessions.retention.js';
import type { Job, JobResult } from './scheduler.js';

/** One feature's purge: deletes rows expired at `now` and returns the count. */
export interface RetentionTask {
  readonly name: string;
  purge(ctx: AppContext, now: number): Promise<number>;
}

/** Every retention task, in order. Features add theirs here. */
export const RETENTION_TASKS: readonly RetentionTask[] = [
  verificationRetentionTask,
  ...PHONE_RETENTION_TASKS,
  exposureRetentionTask,
  exportFileRetentionTask,
  ...CONTACT_RETENTION_TASKS,
  contactNotesRetentionTask,
  sessionRetentionTask,
  ...DECLARATION_RETENTION_TASKS,
];

/** The retention job over `tasks` (default: all), every `intervalMs`. */
export function retentionJob(
  tasks: readonly RetentionTask[] = RETENTION_TASKS,
  intervalMs = 15 * 60_000,
): Job {
  return {
    name: 'retention',
    intervalMs,
    run: async (ctx) => {
      const now = ctx.now();
      const result: Record<string, number> = {};
      for (const task of tasks) result[task.name] = await task.purge(ctx, now);
      return result as JobResult;
    },
  };
}
