import { JobCounter, type JobRecord } from '../domain/control-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { BatchContinuation, BatchInput } from '../domain/workflow.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { DEFAULT_BATCH, type ServiceContext } from './service-context.ts';
import { checkCancel, leaseKeeper } from './job-guard.ts';
import type { TransferItem } from './staging.ts';
import { transferItems } from './transfer.ts';

/** Every this many files a batch re-reads the job's cancel flag. */
const CANCEL_CHECK_EVERY = 32;

/**
 * Moves the batch's items from the continuation's `resumeAt` on, taking new ones until the time budget is
 * spent (at least one, so a batch always moves on), and says where the next invocation resumes.
 *
 * Progress is added once, at the end, for exactly the items this invocation covered: a continuation starts
 * after them, and a retry of a failed invocation (same input) counts its range again but the failed one
 * counted nothing. Only an invocation lost after that one write (a crash before it returns) counts twice.
 */
export async function runBatch(
  ctx: ServiceContext, job: JobRecord, input: BatchInput, items: TransferItem[], src: ObjectStore, dst: ObjectStore,
): Promise<BatchContinuation | null> {
  const start = resumeAt(input, items.length);
  const budgetMs = ctx.batch.budgetMs ?? DEFAULT_BATCH.budgetMs;
  const began = ctx.clock.now();
  const lease = leaseKeeper(ctx, job);
  let since = 0;
  const taken = await transferItems(src, dst, items.slice(start), {
    // The cancel flag and the lease (the heartbeat of a long batch) are checked every few files or seconds.
    beforeEach: async () => {
      if (++since % CANCEL_CHECK_EVERY === 0) await checkCancel(ctx, job);
      else await lease.tick();
    },
    takeMore: (n) => n === 0 || ctx.clock.now() - began < budgetMs,
  });
  const end = start + taken;
  const bytes = items.slice(start, end).reduce((n, item) => n + item.size, 0);
  const finished = end >= items.length;
  await ctx.control.addProgress(job.jobId, {
    [JobCounter.FILES_DONE]: taken,
    [JobCounter.BYTES_DONE]: bytes,
    ...(finished ? { [JobCounter.BATCHES_DONE]: 1 } : {}),
  });
  return finished ? null : { resumeAt: end };
}

/** Where this invocation starts: 0, or what the previous invocation of the batch returned. */
function resumeAt(input: BatchInput, count: number): number {
  const at = input.continuation?.resumeAt ?? 0;
  // A continuation comes from the execution's state: refuse one that does not point inside the batch.
  if (!Number.isSafeInteger(at) || at < 0 || (at >= count && at !== 0)) {
    throw new AnalysisError(`Invalid continuation of batch ${input.batch}: resumeAt ${JSON.stringify(at)} is not within its ${count} files`);
  }
  return at;
}
