import { uploadSnapshot } from '../lib/jobs/backup/upload-snapshot.ts';
import { defineTask } from './task-handler.ts';

/** Backup UPLOAD_SNAPSHOT: plans the upload batches. */
export const task = defineTask(uploadSnapshot);
export const handler = task.handler;
