import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { restorePending } from '../../lib/jobs/restore/pending.ts';
import { restoreDownload } from '../../lib/jobs/restore/download.ts';
import { restoreSnapshoting } from '../../lib/jobs/restore/snapshoting.ts';
import { downloadBatch } from '../../lib/jobs/restore/download-batch.ts';
import { submitRestore } from '../../lib/jobs/restore/submit-restore.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('restore-semantics');
let c: TestCluster;
let ts = '';
const TABLE = (ranges: string) => `(k INT, dt DATE) DUPLICATE KEY (k) PARTITION BY RANGE (dt) (${ranges}) DISTRIBUTED BY HASH (k) BUCKETS 2`;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; USE d;
    CREATE TABLE t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01")')};
    INSERT INTO t VALUES (1, '2024-01-10'), (2, '2024-02-10');
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
    BACKUP DATABASE d SNAPSHOT s TO r`);
  ts = await snapshotTimestamp(c, 'r', 's');
});
afterAll(async () => c?.close());

const restoreInto = (db: string, on = 'TABLE t PARTITION (p2)') => `RESTORE SNAPSHOT s FROM r DATABASE d AS ${db} ON (${on}) PROPERTIES ("backup_timestamp" = "${ts}")`;

describe('partitions into an existing table', () => {
  it('adds a partition whose range overlaps none', async () => {
    await c.sql(`CREATE DATABASE a; CREATE TABLE a.t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01")')}`);
    await c.sql(restoreInto('a'));
    expect((await c.rows('SHOW PARTITIONS FROM a.t')).map((r) => r[1])).toEqual(['p1', 'p2']);
    expect(await c.count('a.t')).toBe(1);
  });

  it('refuses a partition whose range differs, or overlaps an existing one', async () => {
    await c.sql(`CREATE DATABASE b; CREATE TABLE b.t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-04-01")')}`);
    expect(await c.error(restoreInto('b'))).toContain('Partition p2 in table t has different range with partition in repository');
    await c.sql(`CREATE DATABASE e; CREATE TABLE e.t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION px VALUES LESS THAN ("2024-02-15")')}`);
    expect(await c.error(restoreInto('e'))).toContain('Partition p2 in table t has conflict range with existing ranges');
    await c.sql('CREATE DATABASE f; CREATE TABLE f.t (k INT, dt DATE) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 2');
    // StarRocks' text (OlapTable.getIntersectPartNamesWith) names no table; ours adds it and both types.
    expect(await c.error(restoreInto('f'))).toContain("Table's partition type is different: table t is UNPARTITIONED in existed table and RANGE in backup snapshot");
    await c.sql(`CREATE DATABASE g; CREATE TABLE g.t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01")').replace('BUCKETS 2', 'BUCKETS 3')}`);
    expect(await c.error(restoreInto('g'))).toContain('Table t already exist but with different schema, errMsg: bucket num is inconsistent');
    await c.sql(`CREATE DATABASE h; CREATE TABLE h.t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01")').replace('DUPLICATE KEY (k)', 'UNIQUE KEY (k)')}`);
    expect(await c.error(restoreInto('h'))).toContain('Table t already exist but with different key type');
  });
});

describe('CANCEL RESTORE before COMMIT', () => {
  it('leaves the existing table exactly as it was, and usable', async () => {
    await c.sql(`CREATE DATABASE z; CREATE TABLE z.t ${TABLE('PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01")')};
      INSERT INTO z.t VALUES (7, '2024-01-07'), (8, '2024-02-08'), (9, '2024-02-09')`);
    const before = await c.ctx.catalog.requireTable('z', 't');
    const job = await submitRestore(c.ctx, parseStatement(restoreInto('z', 'TABLE t')) as never);
    await restorePending(c.ctx, { jobId: job.jobId });
    await restoreSnapshoting(c.ctx, { jobId: job.jobId });
    expect(await c.error("INSERT INTO z.t VALUES (10, '2024-01-10')")).toBe(`Table z.t is being restored (job ${job.jobId}); loads and DDL wait until the restore ends`);
    expect(await c.count('z.t')).toBe(3); // reads keep working
    const plan = await restoreDownload(c.ctx, { jobId: job.jobId });
    for (const batch of plan.batches) await downloadBatch(c.ctx, { jobId: job.jobId, batch });
    await c.sql('CANCEL RESTORE FROM z');
    await cancelJob(c.ctx, { jobId: job.jobId, error: { Error: 'JobCancelledError', Cause: 'user cancelled' } });
    const [row] = await c.rows('SHOW RESTORE FROM z');
    expect([row![4], row![16]]).toEqual(['CANCELLED', '[COMMON_ERROR, msg: user cancelled, current state: DOWNLOADING]']);
    const after = await c.ctx.catalog.requireTable('z', 't');
    expect(after.doc).toEqual(before.doc);
    expect((await listAll(c.ctx.data, `data/${after.doc.def.id}/`)).filter((k) => k.includes(`r-${job.jobId}`))).toEqual([]);
    await c.sql("INSERT INTO z.t VALUES (10, '2024-01-10')");
    expect(await c.count('z.t')).toBe(4);
    expect(await c.error('CANCEL RESTORE FROM z')).toBe(`Failed to cancel job: Job with label s can not be cancelled. state: CANCELLED`);
    expect(await c.error('CANCEL BACKUP FROM z')).toBe('No backup job is currently running');
  });
});
