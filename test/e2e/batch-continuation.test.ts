import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore } from '../../lib/control/control-store.ts';
import { JobCounter } from '../../lib/domain/control-types.ts';
import type { BatchInput } from '../../lib/domain/workflow.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/**
 * The synthesized state machines, run by the embedded runtime, with a batch budget of 0: every batch
 * invocation moves one file and returns a continuation, and the Map's Choice invokes it again until done.
 */
const temp = useTempDirs('batch-continuation');
let c: TestCluster;
const batchInputs: { state: string; input: BatchInput }[] = [];

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir, {
    batch: { maxFiles: 3, maxBytes: 1 << 20, maxBatches: 10, budgetMs: 0 },
    wrapHandlers: (_workflow, state, handler) => async (input) => {
      if (state.endsWith('_BATCH')) batchInputs.push({ state, input: input as BatchInput });
      return handler(input);
    },
  });
  mkdirSync(join(dir, 'repo'), { recursive: true });
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 4;
    INSERT INTO d.t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'); INSERT INTO d.t VALUES (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h');
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
});
afterAll(async () => c?.close());

async function lastJobProgress(db: string) {
  const jobId = (await c.ctx.control.jobsOfDatabase(db)).at(-1)!.jobId;
  const job = await c.ctx.control.requireJob(jobId);
  return {
    state: job.doc.state,
    files: ControlStore.progressOf(job, JobCounter.FILES_DONE),
    batches: ControlStore.progressOf(job, JobCounter.BATCHES_DONE),
  };
}

describe('batches continued by the state machine', () => {
  let ts = '';
  it('BACKUP loops each UPLOAD_BATCH one file at a time and finishes with every file counted once', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT s TO r');
    ts = await snapshotTimestamp(c, 'r', 's');
    const uploads = batchInputs.filter((b) => b.state === 'UPLOAD_BATCH');
    const firsts = uploads.filter((b) => !b.input.continuation);
    // Every invocation after a batch's first carries the continuation the previous one returned.
    expect(uploads.length).toBeGreaterThan(firsts.length);
    for (const b of uploads.filter((u) => u.input.continuation)) expect(b.input.continuation!.resumeAt).toBeGreaterThan(0);
    // One invocation per file: 8 segments.
    expect(uploads).toHaveLength(8);
    expect(await lastJobProgress('d')).toEqual({ state: 'FINISHED', files: 8, batches: firsts.length });
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT s ON r PROPERTIES ("read_data" = "true")`)).toEqual([['s', ts, null, null, 'OK']]);
  });

  it('RESTORE loops each DOWNLOAD_BATCH the same way and restores every row', async () => {
    await c.sql(`RESTORE SNAPSHOT s FROM r DATABASE d ON (TABLE t AS t2) PROPERTIES ("backup_timestamp" = "${ts}")`);
    const downloads = batchInputs.filter((b) => b.state === 'DOWNLOAD_BATCH');
    expect(downloads).toHaveLength(8);
    expect(await lastJobProgress('d')).toMatchObject({ state: 'FINISHED', files: 8 });
    expect(await c.count('d.t2')).toBe(8);
  });
});
