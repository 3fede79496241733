/** StarRocks' snapshot timestamp: `yyyy-MM-dd-HH-mm-ss-SSS` in local time (BackupJob.TIMESTAMP_FORMAT). */
export function snapshotTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

/** StarRocks' TimeUtils.longToTimeString: `yyyy-MM-dd HH:mm:ss` in local time; NULL for unset. */
export function timeString(ms: number | undefined | null): string | null {
  if (ms === undefined || ms === null || ms <= 0) return null;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
