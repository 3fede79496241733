import { NotFoundError } from '../../domain/errors.ts';
import type { SnapshotInfo, SnapshotTable } from '../../domain/snapshot-types.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { readStagingDoc, writeStagingDoc } from '../staging.ts';
import { accountNames } from '../../access/account-snapshot.ts';
import { type MetaHeader, metaTables, readStagedMeta } from './backup-staging.ts';

/**
 * What `__info` says of the snapshot's objects: each table's partitions (version, and the rows, bytes and files
 * of its segments), and the names of its materialized views, views, functions and external catalogs.
 * SNAPSHOTING stages it as it pins the partitions, so UPLOAD_INFO reads this one document instead of streaming
 * the whole staged metadata, every segment of it, again.
 */
export type InfoSummary = Required<Pick<SnapshotInfo, 'backup_objects' | 'materialized_views' | 'views' | 'functions' | 'catalogs'>>
  & Pick<SnapshotInfo, 'users' | 'roles'>;

const DOC = 'info-summary';

/** Collects the summary table by table, in the order the tables are staged. */
export function infoSummary(header: MetaHeader): { add(table: SnapshotTable): void; done(): InfoSummary } {
  const objects: InfoSummary['backup_objects'] = {};
  const materializedViews: string[] = [];
  return {
    add(t) {
      if (t.def.type === 'MATERIALIZED_VIEW') materializedViews.push(t.def.name);
      const partitions: InfoSummary['backup_objects'][string]['partitions'] = {};
      for (const p of t.partitions) {
        const segs = p.tablets.flatMap((x) => x.segments);
        partitions[p.name] = { version: p.version, rows: segs.reduce((n, s) => n + s.rows, 0), bytes: segs.reduce((n, s) => n + s.size, 0), files: segs.length };
      }
      objects[t.def.name] = { partitions };
    },
    done: () => ({
      backup_objects: objects,
      materialized_views: materializedViews,
      views: header.views.map((v) => v.name),
      functions: [...new Set(header.functions.map((f) => f.name))],
      catalogs: header.catalogs.map((c) => c.name),
      ...(header.accounts ? accountNames(header.accounts) : {}),
    }),
  };
}

export async function stageInfoSummary(store: ObjectStore, jobId: string, summary: InfoSummary): Promise<void> {
  await writeStagingDoc(store, jobId, DOC, summary);
}

/**
 * The staged summary. A job that reached SNAPSHOTING under an earlier release staged none: its summary is
 * made from the staged metadata, as UPLOAD_INFO used to.
 */
export async function readInfoSummary(store: ObjectStore, jobId: string): Promise<InfoSummary> {
  try {
    return await readStagingDoc<InfoSummary>(store, jobId, DOC);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  const { header, tableLines } = await readStagedMeta(store, jobId);
  const summary = infoSummary(header);
  for await (const t of metaTables(tableLines)) summary.add(t);
  return summary.done();
}
