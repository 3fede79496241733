import type { JobRecord } from '../domain/control-types.ts';
import { InternalError, JobCancelledError, JobTimeoutError } from '../domain/errors.ts';
import { isTerminal, type JobTypeValue, stateRank } from '../domain/states.ts';
import type { ServiceContext } from './context.ts';

/**
 * Every phase starts here. It makes a handler safe to run twice: a phase whose state the job has already
 * left is skipped. It also enforces cancel requests, the job timeout and the lock (renewing its lease, and
 * failing if another job took it over).
 */
export interface PhaseEntry {
  job: JobRecord;
  /** The job is past this phase (or over): the handler returns without doing anything. */
  done: boolean;
}

export async function enterPhase(ctx: ServiceContext, jobId: string, type: JobTypeValue, phase: string): Promise<PhaseEntry> {
  const { doc: job } = await ctx.control.requireJob(jobId);
  if (job.type !== type) throw new InternalError(`Job ${jobId} is a ${job.type} job, not ${type}`);
  if (job.state === 'CANCELLED') throw new JobCancelledError(`Job ${job.label} is already cancelled`);
  if (isTerminal(job.state) || stateRank(type, job.state) > stateRank(type, phase)) return { job, done: true };
  // Past COMMITTING a restore can only go forward: neither a cancel nor the timeout may stop it half-way.
  if (job.state === 'COMMITTING') await ctx.control.renewLock(job.db, job.jobId, ctx.leaseMs, ctx.clock.now());
  else await checkAlive(ctx, job);
  return { job, done: false };
}

/** Raises when the job must stop; renews the lock otherwise. Called before each phase and between files. */
export async function checkAlive(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const now = ctx.clock.now();
  if (job.cancelRequested) throw new JobCancelledError('user cancelled');
  if (now - job.createTime > job.timeoutSec * 1000) throw new JobTimeoutError('');
  await ctx.control.renewLock(job.db, job.jobId, ctx.leaseMs, now);
}

/** Re-reads the cancel flag during long phases (a CANCEL may arrive from another process). */
export async function checkCancel(ctx: ServiceContext, jobId: string): Promise<void> {
  const { doc } = await ctx.control.requireJob(jobId);
  if (doc.cancelRequested) throw new JobCancelledError('user cancelled');
  if (doc.state === 'CANCELLED') throw new JobCancelledError(`Job ${doc.label} is already cancelled`);
}

/** Moves the job to `state` (only forward), applying extra changes in the same conditional write. */
export async function advance(ctx: ServiceContext, jobId: string, state: JobRecord['state'], change?: (j: JobRecord) => void): Promise<JobRecord> {
  return ctx.control.updateJob(jobId, (j) => {
    if (isTerminal(j.state) || stateRank(j.type, j.state) >= stateRank(j.type, state)) return undefined;
    j.state = state;
    change?.(j);
    return j;
  });
}
