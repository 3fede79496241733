import { describe, expect, it } from 'vitest';
import { fileBackend } from '../../lib/adapters/storage/file/file-backend.ts';
import { gcsBackend } from '../../lib/adapters/storage/gcs/gcs-backend.ts';
import { hdfsBackend } from '../../lib/adapters/storage/hdfs/hdfs-backend.ts';
import { memoryBackend } from '../../lib/adapters/storage/memory/memory-backend.ts';
import { secretPropertiesFor, supportedSchemes } from '../../lib/adapters/storage/registry.ts';
import { s3Backend } from '../../lib/adapters/storage/s3/s3-backend.ts';
import {
  CATALOG_SECRET_PROPERTIES, DECLARED_SECRET_PROPERTIES, catalogSecretProperties, repositorySecretProperties,
} from '../../lib/domain/secret-properties.ts';
import { isSecretProperty, maskSecrets, splitSecrets } from '../../lib/domain/secrets.ts';
import { redactStatement, redactWithSecrets } from '../../lib/sql/redact-statement.ts';

/**
 * Each storage backend and each external catalog type declares its secret properties; the name pattern
 * stays the fallback for properties nobody declared. A declaration may hide more than the pattern, never less.
 */
const BACKENDS = [
  { backend: s3Backend, location: 's3a://bucket/x' },
  { backend: gcsBackend, location: 'gs://bucket/x' },
  { backend: hdfsBackend, location: 'hdfs://nn:8020/x' },
  { backend: fileBackend, location: 'file:///tmp/x' },
  { backend: memoryBackend, location: 'memory://m/x' },
];

/** Names only a declaration catches: the pattern alone (an empty declaration) lets them through. */
const DECLARED_ONLY = ['kerberos_keytab_content', 'hadoop.kerberos.keytab_content', 'odps.access.id', 'confluent.schema.registry.url'];

describe('what each storage backend declares', () => {
  it('s3: the access key, secret key and session token, in StarRocks\' and Hadoop S3A\'s names', () => {
    expect(s3Backend.secretProperties).toEqual([
      'aws.s3.access_key', 'aws.s3.secret_key', 'aws.s3.session_token', 'fs.s3a.access.key', 'fs.s3a.secret.key', 'fs.s3a.session.token',
    ]);
  });

  it('gcs: the service account key, whole or as private key and key id', () => {
    expect(gcsBackend.secretProperties).toEqual(['gcp.gcs.service_account_json', 'gcp.gcs.service_account_private_key', 'gcp.gcs.service_account_private_key_id']);
  });

  it('hdfs: the passwords, an inline Kerberos keytab and the delegation token, not the user, principal or keytab path', () => {
    expect(hdfsBackend.secretProperties).toEqual(['password', 'hadoop.password', 'kerberos_keytab_content', 'hadoop.kerberos.keytab_content', 'hdfs.webhdfs.delegation_token']);
    const declared = hdfsBackend.secretProperties;
    for (const plain of ['username', 'hadoop.username', 'hadoop.security.authentication', 'hadoop.kerberos.principal', 'kerberos_principal', 'hadoop.kerberos.keytab', 'hdfs.webhdfs.port']) {
      expect(isSecretProperty(plain, declared), plain).toBe(false);
    }
  });

  it('file and memory: nothing (they take no properties)', () => {
    expect(fileBackend.secretProperties).toEqual([]);
    expect(memoryBackend.secretProperties).toEqual([]);
  });

  it.each(BACKENDS)('the registry and the statements read the same declaration for $location', ({ backend, location }) => {
    expect(secretPropertiesFor(location)).toBe(backend.secretProperties);
    expect(repositorySecretProperties(location)).toBe(backend.secretProperties);
  });

  it('every scheme the registry serves has its backend\'s declaration in lib/domain too', () => {
    for (const scheme of supportedSchemes()) {
      expect(repositorySecretProperties(`${scheme}://x/y`), scheme).toEqual(secretPropertiesFor(`${scheme}://x/y`));
    }
  });

  it('a location no backend serves gets every backend\'s names', () => {
    for (const { backend } of BACKENDS) {
      for (const name of backend.secretProperties) {
        expect(secretPropertiesFor('ftp://h/x')).toContain(name);
        expect(repositorySecretProperties('ftp://h/x')).toContain(name);
        expect(repositorySecretProperties('no scheme')).toContain(name);
      }
    }
  });
});

describe('what each external catalog type declares', () => {
  it('data lake catalogs: the storage and metastore keys StarRocks masks in SHOW CREATE CATALOG', () => {
    for (const type of ['hive', 'iceberg', 'hudi', 'deltalake', 'paimon', 'unified']) {
      expect(catalogSecretProperties(type)).toEqual(expect.arrayContaining([
        'aws.s3.access_key', 'aws.s3.secret_key', 'aws.glue.access_key', 'aws.glue.secret_key',
        'azure.blob.shared_key', 'azure.blob.sas_token', 'azure.adls1.oauth2_credential', 'azure.adls2.shared_key', 'azure.adls2.oauth2_client_secret',
        'gcp.gcs.service_account_private_key', 'gcp.gcs.service_account_private_key_id', 'aliyun.oss.access_key', 'aliyun.oss.secret_key',
        'hadoop.kerberos.keytab_content',
      ]));
    }
  });

  it('iceberg: its REST and JDBC metastore credentials', () => {
    expect(catalogSecretProperties('ICEBERG')).toEqual(expect.arrayContaining([
      'iceberg.catalog.oauth2.credential', 'iceberg.catalog.oauth2.token', 'iceberg.catalog.rest.access-key-id',
      'iceberg.catalog.rest.secret-access-key', 'iceberg.catalog.jdbc.password',
    ]));
    expect(catalogSecretProperties('hive')).not.toContain('iceberg.catalog.oauth2.token');
  });

  it('jdbc and es: the password, not the user or the URI; odps: the access id and key', () => {
    expect(catalogSecretProperties('jdbc')).toEqual(['password']);
    expect(catalogSecretProperties('es')).toEqual(['password']);
    expect(catalogSecretProperties('odps')).toEqual(['odps.access.id', 'odps.access.key']);
    const { plain, secrets } = splitSecrets({ type: 'jdbc', user: 'u', password: 'p', jdbc_uri: 'jdbc:mysql://h:3306' }, catalogSecretProperties('jdbc'));
    expect(plain).toEqual({ type: 'jdbc', user: 'u', jdbc_uri: 'jdbc:mysql://h:3306' });
    expect(secrets).toEqual({ password: 'p' });
  });

  it('a type not listed gets every type\'s names', () => {
    for (const names of Object.values(CATALOG_SECRET_PROPERTIES)) expect(catalogSecretProperties('kudu')).toEqual(expect.arrayContaining([...names]));
  });

  it('the metastore and storage settings that are not credentials stay in clear', () => {
    const declared = catalogSecretProperties('iceberg');
    for (const plain of ['type', 'hive.metastore.uris', 'hive.metastore.type', 'aws.s3.region', 'aws.s3.use_instance_profile', 'aws.glue.region',
      'aws.s3.iam_role_arn', 'aws.s3.external_id', 'azure.blob.storage_account', 'iceberg.catalog.uri', 'iceberg.catalog.security', 'hadoop.kerberos.keytab']) {
      expect(isSecretProperty(plain, declared), plain).toBe(false);
    }
  });
});

describe('declaration or pattern', () => {
  it('a name only a declaration catches is hidden where it is declared', () => {
    for (const name of DECLARED_ONLY) expect(isSecretProperty(name, []), name).toBe(false);
    expect(splitSecrets({ kerberos_keytab_content: 'BQIAAA', username: 'u' }, repositorySecretProperties('hdfs://nn/x')))
      .toEqual({ plain: { username: 'u' }, secrets: { kerberos_keytab_content: 'BQIAAA' } });
    expect(splitSecrets({ 'odps.access.id': 'LTAI', 'odps.project': 'p' }, catalogSecretProperties('odps')))
      .toEqual({ plain: { 'odps.project': 'p' }, secrets: { 'odps.access.id': 'LTAI' } });
    // Without a declaration at hand, every declared name counts.
    for (const name of DECLARED_ONLY) expect(isSecretProperty(name), name).toBe(true);
  });

  it('a name only the pattern catches (an unknown *.secret_key) is hidden whatever the declaration', () => {
    const declarations = [[], DECLARED_SECRET_PROPERTIES, ...BACKENDS.map((b) => b.backend.secretProperties), ...Object.values(CATALOG_SECRET_PROPERTIES)];
    for (const declared of declarations) {
      expect(declared).not.toContain('acme.storage.secret_key');
      expect(isSecretProperty('acme.storage.secret_key', declared)).toBe(true);
      expect(splitSecrets({ 'acme.storage.secret_key': 's', 'acme.storage.region': 'r' }, declared).secrets).toEqual({ 'acme.storage.secret_key': 's' });
    }
  });

  it('azure.blob.shared_key and azure.blob.sas_token are hidden for every backend and catalog type', () => {
    for (const declared of [...BACKENDS.map((b) => b.backend.secretProperties), ...Object.values(CATALOG_SECRET_PROPERTIES), catalogSecretProperties('other')]) {
      expect(isSecretProperty('azure.blob.shared_key', declared)).toBe(true);
      expect(isSecretProperty('azure.blob.sas_token', declared)).toBe(true);
    }
    expect(maskSecrets({ 'azure.blob.shared_key': 'k', 'azure.blob.storage_account': 'acct' }, catalogSecretProperties('hive')))
      .toEqual({ 'azure.blob.shared_key': '******', 'azure.blob.storage_account': 'acct' });
  });

  it('hides no less than the pattern did: every name it hides is still hidden with any declaration', () => {
    const patternHides = ['aws.s3.secret_key', 'fs.s3a.secret.key', 'password', 'hdfs.webhdfs.delegation_token', 'gcp.gcs.service_account_json',
      'x.sas_token', 'x.signature', 'x.credential', 'x.session', 'x.account_key', 'x.json_key', 'x.passwd', 'x.private-key'];
    for (const name of patternHides) {
      expect(isSecretProperty(name, []), name).toBe(true);
      for (const { backend } of BACKENDS) expect(isSecretProperty(name, backend.secretProperties), name).toBe(true);
      expect(isSecretProperty(name, catalogSecretProperties('jdbc')), name).toBe(true);
    }
  });

  it('compares declared names without regard to case, as StarRocks does', () => {
    expect(isSecretProperty('Kerberos_Keytab_Content', hdfsBackend.secretProperties)).toBe(true);
    expect(isSecretProperty('ODPS.ACCESS.ID', catalogSecretProperties('odps'))).toBe(true);
  });
});

describe('statement redaction', () => {
  it('masks every declared name, also the ones the pattern does not know', () => {
    const text = `CREATE EXTERNAL CATALOG c PROPERTIES ("type" = "odps", "odps.access.id" = "LTAIexample", "odps.access.key" = "odpsKeyValue",
      "azure.blob.shared_key" = "azureShared==", "kerberos_keytab_content" = "BQIAAAkeytab", "acme.storage.secret_key" = "acmeSecret", "odps.project" = "proj")`;
    const { text: shown, secrets } = redactWithSecrets(text);
    for (const value of ['LTAIexample', 'odpsKeyValue', 'azureShared==', 'BQIAAAkeytab', 'acmeSecret']) {
      expect(shown).not.toContain(value);
      expect(secrets).toContain(value);
    }
    expect(shown).toContain('"odps.project" = "proj"');
  });

  it('masks them past a lexical error too', () => {
    const shown = redactStatement(`CREATE REPOSITORY r WITH BROKER ON LOCATION "hdfs://nn/x" PROPERTIES ("hadoop.kerberos.keytab_content" = "BQIAAAkeytab", 'unterminated`);
    expect(shown).not.toContain('BQIAAAkeytab');
  });
});
