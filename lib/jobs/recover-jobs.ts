import type { JobRecord, LockRecord } from '../domain/control-types.ts';
import { ErrorName, errorCode, errorMessage } from '../domain/errors.ts';
import { JobType, isTerminal } from '../domain/states.ts';
import type { StoredRecord } from '../ports/record-table.ts';
import { lapsed } from '../control/lock-store.ts';
import { cancelJob } from './cancel-job.ts';
import type { ServiceContext } from './service-context.ts';
import { restoreCommit } from './restore/commit.ts';
import { restoreCommitting } from './restore/committing.ts';
import { uploadInfo } from './backup/upload-info.ts';

/**
 * Crash recovery. A job whose runner is gone (the embedded process was killed, a Lambda stopped renewing
 * its lease) still holds its lock. Recovery takes that lock over under a new fencing token, so the old
 * runner can publish nothing more, then finishes the job the way it would have ended: a job in its commit
 * step (restore COMMIT or COMMITTING, backup UPLOAD_INFO) is rolled forward to FINISHED, any other is
 * rolled back to CANCELLED by the cancel path. Every step is a re-run of an idempotent phase.
 */
export const RecoveryReason = {
  OWNER_GONE: 'the process running the job stopped',
  LEASE_LAPSED: 'the job stopped renewing its lock (its lease ran out)',
} as const;
export type RecoveryReasonValue = (typeof RecoveryReason)[keyof typeof RecoveryReason];

export interface RecoveredJob {
  jobId: string;
  db: string;
  /** `released`: the lock named no running job; `rolled back` or `rolled forward`; `failed`: left for the next recovery. */
  outcome: 'released' | 'rolled back' | 'rolled forward' | 'failed';
  error?: string;
}

/** Decides whether a held lock's runner is gone, and why; undefined leaves the job alone. */
export type OrphanTest = (lock: StoredRecord<LockRecord>, now: number) => RecoveryReasonValue | undefined;

/** Recovers every job the test calls orphaned. One failure does not stop the others; it is reported. */
export async function recoverOrphans(ctx: ServiceContext, orphaned: OrphanTest): Promise<RecoveredJob[]> {
  const out: RecoveredJob[] = [];
  for (const { db, lock } of await ctx.control.locks.held()) {
    const reason = orphaned(lock, ctx.clock.now());
    if (!reason) continue;
    try {
      out.push(await recoverJob(ctx, db, lock, reason, (l) => orphaned(l, ctx.clock.now()) !== undefined));
    } catch (e) {
      out.push({ jobId: lock.doc.jobId, db, outcome: 'failed', error: `${errorCode(e)}: ${errorMessage(e)}` });
    }
  }
  return out;
}

/**
 * Recovers the job a held lock names. `stillOrphaned` is asked again when the lock changed under the
 * takeover (a renewal of the same token by a runner that is on its way out): recovery goes on only if it
 * still holds, and throws LockConflictError otherwise.
 */
export async function recoverJob(
  ctx: ServiceContext, db: string, lock: StoredRecord<LockRecord>, reason: RecoveryReasonValue, stillOrphaned: (lock: StoredRecord<LockRecord>) => boolean,
): Promise<RecoveredJob> {
  const jobId = lock.doc.jobId;
  const stored = await ctx.control.getJob(jobId);
  // Crashed between taking the lock and recording the job, or between ending the job and unlocking.
  if (!stored || isTerminal(stored.doc.state)) {
    await ctx.control.locks.release(db, jobId, lock.doc.token);
    if (stored) await cancelJob(ctx, { jobId });
    return { jobId, db, outcome: 'released' };
  }
  const token = await ctx.control.locks.takeOver(db, lock, ctx.owner, ctx.leaseMs, ctx.clock.now(), stillOrphaned);
  // The job record carries the new token before anything else happens: the old runner's advances now fail.
  const job = await ctx.control.updateJob(jobId, (j) => ((j.lockToken = token), j));
  if (rollsForward(job)) {
    try {
      await finishCommit(ctx, job);
      return { jobId, db, outcome: 'rolled forward' };
    } catch (e) {
      // COMMITTING must finish; a failure there is left for the next recovery. Earlier commit steps roll back.
      if (job.state === 'COMMITTING') throw e;
      await cancelJob(ctx, { jobId, error: { Error: errorCode(e), Cause: errorMessage(e) } });
      return { jobId, db, outcome: 'rolled back' };
    }
  }
  const error = job.cancelRequested
    ? { Error: ErrorName.JobCancelled, Cause: 'user cancelled' }
    : { Error: ErrorName.JobOrphaned, Cause: `${reason}; rolled back` };
  await cancelJob(ctx, { jobId, error });
  return { jobId, db, outcome: 'rolled back' };
}

/** Past these points nothing is left to do but publish: finishing is as safe as undoing, and keeps the work. */
function rollsForward(job: JobRecord): boolean {
  if (job.type === JobType.RESTORE) return job.state === 'COMMITTING' || (job.state === 'COMMIT' && !job.cancelRequested);
  return job.state === 'UPLOAD_INFO' && !job.cancelRequested;
}

async function finishCommit(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const ref = { jobId: job.jobId };
  if (job.type === JobType.BACKUP) {
    await uploadInfo(ctx, ref);
    return;
  }
  if (job.state === 'COMMIT') await restoreCommit(ctx, ref);
  await restoreCommitting(ctx, ref);
}

/**
 * The cloud's recovery sweep (functions/recover-jobs.ts, for a schedule): every job whose lease ran out,
 * i.e. whose executions stopped renewing it (a Lambda killed past its Catch, an execution stopped by hand).
 */
export function recoverLapsedJobs(ctx: ServiceContext, _input?: unknown): Promise<RecoveredJob[]> {
  return recoverOrphans(ctx, (lock, now) => (lapsed(lock, now) ? RecoveryReason.LEASE_LAPSED : undefined));
}
