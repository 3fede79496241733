import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskHandler } from '../../lib/adapters/local-sfn/local-orchestrator.ts';
import type { HandlerWrapper } from '../../bin/task-bindings.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';
import { sleep } from './fault-injector.ts';
import { SOURCE_ROWS, expectBackupInvariants, expectRestoreInvariants, prepareRestore, setUpSource, sorted, startBackup, startRestore } from './job-scenarios.ts';

/**
 * Jobs on different databases run side by side through one orchestrator, and a job never blocks work on
 * another database. A table under restore refuses loads and DDL but keeps answering reads.
 */
const temp = useTempDirs('isolation');
let c: TestCluster;
let ts = '';

/** Holds the named Task of the job on a database until released; `reached` resolves when it is held there. */
class Gates {
  private readonly gates = new Map<string, { task: string; reached: () => void; open: Promise<void>; release: () => void }>();
  hold(db: string, task: string): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const r = new Promise<void>((res) => { reached = res; });
    const open = new Promise<void>((res) => { release = res; });
    this.gates.set(db, { task, reached, open, release });
    return { reached: r, release };
  }
  readonly wrap: HandlerWrapper = (_w, state, handler): TaskHandler => async (input) => {
    const jobId = (input as { jobId?: string }).jobId;
    const db = jobId ? (await c.ctx.control.getJob(jobId))?.doc.db : undefined;
    const gate = db === undefined ? undefined : this.gates.get(db);
    if (gate?.task === state) {
      gate.reached();
      await gate.open;
    }
    return handler(input);
  };
}
const gates = new Gates();

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir, { wrapHandlers: (w, s, h) => gates.wrap(w, s, h) });
  ts = await setUpSource(c, join(dir, 'repo'));
});
afterAll(async () => c?.close());

describe('jobs on different databases', () => {
  it('two BACKUPs run at the same time in one process', async () => {
    const a = gates.hold('par_a', 'SNAPSHOTING');
    const b = gates.hold('par_b', 'SNAPSHOTING');
    const ja = await startBackup(c, 'par_a');
    const jb = await startBackup(c, 'par_b');
    // Both are inside SNAPSHOTING at once: neither waits for the other to finish.
    await Promise.race([Promise.all([a.reached, b.reached]), sleep(20_000).then(() => { throw new Error('the backups did not run side by side'); })]);
    a.release();
    b.release();
    await Promise.all([ja.done, jb.done]);
    expect((await expectBackupInvariants(c, ja.jobId)).state).toBe('FINISHED');
    expect((await expectBackupInvariants(c, jb.jobId)).state).toBe('FINISHED');
  });

  it('a running job blocks nothing on another database, nor reads and loads of its own', async () => {
    const held = gates.hold('slow', 'UPLOAD_BATCH');
    const slow = await startBackup(c, 'slow');
    await held.reached;
    await c.sql("INSERT INTO slow.t VALUES (7, 'loaded during the backup')"); // a backup holds no table
    await c.sql('CREATE DATABASE other; CREATE TABLE other.t (k INT); INSERT INTO other.t VALUES (1); BACKUP DATABASE other SNAPSHOT other TO r');
    const before = await prepareRestore(c, 'other_r');
    const r = await startRestore(c, 'other_r', ts);
    await r.done;
    expect((await expectRestoreInvariants(c, r.jobId, before)).state).toBe('FINISHED');
    expect(await c.error('BACKUP DATABASE slow SNAPSHOT again TO r')).toBe('Can only run one backup or restore job of a database at same time');
    expect(await c.error('DROP DATABASE slow')).toBe(`Can't drop database 'slow': backup or restore job ${slow.jobId} is running on it`);
    held.release();
    await slow.done;
    expect((await expectBackupInvariants(c, slow.jobId)).state).toBe('FINISHED');
    expect(await c.count('slow.t')).toBe(4);
  });
});

describe('a table under restore', () => {
  it('refuses loads and DDL with a clear error while reads keep working', async () => {
    const before = await prepareRestore(c, 'held');
    const gate = gates.hold('held', 'DOWNLOAD_BATCH');
    const job = await startRestore(c, 'held', ts);
    await gate.reached;
    const refused = `Table held.t is being restored (job ${job.jobId}); loads and DDL wait until the restore ends`;
    expect(await c.error("INSERT INTO held.t VALUES (10, 'x')")).toBe(refused);
    expect(await c.error('DROP TABLE held.t')).toBe(refused);
    expect(await c.rows('SELECT * FROM held.t')).toEqual([['9', 'z']]);
    gate.release();
    await job.done;
    expect((await expectRestoreInvariants(c, job.jobId, before)).state).toBe('FINISHED');
    expect(sorted(await c.rows('SELECT * FROM held.t'))).toEqual(SOURCE_ROWS);
    await c.sql("INSERT INTO held.t VALUES (10, 'x')");
  });
});
