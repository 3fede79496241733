/**
 * The history benchmark (`npm run bench -- --history 200`): costs that must not grow with what a cluster
 * has done. For a small and a large history it builds, in a fresh home, N snapshots in a file://
 * repository (one real BACKUP, copied under N labels, each naming the same `blobs` extra blobs, the oldest
 * also 1% of its own), 10 × N finished jobs (records as every job leaves them) and a database of 10 × N
 * empty tables backed up for real; then, each as a whole `starbackup sql` process (bench/cli-op.ts), it
 * times DROP SNAPSHOT of a snapshot whose blobs others name, then of the oldest (which frees its own, so
 * every other `__meta` is read), SHOW SNAPSHOT, SHOW BACKUP and a RESTORE of the
 * empty tables.
 * Run alone: `node --import tsx bench/history-scale.ts <dir> <snapshots> [blobs]`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { runScript } from '../bin/run-script.ts';
import type { JobRecord } from '../lib/domain/control-types.ts';
import { seal, unseal } from '../lib/domain/envelope.ts';
import { newId } from '../lib/domain/ids.ts';
import { layout } from '../lib/domain/repository-layout.ts';
import type { SnapshotInfo, SnapshotMeta } from '../lib/domain/snapshot-types.ts';
import { metaBlobHashes } from '../lib/domain/snapshot-refs.ts';
import { getText, listAll, sha256Hex } from '../lib/ports/object-io.ts';
import { openRepository } from '../lib/repository/repository-context.ts';
import { writeSnapshotRefs } from '../lib/repository/snapshot-refs-file.ts';
import { cliOp } from './cli-op.ts';
import type { Measured } from './targets.ts';

export type HistoryOp = Measured;
/** `drop`: a snapshot that frees blobs of its own (every other `__meta` read); `dropShared`: one that frees nothing. */
export interface HistoryRow { snapshots: number; jobs: number; tables: number; blobs: number; drop: HistoryOp; dropShared: HistoryOp; show: HistoryOp; showBackup: HistoryOp; restore: HistoryOp }

async function must(ctx: Parameters<typeof runScript>[0], sql: string) {
  const failed = (await runScript(ctx, sql)).find((o) => o.error);
  if (failed) throw new Error(`${failed.statement}: ${failed.error!.message}`);
}

/** Builds the history in `home`: returns the timestamp of the empty tables' snapshot. */
export async function buildHistory(home: string, repoDir: string, snapshots: number, blobs: number): Promise<string> {
  const e = await openEmbedded(home);
  try {
    mkdirSync(repoDir, { recursive: true });
    await must(e.ctx, `CREATE DATABASE hist; CREATE TABLE hist.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO hist.t VALUES (1), (2);
      CREATE REPOSITORY hr WITH BROKER ON LOCATION "file://${repoDir}"; BACKUP DATABASE hist SNAPSHOT base TO hr`);
    const store = await openRepository(e.ctx, (await e.ctx.control.requireRepository('hr'))!);
    const files = await listAll(store, layout.snapshotDir('hr', 'base'));
    const infoFile = files.find((k) => k.includes('/__info_'))!, metaFile = files.find((k) => k.includes('/__meta_'))!;
    const info = unseal<SnapshotInfo>(await getText(store, infoFile), infoFile, sha256Hex);
    const meta = unseal<SnapshotMeta>(await getText(store, metaFile), metaFile, sha256Hex);
    // Extra blobs every snapshot names: a DROP SNAPSHOT then weighs blobs against every remaining `__meta`.
    const tablet = meta.tables[0]!.partitions[0]!.tablets[0]!;
    for (let i = 0; i < blobs; i++) {
      const body = `history blob ${i}`;
      const sha = sha256Hex(body);
      await store.put(layout.blob('hr', sha), body);
      tablet.segments.push({ sha256: sha, size: body.length, rows: 1 });
    }
    // Each snapshot as a backup leaves it: `__meta`, its `__refs`, then `__info` vouching for that `__meta`.
    const commit = async (label: string) => {
      const text = seal(meta, sha256Hex);
      const hashes = new Set(metaBlobHashes(meta));
      // Totals as a backup of these segments records them (`__info` is validated before its refs are trusted).
      const segments = meta.tables.flatMap((t) => t.partitions.flatMap((p) => p.tablets.flatMap((b) => b.segments)));
      const totals = { files: segments.length, bytes: segments.reduce((n, s) => n + s.size, 0), blobs: hashes.size };
      const own = { ...info, name: label, meta: { sha256: sha256Hex(text), size: Buffer.byteLength(text) }, totals };
      await store.put(layout.meta('hr', label, info.timestamp), text);
      await writeSnapshotRefs(store, 'hr', { label, timestamp: info.timestamp }, (async function* () { yield* hashes; })(), own.meta.sha256);
      await store.put(layout.info('hr', label, info.timestamp), seal(own, sha256Hex));
    };
    for (let i = 1; i < snapshots; i++) await commit(`h${String(i).padStart(4, '0')}`);
    // The oldest snapshot also names 1% more blobs of its own: dropping it frees them, and only reading
    // every other `__meta` proves no one else needs them (the case a retention drop meets).
    for (let i = 0; i < Math.max(1, blobs / 100); i++) {
      const body = `history blob only h0000 names ${i}`;
      const sha = sha256Hex(body);
      await store.put(layout.blob('hr', sha), body);
      tablet.segments.push({ sha256: sha, size: body.length, rows: 1 });
    }
    await commit('h0000');
    // Finished jobs, recorded as every job is (with the per-database pointers SHOW BACKUP reads).
    const [first] = await e.ctx.control.jobsOfDatabase('hist');
    const done = (await e.ctx.control.requireJob(first!.jobId)).doc;
    for (let i = 0; i < snapshots * 10; i++) await e.ctx.control.createJob({ ...done, jobId: newId(), label: `old${i}` } as JobRecord);
    const tables = Array.from({ length: snapshots * 10 }, (_, i) => `CREATE TABLE wide.t${i} (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1;`);
    await must(e.ctx, `CREATE DATABASE wide; ${tables.join('\n')} BACKUP DATABASE wide SNAPSHOT wide TO hr`);
    const show = (await runScript(e.ctx, "SHOW SNAPSHOT ON hr WHERE SNAPSHOT = 'wide'"))[0]!.result!;
    return String(show.rows[0]![1]);
  } finally {
    await e.close();
  }
}

function measure(home: string, sql: string): HistoryOp {
  const { wall, cpu, peakRssMB } = cliOp(home, sql);
  return { wall, cpu, peakRssMB };
}

export async function measureHistory(dir: string, snapshots: number, blobs: number): Promise<HistoryRow> {
  const home = join(dir, 'home');
  const ts = await buildHistory(home, join(dir, 'repo'), snapshots, blobs);
  return {
    snapshots, jobs: snapshots * 10 + 2, tables: snapshots * 10, blobs,
    dropShared: measure(home, 'DROP SNAPSHOT h0001 ON hr'),
    drop: measure(home, 'DROP SNAPSHOT h0000 ON hr'),
    show: measure(home, 'SHOW SNAPSHOT ON hr'),
    // Reads the pointer of every job the database ever ran to find its newest (control-store jobsOfDatabase).
    showBackup: measure(home, 'SHOW BACKUP FROM hist'),
    restore: measure(home, `RESTORE SNAPSHOT wide FROM hr DATABASE wide AS wide_copy PROPERTIES ("backup_timestamp" = "${ts}")`),
  };
}

if (import.meta.filename === process.argv[1]) {
  const [dir, snapshots, blobs] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await measureHistory(dir!, Number(snapshots), Number(blobs ?? 5000)))}\n`);
}
