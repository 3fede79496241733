import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint } from '../support/s3-test-store.ts';
import { createSampleDatabase, sortedRows } from '../support/sample-database.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/** The spec's migration: back up in one cluster, create the same repository in another, restore there. */
const temp = useTempDirs('two-homes');
let source: TestCluster;
let target: TestCluster;
const location = freshS3Location('shared', 'migration');
const createRepository = (readOnly = '') => `CREATE ${readOnly} REPOSITORY test_repo WITH BROKER ON LOCATION "${location}"
  PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3Endpoint()}")`;

beforeAll(async () => {
  [source, target] = await Promise.all([temp.make().then((d) => openTestCluster(d)), temp.make().then((d) => openTestCluster(d))]);
});
afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

describe('two homes sharing one S3 repository', () => {
  it('restores in the second home what the first backed up', async () => {
    await createSampleDatabase(source);
    await source.sql(createRepository());
    await source.sql('BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO test_repo');
    const ts = await snapshotTimestamp(source, 'test_repo', 'sr_hub_backup');

    await target.sql(createRepository());
    expect((await target.rows('SHOW SNAPSHOT ON test_repo')).map((r) => r.slice(0, 3))).toEqual([['sr_hub_backup', ts, 'OK']]);
    // The second cluster adopts the repository's creation time from __repo_info.
    const created = async (c: TestCluster) => (await c.rows('SHOW REPOSITORIES'))[0]![2];
    expect(await created(target)).toBe(await created(source));

    await target.sql(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await sortedRows(target, 'sr_hub.sr_member')).toEqual(await sortedRows(source, 'sr_hub.sr_member'));
    expect(await target.count('sr_hub.sr_member')).toBe(4);
  });

  it('also works as a READ ONLY repository, which refuses BACKUP', async () => {
    await target.sql('DROP REPOSITORY test_repo');
    await target.sql(createRepository('READ ONLY'));
    expect((await target.rows('SHOW SNAPSHOT ON test_repo')).map((r) => r[0])).toEqual(['sr_hub_backup']);
    expect(await target.error('BACKUP DATABASE sr_hub SNAPSHOT again TO test_repo')).toBe('Repository test_repo is read only');
  });
});
