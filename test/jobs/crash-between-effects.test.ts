import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { ErrorName } from '../../lib/domain/errors.ts';
import { readManifest } from '../../lib/cluster/segments.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
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
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';
import { FaultInjector } from '../reliability/fault-injector.ts';
import { readStagingDoc, writeStagingDoc } from '../../lib/jobs/staging.ts';
import type { RestoreCommit } from '../../lib/jobs/restore/restore-plan.ts';

/**
 * A handler that dies after its side effects but before it advances the job (or half-way through a
 * batch) is run again, as Step Functions' retry or a re-driven execution would: the re-run completes the
 * phase, a further run changes nothing, and the job ends with the same data and no leftovers.
 */
const temp = useTempDirs('crash-between');
let c: TestCluster;
let faults: FaultInjector;

async function state(ctx: ServiceContext, jobId: string) {
  const repo = await openRepository(ctx, (await ctx.control.requireRepository('r'))!);
  const job = (await ctx.control.requireJob(jobId)).doc;
  const tables = await Promise.all(['t', 't2'].map((t) => ctx.catalog.getTable('d', t)));
  return { repo: await listAll(repo, ''), data: await listAll(ctx.data, ''), job: { ...job, progress: undefined }, tables: tables.map((t) => t?.doc) };
}

/** Runs a phase with a fault right before it leaves `phase`, then runs it twice more: same result, same state. */
async function crashThenRerun<T>(jobId: string, phase: string, run: () => Promise<T>): Promise<T> {
  // Transient, as Step Functions retries it: the same input runs again.
  const fired = faults.arm('d', phase, 'throw', ErrorName.RetryableStorage);
  await expect(run()).rejects.toThrow(`injected fault in ${phase}, before the job left it`);
  await fired;
  const first = await run();
  const after = await state(c.ctx, jobId);
  expect(await run()).toEqual(first);
  expect(await state(c.ctx, jobId)).toEqual(after);
  return first;
}

/** A batch that fails after its first transfer, then runs again twice. */
async function crashMidBatch(jobId: string, run: () => Promise<unknown>, patch: (fail: (store: ObjectStore) => ObjectStore) => () => void) {
  let puts = 0;
  const restore = patch((store) => {
    const failing: ObjectStore = Object.create(store);
    failing.put = async (key, body, options) => {
      if (++puts === 2) throw new Error('injected fault half-way through the batch');
      return store.put(key, body, options);
    };
    return failing;
  });
  try {
    await expect(run()).rejects.toThrow('injected fault half-way through the batch');
  } finally {
    restore();
  }
  await run();
  const after = await state(c.ctx, jobId);
  await run();
  expect(await state(c.ctx, jobId)).toEqual(after);
}

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir, { batch: { maxFiles: 3, maxBytes: 1 << 20, maxBatches: 10 } });
  faults = new FaultInjector(c.ctx);
  mkdirSync(`${dir}/repo`, { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO d.t VALUES (1, 'a'), (2, 'b'), (3, 'c'); INSERT INTO d.t VALUES (4, 'd'), (5, 'e');
    CREATE TABLE d.u (k INT) DISTRIBUTED BY RANDOM BUCKETS 2; INSERT INTO d.u VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"`);
});
afterAll(async () => c?.close());

describe('a crash between a phase\'s side effects and its state advance', () => {
  let ts = '';
  it('backup: every phase re-runs to the same end', async () => {
    const ctx = c.ctx;
    const { jobId } = await submitBackup(ctx, parseStatement('BACKUP DATABASE d SNAPSHOT s TO r') as never);
    await crashThenRerun(jobId, 'PENDING', () => backupPending(ctx, { jobId }));
    await crashThenRerun(jobId, 'SNAPSHOTING', () => backupSnapshoting(ctx, { jobId }));
    const plan = await crashThenRerun(jobId, 'UPLOAD_SNAPSHOT', () => uploadSnapshot(ctx, { jobId }));
    expect(plan.batches.length).toBeGreaterThan(1);
    const openLocation = ctx.openLocation;
    await crashMidBatch(jobId, () => uploadBatch(ctx, { jobId, batch: plan.batches[0]! }), (fail) => {
      ctx.openLocation = (location, props) => fail(openLocation(location, props));
      return () => { ctx.openLocation = openLocation; };
    });
    for (const batch of plan.batches.slice(1)) await uploadBatch(ctx, { jobId, batch });
    await crashThenRerun(jobId, 'SAVE_META', () => saveMeta(ctx, { jobId }));
    await crashThenRerun(jobId, 'UPLOAD_INFO', () => uploadInfo(ctx, { jobId }));
    const job = (await ctx.control.requireJob(jobId)).doc;
    expect(job.state).toBe('FINISHED');
    expect(await ctx.control.getLock('d')).toBeUndefined();
    expect(await listAll(ctx.data, `staging/${jobId}/`)).toEqual([]);
    ts = job.timestamp;
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT s ON r PROPERTIES ("read_data" = "true")`)).toEqual([['s', ts, null, null, 'OK']]);
  });

  it('restore: every phase re-runs to the same end, with no leftover files', async () => {
    const ctx = c.ctx;
    await c.sql("INSERT INTO d.t VALUES (6, 'f')");
    const stmt = parseStatement(`RESTORE SNAPSHOT s FROM r DATABASE d ON (TABLE t, TABLE u AS t2) PROPERTIES ("backup_timestamp" = "${ts}")`);
    const { jobId } = await submitRestore(ctx, stmt as never);
    await crashThenRerun(jobId, 'PENDING', () => restorePending(ctx, { jobId }));
    await crashThenRerun(jobId, 'SNAPSHOTING', () => restoreSnapshoting(ctx, { jobId }));
    const plan = await crashThenRerun(jobId, 'DOWNLOAD', () => restoreDownload(ctx, { jobId }));
    const data = ctx.data;
    await crashMidBatch(jobId, () => downloadBatch(ctx, { jobId, batch: plan.batches[0]! }), (fail) => {
      ctx.data = fail(data);
      return () => { ctx.data = data; };
    });
    for (const batch of plan.batches.slice(1)) await downloadBatch(ctx, { jobId, batch });
    await crashThenRerun(jobId, 'COMMIT', () => restoreCommit(ctx, { jobId }));
    await crashThenRerun(jobId, 'COMMITTING', () => restoreCommitting(ctx, { jobId }));
    expect((await ctx.control.requireJob(jobId)).doc.state).toBe('FINISHED');
    expect(await c.count('d.t')).toBe(5);
    expect(await c.count('d.t2')).toBe(2);
    expect(await ctx.control.getLock('d')).toBeUndefined();
    expect(await listAll(ctx.data, `staging/${jobId}/`)).toEqual([]);
    // Every file the restore wrote is referenced by the tables it published.
    const referenced = new Set<string>();
    for (const name of ['t', 't2']) {
      const rec = (await ctx.catalog.requireTable('d', name)).doc;
      for (const p of Object.values(rec.data)) {
        if (!p.manifest) continue;
        referenced.add(p.manifest);
        for (const tablet of (await readManifest(ctx.data, p.manifest)).tablets) for (const s of tablet.segments) referenced.add(s.path);
      }
    }
    const written = [...(await listAll(ctx.data, 'data/')), ...(await listAll(ctx.data, 'meta/'))].filter((k) => k.includes(`r-${jobId}`));
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((k) => !referenced.has(k))).toEqual([]);
  });
  it('restore: a commit staged without partition summaries (an older version\'s) is published from its manifests', async () => {
    const ctx = c.ctx;
    const stmt = parseStatement(`RESTORE SNAPSHOT s FROM r DATABASE d ON (TABLE t AS t3) PROPERTIES ("backup_timestamp" = "${ts}")`);
    const { jobId } = await submitRestore(ctx, stmt as never);
    await restorePending(ctx, { jobId });
    await restoreSnapshoting(ctx, { jobId });
    const plan = await restoreDownload(ctx, { jobId });
    for (const batch of plan.batches) await downloadBatch(ctx, { jobId, batch });
    await restoreCommit(ctx, { jobId });
    const commit = await readStagingDoc<RestoreCommit>(ctx.data, jobId, 'commit');
    const summaries = commit.tables[0]!.partitions.map((p) => p.summary);
    expect(summaries.every((x) => x && x.rows > 0)).toBe(true);
    for (const p of commit.tables[0]!.partitions) delete p.summary;
    await writeStagingDoc(ctx.data, jobId, 'commit', commit);
    await restoreCommitting(ctx, { jobId });
    const data = (await ctx.catalog.requireTable('d', 't3')).doc.data;
    const published = commit.tables[0]!.partitions.map((p) => { const { versionTime, ...rest } = data[p.targetId]!; return versionTime > 0 ? rest : undefined; });
    expect(published).toEqual(summaries);
    expect(await c.count('d.t3')).toBe(5);
  });
});

