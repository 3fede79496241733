import { blobSha, layout } from '../domain/repository-layout.ts';
import { BackupState, JobType } from '../domain/states.ts';
import type { JobRef, PlanOutput } from '../domain/workflow.ts';
import { type ServiceContext, openRepository } from './context.ts';
import type { BackupSnapshotDoc } from './backup-snapshoting.ts';
import { advance, enterPhase } from './job-guard.ts';
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
  const present = new Map<string, number>();
  for await (const o of store.list(layout.blobsPrefix(repo.name))) {
    const sha = blobSha(o.key);
    if (sha) present.set(sha, o.size);
  }
  const missing = doc.uploads.filter((u) => present.get(u.sha256) !== u.size);
  const batches = await writeBatches(ctx.data, jobId, missing, ctx.batch);
  await writeStagingDoc(ctx.data, jobId, 'batches', batches);
  await advance(ctx, jobId, BackupState.UPLOADING);
  return { jobId, batches };
}
