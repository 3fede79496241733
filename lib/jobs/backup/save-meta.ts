import { BackupState, JobType } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import type { ServiceContext } from '../service-context.ts';
import { blobStore } from '../../repository/blob-store.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { plannedUploads, uploadItems } from './backup-staging.ts';
import { advance, enterPhase, leaseKeeper } from '../job-guard.ts';
import { missingBlobs } from './missing-blobs.ts';
import { transferItems } from '../transfer.ts';

/**
 * SAVE_META: `__meta` was written before the upload; when UPLOAD_SNAPSHOT saw a garbage collection
 * announced in the repository (gc-markers.ts), this checks that every blob it names is in the repository
 * now, and uploads again any that the collection deleted in the meantime, so the snapshot UPLOAD_INFO
 * commits is always whole. With no collection announced, nothing can have been deleted and a second
 * listing of every blob is spared.
 */
export async function saveMeta(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.SAVE_META);
  if (done) return { jobId };
  await advance(ctx, job, BackupState.SAVE_META, (j) => { j.times.uploadFinished = ctx.clock.now(); });
  if (job.backup?.collectionSeen !== false) {
    const repo = await ctx.control.requireRepository(job.repo);
    // Either form of a blob counts as present; one collected meanwhile goes back in the job's own form.
    const store = blobStore(await openRepository(ctx, repo), ctx.compressor, job.backup?.compression);
    const lease = leaseKeeper(ctx, job);
    const missing = missingBlobs(store, repo, uploadItems(ctx.data, jobId, repo.name), plannedUploads(job).files);
    await transferItems(ctx.data, store, missing, { beforeEach: lease.tick, progress: async () => undefined });
  }
  await advance(ctx, job, BackupState.UPLOAD_INFO);
  return { jobId };
}
