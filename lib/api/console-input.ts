/**
 * PENDING of an execution started by hand (the Step Functions console, `aws stepfunctions start-execution`)
 * with `{"statement": "BACKUP …", "user": "…"}`: the statement runs through executeStatement as that user,
 * so it meets the same analysis and privilege checks as on the API, and its job is this execution's.
 * An execution the API started (`{"jobId": …}`) goes straight to the PENDING phase.
 */
import { AnalysisError } from '../domain/errors.ts';
import { JobType, type JobTypeValue } from '../domain/states.ts';
import type { ExecutionInput, JobRef } from '../domain/workflow.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import { parseStatement } from '../sql/parse.ts';
import { pending } from '../jobs/pending.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { executeStatement } from '../statements/execute-statement.ts';
import { parseRunAsUser, runAsUser } from './run-as.ts';

/** Marks the job's execution as the console's own: the statement must not start a second one. */
export const CONSOLE_EXECUTION = 'console';
const WHAT = 'Console execution input';
const thisExecution: Orchestrator = { start: async () => ({ executionId: CONSOLE_EXECUTION }) };

/** The backupPending and restorePending phases: a console input's statement first, then the job's PENDING. */
export const backupPending = (ctx: ServiceContext, input: ExecutionInput): Promise<JobRef> => consolePending(ctx, input, JobType.BACKUP);
export const restorePending = (ctx: ServiceContext, input: ExecutionInput): Promise<JobRef> => consolePending(ctx, input, JobType.RESTORE);

export async function consolePending(ctx: ServiceContext, input: ExecutionInput, type: JobTypeValue): Promise<JobRef> {
  if (!input || typeof input !== 'object' || !('statement' in input) || typeof input.statement !== 'string') return pending(ctx, input, type);
  const word = type === JobType.BACKUP ? 'BACKUP' : 'RESTORE';
  // What the input says first, then who runs it (a read), then the statement as that user.
  const named = parseRunAsUser(input.user, WHAT);
  const stmt = parseStatement(input.statement);
  if (stmt.kind !== (type === JobType.BACKUP ? 'Backup' : 'Restore')) {
    // The statement's first words, not its parser kind (users never see those), and nothing past them: the rest may hold keys.
    throw new AnalysisError(`The ${word.toLowerCase()} workflow runs ${word} statements; "${leadingWords(input.statement)} …" is not one`);
  }
  const user = await runAsUser(ctx, named, WHAT);
  const accepted = await executeStatement({ ...ctx, orchestrator: thisExecution }, stmt, { user });
  if (!accepted.job) throw new AnalysisError(`The ${word} statement started no job`);
  return pending(ctx, { jobId: accepted.job.jobId }, type);
}

function leadingWords(statement: string): string {
  return statement.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase().replace(/[^A-Z0-9_ ]/g, '');
}
