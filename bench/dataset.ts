import { randomBytes } from 'node:crypto';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { runScript } from '../bin/run-script.ts';
import { loadRows } from '../lib/cluster/load.ts';
import { buildRows } from '../lib/cluster/row-builder.ts';

/**
 * The benchmark's data: `tables` tables of `partitions` range partitions, filled by `files` loads of about
 * `sizeMb / files` MiB each, so every load writes one segment file (one bucket per partition). Rows carry
 * random text so segments do not compress or deduplicate by accident.
 */
export interface DatasetOptions {
  sizeMb: number;
  files: number;
  tables: number;
  partitions: number;
}

const ROW_TEXT = 900;

export async function createDataset(home: string, o: DatasetOptions): Promise<{ bytes: number; segments: number }> {
  const embedded = await openEmbedded(home);
  const ctx = embedded.ctx;
  try {
    const parts = Array.from({ length: o.partitions }, (_, p) => `PARTITION p${p} VALUES LESS THAN ("${(p + 1) * 1000}")`).join(', ');
    const ddl = Array.from({ length: o.tables }, (_, t) =>
      `CREATE TABLE bench.t${t} (k BIGINT NOT NULL, part INT NOT NULL, payload STRING) DUPLICATE KEY (k) PARTITION BY RANGE (part) (${parts}) DISTRIBUTED BY HASH (k) BUCKETS 1`);
    const out = await runScript(ctx, `CREATE DATABASE IF NOT EXISTS bench; CREATE DATABASE IF NOT EXISTS empty_db; ${ddl.join('; ')}`);
    const failed = out.find((x) => x.error);
    if (failed && !/already exists/.test(failed.error!.message)) throw new Error(failed.error!.message);
    return await addLoads(embedded.ctx, o, 0, o.files);
  } finally {
    await embedded.close();
  }
}

/** Loads number `from` to `to - 1`; each goes to table `i % tables`, partition `(i / tables) % partitions`. */
export async function addLoads(ctx: Awaited<ReturnType<typeof openEmbedded>>['ctx'], o: DatasetOptions, from: number, to: number) {
  const perFile = Math.max(1, Math.floor((o.sizeMb * 1024 * 1024) / o.files / (ROW_TEXT + 40)));
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const table = `t${i % o.tables}`;
    const part = Math.floor(i / o.tables) % o.partitions;
    const rec = (await ctx.catalog.requireTable('bench', table)).doc;
    const rows = Array.from({ length: perFile }, (_, r) => [String(i * perFile + r), String(part * 1000 + 1), randomBytes(ROW_TEXT / 2).toString('hex')]);
    await loadRows(ctx, 'bench', table, buildRows(rec.def, undefined, rows));
    bytes += perFile * (ROW_TEXT + 40);
  }
  return { bytes, segments: to - from };
}
