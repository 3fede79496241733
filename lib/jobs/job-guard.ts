import { type JobOf, type JobRecord, jobOfType } from '../domain/control-types.ts';
import { JobCancelledError, JobTimeoutError, LockLostError } from '../domain/errors.ts';
import { isTerminal, type JobTypeValue, stateRank } from '../domain/states.ts';
import type { ServiceContext } from './service-context.ts';

/**
 * Every phase starts here. It makes a handler safe to run twice: a phase whose state the job has already
 * left is skipped. It also enforces cancel requests, the job timeout and the lock.
 *
 * Fencing: an invocation reads the job once, here, and keeps `job.lockToken`. Every write that publishes
 * something (a state advance, a table hold or commit, a snapshot file, the unlock) is preceded by `fence`,
 * which renews the lease only if the lock still holds that token; a state advance is in addition
 * conditioned on the job record itself still carrying it. A process that stalled past its lease and was
 * taken over therefore fails its next publishing write with LockLostError and changes nothing.
 */
export interface PhaseEntry<J extends JobRecord = JobRecord> {
  job: J;
  /** The job is past this phase (or over): the handler returns without doing anything. */
  done: boolean;
}

export async function enterPhase<T extends JobTypeValue>(ctx: ServiceContext, jobId: string, type: T, phase: string): Promise<PhaseEntry<JobOf<T>>> {
  const job = jobOfType((await ctx.control.requireJob(jobId)).doc, type);
  if (job.state === 'CANCELLED') throw new JobCancelledError(`Job ${job.label} is already cancelled`);
  if (isTerminal(job.state) || stateRank(type, job.state) > stateRank(type, phase)) return { job, done: true };
  // Past COMMITTING a restore can only go forward: neither a cancel nor the timeout may stop it half-way.
  if (job.state === 'COMMITTING') await fence(ctx, job);
  else await checkAlive(ctx, job);
  return { job, done: false };
}

/** Raises when the job must stop; renews the lock otherwise. */
export async function checkAlive(ctx: ServiceContext, job: JobRecord): Promise<void> {
  if (job.cancelRequested) throw new JobCancelledError('user cancelled');
  if (ctx.clock.now() - job.createTime > job.timeoutSec * 1000) throw new JobTimeoutError('');
  await fence(ctx, job);
}

/**
 * When this process last renewed each job's lock, per lock store (one per opened home or cloud context),
 * by job, token and owner, pruned once a lease old: the phases of one job that run here one after another
 * share a renewal.
 */
const lastFences = new WeakMap<object, Map<string, number>>();

/**
 * The fencing check before a publishing write: renews the lease iff the lock still holds this invocation's
 * token. A renewal makes the lock this job's until the lease runs out (a takeover needs a lapsed lease),
 * so one made in this process under the same token less than a tenth of a lease ago still stands, whichever
 * phase made it: a phase's several writes, and the next phases of a short job, then cost one renewal
 * instead of one each.
 */
export async function fence(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const now = ctx.clock.now();
  let lastFence = lastFences.get(ctx.control.locks);
  if (!lastFence) lastFences.set(ctx.control.locks, (lastFence = new Map()));
  const key = `${ctx.owner}\0${job.jobId}\0${job.lockToken ?? ''}`;
  const last = lastFence.get(key);
  if (last !== undefined && now >= last && now - last < ctx.leaseMs / 10) return;
  await ctx.control.locks.renew(job.db, job.jobId, job.lockToken, ctx.owner, ctx.leaseMs, now);
  for (const [k, at] of lastFence) if (!(now >= at && now - at < ctx.leaseMs)) lastFence.delete(k);
  lastFence.set(key, now);
}

/** Re-reads the cancel flag during long phases (a CANCEL may arrive from another process) and renews the lease. */
export async function checkCancel(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const { doc } = await ctx.control.requireJob(job.jobId);
  if (doc.state === 'CANCELLED') throw new JobCancelledError(`Job ${doc.label} is already cancelled`);
  if (doc.cancelRequested && doc.state !== 'COMMITTING') throw new JobCancelledError('user cancelled');
  await fence(ctx, job);
}

/**
 * The heartbeat of a long loop inside one invocation (a batch, a re-upload): `tick` re-checks the cancel
 * flag and renews the lease once a third of the lease has passed since the last check, so a long phase
 * keeps its lock without a read per file.
 */
export function leaseKeeper(ctx: ServiceContext, job: JobRecord): { tick: () => Promise<void> } {
  let last = ctx.clock.now();
  return {
    tick: async () => {
      const now = ctx.clock.now();
      if (now - last < ctx.leaseMs / 3) return;
      last = now;
      await checkCancel(ctx, job);
    },
  };
}

/**
 * Moves the job to `state` (only forward), applying extra changes in the same conditional write. The write
 * is refused when a cancel was requested (so a cancelled job never moves on, and the cancel names the
 * state it stopped in) and when the job's token changed (a takeover happened since this invocation began).
 */
export async function advance<J extends JobRecord>(ctx: ServiceContext, job: J, state: JobRecord['state'], change?: (j: J) => void): Promise<J> {
  await fence(ctx, job);
  return ctx.control.updateJob(job.jobId, (j) => {
    if (isTerminal(j.state) || stateRank(j.type, j.state) >= stateRank(j.type, state)) return undefined;
    if (job.lockToken !== undefined && j.lockToken !== job.lockToken) {
      throw new LockLostError(`Job ${j.jobId} was taken over (token ${j.lockToken}, this run holds ${job.lockToken})`, j.jobId, job.lockToken);
    }
    // A restore in COMMITTING is past the point of no return; before it, a requested cancel wins the race.
    if (j.cancelRequested && j.state !== 'COMMITTING') throw new JobCancelledError('user cancelled');
    const same = jobOfType(j, job.type) as J;
    same.state = state;
    change?.(same);
    return same;
  }) as Promise<J>;
}
