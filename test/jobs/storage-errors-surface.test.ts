import { mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../lib/domain/errors.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { restorePending } from '../../lib/jobs/restore/pending.ts';
import { restoreDownload } from '../../lib/jobs/restore/download.ts';
import { readDownload, transfersKey } from '../../lib/jobs/restore/download-lines.ts';
import { restoreSnapshoting } from '../../lib/jobs/restore/snapshoting.ts';
import { submitRestore } from '../../lib/jobs/restore/submit-restore.ts';
import { downloadBatch } from '../../lib/jobs/restore/download-batch.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { Deny, type S3Proxy, startS3Proxy } from '../support/s3-proxy.ts';
import { freshS3Location, s3Endpoint } from '../support/s3-test-store.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * A storage failure is not an absence: a phase that reads a document to know what to clean up, or whom a
 * snapshot belongs to, fails with the store's error instead of carrying on as if nothing were there.
 */
const temp = useTempDirs('storage-errors');
let c: TestCluster;
let proxy: S3Proxy;
let ts = '';

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  proxy = await startS3Proxy(s3Endpoint());
  mkdirSync(join(dir, 'repo'));
  await c.sql(`CREATE DATABASE src; CREATE TABLE src.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO src.t VALUES (1, 'a'), (2, 'b'); CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
    BACKUP DATABASE src SNAPSHOT base TO r;
    CREATE DATABASE x; CREATE TABLE x.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO x.t VALUES (9, 'z')`);
  ts = await snapshotTimestamp(c, 'r', 'base');
});
afterAll(async () => {
  await c?.close();
  await proxy?.close();
});

describe('CANCEL of a restore', () => {
  it('fails, keeping the job and its lock, when the staging document cannot be read; runs to the end once it can', async () => {
    const stmt = parseStatement(`RESTORE SNAPSHOT base FROM r DATABASE src AS x ON (TABLE t) PROPERTIES ("backup_timestamp" = "${ts}")`);
    const { jobId } = await submitRestore(c.ctx, stmt as never);
    await restorePending(c.ctx, { jobId });
    await restoreSnapshoting(c.ctx, { jobId });
    const plan = await restoreDownload(c.ctx, { jobId });
    for (const batch of plan.batches) await downloadBatch(c.ctx, { jobId, batch });
    const written: string[] = [];
    for await (const p of readDownload(c.ctx.data, jobId)) written.push(...p.tablets.flat().map((s) => s.path));
    expect(written.length).toBeGreaterThan(0);

    // A file that loops onto itself: every read fails with ELOOP, for root too (unlike chmod 000).
    // The copies' list is what a cancel reads to delete the segment files.
    const file = join(c.home, 'data', transfersKey(jobId));
    const text = readFileSync(file);
    unlinkSync(file);
    symlinkSync('transfers.ndjson', file);
    const err = await cancelJob(c.ctx, { jobId }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain(`Cannot read ${c.ctx.data.description}/${transfersKey(jobId)}: ELOOP`);
    const job = (await c.ctx.control.requireJob(jobId)).doc;
    expect(job.state).not.toBe('CANCELLED');
    expect(job.cancelRequested).toBe(true);
    expect((await c.ctx.control.getLock('x'))?.doc.jobId).toBe(jobId);
    for (const key of written) expect(await c.ctx.data.head(key)).toBeDefined();

    unlinkSync(file);
    writeFileSync(file, text);
    await cancelJob(c.ctx, { jobId });
    expect((await c.ctx.control.requireJob(jobId)).doc.state).toBe('CANCELLED');
    expect(await c.ctx.control.getLock('x')).toBeUndefined();
    for (const key of written) expect(await c.ctx.data.head(key)).toBeUndefined();
    expect(await c.rows('SELECT * FROM x.t')).toEqual([['9', 'z']]);
  });
});

describe('DROP SNAPSHOT', () => {
  it('reports a snapshot info file it may not read as the store\'s error, not as one without an owner', async () => {
    const location = freshS3Location('conformance', 'drop');
    await c.sql(`CREATE REPOSITORY r3 WITH BROKER ON LOCATION "${location}" PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}",
      "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${proxy.endpoint}"); BACKUP DATABASE src SNAPSHOT s3snap TO r3`);
    await snapshotTimestamp(c, 'r3', 's3snap');
    proxy.deny.add(Deny.READS);
    try {
      const message = await c.error('DROP SNAPSHOT s3snap ON r3');
      expect(message).toMatch(new RegExp(`^Access denied by ${proxy.endpoint}: the credentials were rejected or lack permission to read ${location}/.*/__info_`));
      expect(message).toContain('AccessDenied (HTTP 403');
    } finally {
      proxy.deny.clear();
    }
    await c.sql('DROP SNAPSHOT s3snap ON r3');
  });
});
