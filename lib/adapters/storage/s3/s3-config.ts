import { AnalysisError } from '../../../domain/errors.ts';
import type { ParseOptions } from '../storage-backend.ts';
import { locationPath, pick, pickBoolean, pickString, type Properties, rejectUnknown } from '../properties.ts';

/** How the S3 client finds credentials. */
export type S3Credentials =
  | { kind: 'static'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** The SDK's default chain: environment, shared config, SSO, container and instance profile. */
  | { kind: 'default-chain' };

export interface S3Config {
  /** The location as given, for messages. */
  location: string;
  bucket: string;
  /** Key prefix under the bucket, without a trailing slash; '' for the bucket's root. */
  prefix: string;
  region: string;
  /** Full URL of a non-AWS endpoint (MinIO, GCS, s3rver); undefined for AWS itself. */
  endpoint?: string;
  forcePathStyle: boolean;
  credentials: S3Credentials;
  /** Assume this role (STS AssumeRole) with the credentials above. */
  assumeRole?: { roleArn: string; externalId?: string; stsRegion?: string; stsEndpoint?: string };
  /** Multipart part size and parts in flight per upload (DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE). */
  partSize: number;
  queueSize: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000); small in tests to exercise continuation. */
  listPageSize: number;
}

export const S3_PROPERTIES = [
  'aws.s3.access_key', 'aws.s3.secret_key', 'aws.s3.session_token', 'aws.s3.region', 'aws.s3.endpoint',
  'aws.s3.use_instance_profile', 'aws.s3.use_aws_sdk_default_behavior', 'aws.s3.iam_role_arn', 'aws.s3.external_id',
  'aws.s3.sts.region', 'aws.s3.sts.endpoint', 'aws.s3.enable_path_style_access', 'aws.s3.enable_ssl',
] as const;

/** How a store names itself in messages: scheme, bucket and prefix, never a property. */
export function describeS3(config: S3Config): string {
  return `${config.location.split(':')[0]!.toLowerCase()}://${config.bucket}${config.prefix ? `/${config.prefix}` : ''}`;
}

/**
 * A multipart upload has up to queueSize parts on the way, each in one of the process's few part buffers
 * (s3-multipart.ts), however many uploads run at once. 10,000 parts of 8 MiB still allow an object of
 * 78 GiB.
 */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 2;

/**
 * `s3a://bucket/prefix` and `s3://bucket/prefix`, with StarRocks' `aws.s3.*` properties or Hadoop S3A's
 * `fs.s3a.*` ones (the spec's GCS form: HMAC keys and `fs.s3a.endpoint` = `storage.googleapis.com`).
 */
export function parseS3Location(location: string, props: Properties, options: ParseOptions = {}): S3Config {
  const match = /^(s3a?):\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(location);
  if (!match) throw new AnalysisError(`Invalid location '${location}': expected s3a://<bucket>/<path> or s3://<bucket>/<path>`);
  const authority = match[2]!;
  // Old Hadoop allowed s3a://KEY:SECRET@bucket; a location is shown and stored in clear, so refuse it.
  if (authority.includes('@')) {
    throw new AnalysisError('Invalid location: credentials in the URI are not supported; give aws.s3.access_key and aws.s3.secret_key');
  }
  if (!/^[a-z0-9][a-z0-9._-]{2,62}$/i.test(authority)) {
    throw new AnalysisError(`Invalid location '${location}': '${authority}' is not a bucket name`);
  }
  rejectUnknown(props, 'aws.s3.', S3_PROPERTIES);

  const endpoint = endpointUrl(props);
  const host = endpoint ? new URL(endpoint).hostname : undefined;
  const onAws = host === undefined || /(^|\.)amazonaws\.com(\.cn)?$/i.test(host);
  // The runtime's region only for AWS itself: other S3 APIs have their own conventions (us-east-1 for
  // MinIO, auto or us-east-1 for R2) and may refuse a signature for any other region.
  const fallback = (onAws && options.defaultRegion) || 'us-east-1';
  const region =
    pickString(props, 'aws.s3.region', 'fs.s3a.endpoint.region') ??
    (host !== undefined && /(^|\.)googleapis\.com$/i.test(host) ? 'auto' : fallback);
  const roleArn = pickString(props, 'aws.s3.iam_role_arn', 'fs.s3a.assumed.role.arn');
  const externalId = pickString(props, 'aws.s3.external_id');
  const stsRegion = pickString(props, 'aws.s3.sts.region');
  const stsEndpoint = pickString(props, 'aws.s3.sts.endpoint');
  return {
    location,
    bucket: authority,
    prefix: locationPath(location, match[3]),
    region,
    ...(endpoint ? { endpoint } : {}),
    // Off AWS (MinIO, GCS, s3rver) buckets are addressed by path unless told otherwise: MinIO needs it
    // unless it has a domain configured, and GCS accepts both.
    forcePathStyle: pickBoolean(props, 'aws.s3.enable_path_style_access', 'fs.s3a.path.style.access') ?? !onAws,
    credentials: credentials(props),
    ...(roleArn
      ? { assumeRole: { roleArn, ...(externalId ? { externalId } : {}), ...(stsRegion ? { stsRegion } : {}), ...(stsEndpoint ? { stsEndpoint } : {}) } }
      : {}),
    partSize: DEFAULT_PART_SIZE,
    queueSize: DEFAULT_QUEUE_SIZE,
    listPageSize: 1000,
  };
}

function credentials(props: Properties): S3Credentials {
  const accessKey = pick(props, 'aws.s3.access_key', 'fs.s3a.access.key');
  const secretKey = pick(props, 'aws.s3.secret_key', 'fs.s3a.secret.key');
  const sessionToken = pickString(props, 'aws.s3.session_token', 'fs.s3a.session.token');
  const chain = pickBoolean(props, 'aws.s3.use_instance_profile') || pickBoolean(props, 'aws.s3.use_aws_sdk_default_behavior');
  if (!accessKey !== !secretKey) {
    const missing = accessKey ? secretKey?.name ?? 'aws.s3.secret_key' : 'aws.s3.access_key';
    throw new AnalysisError(`Property ${missing} is missing: an access key and a secret key go together`);
  }
  if (accessKey && secretKey) {
    if (chain) {
      throw new AnalysisError('Give either aws.s3.access_key and aws.s3.secret_key, or aws.s3.use_instance_profile = true, not both');
    }
    return { kind: 'static', accessKeyId: accessKey.value, secretAccessKey: secretKey.value, ...(sessionToken ? { sessionToken } : {}) };
  }
  // Without keys, as an AWS SDK user expects: the default chain (the instance profile on EC2, the task
  // role on ECS, the execution role in Lambda, the environment or ~/.aws on a laptop).
  return { kind: 'default-chain' };
}

/** `http://minio:9000` as given; a bare `storage.googleapis.com` gets https unless SSL is turned off. */
function endpointUrl(props: Properties): string | undefined {
  const ssl = pickBoolean(props, 'aws.s3.enable_ssl', 'fs.s3a.connection.ssl.enabled') ?? true;
  const found = pick(props, 'aws.s3.endpoint', 'fs.s3a.endpoint');
  if (!found) return undefined;
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `${ssl ? 'https' : 'http'}://${found.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AnalysisError(`Invalid value '${found.value}' for property ${found.name}: expected host[:port] or http(s)://host[:port]`);
  }
  if (url.username || url.password) {
    throw new AnalysisError(`Invalid value for property ${found.name}: credentials in the endpoint are not supported`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new AnalysisError(`Invalid value '${found.value}' for property ${found.name}: expected host[:port] or http(s)://host[:port]`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
