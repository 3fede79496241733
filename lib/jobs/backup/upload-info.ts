import { seal } from '../../domain/envelope.ts';
import { FORMAT_VERSION, layout } from '../../domain/repository-layout.ts';
import type { SnapshotInfo } from '../../domain/snapshot-types.ts';
import { BackupState, JobType } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import { sha256Hex } from '../../ports/object-io.ts';
import type { ServiceContext } from '../service-context.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { metaTables, readStagedMeta } from './backup-staging.ts';
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
  const { header, tableLines } = await readStagedMeta(ctx.data, jobId);
  const now = ctx.clock.now();
  const objects: SnapshotInfo['backup_objects'] = {};
  const materializedViews: string[] = [];
  for await (const t of metaTables(tableLines)) {
    if (t.def.type === 'MATERIALIZED_VIEW') materializedViews.push(t.def.name);
    const partitions: SnapshotInfo['backup_objects'][string]['partitions'] = {};
    for (const p of t.partitions) {
      const segs = p.tablets.flatMap((x) => x.segments);
      partitions[p.name] = { version: p.version, rows: segs.reduce((n, s) => n + s.rows, 0), bytes: segs.reduce((n, s) => n + s.size, 0), files: segs.length };
    }
    objects[t.def.name] = { partitions };
  }
  const info: SnapshotInfo = {
    name: job.label, database: job.db, timestamp: job.timestamp, backup_time: job.createTime, finish_time: now,
    cluster_id: ctx.clusterId, format_version: FORMAT_VERSION, meta: job.backup!.meta!, backup_objects: objects,
    totals: { files: job.totals.files, bytes: job.totals.bytes, blobs: job.backup!.blobs?.count ?? 0 }, backup_result: 'succeed',
    materialized_views: materializedViews,
    views: header.views.map((v) => v.name),
    functions: [...new Set(header.functions.map((f) => f.name))],
    catalogs: header.catalogs.map((c) => c.name),
  };
  if (job.backup!.ttl) {
    info.ttl = job.backup!.ttl;
    info.expire_time = now + job.backup!.ttlMs!;
    // Indexed before the commit point: an expiry entry for a snapshot that never appears is harmless.
    await ctx.control.putExpiry({ repo: repo.name, label: job.label, expireTime: info.expire_time, failures: 0 });
  }
  // The commit point: checked against the lock just before, so a run that was taken over never commits.
  await fence(ctx, job);
  await (await openRepository(ctx, repo)).put(layout.info(repo.name, job.label, job.timestamp), seal(info, sha256Hex));
  await advance(ctx, job, BackupState.FINISHED, (j) => { j.times.finished = now; });
  await ctx.control.locks.release(job.db, jobId, job.lockToken);
  await clearStaging(ctx.data, jobId);
  return { jobId };
}
