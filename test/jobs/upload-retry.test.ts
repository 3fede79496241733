import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { saveMeta } from '../../lib/jobs/backup/save-meta.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { uploadBatch } from '../../lib/jobs/backup/upload-batch.ts';
import { uploadInfo } from '../../lib/jobs/backup/upload-info.ts';
import { uploadSnapshot } from '../../lib/jobs/backup/upload-snapshot.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { type S3Proxy, startS3Proxy } from '../support/s3-proxy.ts';
import { freshS3Location, s3Endpoint } from '../support/s3-test-store.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';

/**
 * The uploads of a backup to an S3 repository whose connection drops mid-body, more often than the S3 SDK
 * retries a request: `__meta` (streamed from staging) and the blobs (streamed from the cluster's store) are
 * sent again by the store's retry policy within the same phase, which does not fail, and the snapshot they
 * make restores.
 */
const temp = useTempDirs('upload-retry');
let c: TestCluster;
let proxy: S3Proxy;
const SDK_TRIES = 3;

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  proxy = await startS3Proxy(s3Endpoint());
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO d.t VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE REPOSITORY r WITH BROKER ON LOCATION "${freshS3Location('conformance', 'upload-retry')}" PROPERTIES (
      "aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${proxy.endpoint}")`);
});
afterAll(async () => {
  await c?.close();
  await proxy?.close();
});

describe('a backup whose uploads are cut off mid-body', () => {
  it('retries __meta and each blob within its phase, and the snapshot restores', async () => {
    const ctx = c.ctx;
    const { jobId } = await submitBackup(ctx, parseStatement('BACKUP DATABASE d SNAPSHOT s TO r') as never);
    await backupPending(ctx, { jobId });
    await backupSnapshoting(ctx, { jobId });
    const puts = () => proxy.requests.filter((r) => r.method === 'PUT');
    proxy.requests.length = 0;
    proxy.cutOnly = /\/__meta_/;
    proxy.cutWrites = SDK_TRIES;
    const plan = await uploadSnapshot(ctx, { jobId });
    expect(proxy.cutWrites).toBe(0);
    expect(puts().filter((r) => r.url.includes('/__meta_'))).toHaveLength(SDK_TRIES + 1);
    proxy.requests.length = 0;
    proxy.cutOnly = /\/__blobs\//;
    proxy.cutWrites = SDK_TRIES;
    for (const batch of plan.batches) expect(await uploadBatch(ctx, { jobId, batch })).toBeNull();
    expect(proxy.cutWrites).toBe(0);
    const blobs = puts().filter((r) => r.url.includes('/__blobs/')).map((r) => r.url.split('?')[0]);
    expect(blobs.length).toBe(new Set(blobs).size + SDK_TRIES);
    delete proxy.cutOnly;
    await saveMeta(ctx, { jobId });
    await uploadInfo(ctx, { jobId });
    const job = (await ctx.control.requireJob(jobId)).doc;
    expect(job.state).toBe('FINISHED');
    const verified = await c.rows(`ADMIN VERIFY SNAPSHOT s ON r PROPERTIES ("backup_timestamp" = "${job.timestamp}", "read_data" = "true")`);
    expect(verified.map((row) => row.at(-1))).toEqual(['OK']);
    await c.sql(`RESTORE SNAPSHOT s FROM r DATABASE d AS d2 PROPERTIES ("backup_timestamp" = "${job.timestamp}")`);
    expect(await c.count('d2.t')).toBe(3);
  });
});
