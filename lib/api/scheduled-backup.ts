/**
 * What an EventBridge Scheduler schedule runs: a BACKUP with a label generated from the scheduled time,
 * then DROP SNAPSHOT of that schedule's snapshots beyond the newest `keepLast`. The two statements go
 * through executeStatement, so a schedule does what an operator typing them would; what it needs to know
 * (the database's newest backup job, the repository's snapshots) it reads from the records and the
 * repository, never from the text of a SHOW.
 */
import { AnalysisError, errorCode, errorMessage } from '../domain/errors.ts';
import { JobType } from '../domain/states.ts';
import { parseStatement } from '../sql/parse.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { openRepository } from '../repository/repository-context.ts';
import { listSnapshots } from '../repository/snapshot-list.ts';
import { executeStatement } from '../statements/execute-statement.ts';
import type { ResultSet } from '../statements/result-set.ts';
import type { UserIdentity } from '../access/user-identity.ts';
import { parseRunAsUser, runAsUser } from './run-as.ts';

export interface ScheduledBackupInput {
  database: string;
  repository: string;
  labelPrefix: string;
  /** How many of this schedule's finished snapshots to keep; older ones are dropped. */
  keepLast: number;
  /** The schedule's own time (`<aws.scheduler.scheduled-time>`), so a retried invocation makes the same label. */
  scheduledTime?: string;
  /** The StarRocks user the statements run as (`"user"`: `name` or `'name'@'host'`); required when the schedule runs. */
  user?: UserIdentity;
}

export interface ScheduledBackupOutput {
  label: string;
  jobId?: string;
  /** False when an earlier attempt of the same invocation already started this label's job. */
  started: boolean;
  dropped: string[];
  /** Retention problems do not fail the invocation: the backup is what matters, and the next run tries again. */
  dropFailures: { label: string; code: string; message: string }[];
}

/** Plain identifiers only, so the generated statements need no quoting and cannot be bent into other SQL. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function parseScheduledBackupInput(event: unknown): ScheduledBackupInput {
  const e = (event ?? {}) as Record<string, unknown>;
  const name = (field: string): string => {
    const v = e[field];
    if (typeof v !== 'string' || !IDENTIFIER.test(v)) {
      throw new AnalysisError(`Scheduled backup input: "${field}" must be an identifier of letters, digits and _ (at most 64)`);
    }
    return v;
  };
  const input: ScheduledBackupInput = { database: name('database'), repository: name('repository'), labelPrefix: name('labelPrefix'), keepLast: 0 };
  const keepLast = e['keepLast'];
  if (typeof keepLast !== 'number' || !Number.isInteger(keepLast) || keepLast < 1) {
    throw new AnalysisError('Scheduled backup input: "keepLast" must be an integer of at least 1');
  }
  input.keepLast = keepLast;
  if (e['scheduledTime'] !== undefined) {
    if (typeof e['scheduledTime'] !== 'string' || Number.isNaN(Date.parse(e['scheduledTime']))) {
      throw new AnalysisError('Scheduled backup input: "scheduledTime" must be an ISO 8601 time');
    }
    input.scheduledTime = e['scheduledTime'];
  }
  const user = parseRunAsUser(e['user'], 'Scheduled backup input');
  if (user) input.user = user;
  return input;
}

/** `<prefix>_yyyyMMdd_HHmmss` in UTC: sorts by time, and is a valid StarRocks label. */
export function scheduledLabel(prefix: string, at: Date): string {
  const iso = at.toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ
  return `${prefix}_${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 19).replace(/:/g, '')}`;
}

/**
 * The labels to drop: this schedule's finished snapshots (label `<prefix>_<date>_<time>`, status OK) beyond
 * the newest `keepLast`. Unfinished and foreign snapshots are never counted nor dropped.
 */
export function snapshotsToDrop(snapshots: { label: string; status: string }[], prefix: string, keepLast: number): string[] {
  const ours = new RegExp(`^${prefix}_\\d{8}_\\d{6}$`);
  const labels = [...new Set(snapshots.filter((s) => ours.test(s.label) && s.status === 'OK').map((s) => s.label))];
  return labels.sort().reverse().slice(Math.max(keepLast, 0));
}

/** Runs as the input's user, which must exist: a schedule that names none runs nothing (never as root by default). */
export async function runScheduledBackup(ctx: ServiceContext, input: ScheduledBackupInput): Promise<ScheduledBackupOutput> {
  const user = await runAsUser(ctx, input.user, 'Scheduled backup input');
  const run = (sql: string): Promise<ResultSet> => executeStatement(ctx, parseStatement(sql), { user });
  const { database: db, repository: repo } = input;
  const label = scheduledLabel(input.labelPrefix, input.scheduledTime ? new Date(input.scheduledTime) : new Date(ctx.clock.now()));

  // A retried invocation finds its own job: the database's newest backup, under this label and not cancelled.
  const last = await ctx.control.lastJobOfDatabase(db, JobType.BACKUP);
  const newest = last ? (await ctx.control.getJob(last.jobId))?.doc : undefined;
  const alreadyStarted = newest !== undefined && newest.label === label && newest.state !== 'CANCELLED';
  let jobId = alreadyStarted ? newest.jobId : undefined;
  if (!alreadyStarted) {
    const accepted = await run(`BACKUP DATABASE ${db} SNAPSHOT ${label} TO ${repo}`);
    // The backup's outcome is the job's (SHOW BACKUP); here it would only be an unhandled rejection.
    void accepted.job?.done?.catch(() => undefined);
    jobId = accepted.job?.jobId;
  }

  const record = await ctx.control.requireRepository(repo);
  const listed = await listSnapshots(await openRepository(ctx, record), record);
  const snapshots = listed.map((l) => ({ label: l.label, status: l.info ? 'OK' : 'ERROR' }));
  const output: ScheduledBackupOutput = { label, ...(jobId ? { jobId } : {}), started: !alreadyStarted, dropped: [], dropFailures: [] };
  for (const old of snapshotsToDrop(snapshots, input.labelPrefix, input.keepLast).filter((l) => l !== label)) {
    try {
      await run(`DROP SNAPSHOT ${old} ON ${repo}`);
      output.dropped.push(old);
    } catch (e) {
      output.dropFailures.push({ label: old, code: errorCode(e), message: errorMessage(e) });
    }
  }
  return output;
}
