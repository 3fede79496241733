import { downloadBatch } from '../lib/phases/upload-batch.ts';
import { defineTask } from './task-handler.ts';

/** Restore DOWNLOADING: one Map iteration. */
export const task = defineTask(downloadBatch);
export const handler = task.handler;
