import { restoreCommit } from '../lib/jobs/restore/commit.ts';
import { defineTask } from './task-handler.ts';

/** Restore COMMIT: writes the new manifests. */
export const task = defineTask(restoreCommit);
export const handler = task.handler;
