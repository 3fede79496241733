import { uploadBatch } from '../lib/phases/upload-batch.ts';
import { defineTask } from './task-handler.ts';

/** Backup UPLOADING: one Map iteration. */
export const task = defineTask(uploadBatch);
export const handler = task.handler;
