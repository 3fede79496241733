import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../lib/ports/object-io.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('lifecycle');
let a: TestCluster;
let b: TestCluster;
let repoDir: string;

const blobs = async (c: TestCluster) => (await listAll(await openRepository(c.ctx, (await c.ctx.control.requireRepository('r'))!), '__starbackup_repository_r/__blobs/')).length;

beforeAll(async () => {
  const dir = await temp.make();
  repoDir = join(dir, 'repo');
  a = await openTestCluster(join(dir, 'a'));
  b = await openTestCluster(join(dir, 'b'));
  mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
  await a.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"`);
  await b.sql(`CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"`);
});
afterAll(async () => { await a?.close(); await b?.close(); });

describe('DROP SNAPSHOT', () => {
  it('drops a snapshot and exactly the blobs no other snapshot needs', async () => {
    await a.sql('BACKUP DATABASE d SNAPSHOT s1 TO r');
    const shared = await blobs(a);
    await a.sql('INSERT INTO d.t VALUES (3); BACKUP DATABASE d SNAPSHOT s2 TO r');
    expect(await blobs(a)).toBe(shared + 1); // content addressing: s2 uploaded only the new segment
    await a.sql('DROP SNAPSHOT s1 ON r');
    expect(await blobs(a)).toBe(shared + 1); // all still needed by s2
    expect((await a.rows('SHOW SNAPSHOT ON r')).map((r) => r[0])).toEqual(['s2']);
    const ts = await snapshotTimestamp(a, 'r', 's2');
    await a.sql(`RESTORE SNAPSHOT s2 FROM r DATABASE d AS d2 PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await a.count('d2.t')).toBe(3);
    await a.sql('DROP SNAPSHOT s2 ON r');
    expect(await blobs(a)).toBe(0);
  });

  it('refuses a snapshot of another cluster without FORCE, and unknown snapshots', async () => {
    await a.sql('BACKUP DATABASE d SNAPSHOT s3 TO r');
    expect(await b.error('DROP SNAPSHOT s3 ON r')).toBe(
      `Snapshot s3 in repository r was created by cluster ${a.ctx.clusterId}, and this cluster is ${b.ctx.clusterId}. Use DROP SNAPSHOT ... FORCE to drop it anyway`,
    );
    await b.sql('DROP SNAPSHOT s3 ON r FORCE');
    expect(await a.rows('SHOW SNAPSHOT ON r')).toEqual([]);
    expect(await a.error('DROP SNAPSHOT nope ON r')).toBe('Snapshot does not exist in repository r: nope');
    expect(await a.error('DROP SNAPSHOT nope ON nope')).toBe('Repository nope does not exist');
  });

  it('refuses a snapshot a job is writing, and frees the label of a cancelled backup', async () => {
    const job = await submitBackup(a.ctx, parseStatement('BACKUP DATABASE d SNAPSHOT busy TO r') as never);
    writeFileSync(join(repoDir, '__starbackup_repository_r', '__ss_busy_marker'), ''); // unrelated file, not a snapshot
    await (await openRepository(a.ctx, (await a.ctx.control.requireRepository('r'))!)).put(`__starbackup_repository_r/__ss_busy/__meta_${job.timestamp}`, '{}');
    expect(await a.error('DROP SNAPSHOT busy ON r')).toBe('Can not drop snapshot busy: a backup is writing it');
    await cancelJob(a.ctx, { jobId: job.jobId });
    expect(readdirSync(join(repoDir, '__starbackup_repository_r'))).not.toContain('__ss_busy');
    await a.sql('BACKUP DATABASE d SNAPSHOT busy TO r');
    expect((await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'busy'"))[0]![2]).toBe('OK');
  });

  it('drops a leftover without job info only with FORCE', async () => {
    const store = await openRepository(a.ctx, (await a.ctx.control.requireRepository('r'))!);
    await store.put('__starbackup_repository_r/__ss_leftover/__meta_2024-01-01-00-00-00-000', '{}');
    expect((await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'leftover'"))[0]).toEqual(['leftover', null, 'ERROR: no snapshot', null, null, null, null]);
    expect(await a.error('DROP SNAPSHOT leftover ON r')).toMatch(/^Snapshot leftover in repository r does not record which cluster created it/);
    await a.sql('DROP SNAPSHOT leftover ON r FORCE');
    expect(await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'leftover'")).toEqual([['leftover', null, 'ERROR: no snapshot', null, null, null, null]]);
    expect(await listAll(store, '__starbackup_repository_r/__ss_leftover/')).toEqual([]);
  });
});

describe('ttl', () => {
  it('shows ClusterId, FinishTime, TTL and ExpireTime, and expires the snapshot after its ttl', async () => {
    await a.sql('BACKUP DATABASE d SNAPSHOT short TO r PROPERTIES ("ttl" = "1 SECOND")');
    const [row] = await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'short'");
    expect(row![2]).toBe('OK');
    expect(row![3]).toBe(a.ctx.clusterId);
    expect(row![5]).toBe('1 SECOND');
    expect(row![6]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await new Promise((r) => setTimeout(r, 1200));
    await a.sql('SHOW DATABASES'); // any command runs the expiry sweep
    expect((await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'short'"))[0]![2]).toBe('ERROR: no snapshot');
  });

  it('validates ttl values as StarRocks does', async () => {
    expect(await a.error('BACKUP DATABASE d SNAPSHOT x TO r PROPERTIES ("ttl" = "7 DAYS AGO")')).toBe(
      "Invalid ttl: '7 DAYS AGO'. Expected a duration such as '7 DAY' or '12 HOUR', or an empty value to keep the snapshot forever",
    );
    expect(await a.error('BACKUP DATABASE d SNAPSHOT x TO r PROPERTIES ("ttl" = "0 DAY")')).toBe('ttl must be a positive duration, but got: 0 DAY');
    await a.sql('BACKUP DATABASE d SNAPSHOT forever TO r PROPERTIES ("ttl" = "")');
    expect((await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'forever'"))[0]![5]).toBeNull();
  });
});

describe('damaged snapshots', () => {
  it('are listed with an error status, never OK', async () => {
    const ts = await snapshotTimestamp(a, 'r', 'forever');
    writeFileSync(join(repoDir, '__starbackup_repository_r', '__ss_forever', `__info_${ts}`), '{"sha256":"00","body":{}}');
    const [row] = await a.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'forever'");
    expect(row![2]).toMatch(/^ERROR: Failed to get info: Failed to get info of snapshot 'forever' because: file .* is corrupt: sha256 /);
  });
});
