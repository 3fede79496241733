import { JobCounter, type JobRecord } from '../lib/domain/control-types.ts';
import { JobFailedError, NotFoundError, errorCode } from '../lib/domain/errors.ts';
import { mysqlErrorOf } from '../lib/domain/mysql-errors.ts';
import { checkScriptLength } from '../lib/domain/limits.ts';
import { renderStatus } from '../lib/domain/states.ts';
import { ControlStore } from '../lib/control/control-store.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import type { StoredRecord } from '../lib/ports/record-table.ts';
import { executeStatement } from '../lib/statements/execute-statement.ts';
import { expireSnapshots } from '../lib/repository/expire-snapshots.ts';
import { type ResultSet, table } from '../lib/statements/result-set.ts';
import type { Session } from '../lib/statements/session.ts';
import { parseScript } from '../lib/sql/parse.ts';
import { redactStatement } from '../lib/sql/redact-statement.ts';
import { echoedError } from '../lib/api/api-request.ts';
import type { JobProgress } from './progress-line.ts';

/** One executed statement, as `--json` prints it. */
export interface Outcome {
  statement: string;
  result?: ResultSet;
  error?: OutcomeError;
  seconds: number;
}

/** `code` is the stable name (lib/domain/errors.ts); errno and sqlstate are what the mysql client prints. */
export interface OutcomeError {
  code: string;
  errno: number;
  sqlstate: string;
  message: string;
}

/** The BACKUP or RESTORE job a statement started, while the script waits for it. */
export interface WaitedJob {
  jobId: string;
  type: string;
  label: string;
}

export interface RunOptions {
  session?: Session;
  /** Called with the job's progress while a BACKUP or RESTORE runs (every 500 ms) and once at its end. */
  progress?: (p: JobProgress) => void;
  /** Told when the script starts and stops waiting for a job (so Ctrl-C can cancel it). */
  waiting?: (job: WaitedJob | undefined) => void;
  /** Called after each statement, so output appears as it happens. */
  onOutcome?: (o: Outcome) => void;
}

/**
 * Runs a script statement by statement and stops at the first failure. In the embedded runtime a BACKUP or
 * RESTORE waits for its job to end, so the next statement sees the result; a job that ends CANCELLED is
 * that statement's error.
 */
export async function runScript(ctx: ServiceContext, sql: string, options: RunOptions = {}): Promise<Outcome[]> {
  const session = options.session ?? {};
  const outcomes: Outcome[] = [];
  const emit = (o: Outcome) => { outcomes.push(o); options.onOutcome?.(o); };
  // Snapshots whose ttl ran out go first; a failure there is recorded on the expiry entry, not the user's statement.
  await expireSnapshots(ctx).catch(() => undefined);
  // Statements before a syntax error still run, as the mysql client would run them.
  const { statements, failure } = parseScript(sql);
  try {
    checkScriptLength(statements.length + (failure ? 1 : 0));
  } catch (e) {
    emit({ statement: `${redactStatement(sql.slice(0, 60))}…`, error: outcomeError(e), seconds: 0 });
    return outcomes;
  }
  let failed = false;
  for (const stmt of statements) {
    const started = performance.now();
    try {
      let result = await executeStatement(ctx, stmt, session);
      if (result.job?.done) result = await waitForJob(ctx, result, options);
      emit({ statement: redactStatement(stmt.text), result, seconds: (performance.now() - started) / 1000 });
    } catch (e) {
      emit({ ...echoed(e, stmt.text), seconds: (performance.now() - started) / 1000 });
      failed = true;
      break;
    }
  }
  if (failure && !failed) emit({ ...echoed(failure.error, failure.text), seconds: 0 });
  return outcomes;
}

async function waitForJob(ctx: ServiceContext, result: ResultSet, options: RunOptions): Promise<ResultSet> {
  const job = result.job!;
  const { progress } = options;
  const report = async () => {
    const r = await ctx.control.getJob(job.jobId);
    if (!r || !progress) return r;
    const j = r.doc;
    progress({
      type: j.type, label: j.label, state: j.state,
      files: ControlStore.progressOf(r, JobCounter.FILES_DONE), totalFiles: j.totals.files,
      bytes: ControlStore.progressOf(r, JobCounter.BYTES_DONE), totalBytes: j.totals.bytes,
    });
    return r;
  };
  // Reports run one after another, and the last one after them all: a slow read never draws an older state.
  let reported: Promise<unknown> = Promise.resolve();
  const timer = progress ? setInterval(() => { reported = reported.then(report).catch(() => undefined); }, 500) : undefined;
  options.waiting?.({ jobId: job.jobId, type: job.type, label: job.label });
  let last: StoredRecord<JobRecord> | undefined;
  try {
    try {
      await job.done;
    } finally {
      if (timer) clearInterval(timer);
    }
    await reported;
    // The job has ended: this one read draws the final progress and decides the statement's result.
    last = await report();
  } finally {
    options.waiting?.(undefined);
  }
  if (!last) throw new NotFoundError(`Job ${job.jobId} does not exist`);
  const j = last.doc;
  if (j.state !== 'FINISHED') {
    throw new JobFailedError(`${j.type} job '${j.label}' ended ${j.state}: ${renderStatus(j.status)}`);
  }
  return table(['JobId', 'Label', 'State', 'Timestamp'], [[j.jobId, j.label, j.state, j.timestamp]]);
}

/** Any thrown value as an outcome's error. */
export function outcomeError(err: unknown): OutcomeError {
  const { errno, sqlstate, message } = mysqlErrorOf(err);
  return { code: errorCode(err), errno, sqlstate, message };
}

/** A failed statement as printed: secrets masked in its text and in the message. */
function echoed(err: unknown, statement: string): { statement: string; error: OutcomeError } {
  const { code, message, statement: text } = echoedError(err, statement);
  const { errno, sqlstate } = mysqlErrorOf(err);
  return { statement: text ?? '', error: { code, errno, sqlstate, message } };
}
