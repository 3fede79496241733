/**
 * `npm run bench`: backup, second backup after 1% more data, and restore of a generated dataset to a file://
 * and an S3 (s3rver) repository, each a whole `starbackup sql` process measured by the kernel (wall, CPU,
 * peak RSS: bench/process-time.ts), side by side in the same run with `rclone copy` and `restic backup` /
 * `restic restore` of the same segment files; then issue 16's targets, met or missed, computed from those rows.
 * Options: --size-mb 1024 --files 1000 (--files 8 makes a home of a few large segments) --tables 4
 * --partitions 5 --targets file,s3, and --plan-segments N to also plan a backup of N synthetic segments
 * (bench/plan-scale.ts), --restore-plan-segments N to plan a restore of one (bench/restore-plan-scale.ts),
 * --compression zstd for repositories whose backups compress (the figures then say
 * what the repository stores), --history N for the costs that must not grow with history: N snapshots,
 * 10 × N jobs and 10 × N tables against a history a twentieth of that (bench/history-scale.ts;
 * --history-blobs, default 5000), and --files-csv-mb N to load an N MB CSV through FILES() (bench/files-csv.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCli, cliCommand, cliOp } from './cli-op.ts';
import { createDataset, type DatasetOptions } from './dataset.ts';
import { type FilesCsvResult, filesCsvBench } from './files-csv.ts';
import type { HistoryRow } from './history-scale.ts';
import type { PlanResult } from './plan-scale.ts';
import type { RestorePlanResult } from './restore-plan-scale.ts';
import { ensureRclone } from './rclone.ts';
import { f, targetsTable, wholeProcessTable } from './report.ts';
import { warmMemoryBeforeEachRun } from './process-time.ts';
import { ensureRestic } from './restic.ts';
import { type TargetResult, runTarget } from './target-run.ts';
import { checkTargets, type Measured } from './targets.ts';

const { values } = parseArgs({ options: {
  'size-mb': { type: 'string', default: '1024' }, files: { type: 'string', default: '1000' },
  tables: { type: 'string', default: '4' }, partitions: { type: 'string', default: '5' }, targets: { type: 'string', default: 'file,s3' },
  'plan-segments': { type: 'string', default: '0' }, 'restore-plan-segments': { type: 'string', default: '0' }, compression: { type: 'string', default: 'none' },
  history: { type: 'string', default: '0' }, 'history-blobs': { type: 'string', default: '5000' },
  'files-csv-mb': { type: 'string', default: '0' },
} });
const compression = values.compression === 'none' ? '' : `"compression" = "${values.compression}"`;
const o: DatasetOptions = { sizeMb: Number(values['size-mb']), files: Number(values.files), tables: Number(values.tables), partitions: Number(values.partitions) };
const root = mkdtempSync(join(tmpdir(), 'starbackup-bench-'));
const home = join(root, 'home');
const MB = 1024 * 1024;
const PLAN_HEAP_MB = 256;
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))) };
const targets = values.targets!.split(',').filter(Boolean) as ('file' | 's3')[];

buildCli();
const results: TargetResult[] = [];
/** A sub-second figure from one run is at the mercy of one scheduler hiccup: start-up rows are the run of median wall time. */
const STARTUP_RUNS = 5;
let planning: PlanResult | undefined;
let restorePlanning: RestorePlanResult | undefined;
let filesCsv: FilesCsvResult | undefined;
const history: HistoryRow[] = [];
let startup: { version: Measured; trivial: Measured } | undefined;
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
  const restorePlanSegments = Number(values['restore-plan-segments']);
  if (restorePlanSegments > 0) {
    process.stderr.write(`planning a restore of ${restorePlanSegments} synthetic segments\n`);
    mkdirSync(join(root, 'restore-plan'));
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'restore-plan-scale.ts'), join(root, 'restore-plan'), String(restorePlanSegments)],
      { encoding: 'utf8', maxBuffer: 64 * MB, stdio: ['ignore', 'pipe', 'inherit'] });
    restorePlanning = JSON.parse(out.trim().split('\n').at(-1)!) as RestorePlanResult;
  }
  if (targets.length) {
    startup = { version: medianOf(STARTUP_RUNS, () => cliCommand(['--version'])), trivial: trivialStatement() };
    process.stderr.write(`dataset: ${o.sizeMb} MiB in ${o.files} segment files\n`);
    await createDataset(home, o);
    warmMemoryBeforeEachRun(Math.round(1.5 * o.sizeMb * MB));
  }
  const rclone = targets.length > 0 && ensureRclone();
  const restic = targets.length > 0 && ensureRestic();
  let s3: Awaited<ReturnType<typeof import('../test/support/s3-server.ts').startS3rver>> | undefined;
  for (const target of targets) {
    const { startS3rver, S3RVER_KEY } = await import('../test/support/s3-server.ts');
    if (target === 's3') s3 ??= await startS3rver();
    process.stderr.write(`target ${target}\n`);
    // Each target starts from the same home: the one before added a restored copy and 1% more data.
    const targetHome = join(root, `home-${target}`);
    cpSync(home, targetHome, { recursive: true });
    results.push(await runTarget({ root, home: targetHome, target, dataset: o, compression, rclone, restic, s3: target === 's3' ? { endpoint: s3!.endpoint, key: S3RVER_KEY, directory: s3!.directory, prefix: `bench-${Date.now()}` } : undefined }));
  }
  await s3?.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}

writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, options: o, startup, results, checks: startup && checkTargets(startup.trivial, results), planning: planning && { ...planning, heapLimitMB: PLAN_HEAP_MB }, restorePlanning, history, filesCsv }, null, 2)}\n`);
if (startup) {
  process.stdout.write(`\nWhole processes, measured by the kernel (GNU time): ${JSON.stringify(machine)}\n\n${wholeProcessTable(startup, results)}`);
  process.stdout.write(`\n${targetsTable(checkTargets(startup.trivial, results))}`);
}
if (planning) {
  process.stdout.write(`\n| planning | segments | SNAPSHOTING s | UPLOAD_SNAPSHOT s | plan s | batches | largest state payload | peak RSS MB (heap cap ${PLAN_HEAP_MB} MB) |\n|---|---|---|---|---|---|---|---|\n`);
  process.stdout.write(`| backup | ${planning.segments} | ${f(planning.snapshotingSeconds)} | ${f(planning.uploadSnapshotSeconds)} | ${f(planning.planSeconds)} | ${planning.batches} | ${(planning.maxPayloadBytes / 1024).toFixed(1)} KiB (${planning.maxPayloadState}) | ${f(planning.maxRssMB, 0)} |\n`);
}
if (restorePlanning) {
  process.stdout.write(`\n| restore planning | segments | tables | plan s | peak RSS MB |\n|---|---|---|---|---|\n| restore | ${restorePlanning.segments} | ${restorePlanning.tables} | ${f(restorePlanning.planSeconds)} | ${f(restorePlanning.maxRssMB, 0)} |\n`);
}
if (history.length) {
  process.stdout.write(`\n| history: snapshots / jobs / tables (blobs) | op | wall s | CPU s | peak RSS MB |\n|---|---|---|---|---|\n`);
  for (const h of history) {
    for (const [name, m] of [['DROP SNAPSHOT freeing 1% own blobs', h.drop], ['DROP SNAPSHOT freeing none', h.dropShared], ['SHOW SNAPSHOT', h.show], ['SHOW BACKUP', h.showBackup], [`RESTORE of ${h.tables} empty tables`, h.restore]] as const) {
      process.stdout.write(`| ${h.snapshots} / ${h.jobs} / ${h.tables} (${h.blobs}) | ${name} | ${f(m.wall, 2)} | ${f(m.cpu, 2)} | ${f(m.peakRssMB, 0)} |\n`);
    }
  }
}
if (filesCsv) process.stdout.write(`\n| FILES() CSV load | file MiB | rows | wall s | CPU s | MB/s | peak RSS MB |\n|---|---|---|---|---|---|---|\n| whole process | ${f(filesCsv.fileMB)} | ${filesCsv.rows} | ${f(filesCsv.seconds)} | ${f(filesCsv.cpuSeconds)} | ${f(filesCsv.mbps)} | ${f(filesCsv.maxRssMB, 0)} |\n`);
process.stdout.write(`\nmachine: ${JSON.stringify(machine)}\n`);

/** SHOW DATABASES in a home of its own, after one unmeasured run that creates it. */
function medianOf<T extends { wall: number }>(runs: number, run: () => T): T {
  return Array.from({ length: runs }, run).sort((a, b) => a.wall - b.wall)[Math.floor(runs / 2)]!;
}

/** SHOW DATABASES on a home that exists already (its first statement creates it). */
function trivialStatement() {
  const dir = join(root, 'trivial');
  cliOp(dir, 'SHOW DATABASES');
  return medianOf(STARTUP_RUNS, () => cliOp(dir, 'SHOW DATABASES'));
}
