import { type AccountRestoreReport, JobCounter, type JobRecord, type RestoreObject, jobOfType } from '../domain/control-types.ts';
import { JobType, renderStatus } from '../domain/states.ts';
import { timeString } from '../domain/time-format.ts';
import type { StoredRecord } from '../ports/record-table.ts';
import { ControlStore } from '../control/control-store.ts';
import { type Column, columns } from './result-set.ts';

type Job = StoredRecord<JobRecord>;

function progress(r: Job): string {
  // A FINISHED job moved or found everything, whatever its counters say (a job from before files already
  // in the repository counted as done, or a counter lost with a crashed invocation).
  const finished = r.doc.state === 'FINISHED';
  const done = finished ? r.doc.totals.files : Math.min(ControlStore.progressOf(r, JobCounter.FILES_DONE), r.doc.totals.files);
  const bytes = finished ? r.doc.totals.bytes : Math.min(ControlStore.progressOf(r, JobCounter.BYTES_DONE), r.doc.totals.bytes);
  return `[files: ${done}/${r.doc.totals.files}, bytes: ${bytes}/${r.doc.totals.bytes}]`;
}

const errMsg = (j: JobRecord) => (j.status.code === 'OK' ? '' : `[${j.status.msg}]`);

function backupObjs(j: JobRecord): string {
  const b = jobOfType(j, JobType.BACKUP).backup;
  return [
    ...b.objects.map((o) => `[${o.table}${o.partitions ? ` PARTITIONS (${o.partitions.join(', ')})` : ''}]`),
    ...(b.views ?? []).map((v) => `[VIEW ${v}]`),
    ...(b.functions ?? []).map((f) => `[FUNCTION ${f}]`),
    ...(b.catalogs ?? []).map((c) => `[CATALOG ${c}]`),
    ...(b.accounts ? ['[ALL USERS]'] : []),
  ].join(', ');
}

/** ` PARTITIONS [p1, p2]` as StarRocks' BackupJobInfo.getInfo; records from before `shown` list the named ones. */
function partitionList(o: RestoreObject): string {
  const names = o.shown ?? o.partitions ?? [];
  if (names.length === 0) return '';
  return ` PARTITIONS [${names.join(', ')}${o.shownMore ? `, … ${o.shownMore} more` : ''}]`;
}

/**
 * `ALL USERS`, then, as StarRocks lists a table's partitions (` PARTITIONS [p1, p2]`), the users and roles that
 * existed and were left as they are (` KEPT ['u'@'%', ROLE r]`) and the role grants dropped because the role
 * is neither here nor in the snapshot (` DROPPED [ROLE x TO 'u'@'%']`).
 */
function accountsRestored(a: AccountRestoreReport): string {
  const more = a.more ? `, … ${a.more} more` : '';
  const kept = a.kept.length ? ` KEPT [${a.kept.join(', ')}${a.dropped.length ? '' : more}]` : '';
  const dropped = a.dropped.length ? ` DROPPED [${a.dropped.join(', ')}${more}]` : '';
  return `ALL USERS${kept}${dropped}`;
}

function restoreObjs(j: JobRecord): string {
  const rs = jobOfType(j, JobType.RESTORE).restore;
  const as = (alias?: string) => (alias ? ` AS ${alias}` : '');
  return [
    ...rs.objects.map((o) => `${o.table}${partitionList(o)}${as(o.alias)}`),
    ...(rs.views ?? []).map((v) => `VIEW ${v.name}${as(v.alias)}`),
    ...(rs.functions ?? []).map((f) => `FUNCTION ${f.name}${as(f.alias)}`),
    ...(rs.catalogs ?? []).map((c) => `CATALOG ${c.name}${as(c.alias)}`),
    ...(rs.accounts ? [accountsRestored(rs.accounts)] : []),
  ].join(', ');
}

/** SHOW BACKUP / SHOW RESTORE columns, with StarRocks' titles (reference §5): one row per job record. */
/** The columns both SHOW BACKUP and SHOW RESTORE end with, in StarRocks' order. */
const JOB_END: Column<Job>[] = [
  ['FinishedTime', (r) => timeString(r.doc.times.finished)],
  ['UnfinishedTasks', () => ''],
  ['Progress', progress],
  ['TaskErrMsg', (r) => errMsg(r.doc)],
  ['Status', (r) => renderStatus(r.doc.status)],
  ['Timeout', (r) => String(r.doc.timeoutSec)],
];

export const BACKUP_RESULT = columns<Job>([
  ['JobId', (r) => r.doc.jobId],
  ['SnapshotName', (r) => r.doc.label],
  ['DbName', (r) => r.doc.db],
  ['State', (r) => r.doc.state],
  ['BackupObjs', (r) => backupObjs(r.doc)],
  ['CreateTime', (r) => timeString(r.doc.createTime)],
  ['SnapshotFinishedTime', (r) => timeString(r.doc.times.snapshotFinished)],
  ['UploadFinishedTime', (r) => timeString(r.doc.times.uploadFinished)],
  ...JOB_END,
]);

export const RESTORE_RESULT = columns<Job>([
  ['JobId', (r) => r.doc.jobId],
  ['Label', (r) => r.doc.label],
  ['Timestamp', (r) => r.doc.timestamp],
  ['DbName', (r) => r.doc.db],
  ['State', (r) => r.doc.state],
  ['AllowLoad', (r) => String(jobOfType(r.doc, JobType.RESTORE).restore.allowLoad)],
  ['ReplicationNum', (r) => String(jobOfType(r.doc, JobType.RESTORE).restore.replicationNum)],
  ['RestoreObjs', (r) => restoreObjs(r.doc)],
  ['CreateTime', (r) => timeString(r.doc.createTime)],
  ['MetaPreparedTime', (r) => timeString(r.doc.times.metaPrepared)],
  ['SnapshotFinishedTime', (r) => timeString(r.doc.times.snapshotFinished)],
  ['DownloadFinishedTime', (r) => timeString(r.doc.times.downloadFinished)],
  ...JOB_END,
]);
