import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsTestServer, startGcsServer } from '../support/gcs-server.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';
import { type WebHdfsTestServer, startWebHdfsServer } from '../support/webhdfs-server.ts';

/**
 * Through CREATE REPOSITORY and CREATE EXTERNAL CATALOG: every property the backend or catalog type
 * declares secret, and every one whose name looks like a secret, is sealed; SHOW REPOSITORIES, the stored
 * record and the echoed statement never hold its value. What is not a secret stays in the record as given.
 */
const temp = useTempDirs('declared-secrets');
let c: TestCluster;
let dir: string;
let gcs: GcsTestServer;
let hdfs: WebHdfsTestServer;

/** Secrets every repository below also carries: one only the name pattern knows, and Azure's shared key. */
const UNDECLARED = { 'acme.storage.secret_key': 'acme-secret-value-1', 'azure.blob.shared_key': 'azure-shared-key-value==' };

beforeAll(async () => {
  dir = await temp.make();
  [c, gcs, hdfs] = await Promise.all([
    openTestCluster(dir),
    startGcsServer({ buckets: ['bucket_gcs'] }),
    startWebHdfsServer({ users: ['starbackup'] }),
  ]);
});
afterAll(async () => {
  await c?.close();
  await Promise.all([gcs?.close(), hdfs?.close()]);
});

/** A SQL string literal (backslashes are escapes in it, as in StarRocks). */
const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const propertyList = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `"${k}" = ${quote(v)}`).join(', ');

interface StoredRepo {
  name: string;
  properties: Record<string, string>;
  sealedSecrets?: string;
}

/** Creates the repository and checks where its secrets went; drops it again. */
async function expectSealedRepository(location: string, secrets: Record<string, string>, plain: Record<string, string>): Promise<void> {
  const name = 'declared_repo';
  const [outcome] = await c.run(`CREATE REPOSITORY ${name} WITH BROKER ON LOCATION "${location}" PROPERTIES (${propertyList({ ...plain, ...secrets })})`);
  expect(outcome!.error).toBeUndefined();
  try {
    const shown = JSON.stringify(await c.sql('SHOW REPOSITORIES'));
    expect(shown).toContain(location);
    const stored = (await c.ctx.control.table.query<StoredRepo>('REPOS')).map((r) => r.doc).find((r) => r.name === name)!;
    for (const value of Object.values(secrets)) {
      expect(shown).not.toContain(value);
      expect(JSON.stringify(stored)).not.toContain(value);
      expect(outcome!.statement).not.toContain(value);
    }
    expect(stored.properties).toEqual(plain);
    expect(await c.ctx.sealer.unseal(stored.sealedSecrets!, name)).toEqual(secrets);
  } finally {
    await c.sql(`DROP REPOSITORY ${name}`);
  }
}

describe('repository properties each backend declares secret', () => {
  it('s3 (aws.s3.*): the access key, secret key and session token', async () => {
    await expectSealedRepository(
      freshS3Location('bucket_s3'),
      { 'aws.s3.access_key': S3RVER_KEY, 'aws.s3.secret_key': 'S3RVER', 'aws.s3.session_token': 'session-token-value-1', ...UNDECLARED },
      { 'aws.s3.endpoint': s3Endpoint(), 'aws.s3.region': 'us-east-1', 'aws.s3.enable_path_style_access': 'true' },
    );
  });

  it('s3 (fs.s3a.*, the GCS-through-S3A form): the access key and secret key', async () => {
    await expectSealedRepository(
      freshS3Location('bucket_s3'),
      { 'fs.s3a.access.key': S3RVER_KEY, 'fs.s3a.secret.key': 'S3RVER', ...UNDECLARED },
      { 'fs.s3a.endpoint': s3Endpoint(), 'fs.s3a.path.style.access': 'true' },
    );
  });

  it('gcs: the service account key\'s id (the key itself, inline, would be sealed the same way)', async () => {
    // A real key whose universe makes the auth library sign its own token: the test stays on this machine.
    // It comes from a key file, since an inline key loses its universe and would ask oauth2.googleapis.com.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'gcs-key.json');
    writeFileSync(keyFile, JSON.stringify({
      type: 'service_account', project_id: 'p', private_key_id: 'kid-declared-1', client_id: '1', client_email: 'sa@p.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), universe_domain: 'example.test',
    }));
    await expectSealedRepository(
      'gs://bucket_gcs/declared',
      { 'gcp.gcs.service_account_private_key_id': 'kid-declared-1', ...UNDECLARED },
      { 'gcp.gcs.endpoint': gcs.endpoint, 'gcp.gcs.key_file': keyFile },
    );
  });

  it('hdfs: the password, an inline Kerberos keytab (which no name pattern catches) and the delegation token', async () => {
    await expectSealedRepository(
      'hdfs://127.0.0.1:8020/repo_dir/declared',
      {
        password: 'hdfs-password-value-1', 'hadoop.password': 'hadoop-password-value-1', kerberos_keytab_content: 'BQIAAABKeytabContent1',
        'hadoop.kerberos.keytab_content': 'BQIAAABKeytabContent2', 'hdfs.webhdfs.delegation_token': 'delegation-token-value-1', ...UNDECLARED,
      },
      { username: 'starbackup', 'hdfs.webhdfs.port': String(hdfs.port), 'hadoop.security.authentication': 'simple', 'hadoop.kerberos.keytab': '/etc/krb5.keytab' },
    );
  });

  it('file: nothing declared; the name pattern still seals what looks like a secret', async () => {
    mkdirSync(join(dir, 'file-repo'), { recursive: true });
    await expectSealedRepository(`file://${join(dir, 'file-repo')}`, { ...UNDECLARED, 'azure.blob.sas_token': 'sv=2024&sig=abcd' }, { comment: 'kept' });
  });

  it('memory: nothing declared; the name pattern still seals what looks like a secret', async () => {
    await expectSealedRepository('memory://declared-secrets/repo', { ...UNDECLARED }, { comment: 'kept' });
  });
});

describe('external catalog properties each type declares secret', () => {
  async function expectSealedCatalog(name: string, secrets: Record<string, string>, plain: Record<string, string>): Promise<void> {
    const [outcome] = await c.run(`CREATE EXTERNAL CATALOG ${name} PROPERTIES (${propertyList({ ...plain, ...secrets })})`);
    expect(outcome!.error).toBeUndefined();
    const record = (await c.ctx.catalog.getCatalog(name))!;
    for (const value of Object.values(secrets)) {
      expect(JSON.stringify(record)).not.toContain(value);
      expect(outcome!.statement).not.toContain(value);
    }
    expect(record.properties).toEqual(plain);
    expect(await c.ctx.sealer.unseal(record.sealedSecrets!, `catalog:${name}`)).toEqual(secrets);
  }

  it('hive: storage and metastore keys, an inline keytab, Azure\'s shared key and SAS token', async () => {
    await expectSealedCatalog('hive_cat', {
      'aws.s3.access_key': 'AKIAHIVEEXAMPLE', 'aws.s3.secret_key': 'hive-s3-secret', 'aws.glue.access_key': 'AKIAGLUEEXAMPLE', 'aws.glue.secret_key': 'glue-secret',
      'azure.blob.shared_key': 'hive-azure-shared==', 'azure.blob.sas_token': 'sv=2024&sig=hive', 'hadoop.kerberos.keytab_content': 'BQIAAAHiveKeytab',
      'acme.storage.secret_key': 'acme-hive-secret',
    }, {
      type: 'hive', 'hive.metastore.type': 'glue', 'aws.glue.region': 'us-west-1', 'aws.s3.region': 'us-west-1',
      'azure.blob.storage_account': 'acct', 'hadoop.kerberos.principal': 'hive/_HOST@EXAMPLE.COM',
    });
  });

  it('iceberg: its REST metastore\'s OAuth2 credential and SigV4 keys', async () => {
    await expectSealedCatalog('iceberg_cat', {
      'iceberg.catalog.oauth2.credential': 'client:iceberg-secret', 'iceberg.catalog.rest.access-key-id': 'AKIARESTEXAMPLE',
      'iceberg.catalog.rest.secret-access-key': 'rest-secret-value',
    }, { type: 'iceberg', 'iceberg.catalog.type': 'rest', 'iceberg.catalog.uri': 'https://rest.example.test', 'iceberg.catalog.security': 'oauth2' });
  });

  it('jdbc: the password, not the user or the URI', async () => {
    await expectSealedCatalog('jdbc_cat', { password: 'jdbc-password-value' }, {
      type: 'jdbc', user: 'reader', jdbc_uri: 'jdbc:mysql://db.example.test:3306', driver_class: 'com.mysql.cj.jdbc.Driver',
    });
  });

  it('odps: the access id (which no name pattern catches) and the access key', async () => {
    await expectSealedCatalog('odps_cat', { 'odps.access.id': 'LTAIodpsAccessId', 'odps.access.key': 'odps-access-key-value' }, {
      type: 'odps', 'odps.endpoint': 'http://service.odps.example.test/api', 'odps.project': 'proj',
    });
  });
});
