import { backupSnapshoting } from '../lib/phases/backup-snapshoting.ts';
import { defineTask } from './task-handler.ts';

/** Backup SNAPSHOTING: pins partition versions. */
export const task = defineTask(backupSnapshoting);
export const handler = task.handler;
