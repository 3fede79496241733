import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orphanedHere } from '../../bin/embedded-runtime.ts';
import { ErrorName, LockLostError } from '../../lib/domain/errors.ts';
import { RecoveryReason } from '../../lib/jobs/recover-jobs.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { startHeartbeat } from '../../lib/jobs/heartbeat.ts';
import { advance, fence } from '../../lib/jobs/job-guard.ts';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { restorePending } from '../../lib/jobs/restore/pending.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { publishRestore } from '../../lib/jobs/restore/committing.ts';
import { restoreCommit } from '../../lib/jobs/restore/commit.ts';
import { restoreDownload } from '../../lib/jobs/restore/download.ts';
import { restoreSnapshoting } from '../../lib/jobs/restore/snapshoting.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { submitRestore } from '../../lib/jobs/restore/submit-restore.ts';
import { downloadBatch } from '../../lib/jobs/restore/download-batch.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';
import { sleep } from './fault-injector.ts';
import { SOURCE_ROWS, setUpSource, sorted } from './job-scenarios.ts';

/**
 * The lock: a lease renewed by a heartbeat, a fencing token that grows with every acquisition, takeover
 * of a lapsed lease only after the old job is recovered, and a stale runner that fails its next fenced
 * write and changes nothing. The clock is skewed forward to let a lease lapse without waiting for it.
 */
const temp = useTempDirs('locks');
let c: TestCluster;
let ts = '';
let skew = 0;
const backup = (sql: string) => submitBackup(c.ctx, parseStatement(sql) as never);
const restore = (sql: string) => submitRestore(c.ctx, parseStatement(sql) as never);

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  c.ctx.clock = { now: () => Date.now() + skew };
  ts = await setUpSource(c, join(dir, 'repo'));
  await c.sql(`CREATE DATABASE x; CREATE TABLE x.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO x.t VALUES (9, 'z');
    CREATE EXTERNAL CATALOG cat PROPERTIES ("type" = "hive")`);
});
afterAll(async () => c?.close());

describe('fencing tokens', () => {
  it('grow with every acquisition of a scope, and each job records its own', async () => {
    const a = await backup('BACKUP DATABASE x SNAPSHOT tok_a TO r');
    expect(await c.error('BACKUP DATABASE x SNAPSHOT tok_b TO r')).toBe('Can only run one backup or restore job of a database at same time');
    await cancelJob(c.ctx, { jobId: a.jobId });
    const b = await backup('BACKUP DATABASE x SNAPSHOT tok_b TO r');
    expect(b.lockToken).toBe(a.lockToken! + 1);
    expect((await c.ctx.control.getLock('x'))!.doc).toMatchObject({ jobId: b.jobId, token: b.lockToken, owner: c.ctx.owner });
    await cancelJob(c.ctx, { jobId: b.jobId });
    expect(await c.ctx.control.getLock('x')).toBeUndefined();
  });

  it('the heartbeat renews a running job\'s lease, and stops when the job ends', async () => {
    const a = await backup('BACKUP DATABASE x SNAPSHOT beat TO r');
    const first = (await c.ctx.control.getLock('x'))!;
    const stop = startHeartbeat(c.ctx, a.jobId, 20);
    await sleep(120);
    const later = (await c.ctx.control.getLock('x'))!;
    expect(later.doc.heartbeatAt).toBeGreaterThan(first.doc.heartbeatAt);
    expect(later.expiresAt!).toBeGreaterThan(first.expiresAt!);
    expect(later.doc.token).toBe(first.doc.token);
    stop();
    await cancelJob(c.ctx, { jobId: a.jobId });
  });
});

describe('a renewal', () => {
  it('made by one phase stands for the next phases of the job in this process for a tenth of a lease, then they renew again', async () => {
    const a = await backup('BACKUP DATABASE x SNAPSHOT shared_fence TO r');
    const read = async () => (await c.ctx.control.requireJob(a.jobId)).doc; // each phase reads its own copy
    await fence(c.ctx, await read());
    const first = (await c.ctx.control.getLock('x'))!;
    skew += 5;
    await fence(c.ctx, await read());
    expect((await c.ctx.control.getLock('x'))!.version).toBe(first.version);
    skew += c.ctx.leaseMs / 10;
    await fence(c.ctx, await read());
    const later = (await c.ctx.control.getLock('x'))!;
    expect(later.version).toBeGreaterThan(first.version);
    expect(later.doc.heartbeatAt).toBeGreaterThan(first.doc.heartbeatAt);
    await cancelJob(c.ctx, { jobId: a.jobId });
  });
});

describe('a lapsed lease', () => {
  it('is taken over only after the old job is rolled back; the stale runner then fails its next fenced write and changes nothing', async () => {
    const old = await restore(`RESTORE SNAPSHOT base FROM r DATABASE src AS x ON (TABLE t) PROPERTIES ("backup_timestamp" = "${ts}")`);
    await restorePending(c.ctx, { jobId: old.jobId });
    await restoreSnapshoting(c.ctx, { jobId: old.jobId });
    const stale = (await c.ctx.control.requireJob(old.jobId)).doc; // what a runner in DOWNLOAD holds
    const tableBefore = (await c.ctx.catalog.requireTable('x', 't')).doc;
    expect(tableBefore.state).toBe('RESTORE');
    skew += c.ctx.leaseMs + 1_000; // the old runner stalls past its lease
    await c.sql('BACKUP DATABASE x SNAPSHOT after_takeover TO r');
    const oldJob = (await c.ctx.control.requireJob(old.jobId)).doc;
    expect([oldJob.state, oldJob.status.msg]).toEqual(['CANCELLED', 'the job stopped renewing its lock (its lease ran out); rolled back']);
    expect((await c.ctx.catalog.requireTable('x', 't')).doc.state).toBe('NORMAL');
    // The stale runner wakes up: its fenced writes fail, and its cancel path touches nothing.
    await expect(fence(c.ctx, stale)).rejects.toBeInstanceOf(LockLostError);
    await expect(advance(c.ctx, stale, 'DOWNLOADING')).rejects.toThrow(/no longer holds the lock of database x under token/);
    await expect(restoreDownload(c.ctx, { jobId: old.jobId })).rejects.toThrow(`Job base is already cancelled`);
    await cancelJob(c.ctx, { jobId: old.jobId, error: { Error: ErrorName.LockLost, Cause: 'lost' } });
    expect((await c.ctx.control.requireJob(old.jobId)).doc.state).toBe('CANCELLED');
    expect(sorted(await c.rows('SELECT * FROM x.t'))).toEqual([['9', 'z']]);
    expect(await snapshotTimestamp(c, 'r', 'after_takeover')).toBeTruthy();
  });

  it('of a restore in COMMITTING is rolled forward by the taker, and the stale committer is fenced out', async () => {
    const old = await restore(`RESTORE SNAPSHOT base FROM r DATABASE src AS x ON (TABLE t) PROPERTIES ("backup_timestamp" = "${ts}")`);
    await restorePending(c.ctx, { jobId: old.jobId });
    await restoreSnapshoting(c.ctx, { jobId: old.jobId });
    const plan = await restoreDownload(c.ctx, { jobId: old.jobId });
    for (const batch of plan.batches) await downloadBatch(c.ctx, { jobId: old.jobId, batch });
    await restoreCommit(c.ctx, { jobId: old.jobId });
    const stale = (await c.ctx.control.requireJob(old.jobId)).doc;
    expect(stale.state).toBe('COMMITTING');
    skew += c.ctx.leaseMs + 1_000;
    const next = await backup('BACKUP DATABASE x SNAPSHOT after_commit TO r');
    expect((await c.ctx.control.requireJob(old.jobId)).doc.state).toBe('FINISHED');
    expect(sorted(await c.rows('SELECT * FROM x.t'))).toEqual(SOURCE_ROWS);
    const version = (await c.ctx.catalog.requireTable('x', 't')).version;
    await expect(publishRestore(c.ctx, stale)).rejects.toBeInstanceOf(LockLostError);
    await c.ctx.control.locks.release('x', old.jobId, stale.lockToken); // a stale unlock is a no-op
    expect((await c.ctx.control.getLock('x'))!.doc.jobId).toBe(next.jobId);
    expect((await c.ctx.catalog.requireTable('x', 't')).version).toBe(version);
    await backupPending(c.ctx, { jobId: next.jobId });
    await backupSnapshoting(c.ctx, { jobId: next.jobId });
    await cancelJob(c.ctx, { jobId: next.jobId });
  });
});

describe('DROP DATABASE', () => {
  it('is refused while a job holds the lock, and recovers a job whose lease lapsed before dropping', async () => {
    await c.sql('CREATE DATABASE dropme; CREATE TABLE dropme.t (k INT); INSERT INTO dropme.t VALUES (1)');
    const job = await backup('BACKUP DATABASE dropme SNAPSHOT dropme TO r');
    expect(await c.error('DROP DATABASE dropme')).toBe(`Can't drop database 'dropme': backup or restore job ${job.jobId} is running on it`);
    skew += c.ctx.leaseMs + 1_000;
    await c.sql('DROP DATABASE dropme');
    const end = (await c.ctx.control.requireJob(job.jobId)).doc;
    expect([end.state, end.status.msg]).toEqual(['CANCELLED', 'the job stopped renewing its lock (its lease ran out); rolled back']);
    expect(await c.ctx.control.getLock('dropme')).toBeUndefined();
  });
});

describe('orphan detection in the embedded runtime', () => {
  it('calls a lock orphaned when its owner process on this host is gone, or its lease ran out', () => {
    const test = orphanedHere('here', (pid) => pid === 1234);
    const lock = (owner: string, expiresAt: number) => ({ key: { pk: 'LOCKS', sk: 'DB#d' }, version: 1, counters: {}, expiresAt, doc: { jobId: 'j', owner, acquiredAt: 0, token: 1, heartbeatAt: 0 } });
    const now = 1_000;
    expect(test(lock('here:1234', now + 1), now)).toBeUndefined();
    expect(test(lock('here:4321', now + 1), now)).toBe(RecoveryReason.OWNER_GONE);
    expect(test(lock(`here:${process.pid}`, now - 1), now)).toBeUndefined();
    expect(test(lock('elsewhere:4321', now + 1), now)).toBeUndefined();
    expect(test(lock('elsewhere:4321', now - 1), now)).toBe(RecoveryReason.LEASE_LAPSED);
    expect(test(lock('lambda-function', now - 1), now)).toBe(RecoveryReason.LEASE_LAPSED);
  });
});

describe('external-catalog jobs', () => {
  it('hold the one catalog-wide lock, which never blocks a database job', async () => {
    const held = await backup('BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO r');
    expect((await c.ctx.control.getLock(''))!.doc.jobId).toBe(held.jobId);
    expect((await c.ctx.control.locks.held()).map((l) => l.db)).toContain('');
    expect(await c.error('BACKUP ALL EXTERNAL CATALOGS SNAPSHOT cats2 TO r')).toBe('Can only run one backup or restore job of external catalog');
    await c.sql('BACKUP DATABASE x SNAPSHOT beside_catalogs TO r');
    await c.sql('CANCEL BACKUP FOR EXTERNAL CATALOG');
    await cancelJob(c.ctx, { jobId: held.jobId, error: { Error: ErrorName.JobCancelled, Cause: 'user cancelled' } });
    expect(await c.ctx.control.getLock('')).toBeUndefined();
    await c.sql('BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO r');
  });
});
