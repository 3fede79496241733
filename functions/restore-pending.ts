import { restorePending } from '../lib/jobs/restore/pending.ts';
import { defineTask } from './task-handler.ts';

/** Restore PENDING: accepts the job (or submits a console statement). */
export const task = defineTask(restorePending);
export const handler = task.handler;
