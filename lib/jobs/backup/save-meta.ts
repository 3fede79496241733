import { BackupState, JobType } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import type { ServiceContext } from '../service-context.ts';
import { blobStore } from '../../repository/blob-store.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { seenCollectionsPassed } from '../../repository/seen-collections.ts';
import { plannedUploads, uploadItems } from './backup-staging.ts';
import { advance, enterPhase, leaseKeeper } from '../job-guard.ts';
import { missingBlobs } from './missing-blobs.ts';
import { transferItems } from '../transfer.ts';

/**
 * SAVE_META: `__meta` was written before the upload; when UPLOAD_SNAPSHOT saw a garbage collection
 * announced in the repository (gc-markers.ts), this waits until each one seen has ended or renewed its
 * marker, then checks that every blob `__meta` names is in the repository, and uploads again any that a
 * collection deleted in the meantime, so the snapshot UPLOAD_INFO commits is always whole. With no
 * collection announced, nothing can have been deleted and a second listing of every blob is spared.
 */
export async function saveMeta(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.SAVE_META);
  if (done) return { jobId };
  await advance(ctx, job, BackupState.SAVE_META, (j) => { j.times.uploadFinished = ctx.clock.now(); });
  if (job.backup?.collectionSeen !== false) {
    const repo = await ctx.control.requireRepository(job.repo);
    const raw = await openRepository(ctx, repo);
    const lease = leaseKeeper(ctx, job);
    // A collection seen may still delete what it decided on before this snapshot's `__meta` existed: the
    // check below must come after those deletions (seen-collections.ts).
    await seenCollectionsPassed(raw, job.backup?.collectionsSeen ?? [], job.backup?.collectionsSeenAt ?? 0, ctx.clock, lease.tick);
    // Either form of a blob counts as present; one collected meanwhile goes back in the job's own form.
    const store = blobStore(raw, ctx.compressor, job.backup?.compression);
    const missing = missingBlobs(store, repo, uploadItems(ctx.data, jobId, repo.name), plannedUploads(job).files);
    await transferItems(ctx.data, store, missing, { beforeEach: lease.tick, progress: async () => undefined });
  }
  await advance(ctx, job, BackupState.UPLOAD_INFO);
  return { jobId };
}
