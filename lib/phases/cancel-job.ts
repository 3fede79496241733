import { TableState } from '../domain/catalog-types.ts';
import type { JobRecord } from '../domain/control-types.ts';
import { ConditionFailedError, ErrorName } from '../domain/errors.ts';
import { layout } from '../domain/repository-layout.ts';
import { type JobStatus, JobType, StatusCode, isTerminal } from '../domain/states.ts';
import type { CancelInput, JobRef } from '../domain/workflow.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { restoreCommitting } from './restore-commit.ts';
import type { RestoreCommit, RestoreDownload } from './restore-plan.ts';
import { clearStaging, readStagingDoc } from './staging.ts';

/**
 * CANCEL: the Catch path of both workflows, and the end of a user's CANCEL. It stops the fan-out (cancel
 * flag), removes what the job wrote, gives held tables back, marks the job CANCELLED and frees the lock, in
 * that order, so running it again after a crash finishes the same work. A restore already in COMMITTING
 * is rolled forward instead: its commit may be partly visible, and finishing it is the only way to avoid a mix.
 */
export async function cancelJob(ctx: ServiceContext, input: CancelInput): Promise<JobRef | null> {
  if (!input?.jobId) return null;
  const jobId = input.jobId;
  const { doc: job } = await ctx.control.requireJob(jobId);
  if (isTerminal(job.state)) {
    await ctx.control.unlockDatabase(job.db, jobId);
    await clearStaging(ctx.data, jobId);
    return { jobId };
  }
  if (job.type === JobType.RESTORE && job.state === 'COMMITTING') return restoreCommitting(ctx, { jobId });
  const status = statusOf(job, input.error);
  await ctx.control.updateJob(jobId, (j) => (j.cancelRequested ? undefined : ((j.cancelRequested = true), j)));
  if (job.type === JobType.BACKUP) await cleanBackup(ctx, job);
  else await cleanRestore(ctx, job);
  await ctx.control.updateJob(jobId, (j) => {
    if (isTerminal(j.state)) return undefined;
    j.state = 'CANCELLED';
    j.status = status;
    j.times.finished = ctx.clock.now();
    return j;
  });
  await ctx.control.unlockDatabase(job.db, jobId);
  return { jobId };
}

/** StarRocks' status text for each way a job can end early. */
function statusOf(job: JobRecord, error: CancelInput['error']): JobStatus {
  const name = error?.Error ?? ErrorName.JobCancelled;
  const message = causeMessage(error?.Cause);
  if (name === ErrorName.JobTimeout) {
    return job.type === JobType.BACKUP ? { code: StatusCode.TIMEOUT, msg: '' } : { code: StatusCode.TIMEOUT, msg: `restore job with label: ${job.label}  timeout.` };
  }
  if (name === ErrorName.JobCancelled && (message === 'user cancelled' || !message)) {
    return { code: StatusCode.COMMON_ERROR, msg: job.type === JobType.BACKUP ? 'user cancelled' : `user cancelled, current state: ${job.state}` };
  }
  const code = name === ErrorName.NotFound ? StatusCode.NOT_FOUND : name === ErrorName.Integrity ? StatusCode.BAD_FILE : name === ErrorName.BadReplace ? StatusCode.BAD_REPLACE : StatusCode.COMMON_ERROR;
  return { code, msg: message || name };
}

/** Lambda wraps errors as JSON `{"errorType", "errorMessage"}` in Cause; the local runner passes the message. */
export function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the message itself
  }
  return cause;
}

async function cleanBackup(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const repo = await ctx.control.getRepository(job.repo);
  if (repo) {
    // Only this job's files: the label stays usable, and another snapshot's files are never touched.
    const store = await openRepository(ctx, repo);
    await store.delete(layout.info(repo.name, job.label, job.timestamp));
    await store.delete(layout.meta(repo.name, job.label, job.timestamp));
  }
  await clearStaging(ctx.data, job.jobId);
}

async function cleanRestore(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const written: string[] = [];
  const download = await readStagingDoc<RestoreDownload>(ctx.data, job.jobId, 'download').catch(() => undefined);
  for (const t of download?.tables ?? []) {
    for (const p of t.partitions) for (const tablet of [...p.tablets, ...Object.values(p.indexes ?? {}).flat()]) for (const s of tablet) written.push(s.path);
  }
  const commit = await readStagingDoc<RestoreCommit>(ctx.data, job.jobId, 'commit').catch(() => undefined);
  for (const t of commit?.tables ?? []) for (const p of t.partitions) written.push(p.manifest);
  for (const key of new Set(written)) await ctx.data.delete(key);
  for (const table of job.restore!.held) await release(ctx, job, table);
  await clearStaging(ctx.data, job.jobId);
}

async function release(ctx: ServiceContext, job: JobRecord, table: string): Promise<void> {
  for (;;) {
    const cur = await ctx.catalog.getTable(job.db, table);
    if (!cur || cur.doc.state !== TableState.RESTORE || cur.doc.restoreJobId !== job.jobId) return;
    const { restoreJobId: _held, ...rest } = cur.doc;
    try {
      await ctx.catalog.replaceTable(job.db, { ...rest, state: TableState.NORMAL }, cur.version);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
}
