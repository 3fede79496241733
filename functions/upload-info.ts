import { uploadInfo } from '../lib/phases/upload-info.ts';
import { defineTask } from './task-handler.ts';

/** Backup UPLOAD_INFO: writes __info, the commit point. */
export const task = defineTask(uploadInfo);
export const handler = task.handler;
