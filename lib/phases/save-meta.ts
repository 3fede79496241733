import { seal } from '../domain/envelope.ts';
import { layout } from '../domain/repository-layout.ts';
import { BackupState, JobType } from '../domain/states.ts';
import type { JobRef } from '../domain/workflow.ts';
import { sha256Hex } from '../ports/object-io.ts';
import { type ServiceContext, openRepository } from './context.ts';
import type { BackupSnapshotDoc } from './backup-snapshoting.ts';
import { advance, enterPhase } from './job-guard.ts';
import { readStagingDoc } from './staging.ts';

/** SAVE_META: writes `__meta_<ts>` (the catalog metadata and segment lists) into the snapshot directory. */
export async function saveMeta(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.SAVE_META);
  if (done) return { jobId };
  await advance(ctx, jobId, BackupState.SAVE_META, (j) => { j.times.uploadFinished = ctx.clock.now(); });
  const repo = await ctx.control.requireRepository(job.repo);
  const doc = await readStagingDoc<BackupSnapshotDoc>(ctx.data, jobId, 'snapshot');
  const text = seal(doc.meta, sha256Hex);
  const { sha256, size } = await (await openRepository(ctx, repo)).put(layout.meta(repo.name, job.label, job.timestamp), text);
  await advance(ctx, jobId, BackupState.UPLOAD_INFO, (j) => { j.backup!.meta = { sha256, size }; });
  return { jobId };
}
