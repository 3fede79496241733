import { restoreCommitting } from '../lib/jobs/restore/committing.ts';
import { defineTask } from './task-handler.ts';

/** Restore COMMITTING: publishes every table. */
export const task = defineTask(restoreCommitting);
export const handler = task.handler;
