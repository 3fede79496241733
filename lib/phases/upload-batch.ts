import { JobCounter, type JobRecord } from '../domain/control-types.ts';
import { AnalysisError, IntegrityError, NotFoundError, errorMessage } from '../domain/errors.ts';
import { BackupState, JobType, RestoreState } from '../domain/states.ts';
import type { BatchContinuation, BatchInput } from '../domain/workflow.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { DEFAULT_BATCH, type ServiceContext } from './context.ts';
import { openRepository } from '../repository/repository-context.ts';
import { checkCancel, enterPhase, leaseKeeper } from './job-guard.ts';
import { repoPath } from '../repository/snapshot-reader.ts';
import { type TransferItem, readBatch } from './staging.ts';
import { failedItem, transferItems } from './transfer.ts';

/** Every this many files a batch re-reads the job's cancel flag. */
const CANCEL_CHECK_EVERY = 32;

/**
 * UPLOADING, one Map iteration: streams a batch of segments into repository blobs. Returns null when the
 * batch is done, or a continuation when its time budget ran out first (the state machine then invokes it
 * again with it).
 */
export async function uploadBatch(ctx: ServiceContext, input: BatchInput): Promise<BatchContinuation | null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.BACKUP, BackupState.UPLOADING);
  if (done) return null;
  const repo = await openRepository(ctx, await ctx.control.requireRepository(job.repo));
  return runBatch(ctx, job, input, await readBatch(ctx.data, input.jobId, input.batch), ctx.data, repo);
}

/**
 * DOWNLOADING, one Map iteration: streams a batch of blobs into new segment files of the target cluster.
 * The target's put verifies each blob's sha256; a missing or damaged blob fails the restore with an error
 * naming the snapshot and the file, before anything is visible.
 */
export async function downloadBatch(ctx: ServiceContext, input: BatchInput): Promise<BatchContinuation | null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.RESTORE, RestoreState.DOWNLOADING);
  if (done) return null;
  const record = await ctx.control.requireRepository(job.repo);
  const repo = await openRepository(ctx, record);
  const items = await readBatch(ctx.data, input.jobId, input.batch);
  try {
    return await runBatch(ctx, job, input, items, repo, ctx.data);
  } catch (e) {
    const item = failedItem(e);
    if (!item || !(e instanceof IntegrityError || e instanceof NotFoundError)) throw e;
    const file = repoPath(record, item.from);
    const why = e instanceof NotFoundError ? `${file} is missing` : `${file} is corrupt: ${errorMessage(e)}`;
    throw new IntegrityError(`Snapshot ${job.label} (${job.timestamp}) in repository ${job.repo} is damaged: ${why}`);
  } finally {
    await discardIfCancelled(ctx, job, items);
  }
}

/**
 * A batch can still be writing when its job is cancelled (a sibling iteration failed, a user cancelled),
 * after the cancel path removed the restore's files. Whichever of the two comes second removes them:
 * the cancel sets its flag before it deletes, and the batch reads the flag after its last write.
 */
async function discardIfCancelled(ctx: ServiceContext, job: JobRecord, items: TransferItem[]): Promise<void> {
  const now = (await ctx.control.getJob(job.jobId))?.doc;
  if (now && !now.cancelRequested && now.state !== 'CANCELLED') return;
  for (const item of items) await ctx.data.delete(item.to);
}

/**
 * Moves the batch's items from the continuation's `resumeAt` on, taking new ones until the time budget is
 * spent (at least one, so a batch always moves on), and says where the next invocation resumes.
 *
 * Progress is added once, at the end, for exactly the items this invocation covered: a continuation starts
 * after them, and a retry of a failed invocation (same input) counts its range again but the failed one
 * counted nothing. Only an invocation lost after that one write (a crash before it returns) counts twice.
 */
async function runBatch(
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
