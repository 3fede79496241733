import { JobCounter, type JobRecord } from '../domain/control-types.ts';
import { IntegrityError, NotFoundError, errorMessage } from '../domain/errors.ts';
import { BackupState, JobType, RestoreState } from '../domain/states.ts';
import type { BatchInput } from '../domain/workflow.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { checkCancel, enterPhase, leaseKeeper } from './job-guard.ts';
import { repoPath } from './snapshot-reader.ts';
import { type TransferItem, readBatch } from './staging.ts';
import { failedItem, transferItems } from './transfer.ts';

const PROGRESS_EVERY = 32;

/** UPLOADING, one Map iteration: streams a batch of segments into repository blobs. */
export async function uploadBatch(ctx: ServiceContext, input: BatchInput): Promise<null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.BACKUP, BackupState.UPLOADING);
  if (done) return null;
  const repo = await openRepository(ctx, await ctx.control.requireRepository(job.repo));
  await runBatch(ctx, job, await readBatch(ctx.data, input.jobId, input.batch), ctx.data, repo);
  return null;
}

/**
 * DOWNLOADING, one Map iteration: streams a batch of blobs into new segment files of the target cluster.
 * The target's put verifies each blob's sha256; a missing or damaged blob fails the restore with an error
 * naming the snapshot and the file, before anything is visible.
 */
export async function downloadBatch(ctx: ServiceContext, input: BatchInput): Promise<null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.RESTORE, RestoreState.DOWNLOADING);
  if (done) return null;
  const record = await ctx.control.requireRepository(job.repo);
  const repo = await openRepository(ctx, record);
  const items = await readBatch(ctx.data, input.jobId, input.batch);
  try {
    await runBatch(ctx, job, items, repo, ctx.data);
  } catch (e) {
    const item = failedItem(e);
    if (!item || !(e instanceof IntegrityError || e instanceof NotFoundError)) throw e;
    const file = repoPath(record, item.from);
    const why = e instanceof NotFoundError ? `${file} is missing` : `${file} is corrupt: ${errorMessage(e)}`;
    throw new IntegrityError(`Snapshot ${job.label} (${job.timestamp}) in repository ${job.repo} is damaged: ${why}`);
  } finally {
    await discardIfCancelled(ctx, job, items);
  }
  return null;
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

async function runBatch(ctx: ServiceContext, job: JobRecord, items: TransferItem[], src: ObjectStore, dst: ObjectStore): Promise<void> {
  let files = 0, bytes = 0, since = 0;
  const lease = leaseKeeper(ctx, job);
  const flush = async () => {
    if (files === 0 && bytes === 0) return;
    await ctx.control.addProgress(job.jobId, { [JobCounter.FILES_DONE]: files, [JobCounter.BYTES_DONE]: bytes });
    files = bytes = 0;
  };
  await transferItems(src, dst, items, {
    // The cancel flag and the lease (the heartbeat of a long batch) are checked every few files or seconds.
    beforeEach: async () => {
      if (++since % PROGRESS_EVERY === 0) await checkCancel(ctx, job);
      else await lease.tick();
    },
    progress: async (f, b) => {
      files += f;
      bytes += b;
      if (files >= PROGRESS_EVERY) await flush();
    },
  });
  await flush();
  await ctx.control.addProgress(job.jobId, { [JobCounter.BATCHES_DONE]: 1 });
}
