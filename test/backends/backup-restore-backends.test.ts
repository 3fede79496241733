import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { layout } from '../../lib/domain/repository-layout.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { openObjectStore } from '../../lib/adapters/storage/registry.ts';
import { type GcsTestServer, startGcsServer } from '../support/gcs-server.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint, s3rverProperties } from '../support/s3-test-store.ts';
import { backupAndRestore, createSampleDatabase } from '../support/sample-database.ts';
import { type StsTestServer, startStsServer } from '../support/sts-server.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';
import { type WebHdfsTestServer, startWebHdfsServer } from '../support/webhdfs-server.ts';

/**
 * The spec's CREATE REPOSITORY statements, as written (comments included), with the endpoint pointed at
 * the local test servers, then BACKUP and RESTORE through each. Every backend is `test_repo`, dropped
 * and created again, as an operator moving between them would.
 */
const temp = useTempDirs('backends-e2e');
let c: TestCluster;
let hdfs: WebHdfsTestServer;
let gcs: GcsTestServer;
let sts: StsTestServer;

beforeAll(async () => {
  [c, hdfs, gcs, sts] = await Promise.all([
    temp.make().then((dir) => openTestCluster(dir)),
    startWebHdfsServer({ users: ['hdfs_user'] }),
    startGcsServer({ buckets: ['bucket_gcs'] }),
    startStsServer({ accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY, sessionToken: 'session-token-from-sts' }),
  ]);
  await createSampleDatabase(c);
});
afterAll(async () => {
  await c?.close();
  await Promise.all([hdfs?.close(), gcs?.close(), sts?.close()]);
});

/** A location under the spec's bucket that no other run shares: the shared s3rver outlives this file. */
const s3Location = (bucket: string) => freshS3Location(bucket, 'backup');

async function roundTrip(createRepository: string, label: string): Promise<void> {
  await c.sql('DROP REPOSITORY test_repo').catch(() => undefined);
  await c.sql(createRepository);
  await backupAndRestore(c, 'test_repo', label, `${label}_restored`);
  await sweepsDeadCollectionMarkers();
}

/**
 * A collection's marker is read with a range past its end (it is smaller than the 1 KiB read): every
 * backend answers with what there is, and the collection tells a dead collection's marker from a live one.
 */
async function sweepsDeadCollectionMarkers(): Promise<void> {
  const store = await openRepository(c.ctx, await c.ctx.control.requireRepository('test_repo'));
  const now = Date.now();
  await store.put(layout.gcMarker('test_repo', 'dead'), JSON.stringify({ started: new Date(now - 2 * 3600_000).toISOString() }));
  await store.put(layout.gcMarker('test_repo', 'live'), JSON.stringify({ started: new Date(now).toISOString(), renewed: new Date(now).toISOString() }));
  expect(await c.rows('ADMIN CLEAN REPOSITORY test_repo')).toEqual([['0']]);
  expect(await listAll(store, layout.gcMarkersPrefix('test_repo'))).toEqual([layout.gcMarker('test_repo', 'live')]);
  await store.delete(layout.gcMarker('test_repo', 'live'));
}

describe('BACKUP and RESTORE through every backend, with the spec statements', () => {
  it('HDFS (WebHDFS, username and password)', async () => {
    await roundTrip(`CREATE REPOSITORY test_repo
      WITH BROKER
      ON LOCATION "hdfs://127.0.0.1:8020/repo_dir/backup"
      PROPERTIES(
          "username" = "hdfs_user", // 用户名
          "password" = "hdfs_password_value",  // 密码
          "hdfs.webhdfs.port" = "${hdfs.port}"
      )`, 'hdfs_snap');
    const files = await hdfs.files();
    expect(files).toContain('/repo_dir/backup/__starbackup_repository_test_repo/__repo_info');
    expect(files.some((f) => f.startsWith('/repo_dir/backup/__starbackup_repository_test_repo/__ss_hdfs_snap/__info_'))).toBe(true);
    expect(files.filter((f) => /\.tmp-/.test(f))).toEqual([]);
    // WebHDFS simple authentication has no password: it never leaves the process.
    expect(hdfs.urls.some((u) => u.includes('hdfs_password_value'))).toBe(false);
    expect(hdfs.urls.every((u) => u.includes('user.name=hdfs_user'))).toBe(true);
  });

  it('AWS S3 with an access key and secret key', async () => {
    const location = s3Location('bucket_s3');
    await roundTrip(`CREATE REPOSITORY test_repo
      WITH BROKER
      ON LOCATION "${location}"
      PROPERTIES(
          "aws.s3.access_key" = "${S3RVER_KEY}", // Access Key
          "aws.s3.secret_key" = "${S3RVER_KEY}", // Secret Key
          "aws.s3.region" = "us-east-1", // 地域
          "aws.s3.endpoint" = "${s3Endpoint()}"
      )`, 's3_snap');
    const keys = await listAll(openObjectStore(location, s3rverProperties()), '');
    expect(keys).toContain('__starbackup_repository_test_repo/__repo_info');
    expect(keys.some((k) => k.startsWith('__starbackup_repository_test_repo/__blobs/'))).toBe(true);
  });

  it('AWS S3 with the instance profile (the default credential chain)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_KEY);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_KEY);
    try {
      await roundTrip(`CREATE REPOSITORY test_repo
        WITH BROKER
        ON LOCATION "${s3Location('bucket_s3')}"
        PROPERTIES(
            "aws.s3.use_instance_profile" = "true", // 是否使用 Instance Profile
            "aws.s3.region" = "us-east-1", // 地域
            "aws.s3.endpoint" = "${s3Endpoint()}"
        )`, 's3_profile_snap');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('AWS S3 with an assumed role (STS AssumeRole from the instance profile)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'INSTANCE_PROFILE_KEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'instance-profile-secret');
    try {
      await roundTrip(`CREATE REPOSITORY test_repo
        WITH BROKER
        ON LOCATION "${s3Location('bucket_s3')}"
        PROPERTIES(
            "aws.s3.use_instance_profile" = "true", // 是否使用 Instance Profile
            "aws.s3.iam_role_arn" = "arn:aws:iam::123456789012:role/backup", // IAM Role ARN
            "aws.s3.region" = "us-east-1", // 地域
            "aws.s3.endpoint" = "${s3Endpoint()}",
            "aws.s3.sts.endpoint" = "${sts.endpoint}"
        )`, 's3_role_snap');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(sts.calls).toEqual([{ roleArn: 'arn:aws:iam::123456789012:role/backup', accessKeyId: 'INSTANCE_PROFILE_KEY' }]);
  });

  it('Google GCS through the S3 API with HMAC keys (fs.s3a.*)', async () => {
    await roundTrip(`CREATE REPOSITORY test_repo
      WITH BROKER
      ON LOCATION "${s3Location('bucket_gcs')}"
      PROPERTIES(
          "fs.s3a.access.key" = "${S3RVER_KEY}", // Access Key
          "fs.s3a.secret.key" = "${S3RVER_KEY}", // Secret Key
          "fs.s3a.endpoint" = "${s3Endpoint().replace('http://', '')}", // Endpoint
          "fs.s3a.connection.ssl.enabled" = "false"
      )`, 'gcs_s3a_snap');
  });

  it('MinIO (s3:// with an endpoint)', async () => {
    await roundTrip(`CREATE REPOSITORY test_repo
      WITH BROKER
      ON LOCATION "${s3Location('bucket_minio').replace('s3a://', 's3://')}"
      PROPERTIES(
          "aws.s3.access_key" = "${S3RVER_KEY}", // Access Key
          "aws.s3.secret_key" = "${S3RVER_KEY}", // Secret Key
          "aws.s3.endpoint" = "${s3Endpoint()}" // Endpoint
      )`, 'minio_snap');
  });

  it('Google GCS natively (gs://)', async () => {
    await roundTrip(`CREATE REPOSITORY test_repo
      WITH BROKER
      ON LOCATION "gs://bucket_gcs/backup"
      PROPERTIES("gcp.gcs.endpoint" = "${gcs.endpoint}")`, 'gs_snap');
    const names = gcs.names('bucket_gcs');
    expect(names).toContain('backup/__starbackup_repository_test_repo/__repo_info');
    expect(names.some((n) => n.startsWith('backup/__starbackup_repository_test_repo/__ss_gs_snap/__info_'))).toBe(true);
  });
});
