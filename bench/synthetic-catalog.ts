import { createHash } from 'node:crypto';
import type { PartitionManifest, SegmentRef } from '../lib/domain/catalog-types.ts';
import { manifestPath } from '../lib/cluster/segments.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import { putJson } from '../lib/ports/object-io.ts';
import { runScript } from '../bin/run-script.ts';

/**
 * Catalog entries without data: `segments` segment references spread over tables of 10 partitions of 4
 * buckets, each partition pointing at a manifest of made-up segments. Only planning reads them (the
 * files do not exist), which is what the planning benchmark measures at a million segments.
 */
export const SYNTHETIC = { partitions: 10, buckets: 4, segmentsPerPartition: 1000 } as const;

export async function createSyntheticCatalog(ctx: ServiceContext, db: string, segments: number): Promise<{ tables: number; segments: number }> {
  const perPartition = Math.min(SYNTHETIC.segmentsPerPartition, Math.max(1, Math.ceil(segments / SYNTHETIC.partitions)));
  const tables = Math.ceil(segments / (perPartition * SYNTHETIC.partitions));
  const parts = Array.from({ length: SYNTHETIC.partitions }, (_, p) => `PARTITION p${p} VALUES LESS THAN ("${(p + 1) * 10}")`).join(', ');
  const ddl = Array.from({ length: tables }, (_, t) =>
    `CREATE TABLE ${db}.t${t} (k BIGINT, part INT) DUPLICATE KEY (k) PARTITION BY RANGE (part) (${parts}) DISTRIBUTED BY HASH (k) BUCKETS ${SYNTHETIC.buckets}`);
  const failed = (await runScript(ctx, `CREATE DATABASE ${db}; ${ddl.join('; ')}`)).find((o) => o.error);
  if (failed) throw new Error(failed.error!.message);
  let n = 0;
  for (let t = 0; t < tables; t++) {
    const rec = (await ctx.catalog.requireTable(db, `t${t}`)).doc;
    const data: typeof rec.data = {};
    for (const p of rec.def.partitioning.partitions) {
      const count = Math.min(perPartition, segments - n);
      if (count <= 0) break;
      const tablets = Array.from({ length: SYNTHETIC.buckets }, (_, bucket) => ({ bucket, segments: [] as SegmentRef[] }));
      for (let i = 0; i < count; i++, n++) {
        const sha256 = createHash('sha256').update(`segment ${n}`).digest('hex');
        tablets[i % SYNTHETIC.buckets]!.segments.push({ path: `data/${rec.def.id}/${p.id}/${i % SYNTHETIC.buckets}/${sha256.slice(0, 26)}.seg`, size: 1 << 20, sha256, rows: 1000 });
      }
      const manifest: PartitionManifest = { tableId: rec.def.id, partitionId: p.id, version: 2, tablets };
      const key = manifestPath(rec.def.id, p.id, 2);
      await putJson(ctx.data, key, manifest);
      data[p.id] = { version: 2, manifest: key, rows: count * 1000, bytes: count << 20, segments: count, versionTime: Date.now() };
    }
    await ctx.catalog.updateTable(db, `t${t}`, (r) => { r.data = data; });
  }
  return { tables, segments: n };
}
