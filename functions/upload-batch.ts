import { uploadBatch } from '../lib/jobs/backup/upload-batch.ts';
import { defineTask } from './task-handler.ts';

/** Backup UPLOADING: one invocation of a Map iteration (null when the batch is done, else where to resume). */
export const task = defineTask(uploadBatch);
export const handler = task.handler;
