import { seal } from '../../domain/envelope.ts';
import { snapshotExpireTime } from '../../domain/snapshot-ttl.ts';
import { FORMAT_VERSION, layout } from '../../domain/repository-layout.ts';
import type { SnapshotInfo } from '../../domain/snapshot-types.ts';
import { BackupState, JobType } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import { sha256Hex } from '../../ports/object-io.ts';
import type { ServiceContext } from '../service-context.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { writeSnapshotRefs } from '../../repository/snapshot-refs-file.ts';
import { uploadItems } from './backup-staging.ts';
import { readInfoSummary } from './info-summary.ts';
import { advance, enterPhase, fence } from '../job-guard.ts';
import { clearStaging } from '../staging.ts';

/**
 * UPLOAD_INFO: writes `__info_<ts>`, the commit point: until it exists the snapshot does not, and once it
 * does, every blob and the metadata it names are already in the repository.
 */
export async function uploadInfo(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.UPLOAD_INFO);
  if (done) return { jobId };
  const repo = await ctx.control.requireRepository(job.repo);
  // What SNAPSHOTING staged of the objects: one small document, not the staged metadata streamed again.
  const summary = await readInfoSummary(ctx.data, jobId);
  const now = ctx.clock.now();
  const info: SnapshotInfo = {
    name: job.label, database: job.db, timestamp: job.timestamp, backup_time: job.createTime, finish_time: now,
    cluster_id: ctx.clusterId, format_version: FORMAT_VERSION, meta: job.backup!.meta!, backup_objects: summary.backup_objects,
    totals: { files: job.totals.files, bytes: job.totals.bytes, blobs: job.backup!.blobs?.count ?? 0 }, backup_result: 'succeed',
    materialized_views: summary.materialized_views,
    views: summary.views,
    functions: summary.functions,
    catalogs: summary.catalogs,
    ...(summary.users ? { users: summary.users, roles: summary.roles ?? [] } : {}),
    ...(job.backup!.compression ? { compression: job.backup!.compression } : {}),
  };
  if (job.backup!.ttl) {
    info.ttl = job.backup!.ttl;
    // A calendar sum from the finish time (4.2's SnapshotTtl.computeExpireTime), so `1 MONTH` is a month.
    info.expire_time = snapshotExpireTime(now, job.backup!.ttl)!;
    // Indexed before the commit point: an expiry entry for a snapshot that never appears is harmless.
    await ctx.control.putExpiry({ repo: repo.name, label: job.label, expireTime: info.expire_time, failures: 0 });
  }
  const store = await openRepository(ctx, repo);
  // The blobs `__meta` names, sorted, for garbage collection: trusted only once the `__info` below vouches
  // for the same `__meta`. The staged uploads are those blobs, as SAVE_META just checked them.
  await writeSnapshotRefs(store, repo.name, job, (async function* () {
    for await (const item of uploadItems(ctx.data, jobId, repo.name)) yield item.sha256;
  })(), info.meta.sha256);
  // The commit point: checked against the lock just before, so a run that was taken over never commits.
  await fence(ctx, job);
  await store.put(layout.info(repo.name, job.label, job.timestamp), seal(info, sha256Hex));
  await advance(ctx, job, BackupState.FINISHED, (j) => { j.times.finished = now; });
  await ctx.control.locks.release(job.db, jobId, job.lockToken);
  await clearStaging(ctx.data, jobId, ctx.workers?.releaseSnapshot);
  return { jobId };
}
