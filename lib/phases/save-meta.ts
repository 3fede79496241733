import { BackupState, JobType } from '../domain/states.ts';
import type { JobRef } from '../domain/workflow.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { uploadItems } from './backup-staging.ts';
import { advance, enterPhase, leaseKeeper } from './job-guard.ts';
import type { TransferItem } from './staging.ts';
import { missingBlobs } from './missing-blobs.ts';
import { transferItems } from './transfer.ts';

const RECOPY_CHUNK = 256;

/**
 * SAVE_META: `__meta` was written before the upload; this checks that every blob it names is in the
 * repository now, and uploads again any that a concurrent DROP SNAPSHOT collected in the meantime, so the
 * snapshot UPLOAD_INFO commits is always whole.
 */
export async function saveMeta(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.SAVE_META);
  if (done) return { jobId };
  await advance(ctx, job, BackupState.SAVE_META, (j) => { j.times.uploadFinished = ctx.clock.now(); });
  const repo = await ctx.control.requireRepository(job.repo);
  const store = await openRepository(ctx, repo);
  const lease = leaseKeeper(ctx, job);
  // Usually nothing is missing; when a collection took much, the copies go a chunk at a time.
  let chunk: TransferItem[] = [];
  const copy = async () => {
    await transferItems(ctx.data, store, chunk, { beforeEach: lease.tick, progress: async () => undefined });
    chunk = [];
  };
  const items = uploadItems(ctx.data, jobId, repo.name);
  for await (const item of missingBlobs(store, repo, items, job.backup!.blobs?.count ?? job.totals.files)) {
    chunk.push(item);
    if (chunk.length >= RECOPY_CHUNK) await copy();
  }
  await copy();
  await advance(ctx, job, BackupState.UPLOAD_INFO);
  return { jobId };
}
