import { downloadBatch } from '../lib/jobs/restore/download-batch.ts';
import { defineTask } from './task-handler.ts';

/** Restore DOWNLOADING: one invocation of a Map iteration (null when the batch is done, else where to resume). */
export const task = defineTask(downloadBatch);
export const handler = task.handler;
