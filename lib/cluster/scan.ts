import type { PartitionSpec, TableRecord } from '../domain/catalog-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { readManifest, readSegment, type Row } from './segments.ts';

/** The partitions a query reads: all, or those named in `PARTITION (…)`, in definition order. */
export function selectPartitions(rec: TableRecord, names?: string[]): PartitionSpec[] {
  const all = rec.def.partitioning.partitions;
  if (!names) return all;
  return names.map((n) => {
    const p = all.find((s) => s.name.toLowerCase() === n.toLowerCase());
    if (!p) throw new AnalysisError(`Unknown partition '${n}' in table '${rec.def.name}'`, { mysqlCode: 'ERR_NO_SUCH_PARTITION' });
    return p;
  });
}

export function countRows(rec: TableRecord, partitions: PartitionSpec[]): number {
  return partitions.reduce((n, p) => n + (rec.data[p.id]?.rows ?? 0), 0);
}

/**
 * Reads rows at the versions the record points to; stops early once `limit` rows are in hand. `beforeEach`
 * runs before every manifest and segment read (a request's deadline check).
 */
export async function scanRows(
  store: ObjectStore, rec: TableRecord, partitions: PartitionSpec[], limit?: number, beforeEach: () => void = () => undefined,
): Promise<Row[]> {
  const out: Row[] = [];
  for (const p of partitions) {
    const key = rec.data[p.id]?.manifest;
    if (!key) continue;
    beforeEach();
    const manifest = await readManifest(store, key);
    for (const tablet of manifest.tablets) {
      for (const seg of tablet.segments) {
        if (limit !== undefined && out.length >= limit) return out;
        beforeEach();
        out.push(...(await readSegment(store, seg)));
      }
    }
  }
  return limit === undefined ? out : out.slice(0, limit);
}
