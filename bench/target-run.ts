import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { type CliOp, cliOp } from './cli-op.ts';
import { addLoads, type DatasetOptions } from './dataset.ts';
import type { Timed } from './process-time.ts';
import { rcloneCopy } from './rclone.ts';
import { Restic } from './restic.ts';
import type { Measured, TargetRun } from './targets.ts';

export interface TargetOptions {
  root: string;
  home: string;
  target: 'file' | 's3';
  dataset: DatasetOptions;
  compression: string;
  s3?: { endpoint: string; key: string; directory: string };
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

/**
 * One target, in the order a user lives it: a full backup, the same files copied by rclone and backed up by
 * restic, 1% more data, a second backup by each, then restores. Every figure is a whole process.
 */
export async function runTarget(o: TargetOptions): Promise<TargetResult> {
  const { home, root, target } = o;
  const data = join(home, 'data', 'data');
  const datasetBytes = folderBytes(data);
  let location = `file://${join(root, 'repo')}`;
  let props = o.compression ? ` PROPERTIES (${o.compression})` : '';
  // Where the repository's objects land on this machine: what a backup moved is what this folder grew by.
  let stored = join(root, 'repo');
  if (o.s3) {
    const prefix = `bench-${Date.now()}`;
    location = `s3a://bucket_s3/${prefix}`;
    stored = join(o.s3.directory, 'bucket_s3', prefix);
    props = ` PROPERTIES ("aws.s3.access_key" = "${o.s3.key}", "aws.s3.secret_key" = "${o.s3.key}", "aws.s3.endpoint" = "${o.s3.endpoint}", "aws.s3.enable_path_style_access" = "true", "aws.s3.region" = "us-east-1"${o.compression ? `, ${o.compression}` : ''})`;
  } else {
    mkdirSync(join(root, 'repo'), { recursive: true });
  }
  const repo = `repo_${target}`;
  cliOp(home, `CREATE REPOSITORY ${repo} WITH BROKER ON LOCATION "${location}"${props}`);
  const full: CliOp = cliOp(home, `BACKUP DATABASE bench SNAPSHOT snap_full TO ${repo}`);
  const fullBytes = jobBytes(home, 'BACKUP', 'bench');
  const storedBytes = folderBytes(stored);
  const rcloneDest = o.s3 ? `bench:bucket_s3/rclone-${Date.now()}` : join(root, `rclone-${target}`);
  const rcloneUp = o.rclone ? rcloneCopy(data, rcloneDest, o.s3) : undefined;
  // restic keeps its repository in a local folder for both targets: it is the reference for what a
  // content-addressed backup tool costs, and s3rver does not implement what restic's S3 backend asks.
  const restic = o.restic ? new Restic(join(root, `restic-${target}`), root) : undefined;
  restic?.init();
  const resticFull = restic?.backup(data);
  const embedded = await openEmbedded(home);
  const extra = Math.max(1, Math.round(o.dataset.files / 100));
  const added = await addLoads(embedded.ctx, o.dataset, o.dataset.files, o.dataset.files + extra);
  await embedded.close();
  const second = cliOp(home, `BACKUP DATABASE bench SNAPSHOT snap_incr TO ${repo}`);
  // SHOW BACKUP counts the files the repository already held as done: the moved bytes are the growth.
  const secondBytes = folderBytes(stored) - storedBytes;
  const resticSecond = restic?.backup(data);
  const ts = cliOp(home, `SHOW SNAPSHOT ON ${repo} WHERE SNAPSHOT = 'snap_full'`).rows[0]![1]!;
  const restore = cliOp(home, `RESTORE SNAPSHOT snap_full FROM ${repo} DATABASE bench AS restored_${target} PROPERTIES ("backup_timestamp" = "${ts}")`);
  const restoreBytes = jobBytes(home, 'RESTORE', `restored_${target}`);
  const resticRestore = restic && resticFull && restic.restore(resticFull.snapshot, join(root, `restic-back-${target}`));
  let rcloneDown: Timed | undefined = o.rclone ? rcloneCopy(rcloneDest, join(root, `rclone-back-${target}`), o.s3) : undefined;
  // A copy that moved less than the dataset is no reference: say so rather than report its speed.
  if (folderBytes(join(root, `rclone-back-${target}`)) < datasetBytes * 0.9) rcloneDown = undefined;
  const emptyBackup = cliOp(home, `BACKUP DATABASE empty_db SNAPSHOT snap_empty TO ${repo}`);
  return {
    target, storedBytes, datasetBytes,
    full: { ...measured(full), bytes: fullBytes },
    second: { ...measured(second), bytes: secondBytes, newBytes: added.bytes },
    restore: { ...measured(restore), bytes: restoreBytes },
    emptyBackup: measured(emptyBackup),
    rcloneUp: rcloneUp && measured(rcloneUp), rcloneDown: rcloneDown && measured(rcloneDown),
    resticFull: resticFull && measured(resticFull), resticSecond: resticSecond && measured(resticSecond), resticRestore: resticRestore && measured(resticRestore),
  };
}
