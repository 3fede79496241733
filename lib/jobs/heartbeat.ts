import { LockLostError } from '../domain/errors.ts';
import { isTerminal } from '../domain/states.ts';
import type { ServiceContext } from './service-context.ts';

/**
 * The lease heartbeat of a running job: renews the job's lock every `everyMs` under the token the job
 * had when the heartbeat started, so a runner that was taken over stops renewing (and never renews the
 * lock on behalf of the process that took it). Stops by itself when the job ends or the lock is lost.
 * The phases renew too (at entry and before each publishing write); this covers the time in between.
 */
export function startHeartbeat(ctx: ServiceContext, jobId: string, everyMs = Math.max(1, Math.floor(ctx.leaseMs / 3))): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const token = ctx.control.getJob(jobId).then((j) => j?.doc.lockToken, () => undefined);
  const beat = async () => {
    const j = await ctx.control.getJob(jobId);
    const held = await token;
    if (!j || isTerminal(j.doc.state) || held === undefined) return stop();
    try {
      await ctx.control.locks.renew(j.doc.db, jobId, held, ctx.owner, ctx.leaseMs, ctx.clock.now());
    } catch (e) {
      // Any other failure (throttling, a network blip) is left to the next beat: three fit in a lease.
      if (e instanceof LockLostError) stop();
    }
  };
  // Deliberately best effort: a beat has no caller to fail, and the phases renew and fence on their own.
  timer = setInterval(() => void beat().catch(() => undefined), everyMs);
  timer.unref();
  return stop;
}
