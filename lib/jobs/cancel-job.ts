import { type JobRecord, type RestoreJob, jobOfType } from '../domain/control-types.ts';
import { ErrorName, LockLostError, NotFoundError } from '../domain/errors.ts';
import { layout } from '../domain/repository-layout.ts';
import { BackupState, type JobStatus, JobType, StatusCode, isTerminal, stateRank } from '../domain/states.ts';
import type { CancelInput, JobRef } from '../domain/workflow.ts';
import type { ServiceContext } from './service-context.ts';
import { openRepository } from '../repository/repository-context.ts';
import { collectGarbage } from '../repository/snapshot-gc.ts';
import { uploadItems } from './backup/backup-staging.ts';
import { fence } from './job-guard.ts';
import { releaseTable } from './release-table.ts';
import { restoreCommitting } from './restore/committing.ts';
import type { RestoreCommit } from './restore/restore-plan.ts';
import { readDownload, readTransfers } from './restore/download-lines.ts';
import { clearStaging, readStagingDoc } from './staging.ts';

/**
 * CANCEL: the Catch path of both workflows, the end of a user's CANCEL, and the roll-back of crash
 * recovery. It stops the fan-out (cancel flag), removes what the job wrote, gives held tables back, marks
 * the job CANCELLED and frees the lock, in that order, so running it again after a crash finishes the same
 * work. A restore already in COMMITTING is rolled forward instead: its commit may be partly visible, and
 * finishing it is the only way to avoid a mix. A run that lost its lock to a takeover touches nothing:
 * the process that took the lock over owns the job's fate.
 */
export async function cancelJob(ctx: ServiceContext, input: CancelInput): Promise<JobRef | null> {
  if (!input?.jobId) return null;
  const jobId = input.jobId;
  const stored = await ctx.control.getJob(jobId);
  if (!stored) return null;
  const job = stored.doc;
  if (isTerminal(job.state)) {
    await ctx.control.locks.release(job.db, jobId, job.lockToken);
    await clearStaging(ctx.data, jobId, ctx.workers?.releaseSnapshot);
    return { jobId };
  }
  if (input.error?.Error === ErrorName.LockLost) return { jobId };
  if (job.type === JobType.RESTORE && job.state === 'COMMITTING') return restoreCommitting(ctx, { jobId });
  const status = statusOf(job, input.error);
  if (!(await holdsLock(ctx, job))) return { jobId };
  // The flag goes first: a phase still running sees it before its next write, and the tables it held by
  // then are in the job record read back here.
  const flagged = await ctx.control.updateJob(jobId, (j) => (j.cancelRequested && j.cancelStatus ? undefined : ((j.cancelRequested = true), (j.cancelStatus ??= status), j)));
  if (job.type === JobType.BACKUP) await cleanBackup(ctx, job);
  else await cleanRestore(ctx, { ...job, restore: { ...job.restore, held: jobOfType(flagged, JobType.RESTORE).restore.held } });
  await ctx.control.updateJob(jobId, (j) => {
    if (isTerminal(j.state)) return undefined;
    if (j.lockToken !== job.lockToken) throw new LockLostError(`Job ${jobId} was taken over while it was being cancelled`, jobId, job.lockToken);
    j.state = 'CANCELLED';
    j.status = j.cancelStatus ?? status;
    j.times.finished = ctx.clock.now();
    return j;
  });
  await ctx.control.locks.release(job.db, jobId, job.lockToken);
  return { jobId };
}

/**
 * Whether this run may clean up: the lock still holds the job's token (renewed), or nobody holds it and
 * the job takes it back. When another token or job holds it, the holder is responsible for this job.
 */
async function holdsLock(ctx: ServiceContext, job: JobRecord): Promise<boolean> {
  try {
    await fence(ctx, job);
    return true;
  } catch (e) {
    if (!(e instanceof LockLostError)) throw e;
  }
  if (await ctx.control.locks.get(job.db)) return false;
  const token = await ctx.control.locks.take(job.db, job.jobId, ctx.owner, ctx.leaseMs, ctx.clock.now());
  await ctx.control.updateJob(job.jobId, (j) => ((j.lockToken = token), j));
  job.lockToken = token;
  return true;
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
    // Only this job's files, `__info` first so the snapshot stops existing at once; the label stays usable.
    const store = await openRepository(ctx, repo);
    await store.delete(layout.info(repo.name, job.label, job.timestamp));
    await store.delete(layout.refs(repo.name, job.label, job.timestamp));
    await store.delete(layout.meta(repo.name, job.label, job.timestamp));
    // What it uploaded and no other `__meta` names goes too, under DROP SNAPSHOT's rules (a backup that
    // shares a blob keeps it): a cancelled or killed backup leaves no space behind.
    if (stateRank(JobType.BACKUP, job.state) >= stateRank(JobType.BACKUP, BackupState.UPLOADING)) {
      await collectGarbage(store, repo, ctx.clock, await plannedBlobs(ctx, job.jobId, repo.name));
    }
  }
  await clearStaging(ctx.data, job.jobId, ctx.workers?.releaseSnapshot);
}

/** The blobs the backup planned (its staged upload list); none when it never staged one. */
async function plannedBlobs(ctx: ServiceContext, jobId: string, repo: string): Promise<Set<string>> {
  const shas = new Set<string>();
  try {
    for await (const item of uploadItems(ctx.data, jobId, repo)) shas.add(item.sha256);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  return shas;
}

async function cleanRestore(ctx: ServiceContext, job: RestoreJob): Promise<void> {
  await deleteCopies(ctx, job.jobId);
  const commit = await readStagingDoc<RestoreCommit>(ctx.data, job.jobId, 'commit').catch(absent);
  for (const t of commit?.tables ?? []) for (const p of t.partitions) await ctx.data.delete(p.manifest);
  for (const table of job.restore.held) {
    await fence(ctx, job);
    await releaseTable(ctx, job.db, table, job.jobId);
  }
  await clearStaging(ctx.data, job.jobId, ctx.workers?.releaseSnapshot);
}

const DELETES_AT_ONCE = 16;

/**
 * Deletes every segment file DOWNLOAD named, a few at a time as the staged lines are read (a million of
 * them never gather in memory): from its list of copies, which names each file once, or, for a job staged
 * before that list existed, from its partitions' lines.
 */
async function deleteCopies(ctx: ServiceContext, jobId: string): Promise<void> {
  let batch: string[] = [];
  const flush = async () => {
    await Promise.all([...new Set(batch)].map((key) => ctx.data.delete(key)));
    batch = [];
  };
  const add = async (key: string) => {
    batch.push(key);
    if (batch.length >= DELETES_AT_ONCE) await flush();
  };
  let listed = 0;
  try {
    for await (const copy of readTransfers(ctx.data, jobId, (sha) => sha)) {
      listed++;
      await add(copy.to);
    }
  } catch (e) {
    if (!(e instanceof NotFoundError) || listed) throw e;
    try {
      for await (const p of readDownload(ctx.data, jobId)) {
        for (const tablet of [...p.tablets, ...Object.values(p.indexes ?? {}).flat()]) for (const s of tablet) await add(s.path);
      }
    } catch (e2) {
      absent(e2);
    }
  }
  await flush();
}

/**
 * A restore cancelled before it planned has no download or commit document. Any other failure (access
 * denied, throttling) must not pass for that: the segments the document names would stay behind while the
 * job reads CANCELLED. Thrown, it fails CANCEL's Task, whose retries end in the execution failing with the
 * lock still held, and the recovery sweep runs this again once the lease lapses.
 */
function absent(e: unknown): undefined {
  if (e instanceof NotFoundError) return undefined;
  throw e;
}
