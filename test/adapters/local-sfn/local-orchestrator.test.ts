import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeDefinitions, type WorkflowDefinitions } from '../../../cdk/synth-definitions.ts';
import { taskStateNames } from '../../../lib/adapters/local-sfn/asl-states.ts';
import {
  LocalOrchestrator,
  type LocalHandlers,
  type TaskHandler,
} from '../../../lib/adapters/local-sfn/local-orchestrator.ts';
import { AnalysisError, ErrorName, IntegrityError, LockConflictError, StorageError } from '../../../lib/domain/errors.ts';
import { BackupTask, RestoreTask, type BatchRef } from '../../../lib/domain/workflow.ts';

const MAX_CONCURRENCY = 2;
let defs: WorkflowDefinitions;
beforeAll(() => {
  defs = synthesizeDefinitions({ workers: { upload: MAX_CONCURRENCY, download: MAX_CONCURRENCY } });
});

const batches: BatchRef[] = [0, 1, 2, 3, 4];
const tick = () => new Promise((r) => setTimeout(r, 5));

/**
 * Fake handlers that record every call; `fail` makes a state throw while it returns an error, and
 * `batchOutput` is what the batch states return (null: the batch is done).
 */
function recorder(fail: Record<string, (input: any, attempt: number) => unknown> = {}, validate = false, batchOutput: (input: any) => unknown = () => undefined) {
  const calls: { state: string; input: any }[] = [];
  let active = 0;
  let peak = 0;
  const handler = (state: string, output: (input: any) => unknown): TaskHandler => async (input) => {
    calls.push({ state, input });
    const attempt = calls.filter((c) => c.state === state && JSON.stringify(c.input) === JSON.stringify(input)).length;
    const error = fail[state]?.(input, attempt);
    if (error !== undefined) throw error;
    return output(input);
  };
  const batch = (state: string): TaskHandler => {
    const record = handler(state, batchOutput);
    return async (input) => {
      peak = Math.max(peak, ++active);
      try {
        await tick();
        return await record(input);
      } finally {
        active--;
      }
    };
  };
  const jobRef = (input: any) => ({ jobId: input.jobId });
  const plan = (input: any) => ({ jobId: input.jobId, batches });
  const handlers: LocalHandlers = {
    BACKUP: {
      PENDING: handler(BackupTask.PENDING, () => ({ jobId: 'job-1' })),
      SNAPSHOTING: handler(BackupTask.SNAPSHOTING, jobRef),
      UPLOAD_SNAPSHOT: handler(BackupTask.UPLOAD_SNAPSHOT, plan),
      UPLOAD_BATCH: batch(BackupTask.UPLOAD_BATCH),
      SAVE_META: handler(BackupTask.SAVE_META, jobRef),
      UPLOAD_INFO: handler(BackupTask.UPLOAD_INFO, jobRef),
      CANCEL: handler(BackupTask.CANCEL, jobRef),
    },
    RESTORE: {
      PENDING: handler(RestoreTask.PENDING, () => ({ jobId: 'job-2' })),
      SNAPSHOTING: handler(RestoreTask.SNAPSHOTING, jobRef),
      DOWNLOAD: handler(RestoreTask.DOWNLOAD, plan),
      DOWNLOAD_BATCH: batch(RestoreTask.DOWNLOAD_BATCH),
      COMMIT: handler(RestoreTask.COMMIT, jobRef),
      COMMITTING: handler(RestoreTask.COMMITTING, jobRef),
      CANCEL: handler(RestoreTask.CANCEL, jobRef),
    },
  };
  const orchestrator = new LocalOrchestrator({ definitions: async () => defs, handlers, retryDelayMs: 1, validate });
  return { orchestrator, calls, states: () => calls.map((c) => c.state), peak: () => peak };
}

const once = (error: Error) => (_input: unknown, attempt: number) => (attempt === 1 ? error : undefined);
const lambdaCause = (name: string, message: string) => JSON.stringify({ errorType: name, errorMessage: message });

describe('LocalOrchestrator', () => {
  it('has a handler for every Task state of both definitions', () => {
    expect(taskStateNames(defs.backup).sort()).toEqual(Object.values(BackupTask).sort());
    expect(taskStateNames(defs.restore).sort()).toEqual(Object.values(RestoreTask).sort());
  });

  it('installs Promise.withResolvers', () => {
    expect(typeof (Promise as unknown as { withResolvers: unknown }).withResolvers).toBe('function');
  });

  it.each([
    ['BACKUP', ['PENDING', 'SNAPSHOTING', 'UPLOAD_SNAPSHOT', 'UPLOADING', 'SAVE_META', 'UPLOAD_INFO', 'FINISHED'], 'UPLOAD_BATCH', 'job-1'],
    ['RESTORE', ['PENDING', 'SNAPSHOTING', 'DOWNLOAD', 'DOWNLOADING', 'COMMIT', 'COMMITTING', 'FINISHED'], 'DOWNLOAD_BATCH', 'job-2'],
  ] as const)('runs the %s happy path in order, each batch once', async (workflow, path, batchState, jobId) => {
    // validate: the definitions as synthesized must pass the library's own asl-validator check.
    const { orchestrator, calls, states, peak } = recorder({}, true);
    const execution = await orchestrator.start(workflow, { statement: 'BACKUP …' }, 'exec-1');
    expect(execution.executionId).toContain('exec-1');
    await execution.done;
    const outcome = await execution.outcome;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', states: path, output: { jobId } });
    const tasks = path.filter((s) => !['UPLOADING', 'DOWNLOADING', 'FINISHED'].includes(s));
    expect(states().filter((s) => s !== batchState)).toEqual(tasks);
    expect(calls[0]!.input).toEqual({ statement: 'BACKUP …' });
    expect(calls[1]!.input).toEqual({ jobId });
    const batchInputs = calls.filter((c) => c.state === batchState).map((c) => c.input);
    expect(batchInputs).toHaveLength(batches.length);
    expect(new Set(batchInputs.map((i) => i.batch)).size).toBe(batches.length);
    for (const input of batchInputs) expect(input).toEqual({ jobId, batch: input.batch });
    expect(batchInputs.map((i) => i.batch).sort()).toEqual(batches);
    expect(peak()).toBeLessThanOrEqual(MAX_CONCURRENCY);
    expect(peak()).toBeGreaterThan(1);
  });

  it.each([
    ['BACKUP', 'UPLOAD_BATCH'],
    ['RESTORE', 'DOWNLOAD_BATCH'],
  ] as const)('%s invokes %s again with the continuation it returns, until it returns null', async (workflow, batchState) => {
    // Batch 3 stops twice before it is done; the others finish at once.
    const { orchestrator, calls } = recorder({}, false, (input) => {
      const at = input.continuation?.resumeAt ?? 0;
      return input.batch === 3 && at < 20 ? { resumeAt: at + 10 } : null;
    });
    const outcome = await (await orchestrator.start(workflow, { jobId: 'j' }, 'e')).outcome;
    expect(outcome.status).toBe('SUCCEEDED');
    const inputs = calls.filter((c) => c.state === batchState).map((c) => c.input);
    expect(inputs.filter((i) => i.batch === 3)).toEqual([
      { jobId: expect.any(String), batch: 3 },
      { jobId: expect.any(String), batch: 3, continuation: { resumeAt: 10 } },
      { jobId: expect.any(String), batch: 3, continuation: { resumeAt: 20 } },
    ]);
    expect(inputs.filter((i) => i.batch !== 3)).toHaveLength(batches.length - 1);
  });

  it('routes an AnalysisError in SNAPSHOTING to CANCEL, without retrying it', async () => {
    const { orchestrator, calls, states } = recorder({ SNAPSHOTING: () => new AnalysisError('table t does not exist') });
    const outcome = await (await orchestrator.start('BACKUP', { jobId: 'job-1' }, 'e')).outcome;
    expect(states()).toEqual(['PENDING', 'SNAPSHOTING', 'CANCEL']);
    expect(calls[2]!.input).toEqual({
      jobId: 'job-1',
      error: { Error: ErrorName.Analysis, Cause: lambdaCause(ErrorName.Analysis, 'table t does not exist') },
    });
    expect(outcome).toMatchObject({ status: 'FAILED', error: ErrorName.JobCancelled, cause: 'job cancelled' });
    expect(outcome.states).toEqual(['PENDING', 'SNAPSHOTING', 'CANCEL', 'CANCELLED']);
  });

  it('ends a failed PENDING in REJECTED with the handler error, without CANCEL', async () => {
    const { orchestrator, states } = recorder({ PENDING: () => new LockConflictError('db is locked') });
    const outcome = await (await orchestrator.start('RESTORE', { jobId: 'job-2' }, 'e')).outcome;
    expect(states()).toEqual(['PENDING']);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      states: ['PENDING', 'REJECTED'],
      error: ErrorName.LockConflict,
      cause: lambdaCause(ErrorName.LockConflict, 'db is locked'),
    });
  });

  it('gives a thrown non-Error the internal error name', async () => {
    const { orchestrator } = recorder({ PENDING: () => 'boom' });
    const outcome = await (await orchestrator.start('BACKUP', { jobId: 'j' }, 'e')).outcome;
    expect(outcome).toMatchObject({ error: ErrorName.Internal, cause: lambdaCause(ErrorName.Internal, 'boom') });
  });

  it('retries a RetryableStorageError in a task and in a batch', async () => {
    const { orchestrator, states } = recorder({
      SAVE_META: once(new StorageError('slow down', true)),
      UPLOAD_BATCH: (input, attempt) => (input.batch === 2 && attempt === 1 ? new StorageError('503', true) : undefined),
    });
    const outcome = await (await orchestrator.start('BACKUP', { jobId: 'job-1' }, 'e')).outcome;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(states().filter((s) => s === 'SAVE_META')).toHaveLength(2);
    expect(states().filter((s) => s === 'UPLOAD_BATCH')).toHaveLength(batches.length + 1);
    expect(states()).not.toContain('CANCEL');
  });

  it('matches on error.name of a plain Error too, and gives up after MaxAttempts', async () => {
    const conflict = Object.assign(new Error('lost race'), { name: ErrorName.ConditionFailed });
    const { orchestrator, states } = recorder({ COMMIT: () => conflict });
    const outcome = await (await orchestrator.start('RESTORE', { jobId: 'job-2' }, 'e')).outcome;
    expect(states().filter((s) => s === 'COMMIT')).toHaveLength(4);
    expect(outcome).toMatchObject({ error: ErrorName.JobCancelled, states: expect.arrayContaining(['CANCELLED']) });
  });

  it('cancels when a batch fails for good, and retries a failing CANCEL', async () => {
    const { orchestrator, calls, states } = recorder({
      DOWNLOAD_BATCH: (input) => (input.batch === 1 ? new IntegrityError('sha256 mismatch') : undefined),
      CANCEL: once(new Error('flaky')),
    });
    const outcome = await (await orchestrator.start('RESTORE', { jobId: 'job-2' }, 'e')).outcome;
    expect(outcome.states).toEqual(['PENDING', 'SNAPSHOTING', 'DOWNLOAD', 'DOWNLOADING', 'CANCEL', 'CANCELLED']);
    expect(states().filter((s) => s === 'CANCEL')).toHaveLength(2);
    expect(calls.find((c) => c.state === 'CANCEL')!.input.error.Error).toBe(ErrorName.Integrity);
    expect(outcome.error).toBe(ErrorName.JobCancelled);
  });

  it('is idempotent for a running execution name and rejects a different input', async () => {
    const { orchestrator } = recorder();
    const first = await orchestrator.start('BACKUP', { jobId: 'job-1' }, 'same');
    expect(await orchestrator.start('BACKUP', { jobId: 'job-1' }, 'same')).toBe(first);
    await expect(orchestrator.start('BACKUP', { jobId: 'other' }, 'same')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await orchestrator.idle();
    expect(await orchestrator.start('BACKUP', { jobId: 'job-1' }, 'same')).not.toBe(first);
    await orchestrator.idle();
  });

  it('reports an invalid definition when asked to validate', async () => {
    const { handlers } = recorder().orchestrator['options'];
    const broken = { ...defs, restore: { ...defs.restore, StartAt: 'NOWHERE' } };
    const orchestrator = new LocalOrchestrator({ definitions: async () => broken, handlers, validate: true });
    await expect(orchestrator.start('BACKUP', { jobId: 'j' }, 'e')).rejects.toThrow(/invalid/);
  });

  it('refuses to run a definition with an unbound Task, and can load again later', async () => {
    const { BACKUP, RESTORE } = recorder().orchestrator['options'].handlers;
    const { CANCEL: _omitted, ...partial } = BACKUP;
    let loads = 0;
    const orchestrator = new LocalOrchestrator({
      definitions: async () => (loads++, defs),
      handlers: { BACKUP: partial as typeof BACKUP, RESTORE },
    });
    await expect(orchestrator.start('BACKUP', { jobId: 'j' }, 'e')).rejects.toThrow(/no local handler for Task state\(s\) CANCEL/);
    await expect(orchestrator.start('RESTORE', { jobId: 'j' }, 'e')).rejects.toThrow(/CANCEL/);
    expect(loads).toBe(2);
  });
});
