import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { cliOp } from './cli-op.ts';
import { addLoads, type DatasetOptions } from './dataset.ts';
import type { Timed } from './process-time.ts';
import { rcloneCopy } from './rclone.ts';
import { Restic } from './restic.ts';
import { type Measured, type TargetRun, median } from './targets.ts';

export interface TargetOptions {
  root: string;
  home: string;
  target: 'file' | 's3';
  dataset: DatasetOptions;
  compression: string;
  s3?: { endpoint: string; key: string; directory: string; prefix: string };
  rclone: boolean;
  restic: boolean;
}

export interface TargetResult extends TargetRun {
  /** What the repository holds after the full backup (s3rver's files include its small metadata files). */
  storedBytes: number;
  datasetBytes: number;
  rcloneUp?: Measured;
  rcloneDown?: Measured;
  resticFull?: Measured;
  resticSecond?: Measured;
  resticRestore?: Measured;
}

export function folderBytes(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

const measured = ({ wall, cpu, peakRssMB }: Timed): Measured => ({ wall, cpu, peakRssMB });

function jobBytes(home: string, kind: 'BACKUP' | 'RESTORE', db: string): number {
  const row = cliOp(home, `SHOW ${kind} FROM ${db}`).rows[0]!;
  return Number(/bytes: (\d+)\//.exec(row[kind === 'BACKUP' ? 10 : 14]!)![1]);
}

/** Runs of each copy (ours and rclone's, in turn); a target's figures are the run of median wall time. */
export const RUNS = 3;

/**
 * One target, in the order a user lives it: full backups (each to a repository of its own, so each is a
 * full one), the same files copied by rclone in turn with them and backed up by restic, 1% more data, a
 * second backup by each, then restores and rclone's copies back, in turn. Every figure is a whole process.
 */
export async function runTarget(o: TargetOptions): Promise<TargetResult> {
  const { home, root, target } = o;
  const data = join(home, 'data', 'data');
  const datasetBytes = folderBytes(data);
  const repos = Array.from({ length: RUNS }, (_, i) => repository(o, i));
  const fulls: (Measured & { bytes: number })[] = [];
  const ups: Measured[] = [];
  const rcloneDest = (i: number) => (o.s3 ? `bench:bucket_s3/rclone-${o.s3.prefix}-${i}` : join(root, `rclone-${target}-${i}`));
  let storedBytes = 0;
  for (const [i, r] of repos.entries()) {
    cliOp(home, `CREATE REPOSITORY ${r.name} WITH BROKER ON LOCATION "${r.location}"${r.props}`);
    fulls.push({ ...measured(cliOp(home, `BACKUP DATABASE bench SNAPSHOT snap_full TO ${r.name}`)), bytes: jobBytes(home, 'BACKUP', 'bench') });
    if (i === 0) storedBytes = folderBytes(r.stored);
    if (o.rclone) ups.push(measured(rcloneCopy(data, rcloneDest(i), o.s3)));
  }
  const [repo] = repos as [Repo];
  // restic keeps its repository in a local folder for both targets: it is the reference for what a
  // content-addressed backup tool costs, and s3rver does not implement what restic's S3 backend asks.
  const restic = o.restic ? new Restic(join(root, `restic-${target}`), root) : undefined;
  restic?.init();
  const resticFull = restic?.backup(data);
  const embedded = await openEmbedded(home);
  const extra = Math.max(1, Math.round(o.dataset.files / 100));
  const added = await addLoads(embedded.ctx, o.dataset, o.dataset.files, o.dataset.files + extra);
  await embedded.close();
  const second = cliOp(home, `BACKUP DATABASE bench SNAPSHOT snap_incr TO ${repo.name}`);
  // SHOW BACKUP counts the files the repository already held as done: the moved bytes are the growth.
  const secondBytes = folderBytes(repo.stored) - storedBytes;
  const resticSecond = restic?.backup(data);
  const ts = cliOp(home, `SHOW SNAPSHOT ON ${repo.name} WHERE SNAPSHOT = 'snap_full'`).rows[0]![1]!;
  const restores: (Measured & { bytes: number })[] = [];
  const downs: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    const db = `restored_${target}_${i}`;
    restores.push({ ...measured(cliOp(home, `RESTORE SNAPSHOT snap_full FROM ${repo.name} DATABASE bench AS ${db} PROPERTIES ("backup_timestamp" = "${ts}")`)), bytes: jobBytes(home, 'RESTORE', db) });
    const back = join(root, `rclone-back-${target}-${i}`);
    const down = o.rclone ? rcloneCopy(rcloneDest(0), back, o.s3) : undefined;
    // A copy that moved less than the dataset is no reference: say so rather than report its speed.
    if (down && folderBytes(back) >= datasetBytes * 0.9) downs.push(measured(down));
  }
  const resticRestore = restic && resticFull && restic.restore(resticFull.snapshot, join(root, `restic-back-${target}`));
  const emptyBackup = cliOp(home, `BACKUP DATABASE empty_db SNAPSHOT snap_empty TO ${repo.name}`);
  return {
    target, storedBytes, datasetBytes,
    full: median(fulls),
    second: { ...measured(second), bytes: secondBytes, newBytes: added.bytes },
    restore: median(restores),
    emptyBackup: measured(emptyBackup),
    rcloneUp: ups.length ? median(ups) : undefined, rcloneDown: downs.length === RUNS ? median(downs) : undefined,
    resticFull: resticFull && measured(resticFull), resticSecond: resticSecond && measured(resticSecond), resticRestore: resticRestore && measured(resticRestore),
  };
}

interface Repo { name: string; location: string; props: string; stored: string }

/** The `i`th repository of a target, and the folder where its objects land on this machine (what a backup moved is what it grew by). */
function repository(o: TargetOptions, i: number): Repo {
  const name = `repo_${o.target}_${i}`;
  if (o.s3) {
    const prefix = `${o.s3.prefix}-${i}`;
    const props = ` PROPERTIES ("aws.s3.access_key" = "${o.s3.key}", "aws.s3.secret_key" = "${o.s3.key}", "aws.s3.endpoint" = "${o.s3.endpoint}", "aws.s3.enable_path_style_access" = "true", "aws.s3.region" = "us-east-1"${o.compression ? `, ${o.compression}` : ''})`;
    return { name, location: `s3a://bucket_s3/${prefix}`, props, stored: join(o.s3.directory, 'bucket_s3', prefix) };
  }
  const dir = join(o.root, `repo-${i}`);
  mkdirSync(dir, { recursive: true });
  return { name, location: `file://${dir}`, props: o.compression ? ` PROPERTIES (${o.compression})` : '', stored: dir };
}
