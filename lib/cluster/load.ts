import type { PartitionData, PartitionManifest, SegmentRef, SyncIndexDef, TableDef, TableRecord } from '../domain/catalog-types.ts';
import { TableState } from '../domain/catalog-types.ts';
import { AnalysisError, NotFoundError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import { putJson } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { CatalogStore } from './catalog-store.ts';
import { type Deadline, type DeadlineScope, LoadScope, checkDeadline } from './deadline.ts';
import { emptyManifest, type Lines, linesOf, manifestPath, readManifest, readSegment, type Row, segmentPath, writeSegment } from './segments.ts';

export interface ClusterContext {
  catalog: CatalogStore;
  data: ObjectStore;
  clock: Clock;
  /** The request's deadline, when it has one (the HTTP API in Lambda): loads and scans stop at it. */
  deadline?: Deadline;
}

/** What was routed: partition id -> bucket -> what RowRouter keeps of each row. */
export type Routed<T> = Map<string, Map<number, T[]>>;
export type RoutedRows = Routed<Row>;
/** Rows routed and encoded as segment lines, what a load writes. */
export type RoutedLines = Map<string, Map<number, Lines>>;

/** What was routed, each bucket's list made into lines. */
export function routedLines<T>(routed: Routed<T>, lines: (list: T[]) => Lines): RoutedLines {
  return new Map([...routed].map(([part, buckets]) => [part, new Map([...buckets].map(([bucket, list]) => [bucket, lines(list)]))]));
}

/** Adds lines to a bucket of a batch, after those it holds. */
export function addLines(batch: RoutedLines, partition: string, bucket: number, lines: Lines): void {
  let buckets = batch.get(partition);
  if (!buckets) batch.set(partition, (buckets = new Map()));
  const held = buckets.get(bucket);
  if (!held) buckets.set(bucket, lines);
  else {
    held.texts.push(...lines.texts);
    held.rows += lines.rows;
  }
}

export function refuseWhileRestoring(db: string, rec: TableRecord): void {
  if (rec.state === TableState.RESTORE) {
    throw new AnalysisError(`Table ${db}.${rec.def.name} is being restored (job ${rec.restoreJobId}); loads and DDL wait until the restore ends`);
  }
}

/**
 * Writes new immutable segments, then publishes them with one conditional write of the table record.
 * A load that fails publishes nothing: its segments stay unreferenced and are removed here. A request's
 * deadline is checked before every segment and manifest write and right before the publishing write, so
 * a load it stops is a failed load like any other.
 */
export async function loadRows(
  ctx: ClusterContext, db: string, table: string, routed: RoutedRows, mode: 'append' | 'replace' = 'append', scope: DeadlineScope = LoadScope.ANY,
): Promise<number> {
  return load(ctx, db, table, scope, async (pending) => {
    pending.kept = routed;
    await pending.add(routed, linesOf);
    return mode;
  });
}

/**
 * loadRows for rows that arrive in batches (a file read as a stream): each batch is written as segments
 * while the next one is read, so memory holds two batches and the waits for the disk (every segment is
 * made durable) overlap the parsing; nothing is published before the last, and a batch that fails removes
 * what the batches before it wrote, the one being written included. A load of no rows publishes nothing.
 */
export async function loadBatches(ctx: ClusterContext, db: string, table: string, batches: AsyncIterable<RoutedLines>, scope: DeadlineScope): Promise<number> {
  return load(ctx, db, table, scope, async (pending) => {
    let writing: Promise<void> | undefined;
    try {
      for await (const batch of batches) {
        await writing;
        writing = pending.add(batch, (lines) => lines);
        // Awaited before the next batch or below; a failure meanwhile must not count as unhandled.
        writing.catch(() => undefined);
      }
      await writing;
    } catch (e) {
      // The segments of the batch in flight are known once it ends, so that the load's discard removes them.
      await writing?.catch(() => undefined);
      throw e;
    }
    return pending.rows ? 'append' : undefined;
  });
}

async function load(
  ctx: ClusterContext, db: string, table: string, scope: DeadlineScope, write: (pending: PendingLoad) => Promise<'append' | 'replace' | undefined>,
): Promise<number> {
  const first = await ctx.catalog.requireTable(db, table);
  refuseWhileRestoring(db, first.doc);
  const pending = new PendingLoad(ctx, first.doc.def.id, scope);
  try {
    const mode = await write(pending);
    if (mode) await publish(ctx, db, table, pending, mode, scope);
    return pending.rows;
  } catch (e) {
    await pending.discard();
    throw e;
  }
}

/**
 * The segments of one load: the base rows, and for each synchronous MV its projection of them, written
 * when first needed (an index created while the load runs gets its rows too, at publish time). A load that
 * kept its rows projects them; one that streamed reads its base segments back, one at a time.
 */
class PendingLoad {
  readonly written: SegmentRef[] = [];
  readonly base = new Map<string, Map<number, SegmentRef[]>>();
  private readonly indexes = new Map<string, Map<number, SegmentRef[]>>();
  kept?: RoutedRows;
  rows = 0;

  constructor(private readonly ctx: ClusterContext, private readonly tableId: string, private readonly scope: DeadlineScope) {}

  /** Writes each bucket's rows as a segment, made into lines right before (a load of kept rows encodes one bucket at a time). */
  async add<V>(routed: Map<string, Map<number, V>>, linesOf: (held: V) => Lines): Promise<void> {
    for (const [partitionId, buckets] of routed) {
      let segs = this.base.get(partitionId);
      if (!segs) this.base.set(partitionId, (segs = new Map()));
      for (const [bucket, held] of buckets) {
        const lines = linesOf(held);
        const ref = await this.write(partitionId, bucket, lines);
        const refs = segs.get(bucket);
        if (refs) refs.push(ref); else segs.set(bucket, [ref]);
        this.rows += lines.rows;
      }
    }
  }

  async index(def: TableDef, index: SyncIndexDef, partitionId: string): Promise<Map<number, SegmentRef[]>> {
    const key = `${index.id}/${partitionId}`;
    let segs = this.indexes.get(key);
    if (segs) return segs;
    segs = new Map();
    const cols = indexColumns(def, index);
    const project = (rows: Row[]) => rows.map((r) => cols.map((i) => r[i] ?? null));
    if (this.kept) {
      for (const [bucket, rows] of this.kept.get(partitionId) ?? []) segs.set(bucket, [await this.write(partitionId, bucket, linesOf(project(rows)))]);
    } else {
      for (const [bucket, refs] of this.base.get(partitionId) ?? []) {
        const out: SegmentRef[] = [];
        for (const ref of refs) out.push(await this.write(partitionId, bucket, linesOf(project(await readSegment(this.ctx.data, ref)))));
        segs.set(bucket, out);
      }
    }
    this.indexes.set(key, segs);
    return segs;
  }

  private async write(partitionId: string, bucket: number, lines: Lines): Promise<SegmentRef> {
    checkDeadline(this.ctx, this.scope);
    const ref = await writeSegment(this.ctx.data, segmentPath(this.tableId, partitionId, bucket), lines);
    this.written.push(ref);
    return ref;
  }

  async discard(): Promise<void> {
    await Promise.allSettled(this.written.map((s) => this.ctx.data.delete(s.path)));
  }
}

/**
 * `replace` (an MV refresh) publishes exactly the new rows in every partition, in the same one write
 * (CatalogStore.changeTable: a lost race is tried again on a fresh read, under the one bounded policy). An
 * attempt that fails removes the manifests it wrote, as does the next attempt those of the one that lost.
 */
async function publish(ctx: ClusterContext, db: string, table: string, load: PendingLoad, mode: 'append' | 'replace', scope: DeadlineScope): Promise<void> {
  const manifests: string[] = [];
  const discard = async () => { await Promise.allSettled(manifests.splice(0).map((m) => ctx.data.delete(m))); };
  try {
    await ctx.catalog.changeTable(db, table, async (rec) => {
      await discard();
      if (!rec) throw new NotFoundError(`Unknown table '${db}.${table}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
      refuseWhileRestoring(db, rec);
      const touched = mode === 'replace' ? rec.def.partitioning.partitions.map((p) => p.id) : [...load.base.keys()];
      for (const partitionId of touched) {
        const segs = load.base.get(partitionId) ?? new Map<number, SegmentRef[]>();
        const old = rec.data[partitionId];
        const base: PartitionManifest = old?.manifest && mode === 'append'
          ? await readManifest(ctx.data, old.manifest)
          : emptyManifest(rec.def.id, partitionId, rec.def.distribution.buckets);
        const version = (old?.version ?? 1) + 1;
        const next: PartitionManifest = { ...structuredClone(base), version };
        for (const [bucket, refs] of segs) next.tablets[bucket]!.segments.push(...refs);
        for (const index of rec.def.indexes ?? []) {
          next.indexes ??= {};
          const tablets = (next.indexes[index.name] ??= emptyManifest(rec.def.id, partitionId, rec.def.distribution.buckets).tablets);
          for (const [bucket, refs] of await load.index(rec.def, index, partitionId)) tablets[bucket]!.segments.push(...refs);
        }
        const key = manifestPath(rec.def.id, partitionId, version);
        checkDeadline(ctx, scope);
        await putJson(ctx.data, key, next);
        manifests.push(key);
        rec.data[partitionId] = summarize(next, key, ctx.clock.now());
      }
      // The last moment to stop: past the catalog write the rows are visible.
      checkDeadline(ctx, scope);
      return rec;
    });
  } catch (e) {
    await discard();
    throw e;
  }
}

/** Positions in base rows of a synchronous MV's columns. */
export function indexColumns(def: TableDef, index: SyncIndexDef): number[] {
  return index.columns.map((n) => def.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase()));
}

export function summarize(m: PartitionManifest, key: string, now: number): PartitionData {
  let rows = 0, bytes = 0, segments = 0;
  for (const t of m.tablets) for (const s of t.segments) { rows += s.rows; bytes += s.size; segments++; }
  const data: PartitionData = { version: m.version, manifest: key, rows, bytes, segments, versionTime: now };
  for (const [name, tablets] of Object.entries(m.indexes ?? {})) {
    (data.indexRows ??= {})[name] = tablets.reduce((n, t) => n + t.segments.reduce((k, s) => k + s.rows, 0), 0);
  }
  return data;
}
