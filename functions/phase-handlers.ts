/**
 * Every workflow phase's implementation, by its name in lib/domain/phase-registry.ts. The map must have
 * exactly the registry's phases, each taking and returning its role's payloads (lib/domain/workflow.ts
 * PhaseInput, PhaseOutput), or it does not compile. Lambda runs a phase through its own entry file,
 * functions/<entry>.ts (`export const handler = phaseHandler('…')`), bundled alone; the embedded runtime
 * binds the same map (bin/task-bindings.ts).
 */
import type { PhaseName, RoleOf } from '../lib/domain/phase-registry.ts';
import type { PhaseInput, PhaseOutput } from '../lib/domain/workflow.ts';
import { backupPending, restorePending } from '../lib/api/console-input.ts';
import { saveMeta } from '../lib/jobs/backup/save-meta.ts';
import { backupSnapshoting } from '../lib/jobs/backup/snapshoting.ts';
import { uploadBatch } from '../lib/jobs/backup/upload-batch.ts';
import { uploadInfo } from '../lib/jobs/backup/upload-info.ts';
import { uploadSnapshot } from '../lib/jobs/backup/upload-snapshot.ts';
import { cancelJob } from '../lib/jobs/cancel-job.ts';
import { restoreCommit } from '../lib/jobs/restore/commit.ts';
import { restoreCommitting } from '../lib/jobs/restore/committing.ts';
import { downloadBatch } from '../lib/jobs/restore/download-batch.ts';
import { restoreDownload } from '../lib/jobs/restore/download.ts';
import { restoreSnapshoting } from '../lib/jobs/restore/snapshoting.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import { type Handler, defineTask } from './task-handler.ts';

export type PhaseFunction<P extends PhaseName> = (ctx: ServiceContext, input: PhaseInput<RoleOf<P>>) => Promise<PhaseOutput<RoleOf<P>>>;

export const PHASE_HANDLERS = {
  // A console input's statement runs as its user first (lib/api/console-input.ts), then the PENDING phase.
  backupPending,
  backupSnapshoting,
  uploadSnapshot,
  uploadBatch,
  saveMeta,
  uploadInfo,
  restorePending,
  restoreSnapshoting,
  restoreDownload,
  downloadBatch,
  restoreCommit,
  restoreCommitting,
  cancelJob,
} as const satisfies { readonly [P in PhaseName]: PhaseFunction<P> };

const lambdaHandlers = new Map<PhaseName, Handler<unknown, unknown>>();

/** A phase's Lambda entry point (functions/task-handler.ts defineTask), one per phase and module. */
export function phaseHandler<P extends PhaseName>(name: P): Handler<PhaseInput<RoleOf<P>>, PhaseOutput<RoleOf<P>>> {
  let handler = lambdaHandlers.get(name);
  if (!handler) {
    handler = defineTask(PHASE_HANDLERS[name] as PhaseFunction<P>, name).handler as Handler<unknown, unknown>;
    lambdaHandlers.set(name, handler);
  }
  return handler as Handler<PhaseInput<RoleOf<P>>, PhaseOutput<RoleOf<P>>>;
}
