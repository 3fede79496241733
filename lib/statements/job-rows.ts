import type { JobRecord } from '../domain/control-types.ts';
import { JobCounter } from '../domain/control-types.ts';
import { renderStatus } from '../domain/states.ts';
import { timeString } from '../domain/time-format.ts';
import type { StoredRecord } from '../ports/record-table.ts';
import { ControlStore } from '../control/control-store.ts';

/** SHOW BACKUP / SHOW RESTORE rows, with StarRocks' column titles (reference §5). */
export const BACKUP_COLUMNS = ['JobId', 'SnapshotName', 'DbName', 'State', 'BackupObjs', 'CreateTime', 'SnapshotFinishedTime', 'UploadFinishedTime', 'FinishedTime', 'UnfinishedTasks', 'Progress', 'TaskErrMsg', 'Status', 'Timeout'];
export const RESTORE_COLUMNS = ['JobId', 'Label', 'Timestamp', 'DbName', 'State', 'AllowLoad', 'ReplicationNum', 'RestoreObjs', 'CreateTime', 'MetaPreparedTime', 'SnapshotFinishedTime', 'DownloadFinishedTime', 'FinishedTime', 'UnfinishedTasks', 'Progress', 'TaskErrMsg', 'Status', 'Timeout'];

function progress(r: StoredRecord<JobRecord>): string {
  const done = Math.min(ControlStore.progressOf(r, JobCounter.FILES_DONE), r.doc.totals.files);
  const bytes = Math.min(ControlStore.progressOf(r, JobCounter.BYTES_DONE), r.doc.totals.bytes);
  return `[files: ${done}/${r.doc.totals.files}, bytes: ${bytes}/${r.doc.totals.bytes}]`;
}

const errMsg = (j: JobRecord) => (j.status.code === 'OK' ? '' : `[${j.status.msg}]`);

export function backupRow(r: StoredRecord<JobRecord>): (string | null)[] {
  const j = r.doc;
  const b = j.backup!;
  const objs = [
    ...b.objects.map((o) => `[${o.table}${o.partitions ? ` PARTITIONS (${o.partitions.join(', ')})` : ''}]`),
    ...(b.views ?? []).map((v) => `[VIEW ${v}]`),
    ...(b.functions ?? []).map((f) => `[FUNCTION ${f}]`),
    ...(b.catalogs ?? []).map((c) => `[CATALOG ${c}]`),
  ].join(', ');
  return [j.jobId, j.label, j.db, j.state, objs, timeString(j.createTime), timeString(j.times.snapshotFinished),
    timeString(j.times.uploadFinished), timeString(j.times.finished), '', progress(r), errMsg(j), renderStatus(j.status), String(j.timeoutSec)];
}

export function restoreRow(r: StoredRecord<JobRecord>): (string | null)[] {
  const j = r.doc;
  const rs = j.restore!;
  const as = (alias?: string) => (alias ? ` AS ${alias}` : '');
  const objs = [
    ...rs.objects.map((o) => `${o.table}${o.partitions ? ` PARTITIONS [${o.partitions.join(', ')}]` : ''}${as(o.alias)}`),
    ...(rs.views ?? []).map((v) => `VIEW ${v.name}${as(v.alias)}`),
    ...(rs.functions ?? []).map((f) => `FUNCTION ${f.name}${as(f.alias)}`),
    ...(rs.catalogs ?? []).map((c) => `CATALOG ${c.name}${as(c.alias)}`),
  ].join(', ');
  return [j.jobId, j.label, j.timestamp, j.db, j.state, String(rs.allowLoad), String(rs.replicationNum), objs, timeString(j.createTime),
    timeString(j.times.metaPrepared), timeString(j.times.snapshotFinished), timeString(j.times.downloadFinished), timeString(j.times.finished),
    '', progress(r), errMsg(j), renderStatus(j.status), String(j.timeoutSec)];
}
