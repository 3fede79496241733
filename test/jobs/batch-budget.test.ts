import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore } from '../../lib/control/control-store.ts';
import { JobCounter } from '../../lib/domain/control-types.ts';
import type { BatchContinuation, BatchInput, PlanOutput } from '../../lib/domain/workflow.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
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
import { readBatch } from '../../lib/jobs/staging.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { submitRestore } from '../../lib/jobs/restore/submit-restore.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * A batch handler stops taking files once its time budget is spent and returns where to resume; the state
 * machine invokes it again with that. Here the budget is 0 or 1 ms of a clock that moves 1 ms per reading,
 * so every invocation moves a single file, and the job must still end with its files and exact counters.
 */
const temp = useTempDirs('batch-budget');
let c: TestCluster;

/** The context of a batch Lambda whose budget is `budgetMs` of a clock that ticks on every reading. */
function budgeted(ctx: ServiceContext, budgetMs: number): ServiceContext {
  let t = Date.now();
  return { ...ctx, clock: { now: () => (t += 1) }, batch: { ...ctx.batch, budgetMs } };
}

/** Runs a batch the way the Map's item processor does: again with each continuation, until null. */
async function runToEnd(run: (input: BatchInput) => Promise<BatchContinuation | null>, jobId: string, batch: number): Promise<number[]> {
  const resumes: number[] = [];
  let continuation: BatchContinuation | null = null;
  do {
    continuation = await run({ jobId, batch, ...(continuation ? { continuation } : {}) });
    if (continuation) resumes.push(continuation.resumeAt);
  } while (continuation);
  return resumes;
}

async function expectExactProgress(ctx: ServiceContext, jobId: string, plan: PlanOutput): Promise<void> {
  const items = (await Promise.all(plan.batches.map((b) => readBatch(ctx.data, jobId, b)))).flat();
  const job = await ctx.control.requireJob(jobId);
  expect(ControlStore.progressOf(job, JobCounter.FILES_DONE)).toBe(items.length);
  expect(ControlStore.progressOf(job, JobCounter.BYTES_DONE)).toBe(items.reduce((n, i) => n + i.size, 0));
  expect(ControlStore.progressOf(job, JobCounter.BATCHES_DONE)).toBe(plan.batches.length);
}

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir, { batch: { maxFiles: 4, maxBytes: 1 << 20, maxBatches: 10 } });
  mkdirSync(`${dir}/repo`, { recursive: true });
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO d.t VALUES (1, 'a'), (2, 'b'), (3, 'c'); INSERT INTO d.t VALUES (4, 'd'), (5, 'e'); INSERT INTO d.t VALUES (6, 'f');
    CREATE TABLE d.u (k INT) DISTRIBUTED BY RANDOM BUCKETS 2; INSERT INTO d.u VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"`);
});
afterAll(async () => c?.close());

describe('a batch whose time budget runs out', () => {
  let ts = '';
  it('backup: resumes where it stopped, one file per invocation, and counts every file once', async () => {
    const ctx = budgeted(c.ctx, 1);
    const { jobId } = await submitBackup(ctx, parseStatement('BACKUP DATABASE d SNAPSHOT s TO r') as never);
    await backupPending(ctx, { jobId });
    await backupSnapshoting(ctx, { jobId });
    const plan = await uploadSnapshot(ctx, { jobId });
    const first = await readBatch(ctx.data, jobId, plan.batches[0]!);
    expect(first.length).toBeGreaterThan(1);
    for (const batch of plan.batches) {
      const size = (await readBatch(ctx.data, jobId, batch)).length;
      expect(await runToEnd((input) => uploadBatch(ctx, input), jobId, batch)).toEqual(Array.from({ length: size - 1 }, (_, i) => i + 1));
    }
    await expectExactProgress(ctx, jobId, plan);
    await saveMeta(ctx, { jobId });
    await uploadInfo(ctx, { jobId });
    const job = (await ctx.control.requireJob(jobId)).doc;
    expect(job.state).toBe('FINISHED');
    ts = job.timestamp;
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT s ON r PROPERTIES ("read_data" = "true")`)).toEqual([['s', ts, null, null, 'OK']]);
  });

  it('restore: a failed invocation retried with the same continuation redoes nothing it verified and counts once', async () => {
    const ctx = budgeted(c.ctx, 0);
    const stmt = parseStatement(`RESTORE SNAPSHOT s FROM r DATABASE d ON (TABLE t AS t2, TABLE u AS u2) PROPERTIES ("backup_timestamp" = "${ts}")`);
    const { jobId } = await submitRestore(ctx, stmt as never);
    await restorePending(ctx, { jobId });
    await restoreSnapshoting(ctx, { jobId });
    const plan = await restoreDownload(ctx, { jobId });
    const batch = plan.batches[0]!;
    const items = await readBatch(ctx.data, jobId, batch);
    expect(await downloadBatch(ctx, { jobId, batch })).toEqual({ resumeAt: 1 });
    // The next invocation fails on its write: it counts nothing, and its retry (the same input) finishes it.
    const puts: string[] = [];
    const failing: ObjectStore = Object.create(ctx.data);
    failing.put = async (key, body, options) => {
      puts.push(key);
      throw new Error('injected fault in the write');
    };
    await expect(downloadBatch({ ...ctx, data: failing }, { jobId, batch, continuation: { resumeAt: 1 } })).rejects.toThrow('injected fault in the write');
    expect(puts).toEqual([items[1]!.to]);
    const landed: string[] = [];
    const watching: ObjectStore = Object.create(ctx.data);
    watching.put = async (key, body, options) => {
      landed.push(key);
      return ctx.data.put(key, body, options);
    };
    const retry = { ...ctx, data: watching };
    const rest = await runToEnd((input) => downloadBatch(retry, input.continuation ? input : { ...input, continuation: { resumeAt: 1 } }), jobId, batch);
    expect(rest).toEqual(Array.from({ length: items.length - 2 }, (_, i) => i + 2));
    // Only the files not yet there were written: the first one, verified before, was not read again.
    expect(landed).toEqual(items.slice(1).map((i) => i.to));
    for (const b of plan.batches.slice(1)) await runToEnd((input) => downloadBatch(ctx, input), jobId, b);
    await expectExactProgress(ctx, jobId, plan);
    await restoreCommit(ctx, { jobId });
    await restoreCommitting(ctx, { jobId });
    expect((await ctx.control.requireJob(jobId)).doc.state).toBe('FINISHED');
    expect(await c.count('d.t2')).toBe(6);
    expect(await c.count('d.u2')).toBe(2);
  });

  it('refuses a continuation that does not point inside the batch', async () => {
    await c.sql("INSERT INTO d.t VALUES (7, 'g')");
    const { jobId } = await submitBackup(c.ctx, parseStatement('BACKUP DATABASE d SNAPSHOT s2 TO r') as never);
    await backupPending(c.ctx, { jobId });
    await backupSnapshoting(c.ctx, { jobId });
    const plan = await uploadSnapshot(c.ctx, { jobId });
    const size = (await readBatch(c.ctx.data, jobId, plan.batches[0]!)).length;
    await expect(uploadBatch(c.ctx, { jobId, batch: plan.batches[0]!, continuation: { resumeAt: size } }))
      .rejects.toThrow(`Invalid continuation of batch 0: resumeAt ${size} is not within its ${size} files`);
    await c.sql('CANCEL BACKUP FROM d');
  });
});
