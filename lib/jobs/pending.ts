import { AnalysisError, errorCode, errorMessage, isTransient } from '../domain/errors.ts';
import { BackupState, JobType, type JobTypeValue, RestoreState } from '../domain/states.ts';
import type { ExecutionInput, JobRef } from '../domain/workflow.ts';
import { parseStatement } from '../sql/parse.ts';
import { cancelJob } from './cancel-job.ts';
import type { ServiceContext } from './service-context.ts';
import { advance, enterPhase } from './job-guard.ts';
import { submitBackup } from './backup/submit-backup.ts';
import { submitRestore } from './restore/submit-restore.ts';

/**
 * PENDING of both workflows (jobs/backup/pending.ts, jobs/restore/pending.ts). An execution started by the
 * API already has its job; one started by hand from the console carries `{"statement": "BACKUP …"}` and is
 * submitted here through the same analysis.
 */
export async function pending(ctx: ServiceContext, input: ExecutionInput, type: JobTypeValue): Promise<JobRef> {
  const word = type === JobType.BACKUP ? 'BACKUP' : 'RESTORE';
  let jobId: string;
  if (input && typeof input === 'object' && 'statement' in input && typeof input.statement === 'string') {
    const stmt = parseStatement(input.statement);
    if (stmt.kind === 'Backup' && type === JobType.BACKUP) jobId = (await submitBackup(ctx, stmt)).jobId;
    else if (stmt.kind === 'Restore' && type === JobType.RESTORE) jobId = (await submitRestore(ctx, stmt)).jobId;
    // The statement's first words, not its parser kind (users never see those), and nothing past them: the rest may hold keys.
    else throw new AnalysisError(`The ${word.toLowerCase()} workflow runs ${word} statements; "${leadingWords(input.statement)} …" is not one`);
  } else if (input && typeof input === 'object' && 'jobId' in input && typeof input.jobId === 'string') {
    jobId = input.jobId;
  } else {
    throw new AnalysisError(`Execution input must be {"jobId": "…"} or {"statement": "${word} …"}`);
  }
  try {
    const { job, done } = await enterPhase(ctx, jobId, type, BackupState.PENDING);
    if (!done) await advance(ctx, job, type === JobType.BACKUP ? BackupState.SNAPSHOTING : RestoreState.SNAPSHOTING);
  } catch (e) {
    // The workflow routes a failed PENDING to REJECTED, not to CANCEL (a console input may have no job yet),
    // so a job that exists is cancelled here: it must not keep its lock until its lease runs out. A
    // transient error is left to the Task's Retry, which runs this again.
    if (isTransient(e)) throw e;
    await cancelJob(ctx, { jobId, error: { Error: errorCode(e), Cause: errorMessage(e) } });
    throw e;
  }
  return { jobId };
}

function leadingWords(statement: string): string {
  return statement.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase().replace(/[^A-Z0-9_ ]/g, '');
}
