import type { LocalHandlers, TaskHandler } from '../lib/adapters/local-sfn/local-orchestrator.ts';
import type { JobTypeValue } from '../lib/domain/states.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import { task as backupPending } from '../functions/backup-pending.ts';
import { task as backupSnapshoting } from '../functions/backup-snapshoting.ts';
import { task as cancelJob } from '../functions/cancel-job.ts';
import { task as downloadBatch } from '../functions/download-batch.ts';
import { task as restoreCommit } from '../functions/restore-commit.ts';
import { task as restoreCommitting } from '../functions/restore-committing.ts';
import { task as restoreDownload } from '../functions/restore-download.ts';
import { task as restorePending } from '../functions/restore-pending.ts';
import { task as restoreSnapshoting } from '../functions/restore-snapshoting.ts';
import { task as saveMeta } from '../functions/save-meta.ts';
import { task as uploadBatch } from '../functions/upload-batch.ts';
import { task as uploadInfo } from '../functions/upload-info.ts';
import { task as uploadSnapshot } from '../functions/upload-snapshot.ts';
import type { TaskDefinition } from '../functions/task-handler.ts';

/** Wraps one Task handler; the embedded runtime's fault-injection seam (tests) and its test hooks use it. */
export type HandlerWrapper = (workflow: JobTypeValue, state: string, handler: TaskHandler) => TaskHandler;

export function wrapBindings(bindings: LocalHandlers, wrap: HandlerWrapper): LocalHandlers {
  const each = <T extends string>(workflow: JobTypeValue, handlers: Readonly<Record<T, TaskHandler>>) =>
    Object.fromEntries(Object.entries<TaskHandler>(handlers).map(([state, h]) => [state, wrap(workflow, state, h)])) as Record<T, TaskHandler>;
  return { BACKUP: each('BACKUP', bindings.BACKUP), RESTORE: each('RESTORE', bindings.RESTORE) };
}

/** Each Task state bound, by state name, to the same handler Lambda runs in the cloud. */
export function taskBindings(ctx: ServiceContext): LocalHandlers {
  const b = <I, O>(t: TaskDefinition<I, O>): TaskHandler => t.bind(ctx) as TaskHandler;
  return {
    BACKUP: {
      PENDING: b(backupPending),
      SNAPSHOTING: b(backupSnapshoting),
      UPLOAD_SNAPSHOT: b(uploadSnapshot),
      UPLOAD_BATCH: b(uploadBatch),
      SAVE_META: b(saveMeta),
      UPLOAD_INFO: b(uploadInfo),
      CANCEL: b(cancelJob),
    },
    RESTORE: {
      PENDING: b(restorePending),
      SNAPSHOTING: b(restoreSnapshoting),
      DOWNLOAD: b(restoreDownload),
      DOWNLOAD_BATCH: b(downloadBatch),
      COMMIT: b(restoreCommit),
      COMMITTING: b(restoreCommitting),
      CANCEL: b(cancelJob),
    },
  };
}
