import { backupPending } from '../lib/jobs/backup/pending.ts';
import { defineTask } from './task-handler.ts';

/** Backup PENDING: accepts the job (or submits a console statement). */
export const task = defineTask(backupPending);
export const handler = task.handler;
