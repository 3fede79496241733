import { ErrorName } from '../domain/errors.ts';
import { isTerminal } from '../domain/states.ts';
import type { ExecutionInput } from '../domain/workflow.ts';
import { cancelJob } from './cancel-job.ts';
import type { ServiceContext } from './service-context.ts';
import { startHeartbeat } from './heartbeat.ts';

/** How an execution ended, as a runtime reports it. */
export interface ExecutionEnd {
  status: string;
  error?: string;
  cause?: string;
}

/**
 * What a runtime that runs executions in its own process does around each one: keep the job's lease
 * alive while it runs, and once it has ended make sure the job did too. A failed PENDING ends on the
 * REJECTED state without the cancel path (its Catch cannot assume a job exists), and a cancel path that
 * failed leaves the job open; either way the job is cancelled here rather than left holding its lock.
 */
export function watchJob(ctx: ServiceContext, input: ExecutionInput): ((end: ExecutionEnd) => Promise<void>) | undefined {
  const jobId = input && typeof input === 'object' && 'jobId' in input && typeof input.jobId === 'string' ? input.jobId : undefined;
  if (!jobId) return undefined;
  const stop = startHeartbeat(ctx, jobId);
  return async (end) => {
    stop();
    if (end.status === 'ABORTED') return; // abandoned as a killed process leaves it: recovery's business
    const job = await ctx.control.getJob(jobId);
    if (!job || isTerminal(job.doc.state)) return;
    await cancelJob(ctx, { jobId, error: { Error: end.error ?? ErrorName.Internal, Cause: end.cause ?? `the ${job.doc.type.toLowerCase()} workflow ended ${end.status}` } });
  };
}
