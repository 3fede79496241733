import { ANY_HOST, ROOT_USER, identityText } from '../access/user-identity.ts';
import type { JobRecord } from '../domain/control-types.ts';
import { AnalysisError, NotFoundError, errorCode, errorMessage } from '../domain/errors.ts';
import { JobType, type JobTypeValue, isTerminal } from '../domain/states.ts';
import type { StatementOf } from '../sql/ast.ts';
import type { StoredRecord } from '../ports/record-table.ts';
import { cancelJob } from '../jobs/cancel-job.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { BACKUP_RESULT, RESTORE_RESULT } from './job-rows.ts';
import { type ResultSet, ok } from './result-set.ts';
import type { Session } from './session.ts';
import { submitBackup } from '../jobs/backup/submit-backup.ts';
import { submitRestore } from '../jobs/restore/submit-restore.ts';
import { whereRows } from './where-filter.ts';

/** BACKUP and RESTORE: the synchronous checks, then the workflow execution. They return once it is accepted. */
export async function backup(ctx: ServiceContext, s: StatementOf<'Backup'>, session: Session): Promise<ResultSet> {
  return start(ctx, await submitBackup(ctx, s, session.db, startedBy(session)));
}

export async function restore(ctx: ServiceContext, s: StatementOf<'Restore'>, session: Session): Promise<ResultSet> {
  return start(ctx, await submitRestore(ctx, s, startedBy(session)));
}

/** The user a job keeps: the session's, or root for the home's owner. */
const startedBy = (session: Session) => identityText(session.user ? { user: session.user.name, host: session.user.host } : { user: ROOT_USER, host: ANY_HOST });

async function start(ctx: ServiceContext, job: JobRecord): Promise<ResultSet> {
  let done: Promise<void> | undefined;
  try {
    const exec = await ctx.orchestrator.start(job.type, { jobId: job.jobId }, job.jobId);
    done = exec.done;
    await ctx.control.updateJob(job.jobId, (j) => ((j.executionId = exec.executionId), j));
  } catch (e) {
    // No execution means nobody else will clean up: cancel here so the lock is not left behind.
    await cancelJob(ctx, { jobId: job.jobId, error: { Error: errorCode(e), Cause: errorMessage(e) } });
    throw e;
  }
  return { ...ok(), job: { jobId: job.jobId, type: job.type, label: job.label, ...(done ? { done } : {}) } };
}

/** The newest job of a type in a database (ids sort by creation time). */
async function lastJob(ctx: ServiceContext, db: string, type: JobTypeValue): Promise<StoredRecord<JobRecord> | undefined> {
  const last = await ctx.control.lastJobOfDatabase(db, type);
  return last ? ctx.control.getJob(last.jobId) : undefined;
}

async function lastJobs(ctx: ServiceContext, db: string | undefined, type: JobTypeValue): Promise<StoredRecord<JobRecord>[]> {
  const dbs = db ? [db] : await ctx.control.databasesWithJobs();
  const jobs = await Promise.all(dbs.map((d) => lastJob(ctx, d, type)));
  return jobs.filter((j): j is StoredRecord<JobRecord> => j !== undefined);
}

/**
 * `FROM db` must name a database (BackupRestoreAnalyzer.visitShowBackupStatement / visitShowRestoreStatement).
 * A database that jobs name counts too: a RESTORE into a new database creates it only when it commits, where
 * StarRocks has it from the start, so SHOW RESTORE and CANCEL RESTORE must find the job meanwhile.
 */
async function requireDatabase(ctx: ServiceContext, db: string | undefined): Promise<void> {
  if (db === undefined || (await ctx.catalog.getDatabase(db))) return;
  if (await ctx.control.lastJobOfDatabase(db)) return;
  throw new NotFoundError(`Unknown database '${db}'`, { mysqlCode: 'ERR_BAD_DB_ERROR' });
}

export async function showBackup(ctx: ServiceContext, s: StatementOf<'ShowBackup'>): Promise<ResultSet> {
  await requireDatabase(ctx, s.db);
  return whereRows(BACKUP_RESULT.of(await lastJobs(ctx, s.db, JobType.BACKUP)), s.where);
}

export async function showRestore(ctx: ServiceContext, s: StatementOf<'ShowRestore'>): Promise<ResultSet> {
  await requireDatabase(ctx, s.db);
  return whereRows(RESTORE_RESULT.of(await lastJobs(ctx, s.db, JobType.RESTORE)), s.where);
}

/** CANCEL sets the job's cancel flag; the running workflow sees it at its next check and takes the cancel path. */
export async function cancel(ctx: ServiceContext, s: StatementOf<'CancelBackup' | 'CancelRestore'>, session: Session): Promise<ResultSet> {
  const type = s.kind === 'CancelBackup' ? JobType.BACKUP : JobType.RESTORE;
  const db = s.externalCatalog ? '' : s.db ?? session.db;
  if (db === undefined) throw new AnalysisError('No database selected', { mysqlCode: 'ERR_NO_DB_ERROR' });
  // BackupHandler.cancel → getAbstractJobByDbName: an unknown database is said so, before "no job".
  if (!s.externalCatalog) await requireDatabase(ctx, db);
  const job = await lastJob(ctx, db, type);
  if (!job) throw new AnalysisError(type === JobType.BACKUP ? 'No backup job is currently running' : 'No restore is currently running');
  const refuse = (state: string) => new AnalysisError(`Failed to cancel job: Job with label ${job.doc.label} can not be cancelled. state: ${state}`);
  // Checked inside the conditional write: a restore that reached COMMITTING meanwhile is refused, never
  // flagged, because it can only go forward (and its own advance refuses once the flag is set).
  await ctx.control.updateJob(job.doc.jobId, (x) => {
    if (isTerminal(x.state) || x.state === 'COMMITTING') throw refuse(x.state);
    return x.cancelRequested ? undefined : ((x.cancelRequested = true), x);
  });
  return ok();
}
