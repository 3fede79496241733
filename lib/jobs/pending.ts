import { AnalysisError, errorCode, errorMessage, isTransient } from '../domain/errors.ts';
import { BackupState, JobType, type JobTypeValue, RestoreState } from '../domain/states.ts';
import type { ExecutionInput, JobRef } from '../domain/workflow.ts';
import { cancelJob } from './cancel-job.ts';
import type { ServiceContext } from './service-context.ts';
import { advance, enterPhase } from './job-guard.ts';

/**
 * PENDING of both workflows (jobs/backup/pending.ts, jobs/restore/pending.ts) for a job already recorded: by
 * the API, or from a console input `{"statement": "BACKUP …", "user": "…"}`, which lib/api/console-input.ts
 * runs through executeStatement first, as its user, before it comes here.
 */
export async function pending(ctx: ServiceContext, input: ExecutionInput, type: JobTypeValue): Promise<JobRef> {
  const word = type === JobType.BACKUP ? 'BACKUP' : 'RESTORE';
  if (!input || typeof input !== 'object' || !('jobId' in input) || typeof input.jobId !== 'string') {
    throw new AnalysisError(`Execution input must be {"jobId": "…"} or {"statement": "${word} …", "user": "<StarRocks user>"}`);
  }
  const jobId = input.jobId;
  try {
    const { job, done } = await enterPhase(ctx, jobId, type, BackupState.PENDING);
    if (!done) await advance(ctx, job, type === JobType.BACKUP ? BackupState.SNAPSHOTING : RestoreState.SNAPSHOTING);
  } catch (e) {
    // The workflow routes a failed PENDING to REJECTED, not to CANCEL (a console input may have no job yet),
    // so a job that exists is cancelled here: it must not keep its lock until its lease runs out. A
    // transient error is left to the Task's Retry, which runs this again.
    if (isTransient(e)) throw e;
    await cancelJob(ctx, { jobId, error: { Error: errorCode(e), Cause: errorMessage(e) } });
    throw e;
  }
  return { jobId };
}
