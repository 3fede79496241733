import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../lib/ports/object-io.ts';
import { openObjectStore } from '../../lib/adapters/storage/registry.ts';
import { type GcsTestServer, startGcsServer } from '../support/gcs-server.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint, s3rverProperties } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';
import { type WebHdfsTestServer, startWebHdfsServer } from '../support/webhdfs-server.ts';

/**
 * CREATE REPOSITORY checks the location before answering. Each failure names the repository and the
 * location, says what is wrong, never contains a secret, and registers nothing.
 */
const temp = useTempDirs('create-repo-errors');
let c: TestCluster;
let gcs: GcsTestServer;
let hdfs: WebHdfsTestServer;
let closedPort: number;

const ACCESS_KEY = 'AKIAEXAMPLEKEY123456';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETVALUE';
const PASSWORD = 'hdfs-password-value-42';

beforeAll(async () => {
  [c, gcs, hdfs, closedPort] = await Promise.all([
    temp.make().then((dir) => openTestCluster(dir)),
    startGcsServer({ buckets: ['bucket_gcs'], forbiddenBuckets: ['locked_bucket'] }),
    startWebHdfsServer({ users: ['starbackup'] }),
    freePort(),
  ]);
});
afterAll(async () => {
  await c?.close();
  await Promise.all([gcs?.close(), hdfs?.close()]);
});

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const quote = (v: string) => (v.includes('"') ? `'${v}'` : `"${v}"`);
const props = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `"${k}" = ${quote(v)}`).join(', ');

async function createError(location: string, properties: Record<string, string>): Promise<string> {
  const outcome = (await c.run(`CREATE REPOSITORY test_repo WITH BROKER ON LOCATION "${location}" PROPERTIES (${props(properties)})`))[0]!;
  if (!outcome.error) await c.sql('DROP REPOSITORY test_repo');
  const message = outcome.error?.message ?? 'no error';
  expect(outcome.error?.code).toBe('AnalysisError');
  expect(message).toContain(`Failed to create repository test_repo on ${location}: `);
  for (const [key, value] of Object.entries(properties)) {
    if (/secret|password|access[._]key|private_key/.test(key)) expect(message).not.toContain(value);
  }
  expect(await c.rows('SHOW REPOSITORIES')).toEqual([]);
  return message;
}

describe('CREATE REPOSITORY errors', () => {
  it('names the supported schemes for an unknown one', async () => {
    const message = await createError('ftp://host/backups', { password: PASSWORD });
    expect(message).toContain("the scheme 'ftp' is not supported; supported: file://, gs://, hdfs://, memory://, s3://, s3a://, webhdfs://");
  });

  it('rejects a typo in an aws.s3 property, naming the supported ones', async () => {
    const message = await createError(freshS3Location('errors'), { 'aws.s3.acces_key': ACCESS_KEY, 'aws.s3.secret_key': SECRET_KEY });
    expect(message).toContain('Unknown repository properties: [aws.s3.acces_key]; supported aws.s3.* properties: aws.s3.access_key, aws.s3.secret_key');
  });

  it('rejects a secret key without an access key', async () => {
    const message = await createError(freshS3Location('errors'), { 'aws.s3.secret_key': SECRET_KEY });
    expect(message).toContain('Property aws.s3.access_key is missing: an access key and a secret key go together');
  });

  describe('S3', () => {
    it('says an unreachable endpoint cannot be reached', async () => {
      const location = freshS3Location('errors');
      const message = await createError(location, { 'aws.s3.access_key': ACCESS_KEY, 'aws.s3.secret_key': SECRET_KEY, 'aws.s3.endpoint': `http://127.0.0.1:${closedPort}` });
      expect(message).toContain(`Cannot reach http://127.0.0.1:${closedPort} to list ${location}/__starbackup_repository_test_repo/: ECONNREFUSED`);
    });

    it('says a missing bucket does not exist', async () => {
      const message = await createError('s3a://no-such-bucket/backup', { ...s3rverProperties(), 'aws.s3.secret_key': S3RVER_KEY });
      expect(message).toContain(`Bucket 'no-such-bucket' does not exist at ${s3Endpoint()}`);
    });

    it('says an unknown access key was rejected, without showing it', async () => {
      const message = await createError(freshS3Location('errors'), { 'aws.s3.access_key': ACCESS_KEY, 'aws.s3.secret_key': SECRET_KEY, 'aws.s3.endpoint': s3Endpoint() });
      expect(message).toContain(`Access denied by ${s3Endpoint()}: the credentials were rejected or lack permission to list`);
      expect(message).toContain('InvalidAccessKeyId (HTTP 403');
    });

    it('keeps the secrets out of the GCS-via-S3A form too (fs.s3a.*)', async () => {
      const message = await createError(freshS3Location('errors'), {
        'fs.s3a.access.key': ACCESS_KEY, 'fs.s3a.secret.key': SECRET_KEY, 'fs.s3a.endpoint': `127.0.0.1:${closedPort}`, 'fs.s3a.connection.ssl.enabled': 'false',
      });
      expect(message).toContain(`Cannot reach http://127.0.0.1:${closedPort}`);
    });
  });

  describe('GCS (gs://)', () => {
    it('says an unreachable endpoint cannot be reached', async () => {
      const message = await createError('gs://bucket_gcs/backup', { 'gcp.gcs.endpoint': `http://127.0.0.1:${closedPort}` });
      expect(message).toContain(`Cannot reach http://127.0.0.1:${closedPort} to list gs://bucket_gcs/backup/__starbackup_repository_test_repo/`);
    });

    it('says a missing bucket does not exist', async () => {
      const message = await createError('gs://no_such_bucket/backup', { 'gcp.gcs.endpoint': gcs.endpoint });
      expect(message).toContain(`Bucket 'no_such_bucket' does not exist at ${gcs.endpoint}`);
    });

    it('says access was denied', async () => {
      const message = await createError('gs://locked_bucket/backup', { 'gcp.gcs.endpoint': gcs.endpoint });
      expect(message).toContain(`Access denied by ${gcs.endpoint}: the credentials were rejected or lack permission to list gs://locked_bucket/backup/`);
    });

    it('refuses a service account key that is not one, without echoing it', async () => {
      const message = await createError('gs://bucket_gcs/backup', { 'gcp.gcs.service_account_json': '{"private_key": "-----BEGIN PRIVATE KEY-----abc"}' });
      expect(message).toContain('Invalid value for property gcp.gcs.service_account_json: expected a service account key with client_email and private_key');
      expect(message).not.toContain('BEGIN PRIVATE KEY');
    });
  });

  describe('HDFS', () => {
    it('says an unreachable namenode cannot be reached', async () => {
      const message = await createError('hdfs://127.0.0.1:8020/repo_dir/backup', { username: 'starbackup', password: PASSWORD, 'hdfs.webhdfs.port': String(closedPort) });
      expect(message).toContain(`Cannot reach 127.0.0.1:${closedPort} to LISTSTATUS /repo_dir/backup/__starbackup_repository_test_repo: ECONNREFUSED`);
    });

    it('says a user the namenode refuses was denied', async () => {
      const message = await createError('hdfs://127.0.0.1:8020/repo_dir/backup', { username: 'mallory', password: PASSWORD, 'hdfs.webhdfs.port': String(hdfs.port) });
      expect(message).toContain(`Access denied by the namenode http://127.0.0.1:${hdfs.port} to LISTSTATUS /repo_dir/backup/__starbackup_repository_test_repo: AccessControlException: Permission denied: user=mallory`);
    });

    it('rejects a bad WebHDFS port', async () => {
      const message = await createError('hdfs://127.0.0.1:8020/x', { 'hdfs.webhdfs.port': '70000' });
      expect(message).toContain("Invalid value '70000' for property hdfs.webhdfs.port: expected a port number from 1 to 65535");
    });
  });
});

describe('credentials at rest', () => {
  it('seals them: SHOW REPOSITORIES and the stored record never hold a secret in clear', async () => {
    const location = freshS3Location('bucket_s3');
    await c.sql(`CREATE REPOSITORY sealed_repo WITH BROKER ON LOCATION "${location}"
      PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3Endpoint()}", "aws.s3.region" = "us-east-1")`);
    const shown = JSON.stringify(await c.sql('SHOW REPOSITORIES'));
    expect(shown).toContain(location);
    expect(shown).not.toContain(S3RVER_KEY);
    const stored = await c.ctx.control.table.query<{ properties: Record<string, string>; sealedSecrets?: string }>('REPOS');
    expect(JSON.stringify(stored)).not.toContain(S3RVER_KEY);
    expect(stored[0]!.doc.properties).toEqual({ 'aws.s3.endpoint': s3Endpoint(), 'aws.s3.region': 'us-east-1' });
    expect(stored[0]!.doc.sealedSecrets).toMatch(/^v1:/);
    // And they open again where the store is used: a backup through the repository works.
    await c.sql('CREATE DATABASE d1; CREATE TABLE d1.t (k INT) DISTRIBUTED BY HASH (k); INSERT INTO d1.t VALUES (1)');
    await c.sql('BACKUP DATABASE d1 SNAPSHOT s1 TO sealed_repo');
    await c.sql('DROP REPOSITORY sealed_repo');
  });

  it('never writes a READ ONLY repository', async () => {
    const location = freshS3Location('bucket_s3');
    await c.sql(`CREATE READ ONLY REPOSITORY ro_repo WITH BROKER ON LOCATION "${location}"
      PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3Endpoint()}")`);
    expect(await listAll(openObjectStore(location, s3rverProperties()), '')).toEqual([]);
    await c.sql('DROP REPOSITORY ro_repo');
  });
});
