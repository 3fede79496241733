import type { CompressionValue } from './compression.ts';
import { InternalError } from './errors.ts';
import { type JobStatus, type JobStateValue, JobType, type JobTypeValue } from './states.ts';

/** Control-plane records: repositories, jobs, locks (DESIGN.md §3). */
export interface RepositoryRecord {
  id: string;
  name: string;
  location: string;
  readOnly: boolean;
  broker?: string;
  /** Properties that are not secrets, kept as given. */
  properties: Record<string, string>;
  /** The secret properties (keys, passwords), sealed by the SecretSealer; never shown. */
  sealedSecrets?: string;
  createTime: number;
  errMsg?: string;
}

/** One object of a backup: a table and, when only some were named, its partitions. */
export interface BackupObject {
  table: string;
  partitions?: string[];
}

export interface RestoreObject {
  table: string;
  alias?: string;
  /** The partitions named in ON (…); absent, the table is restored whole. */
  partitions?: string[];
  /**
   * What SHOW RESTORE's RestoreObjs lists for this table: every partition it restores, as StarRocks'
   * BackupJobInfo.getInfo does (none for an unpartitioned table). Capped so a record stays far below
   * DynamoDB's item limit; `shownMore` counts the names left out.
   */
  shown?: string[];
  shownMore?: number;
}

/** What backup and restore jobs share; the job record is one of the two (JobRecord), told apart by `type`. */
interface JobCommon {
  jobId: string;
  label: string;
  /** The database the job locks: the backed-up database, or the restore's target. */
  db: string;
  repo: string;
  /** Who started the job, as StarRocks writes a user (`'alice'@'%'`); the home's owner is root. */
  user?: string;
  state: JobStateValue;
  /** `yyyy-MM-dd-HH-mm-ss-SSS` of the snapshot: the backup's create time, or the restore's backup_timestamp. */
  timestamp: string;
  createTime: number;
  timeoutSec: number;
  status: JobStatus;
  cancelRequested?: boolean;
  /** Why the cancel path was taken, recorded when it starts, so a concurrent second cancel keeps the first reason. */
  cancelStatus?: JobStatus;
  executionId?: string;
  /**
   * The fencing token of the lock this job holds (see LockRecord.token). Every invocation reads it once and
   * conditions its publishing writes on the lock still holding it; a takeover by recovery writes a new one.
   */
  lockToken?: number;
  /** Times of StarRocks' SHOW columns, epoch ms. */
  times: Partial<Record<'snapshotFinished' | 'uploadFinished' | 'metaPrepared' | 'downloadFinished' | 'finished', number>>;
  totals: { files: number; bytes: number };
  /** Counters folded in from the record's `add` counters whenever the job is rewritten (a put resets those). */
  progress?: Record<string, number>;
}

/** What a BACKUP job backs up and what its phases found. */
export interface BackupDetail {
  objects: BackupObject[];
  views?: string[];
  /** Function signatures, `name(INT, ...)`. */
  functions?: string[];
  catalogs?: string[];
  /** `BACKUP ALL USERS`: the users, roles and grants, alone. */
  accounts?: boolean;
  type: string;
  ttl?: string;
  /** How the blobs it uploads are stored: BACKUP's `compression`, else the repository's; absent: none. */
  compression?: CompressionValue;
  /** Written by versions before calendar ttls (MONTH, YEAR); the expiry is now computed from `ttl`. */
  ttlMs?: number;
  meta?: { sha256: string; size: number };
  /**
   * False when UPLOAD_SNAPSHOT found no garbage collection announced in the repository after writing
   * `__meta`: no blob it found present can be collected before the commit, and SAVE_META need not look
   * again. Absent (jobs planned before this was recorded) counts as seen.
   */
  collectionSeen?: boolean;
  /**
   * The collections UPLOAD_SNAPSHOT saw (each marker's key, a digest of its content, which a renewal
   * changes, and its renewal time) and when, by this cluster's clock: SAVE_META waits until each has ended,
   * renewed or stopped before it checks the blobs again (seen-collections.ts). Absent in jobs planned
   * before this was recorded: no wait.
   */
  collectionsSeen?: { key: string; version: string; renewed?: number }[];
  collectionsSeenAt?: number;
  /** The distinct segment files SNAPSHOTING found (content addresses), which bound the upload plan. */
  blobs?: { count: number; bytes: number };
}

/** What a RESTORE job restores, and the tables it holds. */
export interface RestoreDetail {
  sourceDb: string;
  objects: RestoreObject[];
  views?: { name: string; alias?: string }[];
  /** Function names: every overload of a name is restored. */
  functions?: { name: string; alias?: string }[];
  catalogs?: { name: string; alias?: string }[];
  /** `RESTORE … ALL USERS`: what the restore left as it was, and the grants it could not make. */
  accounts?: AccountRestoreReport;
  replicationNum: number;
  allowLoad: boolean;
  metaVersion?: number;
  starrocksMetaVersion?: number;
  /** Existing tables this job set to RESTORE, so a cancel can give them back. */
  held: string[];
}

/**
 * What SHOW RESTORE says of a restore of users: the users and roles that existed already and were left exactly
 * as they are (`'u'@'h'`, `ROLE r`), and the role grants dropped because the role is neither here nor in the
 * snapshot (`ROLE r TO 'u'@'h'`). Each list is capped; `more` counts what was left out.
 */
export interface AccountRestoreReport {
  kept: string[];
  dropped: string[];
  more?: number;
}

export interface BackupJob extends JobCommon {
  type: typeof JobType.BACKUP;
  backup: BackupDetail;
}

export interface RestoreJob extends JobCommon {
  type: typeof JobType.RESTORE;
  restore: RestoreDetail;
}

/** A job record: a backup or a restore, never both; `type` says which. */
export type JobRecord = BackupJob | RestoreJob;

/** The job record of a type: what enterPhase returns for the workflow it was asked about. */
export type JobOf<T extends JobTypeValue> = T extends typeof JobType.BACKUP ? BackupJob : RestoreJob;

/** The record as the job of `type` it must be; anything else is a bug (a phase of one workflow given the other's job). */
export function jobOfType<T extends JobTypeValue>(job: JobRecord, type: T): JobOf<T> {
  if (job.type !== type) throw new InternalError(`Job ${job.jobId} is a ${job.type} job, not ${type}`);
  return job as JobOf<T>;
}

/** The lock and job list of external-catalog jobs: one cluster-wide, as StarRocks' FAKE_DB_ID. `#` cannot occur in a database name. */
export const CATALOG_JOBS = '#catalogs';

/** The database a job locks and is listed under; catalog jobs have no database. */
export function jobScope(db: string): string {
  return db || CATALOG_JOBS;
}

/**
 * The per-database lock. It is never deleted, only released (`jobId` empty), so `token` grows by one with
 * every acquisition or takeover of the scope: the fencing token a job's writes are checked against.
 */
export interface LockRecord {
  /** The holding job; empty when the lock is free. */
  jobId: string;
  /** `host:pid` of the process (or the Lambda function) that last took or renewed it. */
  owner: string;
  acquiredAt: number;
  token: number;
  /** Last renewal; the lease runs out `leaseMs` after it. */
  heartbeatAt: number;
}

/** Counter names kept with `RecordTable.add` on the job record (progress of the fan-out). */
export const JobCounter = { FILES_DONE: 'filesDone', BYTES_DONE: 'bytesDone', BATCHES_DONE: 'batchesDone' } as const;

/** A snapshot with a ttl, indexed by expiry time so the expiry sweep is one query. */
export interface ExpiryRecord {
  repo: string;
  label: string;
  expireTime: number;
  failures: number;
  lastError?: string;
}
