import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableRecord } from '../../lib/domain/catalog-types.ts';
import { RecoveryReason, recoverOrphans } from '../../lib/jobs/recover-jobs.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import type { FaultKind } from './fault-injector.ts';
import { type FaultRig, type Started, expectBackupInvariants, expectRestoreInvariants, faultRig, prepareRestore, startBackup, startRestore } from './job-scenarios.ts';

/**
 * For every Task of both workflows × {the handler throws, it times out, the process is killed}: the job
 * ends FINISHED or CANCELLED, its lock is free, its staging is empty, no partial snapshot is visible, and
 * the restore target is wholly old or wholly new. "Killed" here abandons the execution in-process and
 * runs recovery (test/reliability/process-kill.test.ts kills real processes for a representative subset).
 */
const temp = useTempDirs('fault-matrix');
const TASK_TIMEOUT_S = 3;
const BACKUP_TASKS = ['PENDING', 'SNAPSHOTING', 'UPLOAD_SNAPSHOT', 'UPLOAD_BATCH', 'SAVE_META', 'UPLOAD_INFO'];
const RESTORE_TASKS = ['PENDING', 'SNAPSHOTING', 'DOWNLOAD', 'DOWNLOAD_BATCH', 'COMMIT', 'COMMITTING'];

/** Where a fault leaves the job: past its commit step it is rolled forward, before it rolled back. */
const FORWARD: Record<FaultKind, string[]> = {
  throw: ['restore:COMMITTING'],
  timeout: ['restore:COMMITTING'],
  kill: ['backup:UPLOAD_INFO', 'restore:COMMIT', 'restore:COMMITTING'],
  cancel: [],
};

let plain: FaultRig;
let slow: FaultRig;
beforeAll(async () => {
  [plain, slow] = await Promise.all([faultRig(await temp.make()), faultRig(await temp.make(), TASK_TIMEOUT_S)]);
});
afterAll(async () => {
  await Promise.all([plain?.c.close(), slow?.c.close()]);
});

async function runScenario(r: FaultRig, workflow: 'backup' | 'restore', task: string, kind: FaultKind) {
  const db = `${workflow[0]}_${task}_${kind}`.toLowerCase();
  let before: TableRecord | undefined;
  const hit = r.faults.arm(db, task, kind);
  let job: Started;
  if (workflow === 'backup') job = await startBackup(r.c, db);
  else {
    before = await prepareRestore(r.c, db);
    job = await startRestore(r.c, db, r.ts);
  }
  await hit;
  if (kind === 'kill') {
    expect(r.c.orchestrator.abandon(job.type, job.jobId)).toBe(true);
    await job.done;
    const recovered = await recoverOrphans(r.c.ctx, (lock) => (lock.doc.jobId === job.jobId ? RecoveryReason.OWNER_GONE : undefined));
    expect(recovered.map((x) => [x.jobId, x.error])).toEqual([[job.jobId, undefined]]);
  } else {
    await job.done;
    await Promise.all(r.faults.zombies);
  }
  const end = workflow === 'backup' ? await expectBackupInvariants(r.c, job.jobId) : await expectRestoreInvariants(r.c, job.jobId, before!);
  expect(end.state).toBe(FORWARD[kind].includes(`${workflow}:${task}`) ? 'FINISHED' : 'CANCELLED');
  if (end.state === 'CANCELLED' && kind === 'kill') expect(end.status).toEqual({ code: 'COMMON_ERROR', msg: 'the process running the job stopped; rolled back' });
  if (end.state === 'CANCELLED' && kind === 'throw') expect(end.status.msg).toMatch(/^injected fault/);
  if (end.state === 'CANCELLED' && kind === 'timeout') expect(end.status.msg).toContain('Timeout');
}

const cases = (kind: FaultKind) => [
  ...BACKUP_TASKS.map((t) => ['backup', t, kind] as const),
  ...RESTORE_TASKS.map((t) => ['restore', t, kind] as const),
];

describe.concurrent('fault matrix', () => {
  it.each([...cases('throw'), ...cases('kill')])('%s: %s, handler %s', async (workflow, task, kind) => {
    await runScenario(plain, workflow, task, kind);
  });
  it.each(cases('timeout'))('%s: %s, handler %s', async (workflow, task, kind) => {
    await runScenario(slow, workflow, task, kind);
  });
});
