import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../lib/ports/object-io.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { restorePending } from '../../lib/jobs/restore/pending.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { uploadSnapshot } from '../../lib/jobs/backup/upload-snapshot.ts';
import { downloadBatch } from '../../lib/jobs/restore/download-batch.ts';
import { uploadBatch } from '../../lib/jobs/backup/upload-batch.ts';
import { saveMeta } from '../../lib/jobs/backup/save-meta.ts';
import { uploadInfo } from '../../lib/jobs/backup/upload-info.ts';
import { restoreSnapshoting } from '../../lib/jobs/restore/snapshoting.ts';
import { restoreDownload } from '../../lib/jobs/restore/download.ts';
import { restoreCommit } from '../../lib/jobs/restore/commit.ts';
import { restoreCommitting } from '../../lib/jobs/restore/committing.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { submitRestore } from '../../lib/jobs/restore/submit-restore.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * Step Functions may run a handler twice. Each phase is run twice in a row here, by hand, and the second
 * run must return the same output and leave the same stored state.
 */
const temp = useTempDirs('idempotent');
let c: TestCluster;

async function state(ctx: ServiceContext, jobId: string) {
  const repo = await openRepository(ctx, (await ctx.control.requireRepository('r'))!);
  const job = (await ctx.control.requireJob(jobId)).doc;
  const tables = await Promise.all(['t', 't2'].map((t) => ctx.catalog.getTable('d', t)));
  return { repo: await listAll(repo, ''), data: await listAll(ctx.data, ''), job: { ...job, progress: undefined }, tables: tables.map((t) => t?.doc) };
}

async function twice<T>(ctx: ServiceContext, jobId: string, run: () => Promise<T>): Promise<T> {
  const first = await run();
  const after = await state(ctx, jobId);
  expect(await run()).toEqual(first);
  expect(await state(ctx, jobId)).toEqual(after);
  return first;
}

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir, { batch: { maxFiles: 2, maxBytes: 1 << 20, maxBatches: 10 } });
  mkdirSync(`${dir}/repo`, { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO d.t VALUES (1, 'a'), (2, 'b'), (3, 'c'); INSERT INTO d.t VALUES (4, 'd'), (5, 'e');
    CREATE TABLE d.u (k INT) DISTRIBUTED BY RANDOM BUCKETS 2; INSERT INTO d.u VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"`);
});
afterAll(async () => c?.close());

describe('every phase is safe to run twice', () => {
  let ts = '';
  it('backup', async () => {
    const ctx = c.ctx;
    const { jobId } = await submitBackup(ctx, parseStatement('BACKUP DATABASE d SNAPSHOT s TO r') as never);
    await twice(ctx, jobId, () => backupPending(ctx, { jobId }));
    await twice(ctx, jobId, () => backupSnapshoting(ctx, { jobId }));
    const plan = await twice(ctx, jobId, () => uploadSnapshot(ctx, { jobId }));
    expect(plan.batches.length).toBeGreaterThan(1);
    for (const batch of plan.batches) await twice(ctx, jobId, () => uploadBatch(ctx, { jobId, batch }));
    await twice(ctx, jobId, () => saveMeta(ctx, { jobId }));
    await twice(ctx, jobId, () => uploadInfo(ctx, { jobId }));
    const job = (await ctx.control.requireJob(jobId)).doc;
    expect(job.state).toBe('FINISHED');
    expect(await ctx.control.getLock('d')).toBeUndefined();
    ts = job.timestamp;
  });

  it('restore, over an existing table and into a new one', async () => {
    const ctx = c.ctx;
    await c.sql("INSERT INTO d.t VALUES (6, 'f')");
    const stmt = parseStatement(`RESTORE SNAPSHOT s FROM r DATABASE d ON (TABLE t, TABLE u AS t2) PROPERTIES ("backup_timestamp" = "${ts}")`);
    const { jobId } = await submitRestore(ctx, stmt as never);
    await twice(ctx, jobId, () => restorePending(ctx, { jobId }));
    await twice(ctx, jobId, () => restoreSnapshoting(ctx, { jobId }));
    expect((await ctx.catalog.requireTable('d', 't')).doc.state).toBe('RESTORE');
    const plan = await twice(ctx, jobId, () => restoreDownload(ctx, { jobId }));
    for (const batch of plan.batches) await twice(ctx, jobId, () => downloadBatch(ctx, { jobId, batch }));
    await twice(ctx, jobId, () => restoreCommit(ctx, { jobId }));
    await twice(ctx, jobId, () => restoreCommitting(ctx, { jobId }));
    expect((await ctx.control.requireJob(jobId)).doc.state).toBe('FINISHED');
    expect(await c.count('d.t')).toBe(5);
    expect(await c.count('d.t2')).toBe(2);
    expect((await ctx.catalog.requireTable('d', 't')).doc.state).toBe('NORMAL');
    expect(await ctx.control.getLock('d')).toBeUndefined();
  });
});
