import type { PartitionManifest } from '../../domain/catalog-types.ts';
import { JobType, RestoreState } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import { manifestPath } from '../../cluster/segments.ts';
import { summarize } from '../../cluster/load.ts';
import { mapBounded } from '../../domain/map-bounded.ts';
import { putJson } from '../../ports/object-io.ts';
import type { ServiceContext } from '../service-context.ts';
import { advance, enterPhase } from '../job-guard.ts';
import type { RestoreCommit, RestorePlan } from './restore-plan.ts';
import { readDownload } from './download-lines.ts';
import { readStagingDoc, writeStagingDoc } from '../staging.ts';

const MANIFEST_WRITES = 16;

/** COMMIT: writes the immutable manifests of every restored partition. Still nothing visible changes. */
export async function restoreCommit(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.RESTORE, RestoreState.COMMIT);
  if (done) return { jobId };
  await advance(ctx, job, RestoreState.COMMIT, (j) => { j.times.downloadFinished = ctx.clock.now(); });
  const plan = await readStagingDoc<RestorePlan>(ctx.data, jobId, 'plan');
  const commit: RestoreCommit = { tables: plan.tables.map((tp) => ({ name: tp.name, partitions: [] })) };
  const planned = new Map(plan.tables.map((tp, i) => [tp.name, { tp, out: commit.tables[i]! }]));
  const manifests: { key: string; manifest: PartitionManifest }[] = [];
  // The staged partitions come one at a time, in the snapshot's order (each lands in its table's entry).
  for await (const part of readDownload(ctx.data, jobId)) {
    const { tp, out } = planned.get(part.table)!;
    const p = tp.partitions.find((x) => x.targetId === part.targetId)!;
    const manifest: PartitionManifest = {
      tableId: tp.def.id, partitionId: p.targetId, version: p.version,
      tablets: part.tablets.map((segments, bucket) => ({ bucket, segments })),
    };
    for (const [name, tablets] of Object.entries(part.indexes ?? {})) {
      (manifest.indexes ??= {})[name] = tablets.map((segments, bucket) => ({ bucket, segments }));
    }
    const key = manifestPath(tp.def.id, p.targetId, p.version, `r-${jobId}`);
    manifests.push({ key, manifest });
    const { rows, bytes, segments, indexRows } = summarize(manifest, key, 0);
    const summary = { version: p.version, manifest: key, rows, bytes, segments, ...(indexRows && { indexRows }) };
    out.partitions.push({ targetId: p.targetId, manifest: key, version: p.version, summary });
  }
  // The list goes to staging before the manifests, so a roll-back after a crash in between finds them all.
  await writeStagingDoc(ctx.data, jobId, 'commit', commit);
  // Each manifest waits for its own fsyncs (file and folder): written 16 at a time, not one after another.
  await mapBounded(manifests, MANIFEST_WRITES, ({ key, manifest }) => putJson(ctx.data, key, manifest));
  await advance(ctx, job, RestoreState.COMMITTING);
  return { jobId };
}
