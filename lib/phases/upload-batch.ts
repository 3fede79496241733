import { JobCounter } from '../domain/control-types.ts';
import { BackupState, JobType, RestoreState } from '../domain/states.ts';
import type { BatchInput } from '../domain/workflow.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { checkCancel, enterPhase } from './job-guard.ts';
import { readBatch } from './staging.ts';
import { transferItems } from './transfer.ts';

const PROGRESS_EVERY = 32;

/** UPLOADING, one Map iteration: streams a batch of segments into repository blobs. */
export async function uploadBatch(ctx: ServiceContext, input: BatchInput): Promise<null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.BACKUP, BackupState.UPLOADING);
  if (done) return null;
  const repo = await openRepository(ctx, await ctx.control.requireRepository(job.repo));
  await runBatch(ctx, input, ctx.data, repo);
  return null;
}

/** DOWNLOADING, one Map iteration: streams a batch of blobs into new segment files of the target cluster. */
export async function downloadBatch(ctx: ServiceContext, input: BatchInput): Promise<null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.RESTORE, RestoreState.DOWNLOADING);
  if (done) return null;
  const repo = await openRepository(ctx, await ctx.control.requireRepository(job.repo));
  await runBatch(ctx, input, repo, ctx.data);
  return null;
}

async function runBatch(ctx: ServiceContext, input: BatchInput, src: ObjectStore, dst: ObjectStore): Promise<void> {
  const items = await readBatch(ctx.data, input.jobId, input.batch);
  let files = 0, bytes = 0, since = 0;
  const flush = async () => {
    if (files === 0 && bytes === 0) return;
    await ctx.control.addProgress(input.jobId, { [JobCounter.FILES_DONE]: files, [JobCounter.BYTES_DONE]: bytes });
    files = bytes = 0;
  };
  await transferItems(src, dst, items, {
    beforeEach: async () => {
      if (++since % PROGRESS_EVERY === 0) await checkCancel(ctx, input.jobId);
    },
    progress: async (f, b) => {
      files += f;
      bytes += b;
      if (files >= PROGRESS_EVERY) await flush();
    },
  });
  await flush();
  await ctx.control.addProgress(input.jobId, { [JobCounter.BATCHES_DONE]: 1 });
}
