import { uploadInfo } from '../lib/jobs/backup/upload-info.ts';
import { defineTask } from './task-handler.ts';

/** Backup UPLOAD_INFO: writes __info, the commit point. */
export const task = defineTask(uploadInfo);
export const handler = task.handler;
