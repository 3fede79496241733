import { describe, expect, it } from 'vitest';
import { gcsBackend } from '../../lib/adapters/storage/gcs/gcs-backend.ts';
import { hdfsBackend } from '../../lib/adapters/storage/hdfs/hdfs-backend.ts';
import { s3Backend } from '../../lib/adapters/storage/s3/s3-backend.ts';
import { AnalysisError } from '../../lib/domain/errors.ts';

/** Parsing locations and properties: offline, before CREATE REPOSITORY touches the network. */
function parseError(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(AnalysisError);
    return (err as Error).message;
  }
  throw new Error('expected an AnalysisError');
}

describe('S3 properties', () => {
  const s3 = (location: string, props: Record<string, string> = {}) => s3Backend.parse(location, props);

  it('reads the spec access-key form: s3a://bucket/prefix on AWS, virtual-hosted', () => {
    const config = s3('s3a://bucket_s3/backup', { 'aws.s3.access_key': 'AK', 'aws.s3.secret_key': 'SK', 'aws.s3.region': 'us-east-1' });
    expect(config).toMatchObject({
      bucket: 'bucket_s3', prefix: 'backup', region: 'us-east-1', forcePathStyle: false,
      credentials: { kind: 'static', accessKeyId: 'AK', secretAccessKey: 'SK' },
    });
    expect(config.endpoint).toBeUndefined();
  });

  it('uses the default credential chain for the instance profile, and without any keys', () => {
    expect(s3('s3a://bk1/x', { 'aws.s3.use_instance_profile': 'true', 'aws.s3.region': 'us-east-1' }).credentials).toEqual({ kind: 'default-chain' });
    expect(s3('s3a://bk1/x', { 'aws.s3.use_aws_sdk_default_behavior': 'TRUE' }).credentials).toEqual({ kind: 'default-chain' });
    expect(s3('s3a://bk1/x').credentials).toEqual({ kind: 'default-chain' });
  });

  it('assumes a role with the chain or the keys', () => {
    const config = s3('s3a://bk1/x', {
      'aws.s3.use_instance_profile': 'true', 'aws.s3.iam_role_arn': 'arn:aws:iam::1:role/r', 'aws.s3.external_id': 'ext',
      'aws.s3.sts.region': 'eu-west-1', 'aws.s3.sts.endpoint': 'http://127.0.0.1:1',
    });
    expect(config.assumeRole).toEqual({ roleArn: 'arn:aws:iam::1:role/r', externalId: 'ext', stsRegion: 'eu-west-1', stsEndpoint: 'http://127.0.0.1:1' });
  });

  it('reads MinIO: s3:// with an http endpoint, addressed by path', () => {
    const config = s3('s3://bucket_minio/backup', { 'aws.s3.access_key': 'AK', 'aws.s3.secret_key': 'SK', 'aws.s3.endpoint': 'http://minio:9000' });
    expect(config).toMatchObject({ bucket: 'bucket_minio', prefix: 'backup', endpoint: 'http://minio:9000', forcePathStyle: true, region: 'us-east-1' });
  });

  it('reads the spec GCS form: fs.s3a.* keys, storage.googleapis.com over https, region auto', () => {
    const config = s3('s3a://bucket_gcs/backup', { 'fs.s3a.access.key': 'GOOG1', 'fs.s3a.secret.key': 'hmac', 'fs.s3a.endpoint': 'storage.googleapis.com' });
    expect(config).toMatchObject({
      endpoint: 'https://storage.googleapis.com', region: 'auto', forcePathStyle: true,
      credentials: { kind: 'static', accessKeyId: 'GOOG1', secretAccessKey: 'hmac' },
    });
  });

  it('honours enable_ssl and enable_path_style_access', () => {
    expect(s3('s3a://bk1', { 'aws.s3.endpoint': 'host:9000', 'aws.s3.enable_ssl': 'false' }).endpoint).toBe('http://host:9000');
    expect(s3('s3a://bk1', { 'aws.s3.endpoint': 'host:9000' }).endpoint).toBe('https://host:9000');
    // A scheme in the endpoint wins over enable_ssl.
    expect(s3('s3a://bk1', { 'aws.s3.endpoint': 'https://host', 'aws.s3.enable_ssl': 'false' }).endpoint).toBe('https://host');
    expect(s3('s3a://bk1', { 'aws.s3.endpoint': 'http://minio:9000', 'aws.s3.enable_path_style_access': 'false' }).forcePathStyle).toBe(false);
    expect(s3('s3a://bk1', { 'aws.s3.enable_path_style_access': 'true' }).forcePathStyle).toBe(true);
    expect(s3('s3a://bk1', { 'aws.s3.endpoint': 'https://s3.eu-west-1.amazonaws.com' }).forcePathStyle).toBe(false);
  });

  it('takes the bucket root and strips slashes', () => {
    expect(s3('s3a://bk1').prefix).toBe('');
    expect(s3('s3a://bk1/').prefix).toBe('');
    expect(s3('S3A://bk1/a/b/').prefix).toBe('a/b');
  });

  it.each([
    ['s3a://', {}, "Invalid location 's3a://': '' is not a bucket name"],
    ['s3a:/bucket/x', {}, "Invalid location 's3a:/bucket/x': expected s3a://<bucket>/<path> or s3://<bucket>/<path>"],
    ['s3a://bk1/a/../b', {}, "Invalid location 's3a://bk1/a/../b': its path may not contain '.', '..', '\\' or encoded '/'"],
    ['s3a://AKIA:SECRET@bucket/x', {}, 'Invalid location: credentials in the URI are not supported; give aws.s3.access_key and aws.s3.secret_key'],
    ['s3a://bk1', { 'aws.s3.access_key': 'AK' }, 'Property aws.s3.secret_key is missing: an access key and a secret key go together'],
    ['s3a://bk1', { 'fs.s3a.secret.key': 'SK' }, 'Property aws.s3.access_key is missing: an access key and a secret key go together'],
    ['s3a://bk1', { 'aws.s3.access_key': 'AK', 'aws.s3.secret_key': 'SK', 'aws.s3.use_instance_profile': 'true' },
      'Give either aws.s3.access_key and aws.s3.secret_key, or aws.s3.use_instance_profile = true, not both'],
    ['s3a://bk1', { 'aws.s3.enable_ssl': 'yes' }, "Invalid value 'yes' for property aws.s3.enable_ssl: expected true or false"],
    ['s3a://bk1', { 'aws.s3.endpoint': 'ftp://host' }, "Invalid value 'ftp://host' for property aws.s3.endpoint: expected host[:port] or http(s)://host[:port]"],
    ['s3a://bk1', { 'aws.s3.endpoint': 'http://user:pw@host' }, 'Invalid value for property aws.s3.endpoint: credentials in the endpoint are not supported'],
    ['s3a://bk1', { 'aws.s3.secret': 'x' }, 'Unknown repository properties: [aws.s3.secret]; supported aws.s3.* properties: aws.s3.access_key, aws.s3.secret_key, aws.s3.session_token, aws.s3.region, aws.s3.endpoint'],
  ] as const)('refuses %s %j', (location, props, message) => {
    expect(parseError(() => s3(location, props))).toContain(message);
  });

  it('never shows a secret value in a property error', () => {
    expect(parseError(() => s3('s3a://bk1', { 'aws.s3.secret_key': 'do-not-show-me' }))).not.toContain('do-not-show-me');
  });
});

describe('GCS properties', () => {
  const gcs = (location: string, props: Record<string, string> = {}) => gcsBackend.parse(location, props);
  const key = { type: 'service_account', client_email: 'backup@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n', project_id: 'p' };

  it('uses application default credentials without properties', () => {
    expect(gcs('gs://bucket_gcs/backup')).toMatchObject({ bucket: 'bucket_gcs', prefix: 'backup', auth: { kind: 'default' } });
    expect(gcs('gs://bucket_gcs', { 'gcp.gcs.use_compute_engine_service_account': 'true' }).auth).toEqual({ kind: 'default' });
  });

  it('reads a service account key as JSON, as email and key, or as a key file', () => {
    expect(gcs('gs://bk1/x', { 'gcp.gcs.service_account_json': JSON.stringify(key) }).auth).toEqual({
      kind: 'service-account', credentials: { client_email: key.client_email, private_key: key.private_key, project_id: 'p' },
    });
    expect(gcs('gs://bk1/x', {
      'gcp.gcs.service_account_email': key.client_email, 'gcp.gcs.service_account_private_key': '-----BEGIN PRIVATE KEY-----\\nMII\\n-----END PRIVATE KEY-----\\n',
      'gcp.gcs.service_account_private_key_id': 'kid',
    }).auth).toEqual({ kind: 'service-account', credentials: { client_email: key.client_email, private_key: key.private_key, private_key_id: 'kid' } });
    expect(gcs('gs://bk1/x', { 'gcp.gcs.key_file': '/etc/gcs.json' }).auth).toEqual({ kind: 'key-file', path: '/etc/gcs.json' });
  });

  it.each([
    ['gs:///x', {}, "Invalid location 'gs:///x': '' is not a bucket name"],
    ['gcs://bk1/x', {}, "Invalid location 'gcs://bk1/x': expected gs://<bucket>/<path>"],
    ['gs://bk1', { 'gcp.gcs.service_account_json': 'not json' }, 'Invalid value for property gcp.gcs.service_account_json: it is not JSON'],
    ['gs://bk1', { 'gcp.gcs.service_account_email': 'a@b' }, 'Properties gcp.gcs.service_account_email and gcp.gcs.service_account_private_key go together'],
    ['gs://bk1', { 'gcp.gcs.key_file': '/k.json', 'gcp.gcs.use_compute_engine_service_account': 'true' },
      'Give one way to authenticate to GCS, not several: gcp.gcs.key_file, gcp.gcs.use_compute_engine_service_account'],
    ['gs://bk1', { 'gcp.gcs.endpoint': 'localhost:1234' }, "Invalid value 'localhost:1234' for property gcp.gcs.endpoint: expected http(s)://host[:port]"],
    ['gs://bk1', { 'gcp.gcs.keyfile': '/k.json' }, 'Unknown repository properties: [gcp.gcs.keyfile]; supported gcp.gcs.* properties: gcp.gcs.service_account_json'],
  ] as const)('refuses %s %j', (location, props, message) => {
    expect(parseError(() => gcs(location, props))).toContain(message);
  });
});

describe('HDFS properties', () => {
  const hdfs = (location: string, props: Record<string, string> = {}) => hdfsBackend.parse(location, props);

  it('reads the spec form: the location port is the RPC port, WebHDFS defaults to 9870', () => {
    expect(hdfs('hdfs://namenode:8020/repo_dir/backup', { username: 'hdfs_user', password: 'pw' })).toEqual({
      location: 'hdfs://namenode:8020/repo_dir/backup', namenode: 'http://namenode:9870', root: '/repo_dir/backup', user: 'hdfs_user',
    });
  });

  it('takes the HTTP port from hdfs.webhdfs.port, or from a webhdfs:// location', () => {
    expect(hdfs('hdfs://nn:8020/x', { 'hdfs.webhdfs.port': '50070' }).namenode).toBe('http://nn:50070');
    expect(hdfs('webhdfs://nn:14000/x').namenode).toBe('http://nn:14000');
    expect(hdfs('webhdfs://nn/x').namenode).toBe('http://nn:9870');
    expect(hdfs('hdfs://nn/x', { 'hdfs.webhdfs.https': 'true' }).namenode).toBe('https://nn:9870');
  });

  it('defaults the user to HADOOP_USER_NAME, as Hadoop clients do', () => {
    const saved = process.env.HADOOP_USER_NAME;
    process.env.HADOOP_USER_NAME = 'from_env';
    try {
      expect(hdfs('hdfs://nn/x').user).toBe('from_env');
    } finally {
      if (saved === undefined) delete process.env.HADOOP_USER_NAME;
      else process.env.HADOOP_USER_NAME = saved;
    }
  });

  it('keeps the delegation token as a secret and the root as an absolute path', () => {
    expect(hdfs('hdfs://nn:8020', { 'hdfs.webhdfs.delegation_token': 'tok' })).toMatchObject({ root: '/', delegationToken: 'tok' });
  });

  it.each([
    ['hdfs:///x', {}, "Invalid location 'hdfs:///x': expected hdfs://<namenode>[:<rpc port>]/<path>"],
    ['hdfs://user:pw@nn/x', {}, "Invalid location 'hdfs://******@nn/x': expected hdfs://<namenode>[:<rpc port>]/<path>: credentials in the URI are not supported"],
    ['hdfs://nn/x/../y', {}, "Invalid location 'hdfs://nn/x/../y': its path may not contain '.', '..'"],
    ['hdfs://nn/x', { 'hdfs.webhdfs.port': 'http' }, "Invalid value 'http' for property hdfs.webhdfs.port: expected a port number from 1 to 65535"],
    ['webhdfs://nn:9870/x', { 'hdfs.webhdfs.port': '50070' }, "Property hdfs.webhdfs.port (50070) contradicts the port of the webhdfs:// location 'webhdfs://nn:9870/x'"],
    ['hdfs://nn/x', { 'hdfs.webhdfs.user': 'u' }, 'Unknown repository properties: [hdfs.webhdfs.user]; supported hdfs.webhdfs.* properties: hdfs.webhdfs.port'],
  ] as const)('refuses %s %j', (location, props, message) => {
    const text = parseError(() => hdfs(location, props));
    expect(text).toContain(message);
    expect(text).not.toContain('user:pw');
  });
});
