import { describe, expect, it } from 'vitest';
import { GCS_PROPERTIES } from '../../lib/adapters/storage/gcs/gcs-config.ts';
import { HDFS_PROPERTIES } from '../../lib/adapters/storage/hdfs/hdfs-config.ts';
import { S3_PROPERTIES } from '../../lib/adapters/storage/s3/s3-config.ts';
import { isSecretProperty, redact, redactLocation, splitSecrets } from '../../lib/domain/secrets.ts';

/** Which repository properties are sealed and never shown: every credential of every backend. */
const SECRETS = [
  'aws.s3.access_key', 'aws.s3.secret_key', 'aws.s3.session_token', 'fs.s3a.access.key', 'fs.s3a.secret.key', 'fs.s3a.session.token',
  'gcp.gcs.service_account_json', 'gcp.gcs.service_account_private_key', 'gcp.gcs.service_account_private_key_id',
  'password', 'hdfs.webhdfs.delegation_token',
];

describe('secret properties', () => {
  it.each(SECRETS)('%s is a secret', (name) => {
    expect(isSecretProperty(name)).toBe(true);
  });

  it('leaves the rest in clear, where SHOW REPOSITORIES and the record may keep them', () => {
    const all = [...S3_PROPERTIES, ...GCS_PROPERTIES, ...HDFS_PROPERTIES, 'username', 'fs.s3a.endpoint', 'fs.s3a.path.style.access'];
    expect(all.filter((p) => !isSecretProperty(p)).sort()).toEqual([
      'aws.s3.enable_path_style_access', 'aws.s3.enable_ssl', 'aws.s3.endpoint', 'aws.s3.external_id', 'aws.s3.iam_role_arn', 'aws.s3.region',
      'aws.s3.sts.endpoint', 'aws.s3.sts.region', 'aws.s3.use_aws_sdk_default_behavior', 'aws.s3.use_instance_profile',
      'fs.s3a.endpoint', 'fs.s3a.path.style.access',
      'gcp.gcs.endpoint', 'gcp.gcs.key_file', 'gcp.gcs.service_account_email', 'gcp.gcs.use_compute_engine_service_account',
      'hdfs.webhdfs.https', 'hdfs.webhdfs.port', 'username',
    ]);
    expect(splitSecrets({ username: 'u', password: 'p' })).toEqual({ plain: { username: 'u' }, secrets: { password: 'p' } });
  });

  it('redacts secret values and URI user info from texts', () => {
    expect(redact('key AKIA1234 rejected', { k: 'AKIA1234' })).toBe('key ****** rejected');
    expect(redactLocation("Invalid location 's3a://AK:SK@bucket/x': no")).toBe("Invalid location 's3a://******@bucket/x': no");
    expect(redactLocation('hdfs://nn:8020/x')).toBe('hdfs://nn:8020/x');
  });
});
