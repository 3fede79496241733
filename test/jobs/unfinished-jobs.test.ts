import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore } from '../../lib/control/control-store.ts';
import type { JobRecord } from '../../lib/domain/control-types.ts';
import { newId } from '../../lib/domain/ids.ts';
import type { RecordTable } from '../../lib/ports/record-table.ts';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { uploadSnapshot } from '../../lib/jobs/backup/upload-snapshot.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { submitRestore } from '../../lib/jobs/restore/submit-restore.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/**
 * DROP SNAPSHOT and DROP REPOSITORY find the unfinished jobs through their index (and the held locks, for
 * jobs recorded before it), not by fetching every job ever run: with a long history the lookup costs two
 * queries and a read per unfinished job. A job whose process
 * stopped mid-way (its records left as they were, before any recovery) is still found, and both statements
 * refuse with StarRocks' words while it is unfinished.
 */
const temp = useTempDirs('unfinished-jobs');
let dir: string;
let c: TestCluster;
const HISTORY = 200;

/** The control table, counting the reads the lookup makes. */
function counting(table: RecordTable) {
  const calls = { get: 0, query: 0 };
  const wrapped: RecordTable = {
    get: (k) => ((calls.get++), table.get(k)),
    query: (pk, p) => ((calls.query++), table.query(pk, p)),
    queryBelow: (pk, b) => ((calls.query++), table.queryBelow(pk, b)),
    newest: (pk, a) => ((calls.query++), table.newest(pk, a)),
    put: (k, d, o) => table.put(k, d, o),
    delete: (k, cond) => table.delete(k, cond),
    add: (k, n) => table.add(k, n),
    update: (k, ch, o) => table.update(k, ch, o),
  };
  return { table: wrapped, calls };
}

beforeAll(async () => {
  dir = await temp.make();
  const repoDir = join(dir, 'repo');
  mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"; BACKUP DATABASE d SNAPSHOT done1 TO r`);
  // A long history: finished jobs recorded as every job is (per-database pointers included).
  const [finished] = await c.ctx.control.jobsOfDatabase('d');
  const done = (await c.ctx.control.requireJob(finished!.jobId)).doc;
  for (let i = 0; i < HISTORY; i++) await c.ctx.control.createJob({ ...done, jobId: newId(), label: `old${i}` } as JobRecord);
}, 120_000);
afterAll(async () => { await c?.close(); });

describe('unfinished jobs', () => {
  it('are found after their process stopped, through their index, and DROP SNAPSHOT / DROP REPOSITORY refuse', async () => {
    const ts = await snapshotTimestamp(c, 'r', 'done1');
    // A backup stopped in UPLOADING (its __meta written) and a restore stopped in PENDING: the records as a
    // process that died leaves them, before any recovery ran.
    const backup = await submitBackup(c.ctx, parseStatement('BACKUP DATABASE d SNAPSHOT busy TO r') as never);
    await backupPending(c.ctx, { jobId: backup.jobId });
    await backupSnapshoting(c.ctx, { jobId: backup.jobId });
    await uploadSnapshot(c.ctx, { jobId: backup.jobId });
    const restore = await submitRestore(c.ctx, parseStatement(`RESTORE SNAPSHOT done1 FROM r DATABASE d AS d2 PROPERTIES ("backup_timestamp" = "${ts}")`) as never);
    await c.close();
    // The home opened again, by this same process: its runner still counts as alive and its lease has not run
    // out, so recovery leaves both jobs unfinished, as they are in the cloud until the recovery sweep.
    c = await openTestCluster(dir);
    expect(c.recovered).toEqual([]);

    const { table, calls } = counting(c.ctx.control.table);
    const found = await new ControlStore(table).unfinishedJobs();
    expect(found.map((j) => [j.jobId, j.state]).sort()).toEqual([[backup.jobId, 'UPLOADING'], [restore.jobId, 'PENDING']].sort());
    // One query of the index, one of the locks and one read per unfinished job, whatever the history (HISTORY + 1 finished jobs).
    expect(calls).toEqual({ query: 2, get: 2 });

    // StarRocks refuses while a job uses the repository, in these words: fe/fe-core/src/main/java/com/starrocks/backup/BackupHandler.java (dropRepository).
    expect(await c.error('DROP REPOSITORY r')).toBe('Backup or restore job is running on this repository. Can not drop it');
    expect(await c.error('DROP SNAPSHOT busy ON r')).toBe('Can not drop snapshot busy: a backup is writing it');
    expect(await c.error('DROP SNAPSHOT done1 ON r')).toBe('Can not drop snapshot done1: a restore is reading it');

    await cancelJob(c.ctx, { jobId: backup.jobId });
    await cancelJob(c.ctx, { jobId: restore.jobId });
    expect(await c.ctx.control.unfinishedJobs()).toEqual([]);
    await c.sql('DROP SNAPSHOT done1 ON r; DROP REPOSITORY r');
    expect(await c.rows('SHOW REPOSITORIES')).toEqual([]);
  }, 120_000);

  it('leaves out a finished job whose lock was never released (a crash between the two writes)', async () => {
    const [first] = await c.ctx.control.jobsOfDatabase('d');
    const job = (await c.ctx.control.requireJob(first!.jobId)).doc;
    expect(job.state).toBe('FINISHED');
    await c.ctx.control.locks.take('d', job.jobId, 'gone:1', 60_000, Date.now());
    expect((await c.ctx.control.locks.held()).map((h) => h.lock.doc.jobId)).toContain(job.jobId);
    expect(await c.ctx.control.unfinishedJobs()).toEqual([]);
    await c.ctx.control.locks.release('d', job.jobId);
  });

  it('finds a job whose lapsed lease another job took (the lock then names only the other one)', async () => {
    const [first] = await c.ctx.control.jobsOfDatabase('d');
    const stalled = { ...(await c.ctx.control.requireJob(first!.jobId)).doc, jobId: newId(), label: 'stalled', db: 'd4', state: 'UPLOADING' } as JobRecord;
    await c.ctx.control.locks.take('d4', stalled.jobId, 'stalled:1', 1000, 1000);
    await c.ctx.control.createJob(stalled);
    // Its lease ran out while it stalled; another job of the same database took the lock.
    await c.ctx.control.locks.take('d4', 'other', 'o:1', 60_000, Date.now());
    expect((await c.ctx.control.locks.held()).map((h) => h.lock.doc.jobId)).not.toContain(stalled.jobId);
    expect((await c.ctx.control.unfinishedJobs()).map((j) => j.jobId)).toContain(stalled.jobId);
    await c.ctx.control.updateJob(stalled.jobId, (j) => ({ ...j, state: 'CANCELLED', times: { ...j.times, finished: Date.now() } }));
    expect((await c.ctx.control.unfinishedJobs()).map((j) => j.jobId)).not.toContain(stalled.jobId);
    expect(await c.ctx.control.table.query('UNFINISHED')).toEqual([]);
    await c.ctx.control.locks.release('d4', 'other');
  });
});
