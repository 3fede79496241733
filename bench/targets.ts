/** One measured whole process. */
export interface Measured { wall: number; cpu: number; peakRssMB: number }

/** A target's figures from one bench run: ours, and the reference tools' on the same files (absent when missing). */
export interface TargetRun {
  target: string;
  full: Measured & { bytes: number };
  second: Measured & { bytes: number; newBytes: number };
  restore: Measured & { bytes: number };
  emptyBackup: Measured;
  rcloneUp?: Measured;
  rcloneDown?: Measured;
  resticSecond?: Measured;
}

/** The run of median wall time, with the largest peak RSS of them all (the RSS target holds for every run). */
export function median<T extends Measured>(runs: T[]): T {
  const mid = [...runs].sort((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)]!;
  return { ...mid, peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)) };
}

export interface TargetCheck { target: string; measured: string; limit: string; met: boolean; factor: number }

const fmt = (n: number, d = 2) => n.toFixed(d);

/**
 * Issue 16's targets against what a bench run measured: `factor` is the measured value over the limit for a
 * ceiling (met at ≤ 1), or the limit over the measured value for a floor; nothing is taken from anywhere else.
 */
export function checkTargets(trivial: Measured, runs: TargetRun[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ceiling = (target: string, measured: number, limit: number, what: string, unit: string) =>
    out.push({ target, measured: `${what} ${fmt(measured)}${unit}`, limit: `≤ ${fmt(limit)}${unit}`, met: measured <= limit, factor: measured / limit });
  ceiling('trivial statement', trivial.wall, 0.35, 'wall', ' s');
  ceiling('trivial statement', trivial.cpu, 0.4, 'CPU', ' s');
  for (const r of runs) {
    const t = (what: string) => `${r.target}: ${what}`;
    ceiling(t('empty-database backup'), r.emptyBackup.wall, 0.6, 'wall', ' s');
    if (r.rcloneUp) {
      ceiling(t('backup CPU per GiB vs rclone'), r.full.cpu / r.rcloneUp.cpu, 1, 'ratio', '×');
      ceiling(t('backup wall vs rclone (throughput ≥ rclone)'), r.full.wall / r.rcloneUp.wall, 1, 'ratio', '×');
    }
    if (r.rcloneDown) {
      ceiling(t('restore CPU per GiB vs rclone'), r.restore.cpu / r.rcloneDown.cpu, 1, 'ratio', '×');
      ceiling(t('restore wall vs rclone (throughput ≥ rclone)'), r.restore.wall / r.rcloneDown.wall, 1, 'ratio', '×');
    }
    ceiling(t('peak RSS'), Math.max(r.full.peakRssMB, r.second.peakRssMB, r.restore.peakRssMB, r.emptyBackup.peakRssMB), 150, 'max', ' MB');
    ceiling(t('second backup time / full'), r.second.wall / r.full.wall, 0.1, 'ratio', '');
    if (r.resticSecond) ceiling(t('second backup vs restic\'s'), r.second.wall / r.resticSecond.wall, 1.5, 'ratio', '×');
    ceiling(t('second backup bytes / new bytes'), r.second.bytes / r.second.newBytes, 1.1, 'ratio', '×');
  }
  return out;
}
