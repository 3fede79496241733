import { backupSnapshoting } from '../lib/jobs/backup/snapshoting.ts';
import { defineTask } from './task-handler.ts';

/** Backup SNAPSHOTING: pins partition versions. */
export const task = defineTask(backupSnapshoting);
export const handler = task.handler;
