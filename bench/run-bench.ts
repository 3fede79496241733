/**
 * `npm run bench`: backup, incremental backup and restore of a generated dataset to a file:// and an S3
 * (s3rver) repository, side by side with `rclone copy` of the same segment files to the same targets.
 * Options: --size-mb 1024 --files 1000 --tables 4 --partitions 5 --targets file,s3, and --plan-segments N
 * to also plan a backup of N synthetic segments (bench/plan-scale.ts), --compression zstd for repositories
 * whose backups compress (the figures then say what the repository stores), and --history N for the costs
 * that must not grow with history: N snapshots, 10 × N jobs and 10 × N tables against a history a twentieth
 * of that (bench/history-scale.ts; --history-blobs, default 5000), and --files-csv-mb N to load an N MB CSV
 * through FILES() (bench/files-csv.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { addLoads, createDataset, type DatasetOptions } from './dataset.ts';
import { type FilesCsvResult, filesCsvBench } from './files-csv.ts';
import type { HistoryRow } from './history-scale.ts';
import type { PlanResult } from './plan-scale.ts';
import { ensureRclone, rcloneCopy } from './rclone.ts';

const { values } = parseArgs({ options: {
  'size-mb': { type: 'string', default: '1024' }, files: { type: 'string', default: '1000' },
  tables: { type: 'string', default: '4' }, partitions: { type: 'string', default: '5' }, targets: { type: 'string', default: 'file,s3' },
  'plan-segments': { type: 'string', default: '0' }, compression: { type: 'string', default: 'none' },
  history: { type: 'string', default: '0' }, 'history-blobs': { type: 'string', default: '5000' },
  'files-csv-mb': { type: 'string', default: '0' },
} });
const compression = values.compression === 'none' ? '' : `"compression" = "${values.compression}"`;
const o: DatasetOptions = { sizeMb: Number(values['size-mb']), files: Number(values.files), tables: Number(values.tables), partitions: Number(values.partitions) };
const root = mkdtempSync(join(tmpdir(), 'starbackup-bench-'));
const home = join(root, 'home');
const MB = 1024 * 1024;
const PLAN_HEAP_MB = 256;

function folderBytes(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

interface Op { seconds: number; statementSeconds: number; maxRssMB: number; error?: string; rows: string[][] }
function op(sql: string): Op {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'measure-op.ts'), home, sql], { encoding: 'utf8', maxBuffer: 64 * MB });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as Op;
  if (r.error) throw new Error(`${sql}: ${r.error}`);
  return r;
}

function jobBytes(kind: 'BACKUP' | 'RESTORE', db: string): number {
  const row = op(`SHOW ${kind} FROM ${db}`).rows[0]!;
  const progress = row[kind === 'BACKUP' ? 10 : 14]!;
  return Number(/bytes: (\d+)\//.exec(progress)![1]);
}

const results: Record<string, unknown>[] = [];
let planning: PlanResult | undefined;
let filesCsv: FilesCsvResult | undefined;
const history: HistoryRow[] = [];
try {
  const wanted = Number(values.history);
  // The same history a twentieth as long first: the growth is the ratio of the two rows.
  for (const snapshots of wanted > 0 ? [Math.max(1, Math.round(wanted / 20)), wanted] : []) {
    process.stderr.write(`history: ${snapshots} snapshots, ${snapshots * 10} jobs, ${snapshots * 10} tables\n`);
    const dir = join(root, `history-${snapshots}`);
    mkdirSync(dir);
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'history-scale.ts'), dir, String(snapshots), values['history-blobs']!],
      { encoding: 'utf8', maxBuffer: 64 * MB, stdio: ['ignore', 'pipe', 'inherit'] });
    history.push(JSON.parse(out.trim().split('\n').at(-1)!) as HistoryRow);
  }
  if (Number(values['files-csv-mb']) > 0) filesCsv = filesCsvBench(root, Number(values['files-csv-mb']));
  const planSegments = Number(values['plan-segments']);
  if (planSegments > 0) {
    process.stderr.write(`planning a backup of ${planSegments} synthetic segments\n`);
    mkdirSync(join(root, 'plan'));
    // A 256 MB heap: planning must fit it whatever the number of segments, not just use what is free.
    const out = execFileSync(process.execPath, [`--max-old-space-size=${PLAN_HEAP_MB}`, '--import', 'tsx', join(import.meta.dirname, 'plan-scale.ts'), join(root, 'plan'), String(planSegments)],
      { encoding: 'utf8', maxBuffer: 64 * MB, stdio: ['ignore', 'pipe', 'inherit'] });
    planning = JSON.parse(out.trim().split('\n').at(-1)!) as PlanResult;
  }
  const targets = values.targets!.split(',').filter(Boolean);
  if (targets.length) process.stderr.write(`dataset: ${o.sizeMb} MiB in ${o.files} segment files\n`);
  const data = targets.length ? await createDataset(home, o) : { bytes: 0, segments: 0 };
  const rclone = targets.length > 0 && ensureRclone();
  let s3: { endpoint: string; close(): Promise<void> } | undefined;
  for (const target of targets) {
    let location: string;
    let props = '';
    if (target === 's3') {
      const { startS3rver, S3RVER_KEY } = await import('../test/support/s3-server.ts');
      s3 ??= await startS3rver();
      location = `s3a://bucket_s3/bench-${Date.now()}`;
      props = ` PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3.endpoint}", "aws.s3.enable_path_style_access" = "true", "aws.s3.region" = "us-east-1"${compression ? `, ${compression}` : ''})`;
      void S3RVER_KEY;
    } else {
      location = `file://${join(root, 'repo')}`;
      mkdirSync(join(root, 'repo'), { recursive: true });
      if (compression) props = ` PROPERTIES (${compression})`;
    }
    const repo = `repo_${target}`;
    op(`CREATE REPOSITORY ${repo} WITH BROKER ON LOCATION "${location}"${props}`);
    const full = op(`BACKUP DATABASE bench SNAPSHOT snap_full TO ${repo}`);
    const fullBytes = jobBytes('BACKUP', 'bench');
    // What the repository holds after the full backup (file:// only): smaller than the data when compressed.
    const storedBytes = target === 's3' ? undefined : folderBytes(join(root, 'repo'));
    const embedded = await openEmbedded(home);
    const extra = Math.max(1, Math.round(o.files / 100));
    const added = await addLoads(embedded.ctx, o, o.files, o.files + extra);
    await embedded.close();
    const incr = op(`BACKUP DATABASE bench SNAPSHOT snap_incr TO ${repo}`);
    const incrBytes = jobBytes('BACKUP', 'bench');
    const ts = op(`SHOW SNAPSHOT ON ${repo} WHERE SNAPSHOT = 'snap_full'`).rows[0]![1]!;
    const restore = op(`RESTORE SNAPSHOT snap_full FROM ${repo} DATABASE bench AS restored_${target} PROPERTIES ("backup_timestamp" = "${ts}")`);
    const restoreBytes = jobBytes('RESTORE', `restored_${target}`);
    const empty = op(`BACKUP DATABASE empty_db SNAPSHOT snap_empty TO ${repo}`);
    let rcloneUp: number | undefined, rcloneDown: number | undefined;
    if (rclone) {
      const dest = target === 's3' ? `bench:bucket_s3/rclone-${Date.now()}` : join(root, 'rclone-copy');
      rcloneUp = rcloneCopy(join(home, 'data', 'data'), dest, s3 ? { endpoint: s3.endpoint, key: 'S3RVER' } : undefined);
      mkdirSync(join(root, 'rclone-back'), { recursive: true });
      rcloneDown = rcloneCopy(dest, join(root, `rclone-back-${target}`), s3 ? { endpoint: s3.endpoint, key: 'S3RVER' } : undefined);
      // A copy that moved less than the dataset is no reference: say so rather than report its speed.
      if (folderBytes(join(root, `rclone-back-${target}`)) < data.bytes * 0.9) rcloneDown = undefined;
    }
    const mbps = (bytes: number, s: number) => bytes / MB / s;
    results.push({
      target, compression: values.compression, storedBytes, datasetBytes: data.bytes, segments: data.segments + added.segments,
      full: { seconds: full.seconds, jobSeconds: full.statementSeconds, bytes: fullBytes, mbps: mbps(fullBytes, full.statementSeconds), maxRssMB: full.maxRssMB },
      incremental: { seconds: incr.seconds, jobSeconds: incr.statementSeconds, bytes: incrBytes, newBytes: added.bytes, maxRssMB: incr.maxRssMB },
      restore: { seconds: restore.seconds, jobSeconds: restore.statementSeconds, bytes: restoreBytes, mbps: mbps(restoreBytes, restore.statementSeconds), maxRssMB: restore.maxRssMB },
      emptyBackupSeconds: empty.seconds,
      emptyBackupJobSeconds: empty.statementSeconds,
      rclone: rcloneUp === undefined ? null : {
        uploadSeconds: rcloneUp, downloadSeconds: rcloneDown ?? null,
        uploadRatio: rcloneUp / full.seconds, downloadRatio: rcloneDown === undefined ? null : rcloneDown / restore.seconds,
      },
    });
  }
  await s3?.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
mkdirSync(join(import.meta.dirname), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, options: o, results, planning: planning && { ...planning, heapLimitMB: PLAN_HEAP_MB }, history, filesCsv }, null, 2)}\n`);
const f = (n: number | undefined, d = 1) => (n === undefined ? '-' : n.toFixed(d));
if (results.length) process.stdout.write(`\n| target | op | process s | job s | MB/s | MiB moved | peak RSS MB | rclone s | rclone s / ours |\n|---|---|---|---|---|---|---|---|---|\n`);
for (const r of results as any[]) {
  process.stdout.write(`| ${r.target} | full backup${r.compression === 'none' ? '' : ` (${r.compression}, stored ${r.storedBytes === undefined ? '-' : f(r.storedBytes / MB)} MiB)`} | ${f(r.full.seconds)} | ${f(r.full.jobSeconds)} | ${f(r.full.mbps)} | ${f(r.full.bytes / MB)} | ${f(r.full.maxRssMB, 0)} | ${f(r.rclone?.uploadSeconds)} | ${f(r.rclone?.uploadRatio, 2)} |\n`);
  process.stdout.write(`| ${r.target} | 2nd backup (+1%) | ${f(r.incremental.seconds)} | ${f(r.incremental.jobSeconds, 2)} | - | ${f(r.incremental.bytes / MB)} (new: ${f(r.incremental.newBytes / MB)}) | ${f(r.incremental.maxRssMB, 0)} | - | - |\n`);
  process.stdout.write(`| ${r.target} | restore | ${f(r.restore.seconds)} | ${f(r.restore.jobSeconds)} | ${f(r.restore.mbps)} | ${f(r.restore.bytes / MB)} | ${f(r.restore.maxRssMB, 0)} | ${f(r.rclone?.downloadSeconds ?? undefined)} | ${f(r.rclone?.downloadRatio ?? undefined, 2)} |\n`);
  process.stdout.write(`| ${r.target} | empty-database backup | ${f(r.emptyBackupSeconds, 2)} | ${f(r.emptyBackupJobSeconds, 2)} | | | | | |\n`);
}
if (planning) {
  process.stdout.write(`\n| planning | segments | SNAPSHOTING s | UPLOAD_SNAPSHOT s | plan s | batches | largest state payload | peak RSS MB (heap cap ${PLAN_HEAP_MB} MB) |\n|---|---|---|---|---|---|---|---|\n`);
  process.stdout.write(`| backup | ${planning.segments} | ${f(planning.snapshotingSeconds)} | ${f(planning.uploadSnapshotSeconds)} | ${f(planning.planSeconds)} | ${planning.batches} | ${(planning.maxPayloadBytes / 1024).toFixed(1)} KiB (${planning.maxPayloadState}) | ${f(planning.maxRssMB, 0)} |\n`);
}
if (history.length) {
  process.stdout.write(`\n| history: snapshots / jobs / tables (blobs) | op | process s | process CPU s | statement s | peak RSS MB |\n|---|---|---|---|---|---|\n`);
  for (const h of history) {
    for (const [name, m] of [['DROP SNAPSHOT', h.drop], ['SHOW SNAPSHOT', h.show], [`RESTORE of ${h.tables} empty tables`, h.restore]] as const) {
      process.stdout.write(`| ${h.snapshots} / ${h.jobs} / ${h.tables} (${h.blobs}) | ${name} | ${f(m.seconds, 2)} | ${f(m.cpuSeconds, 2)} | ${f(m.statementSeconds, 2)} | ${f(m.maxRssMB, 0)} |\n`);
    }
  }
}
if (filesCsv) process.stdout.write(`\n| FILES() CSV load | file MiB | rows | process s | MB/s | peak RSS MB |\n|---|---|---|---|---|---|\n| whole process | ${f(filesCsv.fileMB)} | ${filesCsv.rows} | ${f(filesCsv.seconds)} | ${f(filesCsv.mbps)} | ${f(filesCsv.maxRssMB, 0)} |\n`);
process.stdout.write(`\nmachine: ${JSON.stringify(machine)}\n`);
