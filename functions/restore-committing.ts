import { restoreCommitting } from '../lib/phases/restore-commit.ts';
import { defineTask } from './task-handler.ts';

/** Restore COMMITTING: publishes every table. */
export const task = defineTask(restoreCommitting);
export const handler = task.handler;
