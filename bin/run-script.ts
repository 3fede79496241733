import { JobCounter } from '../lib/domain/control-types.ts';
import { JobFailedError, errorCode, errorMessage } from '../lib/domain/errors.ts';
import { checkScriptLength } from '../lib/domain/limits.ts';
import { renderStatus } from '../lib/domain/states.ts';
import { ControlStore } from '../lib/control/control-store.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import { executeStatement } from '../lib/statements/execute-statement.ts';
import { expireSnapshots } from '../lib/repository/expire-snapshots.ts';
import { type ResultSet, table } from '../lib/statements/result-set.ts';
import type { Session } from '../lib/statements/session.ts';
import { parseScript } from '../lib/sql/parse.ts';
import { redactStatement } from '../lib/sql/redact-statement.ts';
import { echoedError } from '../lib/api/api-request.ts';

/** One executed statement, as `--json` prints it. */
export interface Outcome {
  statement: string;
  result?: ResultSet;
  error?: { code: string; message: string };
  seconds: number;
}

export interface RunOptions {
  session?: Session;
  /** Called with a one-line status while a BACKUP or RESTORE runs. */
  progress?: (line: string) => void;
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
    emit({ statement: `${redactStatement(sql.slice(0, 60))}…`, error: { code: errorCode(e), message: errorMessage(e) }, seconds: 0 });
    return outcomes;
  }
  let failed = false;
  for (const stmt of statements) {
    const started = performance.now();
    try {
      let result = await executeStatement(ctx, stmt, session);
      if (result.job?.done) result = await waitForJob(ctx, result, options.progress);
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

async function waitForJob(ctx: ServiceContext, result: ResultSet, progress?: (line: string) => void): Promise<ResultSet> {
  const job = result.job!;
  let last = '';
  const report = async () => {
    const r = await ctx.control.getJob(job.jobId);
    if (!r || !progress) return;
    const j = r.doc;
    const line = `${j.type} ${j.label}: ${j.state} ${ControlStore.progressOf(r, JobCounter.FILES_DONE)}/${j.totals.files} files, ${ControlStore.progressOf(r, JobCounter.BYTES_DONE)}/${j.totals.bytes} bytes`;
    if (line !== last) progress(line);
    last = line;
  };
  const timer = progress ? setInterval(() => void report().catch(() => undefined), 500) : undefined;
  try {
    await job.done;
  } finally {
    if (timer) clearInterval(timer);
  }
  await report();
  const { doc: j } = await ctx.control.requireJob(job.jobId);
  if (j.state !== 'FINISHED') {
    throw new JobFailedError(`${j.type} job '${j.label}' ended ${j.state}: ${renderStatus(j.status)}`);
  }
  return table(['JobId', 'Label', 'State', 'Timestamp'], [[j.jobId, j.label, j.state, j.timestamp]]);
}

/** A failed statement as printed: secrets masked in its text and in the message. */
function echoed(err: unknown, statement: string): { statement: string; error: { code: string; message: string } } {
  const { code, message, statement: text } = echoedError(err, statement);
  return { statement: text ?? '', error: { code, message } };
}
