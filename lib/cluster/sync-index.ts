import type { PartitionManifest, SegmentRef, SyncIndexDef } from '../domain/catalog-types.ts';
import { AlreadyExistsError, NotFoundError } from '../domain/errors.ts';
import { putJson } from '../ports/object-io.ts';
import { checkDeadline } from './deadline.ts';
import { type ClusterContext, indexColumns, refuseWhileRestoring, summarize } from './load.ts';
import { linesOf, manifestPath, readManifest, readSegment, segmentPath, writeSegment } from './segments.ts';

/** What a deadline stop of CREATE MATERIALIZED VIEW says (the rebuild reads and writes the whole table). */
const SCOPE = {
  what: 'CREATE MATERIALIZED VIEW',
  outcome: 'Nothing was added: the index segments it had written were removed',
  advice: 'the table holds more rows than one request can rebuild; create the view while the table is small, and later loads fill it',
} as const;

/**
 * Adds a synchronous MV to a table: builds its tablets from the rows already loaded (one index segment per
 * base tablet), and publishes the index and every rebuilt manifest with one conditional write. Later
 * loads fill the index as they fill the table. An attempt that fails (a lost race, a storage error, the
 * request's deadline, checked before every write) removes what it wrote; a lost race is tried again under
 * the one bounded policy of RecordTable.update.
 */
export async function addSyncIndex(ctx: ClusterContext, db: string, table: string, index: SyncIndexDef): Promise<void> {
  const written: string[] = [];
  const discard = async () => { await Promise.allSettled(written.splice(0).map((k) => ctx.data.delete(k))); };
  try {
    await ctx.catalog.changeTable(db, table, async (rec) => {
      await discard(); // what an attempt that lost the race wrote
      if (!rec) throw new NotFoundError(`Unknown table '${db}.${table}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
      refuseWhileRestoring(db, rec);
      if (rec.def.indexes?.some((i) => i.name === index.name)) throw new AlreadyExistsError(`Materialized view ${index.name} already exists on table ${table}`);
      rec.def.indexes = [...(rec.def.indexes ?? []), index];
      const cols = indexColumns(rec.def, index);
      for (const [partitionId, data] of Object.entries(rec.data)) {
        if (!data.manifest) continue;
        const m = await readManifest(ctx.data, data.manifest);
        const tablets = [];
        for (const t of m.tablets) {
          const segments: SegmentRef[] = [];
          const rows = (await Promise.all(t.segments.map((s) => readSegment(ctx.data, s)))).flat();
          if (rows.length) {
            checkDeadline(ctx, SCOPE);
            const ref = await writeSegment(ctx.data, segmentPath(rec.def.id, partitionId, t.bucket), linesOf(rows.map((r) => cols.map((i) => r[i] ?? null))));
            written.push(ref.path);
            segments.push(ref);
          }
          tablets.push({ bucket: t.bucket, segments });
        }
        const next: PartitionManifest = { ...m, version: m.version + 1, indexes: { ...(m.indexes ?? {}), [index.name]: tablets } };
        const key = manifestPath(rec.def.id, partitionId, next.version);
        checkDeadline(ctx, SCOPE);
        await putJson(ctx.data, key, next);
        written.push(key);
        rec.data[partitionId] = summarize(next, key, ctx.clock.now());
      }
      checkDeadline(ctx, SCOPE);
      return rec;
    });
  } catch (e) {
    await discard();
    throw e;
  }
}

/** Removes a synchronous MV from its table's definition; its segments stop being read or backed up. */
export function dropSyncIndex(ctx: ClusterContext, db: string, table: string, name: string): Promise<void> {
  return ctx.catalog.updateTable(db, table, (rec) => {
    refuseWhileRestoring(db, rec);
    rec.def.indexes = (rec.def.indexes ?? []).filter((i) => i.name !== name);
    if (!rec.def.indexes.length) delete rec.def.indexes;
  });
}
