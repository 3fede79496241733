import type { TaskHandler } from '../../lib/adapters/local-sfn/local-orchestrator.ts';
import type { ControlStore } from '../../lib/control/control-store.ts';
import type { JobRecord } from '../../lib/domain/control-types.ts';
import { errorMessage } from '../../lib/domain/errors.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
import { executeStatement } from '../../lib/statements/execute-statement.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import type { HandlerWrapper } from '../../bin/task-bindings.ts';

/**
 * The fault-injection seam of the reliability tests. Faults are armed per database (each scenario uses its
 * own) and fire at one Task of the job on it:
 * - throw:   the handler fails right before it advances the job (its side effects done, the state not moved);
 *            a batch task fails after its batch was transferred.
 * - kill:    at the same point the handler hangs for ever, as a killed process does; the test then abandons
 *            the execution and runs recovery.
 * - timeout: the handler sleeps past the Task's TimeoutSeconds, then runs anyway (a late, zombie invocation).
 * - cancel:  `CANCEL BACKUP|RESTORE` is issued as soon as the job enters the state of that name.
 * It uses only the embedded runtime's `wrapHandlers` option and a decorator of `ctx.control`; the product
 * code has no fault checks of its own.
 */
export type FaultKind = 'throw' | 'kill' | 'timeout' | 'cancel';

interface Armed {
  at: string;
  kind: FaultKind;
  /** A fault fires once; the cancel path and recovery that follow it run undisturbed. */
  fired: boolean;
  errorName?: string;
  hit: Deferred<JobRecord>;
  /** The answer of the CANCEL statement a `cancel` fault issued (an error message, or 'OK'). */
  cancelAnswer?: string;
}

export class InjectedFault extends Error {
  constructor(message: string, override readonly name = 'InjectedFault') {
    super(message);
  }
}

const BATCH_TASKS = new Set(['UPLOAD_BATCH', 'DOWNLOAD_BATCH']);
const never = () => new Promise<never>(() => undefined);

export class FaultInjector {
  private readonly armed = new Map<string, Armed>();
  private readonly dbs = new Map<string, string>();
  /** Handlers still running after their Task timed out; await them before checking what they left. */
  readonly zombies: Promise<unknown>[] = [];

  constructor(private readonly ctx: ServiceContext, private readonly timeoutMs = 0) {
    this.install();
  }

  /**
   * Arms a fault for the next job on this database; resolves with the job when it fires. `errorName` names
   * the thrown error (e.g. RetryableStorageError: a transient failure the Task's Retry runs again).
   */
  arm(db: string, at: string, kind: FaultKind, errorName?: string): Promise<JobRecord> {
    const a: Armed = { at, kind, fired: false, hit: deferred<JobRecord>(), ...(errorName ? { errorName } : {}) };
    this.armed.set(db, a);
    return a.hit.promise;
  }

  cancelAnswer(db: string): string | undefined {
    return this.armed.get(db)?.cancelAnswer;
  }

  readonly wrap: HandlerWrapper = (_workflow, state, handler): TaskHandler => async (input) => {
    const jobId = (input as { jobId?: unknown } | null)?.jobId;
    const a = typeof jobId === 'string' ? await this.faultOf(jobId) : undefined;
    if (!a || a.fired || a.at !== state) return handler(input);
    // Faults of the other Tasks fire inside the handler, at its advance (see install).
    const here = a.kind === 'timeout' || (a.kind === 'cancel' && state === 'PENDING') || (BATCH_TASKS.has(state) && a.kind !== 'cancel');
    if (!here) return handler(input);
    a.fired = true;
    const job = (await this.ctx.control.requireJob(jobId as string)).doc;
    if (a.kind === 'timeout') {
      const late = sleep(this.timeoutMs).then(() => handler(input));
      this.zombies.push(late.catch(() => undefined));
      a.hit.resolve(job);
      return late;
    }
    if (a.kind === 'cancel') {
      await this.cancel(a, job);
      return handler(input);
    }
    await handler(input);
    a.hit.resolve(job);
    if (a.kind === 'kill') return never();
    throw new InjectedFault(`injected fault after ${state}`, a.errorName);
  };

  private async faultOf(jobId: string): Promise<Armed | undefined> {
    let db = this.dbs.get(jobId);
    if (db === undefined) {
      db = (await this.ctx.control.getJob(jobId))?.doc.db;
      if (db === undefined) return undefined;
      this.dbs.set(jobId, db);
    }
    return this.armed.get(db);
  }

  private async cancel(a: Armed, job: JobRecord): Promise<void> {
    const word = job.type === 'BACKUP' ? 'BACKUP' : 'RESTORE';
    const from = job.db ? `FROM \`${job.db}\`` : 'FOR EXTERNAL CATALOG';
    try {
      await executeStatement(this.ctx, parseStatement(`CANCEL ${word} ${from}`), {});
      a.cancelAnswer = 'OK';
    } catch (e) {
      a.cancelAnswer = errorMessage(e);
    }
    a.hit.resolve(job);
  }

  /** Wraps updateJob: faults fire on the write that moves a job out of (throw, kill) or into (cancel) a state. */
  private install(): void {
    const inner = this.ctx.control;
    const faulty: ControlStore = Object.create(inner);
    faulty.updateJob = async (jobId, change) => {
      const a = await this.faultOf(jobId);
      if (!a || a.fired) return inner.updateJob(jobId, change);
      let leaving = undefined as JobRecord | undefined;
      let from = '';
      const next = await inner.updateJob(jobId, (j) => {
        from = j.state;
        const n = change(j);
        if (n && n.state !== from && from === a.at && (a.kind === 'throw' || a.kind === 'kill')) {
          leaving = n;
          return undefined;
        }
        return n;
      });
      if (leaving) {
        a.fired = true;
        a.hit.resolve(leaving);
        if (a.kind === 'kill') return never();
        throw new InjectedFault(`injected fault in ${a.at}, before the job left it`, a.errorName);
      }
      if (a.kind === 'cancel' && next.state === a.at && from !== a.at) {
        a.fired = true;
        await this.cancel(a, next);
      }
      return next;
    };
    this.ctx.control = faulty;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}
