import type { JobRecord, LockRecord } from '../domain/control-types.ts';
import type { StoredRecord } from '../ports/record-table.ts';
import { CATALOG_LOCK_CONFLICT, LOCK_CONFLICT, lapsed } from '../control/lock-store.ts';
import { LockConflictError } from '../domain/errors.ts';
import type { ServiceContext } from './service-context.ts';
import { RecoveryReason, recoverJob } from './recover-jobs.ts';

/**
 * Takes the lock of the job's database (or the one external-catalog lock) and records the job with its
 * fencing token. A lock whose lease lapsed is taken over, but only after the job that held it has been
 * recovered (rolled back, or forward from its commit): a new job never starts beside a half-done one.
 */
export async function lockAndCreateJob(ctx: ServiceContext, job: JobRecord): Promise<void> {
  await recoverIfLapsed(ctx, job.db);
  job.lockToken = await ctx.control.locks.take(job.db, job.jobId, ctx.owner, ctx.leaseMs, ctx.clock.now());
  try {
    await ctx.control.createJob(job);
  } catch (e) {
    await ctx.control.locks.release(job.db, job.jobId, job.lockToken);
    throw e;
  }
}

/**
 * Recovers the job holding a database's lock if its lease lapsed (its runner is gone), so whatever comes
 * next (a new job, DROP DATABASE) never runs beside a half-done job. Returns the lock if it is still held.
 */
export async function recoverIfLapsed(ctx: ServiceContext, db: string): Promise<StoredRecord<LockRecord> | undefined> {
  const held = await ctx.control.locks.get(db);
  if (!held || !lapsed(held, ctx.clock.now())) return held;
  try {
    await recoverJob(ctx, db, held, RecoveryReason.LEASE_LAPSED, (l) => lapsed(l, ctx.clock.now()));
  } catch (e) {
    // The holder renewed after all, or another process is recovering it: the lock is simply busy.
    if (e instanceof LockConflictError) throw new LockConflictError(db ? LOCK_CONFLICT : CATALOG_LOCK_CONFLICT);
    throw e;
  }
  return ctx.control.locks.get(db);
}
