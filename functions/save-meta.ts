import { saveMeta } from '../lib/jobs/backup/save-meta.ts';
import { defineTask } from './task-handler.ts';

/** Backup SAVE_META: writes __meta. */
export const task = defineTask(saveMeta);
export const handler = task.handler;
