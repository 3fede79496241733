import type { JobRecord } from '../../domain/control-types.ts';
import { IntegrityError, NotFoundError, errorMessage } from '../../domain/errors.ts';
import { JobType, RestoreState } from '../../domain/states.ts';
import type { BatchContinuation, BatchInput } from '../../domain/workflow.ts';
import { blobStore, servedBlobKey } from '../../repository/blob-store.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { repoPath } from '../../repository/snapshot-reader.ts';
import { runBatch } from '../batch.ts';
import { enterPhase } from '../job-guard.ts';
import type { ServiceContext } from '../service-context.ts';
import { type TransferItem, readBatch } from '../staging.ts';
import { failedItem } from '../transfer.ts';

/**
 * DOWNLOADING, one Map iteration: streams a batch of blobs into new segment files of the target cluster.
 * The target's put verifies each blob's sha256; a missing or damaged blob fails the restore with an error
 * naming the snapshot and the file, before anything is visible.
 */
export async function downloadBatch(ctx: ServiceContext, input: BatchInput): Promise<BatchContinuation | null> {
  const { job, done } = await enterPhase(ctx, input.jobId, JobType.RESTORE, RestoreState.DOWNLOADING);
  if (done) return null;
  const record = await ctx.control.requireRepository(job.repo);
  // Compressed and plain blobs alike come out as their content, checked against its sha256 by the put.
  const raw = await openRepository(ctx, record);
  const repo = blobStore(raw, ctx.compressor);
  const items = await readBatch(ctx.data, input.jobId, input.batch);
  try {
    return await runBatch(ctx, job, input, items, repo, ctx.data);
  } catch (e) {
    const item = failedItem(e);
    if (!item || !(e instanceof IntegrityError || e instanceof NotFoundError)) throw e;
    const file = repoPath(record, await servedBlobKey(raw, item.from));
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
