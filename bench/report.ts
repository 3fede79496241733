import type { TargetResult } from './target-run.ts';
import type { Measured, TargetCheck } from './targets.ts';

const MB = 1024 * 1024;
const GiB = 1024 * MB;
export const f = (n: number | undefined, d = 1) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(d));

/** One row of the whole-process table: who, what, and what the kernel counted. */
function row(target: string, tool: string, op: string, m: Measured | undefined, bytes?: number): string {
  if (!m) return `| ${target} | ${tool} | ${op} | missing | | | | | |\n`;
  const perGiB = bytes ? m.cpu / (bytes / GiB) : undefined;
  const mbps = bytes ? bytes / MB / m.wall : undefined;
  return `| ${target} | ${tool} | ${op} | ${f(m.wall, 2)} | ${f(m.cpu, 2)} | ${f(perGiB, 2)} | ${f(mbps)} | ${bytes === undefined ? '' : f(bytes / MB)} | ${f(m.peakRssMB, 0)} |\n`;
}

export function wholeProcessTable(startup: { version: Measured; trivial: Measured }, results: TargetResult[]): string {
  let out = '| target | tool | operation | wall s | CPU s | CPU s per GiB | MB/s | MiB moved | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|\n';
  out += row('-', 'starbackup', '`--version`', startup.version);
  out += row('-', 'starbackup', 'SHOW DATABASES', startup.trivial);
  for (const r of results) {
    const t = r.target;
    const stored = ` (stores ${f(r.storedBytes / MB)} MiB)`;
    out += row(t, 'starbackup', `full backup${stored}`, r.full, r.full.bytes);
    out += row(t, 'rclone', 'copy up', r.rcloneUp, r.datasetBytes);
    out += row(t, 'restic', 'full backup', r.resticFull, r.datasetBytes);
    out += row(t, 'starbackup', `second backup (+1%: ${f(r.second.newBytes / MB)} MiB new)`, r.second, r.second.bytes);
    out += row(t, 'restic', 'second backup (same change)', r.resticSecond);
    out += row(t, 'starbackup', 'restore', r.restore, r.restore.bytes);
    out += row(t, 'rclone', 'copy down', r.rcloneDown, r.datasetBytes);
    out += row(t, 'restic', 'restore', r.resticRestore, r.datasetBytes);
    out += row(t, 'starbackup', 'empty-database backup', r.emptyBackup);
  }
  return out;
}

export function targetsTable(checks: TargetCheck[]): string {
  let out = '| issue 16 target | measured | limit | met? |\n|---|---|---|---|\n';
  for (const c of checks) out += `| ${c.target} | ${c.measured} | ${c.limit} | ${c.met ? 'met' : `missed (${f(c.factor, 2)}× the limit)`} |\n`;
  return out;
}
