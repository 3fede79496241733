import { seal } from '../domain/envelope.ts';
import { layout } from '../domain/repository-layout.ts';
import { presentBlobs } from './snapshot-gc.ts';
import { sha256Hex } from '../ports/object-io.ts';
import { BackupState, JobType } from '../domain/states.ts';
import type { JobRef, PlanOutput } from '../domain/workflow.ts';
import { type ServiceContext, openRepository } from './context.ts';
import type { BackupSnapshotDoc } from './backup-snapshoting.ts';
import { advance, enterPhase, fence } from './job-guard.ts';
import { readStagingDoc, writeBatches, writeStagingDoc } from './staging.ts';

/**
 * UPLOAD_SNAPSHOT: finds the blobs the repository lacks (content addressing: a segment any earlier snapshot
 * uploaded is never sent again) and splits them into batch manifests for the UPLOADING fan-out.
 */
export async function uploadSnapshot(ctx: ServiceContext, { jobId }: JobRef): Promise<PlanOutput> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.UPLOAD_SNAPSHOT);
  if (done) return { jobId, batches: job.state === BackupState.UPLOADING ? await readStagingDoc(ctx.data, jobId, 'batches') : [] };
  const repo = await ctx.control.requireRepository(job.repo);
  const store = await openRepository(ctx, repo);
  const doc = await readStagingDoc<BackupSnapshotDoc>(ctx.data, jobId, 'snapshot');
  // The metadata goes first: from now on it names every blob this snapshot needs, so a DROP SNAPSHOT
  // collecting garbage meanwhile keeps the blobs found present below.
  await fence(ctx, job);
  const { sha256, size } = await store.put(layout.meta(repo.name, job.label, job.timestamp), seal(doc.meta, sha256Hex));
  const present = await presentBlobs(store, repo);
  const missing = doc.uploads.filter((u) => present.get(u.sha256) !== u.size);
  const batches = await writeBatches(ctx.data, jobId, missing, ctx.batch);
  await writeStagingDoc(ctx.data, jobId, 'batches', batches);
  await advance(ctx, job, BackupState.UPLOADING, (j) => { j.backup!.meta = { sha256, size }; });
  return { jobId, batches };
}
