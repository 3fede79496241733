import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layout } from '../../lib/domain/repository-layout.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { uploadBatch } from '../../lib/jobs/backup/upload-batch.ts';
import { uploadSnapshot } from '../../lib/jobs/backup/upload-snapshot.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * A backup cancelled (or rolled back after its process was killed) once it uploaded blobs takes back the
 * ones no other `__meta` names, under DROP SNAPSHOT's rules: the blobs it shares with a finished snapshot stay.
 */
const temp = useTempDirs('cancelled-space');
let c: TestCluster;
let repo: ObjectStore;
const blobs = async () => (await listAll(repo, layout.blobsPrefix('r'))).sort();

beforeAll(async () => {
  const dir = await temp.make();
  mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"; BACKUP DATABASE d SNAPSHOT kept TO r`);
  repo = await openRepository(c.ctx, (await c.ctx.control.requireRepository('r'))!);
}, 60_000);
afterAll(async () => { await c?.close(); });

describe('a cancelled backup', () => {
  it('removes the blobs it uploaded that no snapshot names, and keeps the shared ones', async () => {
    const before = await blobs();
    await c.sql('INSERT INTO d.t VALUES (3), (4)');
    const job = await submitBackup(c.ctx, parseStatement('BACKUP DATABASE d SNAPSHOT gone TO r') as never);
    await backupPending(c.ctx, { jobId: job.jobId });
    await backupSnapshoting(c.ctx, { jobId: job.jobId });
    const plan = await uploadSnapshot(c.ctx, { jobId: job.jobId });
    for (const batch of plan.batches) await uploadBatch(c.ctx, { jobId: job.jobId, batch });
    expect((await blobs()).length).toBeGreaterThan(before.length);
    await cancelJob(c.ctx, { jobId: job.jobId });
    expect((await c.ctx.control.requireJob(job.jobId)).doc.state).toBe('CANCELLED');
    expect(await blobs()).toEqual(before);
    expect(await c.rows('ADMIN VERIFY SNAPSHOT kept ON r')).not.toContainEqual(expect.arrayContaining(['BAD_FILE']));
  }, 60_000);
});
