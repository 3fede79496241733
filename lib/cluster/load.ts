import type { PartitionData, PartitionManifest, SegmentRef, TableRecord } from '../domain/catalog-types.ts';
import { TableState } from '../domain/catalog-types.ts';
import { AnalysisError, ConditionFailedError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import { putJson } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { CatalogStore } from './catalog-store.ts';
import { emptyManifest, manifestPath, readManifest, type Row, segmentPath, writeSegment } from './segments.ts';

export interface ClusterContext {
  catalog: CatalogStore;
  data: ObjectStore;
  clock: Clock;
}

/** Rows already routed: partition id -> bucket -> rows. */
export type RoutedRows = Map<string, Map<number, Row[]>>;

const PUBLISH_ATTEMPTS = 8;

export function refuseWhileRestoring(db: string, rec: TableRecord): void {
  if (rec.state === TableState.RESTORE) {
    throw new AnalysisError(`Table ${db}.${rec.def.name} is being restored (job ${rec.restoreJobId}); loads and DDL wait until the restore ends`);
  }
}

/**
 * Writes new immutable segments, then publishes them with one conditional write of the table record.
 * A load that fails publishes nothing: its segments stay unreferenced and are removed here.
 */
export async function loadRows(ctx: ClusterContext, db: string, table: string, routed: RoutedRows, mode: 'append' | 'replace' = 'append'): Promise<number> {
  const first = await ctx.catalog.requireTable(db, table);
  refuseWhileRestoring(db, first.doc);
  const written: SegmentRef[] = [];
  const fresh = new Map<string, Map<number, SegmentRef>>();
  let rows = 0;
  try {
    for (const [partitionId, buckets] of routed) {
      const segs = new Map<number, SegmentRef>();
      for (const [bucket, bucketRows] of buckets) {
        const ref = await writeSegment(ctx.data, segmentPath(first.doc.def.id, partitionId, bucket), bucketRows);
        written.push(ref);
        segs.set(bucket, ref);
        rows += bucketRows.length;
      }
      fresh.set(partitionId, segs);
    }
    await publish(ctx, db, table, fresh, mode);
    return rows;
  } catch (e) {
    await Promise.allSettled(written.map((s) => ctx.data.delete(s.path)));
    throw e;
  }
}

/** `replace` (an MV refresh) publishes exactly the new rows in every partition, in the same one write. */
async function publish(ctx: ClusterContext, db: string, table: string, fresh: Map<string, Map<number, SegmentRef>>, mode: 'append' | 'replace'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.catalog.requireTable(db, table);
    const rec = structuredClone(current.doc);
    refuseWhileRestoring(db, rec);
    const manifests: string[] = [];
    const touched = mode === 'replace' ? rec.def.partitioning.partitions.map((p) => p.id) : [...fresh.keys()];
    for (const partitionId of touched) {
      const segs = fresh.get(partitionId) ?? new Map<number, SegmentRef>();
      const old = rec.data[partitionId];
      const base: PartitionManifest = old?.manifest && mode === 'append'
        ? await readManifest(ctx.data, old.manifest)
        : emptyManifest(rec.def.id, partitionId, rec.def.distribution.buckets);
      const version = (old?.version ?? 1) + 1;
      const next: PartitionManifest = { ...base, version, tablets: base.tablets.map((t) => ({ ...t, segments: [...t.segments] })) };
      for (const [bucket, ref] of segs) next.tablets[bucket]!.segments.push(ref);
      const key = manifestPath(rec.def.id, partitionId, version);
      await putJson(ctx.data, key, next);
      manifests.push(key);
      rec.data[partitionId] = summarize(next, key, ctx.clock.now());
    }
    try {
      await ctx.catalog.replaceTable(db, rec, current.version);
      return;
    } catch (e) {
      await Promise.allSettled(manifests.map((m) => ctx.data.delete(m)));
      if (!(e instanceof ConditionFailedError) || attempt >= PUBLISH_ATTEMPTS) throw e;
    }
  }
}

export function summarize(m: PartitionManifest, key: string, now: number): PartitionData {
  let rows = 0, bytes = 0, segments = 0;
  for (const t of m.tablets) for (const s of t.segments) { rows += s.rows; bytes += s.size; segments++; }
  return { version: m.version, manifest: key, rows, bytes, segments, versionTime: now };
}
