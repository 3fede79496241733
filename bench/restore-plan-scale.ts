/**
 * The restore planning benchmark: `node --import tsx bench/restore-plan-scale.ts <dir> <segments>`. A setup
 * process writes a snapshot of that many made-up segments (SYNTHETIC's shape: tables of 10 partitions of 4
 * buckets, 1,000 segments a partition); a second process, whose peak RSS is the figure, runs a RESTORE of it
 * through the real state machine up to the end of planning (SNAPSHOTING and DOWNLOAD), then cancels it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { runScript } from '../bin/run-script.ts';
import { seal, unseal } from '../lib/domain/envelope.ts';
import { layout } from '../lib/domain/repository-layout.ts';
import type { SnapshotInfo, SnapshotMeta, SnapshotTable } from '../lib/domain/snapshot-types.ts';
import { getText, listAll, sha256Hex } from '../lib/ports/object-io.ts';
import { openRepository } from '../lib/repository/repository-context.ts';
import { SYNTHETIC } from './synthetic-catalog.ts';

export interface RestorePlanResult { segments: number; tables: number; planSeconds: number; jobState: string; stagingLeft: number; maxRssMB: number }

async function must(ctx: Parameters<typeof runScript>[0], sql: string) {
  const failed = (await runScript(ctx, sql)).find((o) => o.error && !/user cancelled/.test(o.error.message));
  if (failed) throw new Error(`${failed.statement}: ${failed.error!.message}`);
}

/** Backs up one empty table of the synthetic shape, then rewrites its snapshot as `segments` segments over many copies of it. */
export async function writeSyntheticSnapshot(dir: string, segments: number): Promise<number> {
  const e = await openEmbedded(join(dir, 'home'));
  try {
    mkdirSync(join(dir, 'repo'), { recursive: true });
    const parts = Array.from({ length: SYNTHETIC.partitions }, (_, p) => `PARTITION p${p} VALUES LESS THAN ("${(p + 1) * 10}")`).join(', ');
    await must(e.ctx, `CREATE DATABASE rp; CREATE TABLE rp.t (k BIGINT, part INT) DUPLICATE KEY (k) PARTITION BY RANGE (part) (${parts})
      DISTRIBUTED BY HASH (k) BUCKETS ${SYNTHETIC.buckets}; CREATE REPOSITORY rr WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
      BACKUP DATABASE rp SNAPSHOT s TO rr`);
    const store = await openRepository(e.ctx, await e.ctx.control.requireRepository('rr'));
    const files = await listAll(store, layout.snapshotDir('rr', 's'));
    const infoKey = files.find((k) => k.includes('/__info_'))!, metaKey = files.find((k) => k.includes('/__meta_'))!;
    const info = unseal<SnapshotInfo>(await getText(store, infoKey), infoKey, sha256Hex);
    const meta = unseal<SnapshotMeta>(await getText(store, metaKey), metaKey, sha256Hex);
    const template = meta.tables[0]!;
    meta.tables = [];
    info.backup_objects = {};
    let n = 0;
    for (let t = 0; n < segments; t++) {
      const table: SnapshotTable = { def: { ...template.def, name: `t${t}` }, partitions: [] };
      const summary: SnapshotInfo['backup_objects'][string] = { partitions: {} };
      for (const p of template.partitions) {
        const count = Math.min(SYNTHETIC.segmentsPerPartition, segments - n);
        const tablets = Array.from({ length: SYNTHETIC.buckets }, (_, bucket) => ({ bucket, segments: [] as SnapshotTable['partitions'][number]['tablets'][number]['segments'] }));
        for (let i = 0; i < count; i++, n++) tablets[i % SYNTHETIC.buckets]!.segments.push({ sha256: createHash('sha256').update(`segment ${n}`).digest('hex'), size: 1 << 20, rows: 1000 });
        table.partitions.push({ name: p.name, version: p.version, tablets });
        summary.partitions[p.name] = { version: p.version, rows: count * 1000, bytes: count * (1 << 20), files: count };
      }
      meta.tables.push(table);
      info.backup_objects[table.def.name] = summary;
    }
    const text = seal(meta, sha256Hex);
    info.meta = { sha256: sha256Hex(text), size: Buffer.byteLength(text) };
    info.totals = { files: n, bytes: n * (1 << 20), blobs: n };
    await store.put(metaKey, text);
    await store.put(infoKey, seal(info, sha256Hex));
    return meta.tables.length;
  } finally {
    await e.close();
  }
}

/** In its own process: RESTORE of every table of the snapshot, cancelled once DOWNLOAD planned the copies. */
export async function measureRestorePlanning(dir: string): Promise<Omit<RestorePlanResult, 'segments' | 'tables'>> {
  let planSeconds = 0;
  const embedded = await openEmbedded(join(dir, 'home'), {
    wrapHandlers: (_workflow, state, handler) => async (input) => {
      const started = performance.now();
      const output = await handler(input);
      if (state === 'SNAPSHOTING' || state === 'DOWNLOAD') planSeconds += (performance.now() - started) / 1000;
      // The blobs are made up: stop the job here, through the cancel path a user would take.
      if (state === 'DOWNLOAD') await runScript(embedded.ctx, 'CANCEL RESTORE FROM rp2');
      return output;
    },
  });
  try {
    const ts = String((await runScript(embedded.ctx, "SHOW SNAPSHOT ON rr WHERE SNAPSHOT = 's'"))[0]!.result!.rows[0]![1]);
    await must(embedded.ctx, `RESTORE SNAPSHOT s FROM rr DATABASE rp AS rp2 PROPERTIES ("backup_timestamp" = "${ts}")`);
    const show = (await runScript(embedded.ctx, 'SHOW RESTORE FROM rp2'))[0]!.result!;
    return {
      planSeconds, jobState: String(show.rows[0]![show.columns.indexOf('State')]),
      stagingLeft: (await listAll(embedded.ctx.data, 'staging/')).length, maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await embedded.close();
  }
}

if (import.meta.filename === process.argv[1]) {
  const [dir, segments, phase] = process.argv.slice(2);
  if (phase === 'measure') process.stdout.write(`${JSON.stringify(await measureRestorePlanning(dir!))}\n`);
  else {
    const tables = await writeSyntheticSnapshot(dir!, Number(segments));
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, dir!, segments!, 'measure'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(`${JSON.stringify({ segments: Number(segments), tables, ...JSON.parse(out) })}\n`);
  }
}
