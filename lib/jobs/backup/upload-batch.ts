import { BackupState, JobType } from '../../domain/states.ts';
import type { BatchContinuation, BatchInput } from '../../domain/workflow.ts';
import { blobStore } from '../../repository/blob-store.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { runBatch } from '../batch.ts';
import { enterPhase } from '../job-guard.ts';
import type { ServiceContext } from '../service-context.ts';
import { readBatch } from '../staging.ts';

/**
 * UPLOADING, one Map iteration: streams a batch of segments into repository blobs. Returns null when the
 * batch is done, or a continuation when its time budget ran out first (the state machine then invokes it
 * again with it).
 */
export async function uploadBatch(ctx: ServiceContext, input: BatchInput): Promise<BatchContinuation | null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.BACKUP, BackupState.UPLOADING);
  if (done) return null;
  // Blobs go in as the job stores them (compressed or not). The plan left out those present in either form,
  // so a batch asks only whether the form it writes is there (a re-run finds what it wrote before).
  const repo = blobStore(await openRepository(ctx, await ctx.control.requireRepository(job.repo)), ctx.compressor, job.backup?.compression, { headWrittenForm: true });
  return runBatch(ctx, job, input, await readBatch(ctx.data, input.jobId, input.batch), ctx.data, repo);
}
