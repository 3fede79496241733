import type { SegmentRef } from '../../domain/catalog-types.ts';
import { Compression } from '../../domain/compression.ts';
import { layout } from '../../domain/repository-layout.ts';
import { JobType, RestoreState } from '../../domain/states.ts';
import type { JobRef, PlanOutput } from '../../domain/workflow.ts';
import type { ServiceContext } from '../service-context.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { advance, enterPhase } from '../job-guard.ts';
import type { RestorePlan, RestoreTablePlan } from './restore-plan.ts';
import type { SnapshotTable, SnapshotTablet } from '../../domain/snapshot-types.ts';
import { type DownloadPartition, downloadKey, readTransfers, transfersKey } from './download-lines.ts';
import { readInfo } from '../../repository/snapshot-reader.ts';
import { readMetaTables } from '../../repository/meta-stream.ts';
import { readStagingDoc, writeBatches, writeStagingDoc } from '../staging.ts';
import { type LineWriter, writeLineDocs } from '../staging-lines.ts';

/**
 * DOWNLOAD: names a new segment file in the target cluster for every blob the restored partitions need
 * (one file per distinct blob of a table) and splits the copies into batches for DOWNLOADING.
 */
export async function restoreDownload(ctx: ServiceContext, { jobId }: JobRef): Promise<PlanOutput> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.RESTORE, RestoreState.DOWNLOAD);
  if (done) return { jobId, batches: job.state === RestoreState.DOWNLOADING ? await readStagingDoc(ctx.data, jobId, 'batches') : [] };
  const repo = await ctx.control.requireRepository(job.repo);
  const store = await openRepository(ctx, repo);
  const info = await readInfo(store, repo, job.label, job.timestamp);
  // The form this snapshot wrote is read first; a blob it shares with an older snapshot may be in the other.
  const blobOf = info.compression === Compression.ZSTD ? layout.compressedBlob : layout.blob;
  const plan = await readStagingDoc<RestorePlan>(ctx.data, jobId, 'plan');
  let files = 0, bytes = 0;
  const bySource = new Map<string, RestorePlan['tables']>();
  for (const tp of plan.tables) bySource.set(tp.sourceName, [...(bySource.get(tp.sourceName) ?? []), tp]);
  // `__meta` is streamed, a table at a time, in the snapshot's order; each partition's line and each copy are
  // written as placed: nothing gathers into one document or array. A damaged `__meta` is found at its end,
  // and the lines are then not written at all.
  await writeLineDocs(ctx.data, [downloadKey(jobId), transfersKey(jobId)], async ([out, copies]) => {
    await readMetaTables(store, repo, info, async (snap) => {
      for (const tp of bySource.get(snap.def.name) ?? []) {
        const placed = await placeTable(snap, tp, jobId, out!, copies!);
        files += placed.files;
        bytes += placed.bytes;
      }
    });
  });
  const batches = await writeBatches(ctx.data, jobId, readTransfers(ctx.data, jobId, (sha) => blobOf(repo.name, sha)), { files, bytes }, ctx.batch);
  await writeStagingDoc(ctx.data, jobId, 'batches', batches);
  await advance(ctx, job, RestoreState.DOWNLOADING, (j) => { j.totals = { files, bytes }; });
  return { jobId, batches };
}

/** Names a new segment file for each blob a restored table's partitions need (once per blob per table). */
async function placeTable(snap: SnapshotTable, tp: RestoreTablePlan, jobId: string, out: LineWriter, copies: LineWriter) {
  const byBlob = new Map<string, string>();
  let files = 0, bytes = 0;
  for (const p of tp.partitions) {
    const sp = snap.partitions.find((x) => x.name === p.name)!;
    const fresh: [string, string, number][] = [];
    const place = (tablets: SnapshotTablet[]) => tablets.map((t) =>
      t.segments.map((s): SegmentRef => {
        let path = byBlob.get(s.sha256);
        if (!path) {
          path = `data/${tp.def.id}/${p.targetId}/${t.bucket}/r-${jobId}-${byBlob.size}.seg`;
          byBlob.set(s.sha256, path);
          fresh.push([path, s.sha256, s.size]);
          files++;
          bytes += s.size;
        }
        return { path, size: s.size, sha256: s.sha256, rows: s.rows };
      }),
    );
    const line: DownloadPartition = { table: tp.name, targetId: p.targetId, tablets: place(sp.tablets) };
    for (const [name, tablets] of Object.entries(sp.indexes ?? {})) (line.indexes ??= {})[name] = place(tablets);
    await out.write(line);
    for (const copy of fresh) await copies.write(copy);
  }
  return { files, bytes };
}
