import { restoreSnapshoting } from '../lib/jobs/restore/snapshoting.ts';
import { defineTask } from './task-handler.ts';

/** Restore SNAPSHOTING: overwrite check, holds existing tables. */
export const task = defineTask(restoreSnapshoting);
export const handler = task.handler;
