import { restoreDownload } from '../lib/jobs/restore/download.ts';
import { defineTask } from './task-handler.ts';

/** Restore DOWNLOAD: plans the download batches. */
export const task = defineTask(restoreDownload);
export const handler = task.handler;
