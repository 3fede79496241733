import type { SegmentRef } from '../../domain/catalog-types.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { SnapshotTable } from '../../domain/snapshot-types.ts';
import { BackupState, JobType } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import { readManifest } from '../../cluster/segments.ts';
import { functionSignature } from '../../cluster/catalog-store.ts';
import type { ServiceContext } from '../service-context.ts';
import { advance, enterPhase } from '../job-guard.ts';
import { type MetaHeader, type UploadLine, backupStaging } from './backup-staging.ts';
import { writeLineDocs } from '../staging-lines.ts';
import { infoSummary, stageInfoSummary } from './info-summary.ts';
import { DEFAULT_PHASE_WORKERS, mapBounded } from '../bounded.ts';
import { collectAccounts } from '../../access/account-snapshot.ts';

/**
 * SNAPSHOTING: pins each partition at its current version. Segments are immutable, so the manifest a
 * version points to is a consistent snapshot at no cost, and rows loaded later are not in it. Besides the
 * metadata and the uploads, it stages what `__info` will say of each object, so UPLOAD_INFO reads no more.
 */
export async function backupSnapshoting(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.SNAPSHOTING);
  if (done) return { jobId };
  const b = job.backup!;
  // The small parts first: they are checked before anything is staged, and make the header line.
  const views = b.views?.length ? (await ctx.catalog.listViews(job.db)).filter((v) => b.views!.includes(v.name)) : [];
  const functions = b.functions?.length ? (await ctx.catalog.listFunctions(job.db)).filter((f) => b.functions!.includes(functionSignature(f))) : [];
  const catalogs = b.catalogs?.length
    ? (await ctx.catalog.listCatalogs()).filter((c) => b.catalogs!.includes(c.name)).map((c) => ({ ...c, sealedBy: ctx.clusterId }))
    : [];
  for (const v of b.views ?? []) if (!views.some((x) => x.name === v)) throw new NotFoundError(`view ${v} has been dropped`);
  for (const c of b.catalogs ?? []) if (!catalogs.some((x) => x.name === c)) throw new NotFoundError(`external catalog ${c} has been dropped`);
  const header: MetaHeader = { database: job.db, views, functions, catalogs, ...(b.accounts ? { accounts: await collectAccounts(ctx.catalog.table) } : {}) };
  const summary = infoSummary(header);
  // A segment's sha256 is all that is kept per segment: tables are written out one at a time.
  const seen = new Set<string>();
  let files = 0, bytes = 0, blobBytes = 0;
  await writeLineDocs(ctx.data, [backupStaging.meta(jobId), backupStaging.uploads(jobId)], async ([meta, uploads]) => {
    await meta!.write(header);
    for (const obj of b.objects) {
      const rec = await ctx.catalog.getTable(job.db, obj.table);
      if (!rec) throw new NotFoundError(`table ${obj.table} has been dropped`);
      const def = structuredClone(rec.doc.def);
      const wanted = def.partitioning.partitions.filter((p) => !obj.partitions || obj.partitions.includes(p.name));
      def.partitioning.partitions = wanted;
      const table: SnapshotTable = { def, partitions: [] };
      const lines: UploadLine[] = [];
      // A table's manifests are read together (they are small, and one read after another added up), at
      // most make_snapshot_worker_count at once: StarRocks' BE takes its snapshots with that many threads.
      const manifests = await mapBounded(wanted, ctx.workers?.makeSnapshot ?? DEFAULT_PHASE_WORKERS, async (p) => {
        const key = rec.doc.data[p.id]?.manifest;
        return key ? readManifest(ctx.data, key) : undefined;
      });
      for (const [i, p] of wanted.entries()) {
        const data = rec.doc.data[p.id];
        const manifest = manifests[i];
        const pin = (source: { segments: SegmentRef[] }[] | undefined) => Array.from({ length: def.distribution.buckets }, (_, bucket) => {
          const segs: SegmentRef[] = source?.[bucket]?.segments ?? [];
          for (const s of segs) {
            files++;
            bytes += s.size;
            if (seen.has(s.sha256)) continue;
            seen.add(s.sha256);
            blobBytes += s.size;
            lines.push([s.path, s.sha256, s.size]);
          }
          return { bucket, segments: segs.map((s) => ({ sha256: s.sha256, size: s.size, rows: s.rows })) };
        });
        const part: SnapshotTable['partitions'][number] = { name: p.name, version: data?.version ?? 1, tablets: pin(manifest?.tablets) };
        for (const index of def.indexes ?? []) (part.indexes ??= {})[index.name] = pin(manifest?.indexes?.[index.name]);
        table.partitions.push(part);
      }
      await meta!.write(table);
      summary.add(table);
      for (const line of lines) await uploads!.write(line);
    }
  });
  await stageInfoSummary(ctx.data, jobId, summary.done());
  await advance(ctx, job, BackupState.UPLOAD_SNAPSHOT, (j) => {
    j.times.snapshotFinished = ctx.clock.now();
    j.totals = { files, bytes };
    j.backup!.blobs = { count: seen.size, bytes: blobBytes };
  });
  return { jobId };
}
