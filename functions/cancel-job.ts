import { cancelJob } from '../lib/jobs/cancel-job.ts';
import { defineTask } from './task-handler.ts';

/** CANCEL: the Catch path of both workflows. */
export const task = defineTask(cancelJob);
export const handler = task.handler;
