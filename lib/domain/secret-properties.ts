/**
 * The property names each storage backend and each external catalog type declares secret: sealed at
 * rest, never shown, masked in echoed statements and in messages (secrets.ts applies them, with its name
 * pattern as the fallback for a property nobody declared). Pure data, so that lib/domain and lib/sql can
 * read it: each backend in lib/adapters/storage/<scheme>/ points at its entry here, and the registry's
 * `secretPropertiesFor(location)` answers from the backends themselves.
 *
 * The names follow StarRocks: `PrintableMap.SENSITIVE_KEY` (what SHOW and statement printing hide),
 * `CredentialUtil.maskCredential` (what SHOW CREATE CATALOG masks) and the names of
 * `CloudConfigurationConstants`; names compare without regard to case, as `SENSITIVE_KEY` does.
 */

type Names = readonly string[];

const NONE: Names = [];

/** AWS S3 and S3-compatible stores (MinIO, GCS's HMAC keys): StarRocks' `aws.s3.*` and Hadoop S3A's `fs.s3a.*`. */
const S3: Names = [
  'aws.s3.access_key', 'aws.s3.secret_key', 'aws.s3.session_token',
  'fs.s3a.access.key', 'fs.s3a.secret.key', 'fs.s3a.session.token',
];

/** GCS's service account: the whole key, or its private key and the key's id (StarRocks hides both). */
const GCS: Names = ['gcp.gcs.service_account_json', 'gcp.gcs.service_account_private_key', 'gcp.gcs.service_account_private_key_id'];

/**
 * HDFS: the password StarRocks' HDFS properties accept (`password`, `hadoop.password`), a Kerberos
 * keytab given inline (its content is the key itself; `hadoop.kerberos.keytab` is only a path) and the
 * WebHDFS delegation token. `username`, the Kerberos principal and `hadoop.security.authentication`
 * (simple or kerberos) are not secrets.
 */
const HDFS: Names = ['password', 'hadoop.password', 'kerberos_keytab_content', 'hadoop.kerberos.keytab_content', 'hdfs.webhdfs.delegation_token'];

/** Repository credentials by storage backend; `file://` and `memory://` take none. */
export const STORAGE_SECRET_PROPERTIES = { s3: S3, gcs: GCS, hdfs: HDFS, file: NONE, memory: NONE } as const;

export type StorageBackendName = keyof typeof STORAGE_SECRET_PROPERTIES;

/**
 * The backend of each URI scheme, for code that may not reach the registry (the statements). A test
 * checks it against the schemes the backends register; a scheme missing here gets every backend's names.
 */
const BACKEND_OF_SCHEME: Readonly<Record<string, StorageBackendName>> = {
  s3: 's3', s3a: 's3', gs: 'gcs', hdfs: 'hdfs', webhdfs: 'hdfs', file: 'file', memory: 'memory',
};

const ALL_STORAGE: Names = union(Object.values(STORAGE_SECRET_PROPERTIES));

/** The names the backend of a repository location declares secret; every backend's names for an unknown scheme. */
export function repositorySecretProperties(location: string): Names {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
  const backend = scheme === undefined ? undefined : BACKEND_OF_SCHEME[scheme];
  return backend ? STORAGE_SECRET_PROPERTIES[backend] : ALL_STORAGE;
}

/**
 * The storage and metastore credentials every data lake catalog may carry (Hive, Iceberg, Hudi, Delta
 * Lake, Paimon, unified): StarRocks' `CloudConfigurationConstants` and `CredentialUtil.maskCredential`
 * (AWS S3 and Glue, Azure Blob and ADLS Gen1/Gen2, GCS, Aliyun OSS, Huawei OBS) and HDFS's.
 */
const LAKE: Names = union([
  S3,
  ['aws.glue.access_key', 'aws.glue.secret_key', 'aws.glue.session_token'],
  ['azure.blob.shared_key', 'azure.blob.sas_token', 'azure.blob.oauth2_client_secret'],
  ['azure.adls1.oauth2_credential', 'azure.adls2.shared_key', 'azure.adls2.oauth2_client_secret'],
  ['gcp.gcs.service_account_private_key', 'gcp.gcs.service_account_private_key_id'],
  ['aliyun.oss.access_key', 'aliyun.oss.secret_key'],
  ['fs.obs.access_key', 'fs.obs.secret_key', 'fs.obs.access.key', 'fs.obs.secret.key'],
  HDFS.filter((n) => !n.startsWith('hdfs.webhdfs.')),
]);

/** An Iceberg catalog's REST (OAuth2, SigV4) and JDBC metastore credentials, under StarRocks' `iceberg.catalog.` prefix. */
const ICEBERG_METASTORE: Names = [
  'iceberg.catalog.oauth2.credential', 'iceberg.catalog.oauth2.token',
  'iceberg.catalog.rest.access-key-id', 'iceberg.catalog.rest.secret-access-key', 'iceberg.catalog.rest.session-token',
  'iceberg.catalog.jdbc.password',
];

/**
 * External catalog credentials by `type` (as CREATE EXTERNAL CATALOG gives it, lower-cased). A JDBC or
 * Elasticsearch catalog's `password` (StarRocks drops it from SHOW CREATE CATALOG); MaxCompute's
 * `odps.access.id` and `odps.access.key` (both masked by StarRocks). `user` and `jdbc_uri` stay in clear.
 */
export const CATALOG_SECRET_PROPERTIES: Readonly<Record<string, Names>> = {
  hive: LAKE,
  hudi: LAKE,
  deltalake: LAKE,
  paimon: LAKE,
  iceberg: union([LAKE, ICEBERG_METASTORE]),
  unified: union([LAKE, ICEBERG_METASTORE]),
  jdbc: ['password'],
  es: ['password'],
  odps: ['odps.access.id', 'odps.access.key'],
};

const ALL_CATALOG: Names = union(Object.values(CATALOG_SECRET_PROPERTIES));

/** The names a catalog type declares secret; every type's names for a type not listed. */
export function catalogSecretProperties(type: string): Names {
  return Object.hasOwn(CATALOG_SECRET_PROPERTIES, type.toLowerCase()) ? CATALOG_SECRET_PROPERTIES[type.toLowerCase()]! : ALL_CATALOG;
}

/**
 * Names StarRocks' printing hides wherever they appear (`PrintableMap.SENSITIVE_KEY`), beyond the ones
 * above: broker, load and security-integration properties a statement may carry.
 */
const STARROCKS_SENSITIVE: Names = [
  'password', 'kerberos_keytab_content', 'bos_secret_accesskey', 'fs.oss.accessKeyId', 'fs.oss.accessKeySecret',
  'fs.cosn.userinfo.secretId', 'fs.cosn.userinfo.secretKey', 'property.sasl.password', 'broker.password',
  'confluent.schema.registry.url', 'authentication_ldap_simple_bind_root_pwd', 'authentication_ldap_simple_ssl_conn_trust_store_pwd',
  'client_secret',
];

/**
 * Every declared name: what code that cannot tell the backend or catalog type hides (the statement
 * redactor, the default of secrets.ts).
 */
export const DECLARED_SECRET_PROPERTIES: Names = union([ALL_STORAGE, ALL_CATALOG, STARROCKS_SENSITIVE]);

function union(lists: readonly Names[]): Names {
  return [...new Set(lists.flat())];
}
