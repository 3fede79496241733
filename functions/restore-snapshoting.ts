import { restoreSnapshoting } from '../lib/phases/restore-snapshoting.ts';
import { defineTask } from './task-handler.ts';

/** Restore SNAPSHOTING: overwrite check, holds existing tables. */
export const task = defineTask(restoreSnapshoting);
export const handler = task.handler;
