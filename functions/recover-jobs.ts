import { recoverLapsedJobs } from '../lib/jobs/recover-jobs.ts';
import { defineTask } from './task-handler.ts';

/** The cloud's recovery sweep, for a schedule: recovers every job whose lock lease ran out. */
export const task = defineTask(recoverLapsedJobs);
export const handler = task.handler;
