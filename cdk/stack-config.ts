/**
 * The stack's settings, read from CDK context (cdk.json, `-c key=value`), so a deployment is configured
 * without code. A bad value fails the synth with a message naming the key.
 */
import type { Node } from 'constructs';
import { HomeConfigKey } from '../lib/domain/home-config.ts';

export const ContextKey = {
  uploadWorkers: HomeConfigKey.uploadWorkers,
  downloadWorkers: HomeConfigKey.downloadWorkers,
  schedules: 'starbackup:schedules',
  repositoryBuckets: 'starbackup:repositoryBucketArns',
  repositoryRoles: 'starbackup:repositoryRoleArns',
  clusterId: 'starbackup:clusterId',
  removalPolicy: 'starbackup:removalPolicy',
  stackName: 'starbackup:stackName',
  allowedEndpoints: 'starbackup:allowedEndpoints',
  rootPrincipals: 'starbackup:rootPrincipalArns',
} as const;

export interface ScheduleConfig {
  /** Construct id of the schedule; letters, digits and `-`. */
  name: string;
  /** An EventBridge Scheduler expression: `cron(0 2 * * ? *)` or `rate(12 hours)`. */
  schedule: string;
  /** IANA time zone of a cron expression; UTC by default. */
  timezone?: string;
  database: string;
  repository: string;
  labelPrefix: string;
  keepLast: number;
  /** The StarRocks user the schedule's statements run as: `backup_op` ('backup_op'@'%') or `'backup_op'@'host'`. */
  user: string;
}

export interface StackConfig {
  stackName: string;
  /** Map concurrency of the UPLOADING / DOWNLOADING states. */
  uploadWorkers: number;
  downloadWorkers: number;
  schedules: ScheduleConfig[];
  /** S3 bucket ARNs of repositories reached through the functions' own role (no keys in the repository). */
  repositoryBucketArns: string[];
  /** IAM roles repositories name in `aws.s3.iam_role_arn`, which the functions may assume. */
  repositoryRoleArns: string[];
  /** Written into every snapshot; defaults to the stack's id, so it survives updates. */
  clusterId?: string;
  /** `retain` (default) keeps tables, buckets and the key when the stack is deleted. */
  removalPolicy: 'retain' | 'destroy';
  /** Private, loopback or link-local endpoints statements may name (allowed_endpoints entries). */
  allowedEndpoints: string[];
  /**
   * IAM users or roles whose API calls run as root, whatever the catalog binds: how a new deployment gets
   * its first user_admin (no principal is bound to a user before someone runs CREATE USER).
   */
  rootPrincipalArns: string[];
}

/** One worker per core means nothing for Lambda; 8 keeps a repository bucket far from S3's request limits. */
export const DEFAULT_WORKERS = 8;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// A user name (FeNameFormat) alone, or quoted with a host as SHOW USERS prints it.
export const RUN_AS_USER = /^([A-Za-z0-9_]{1,64}\/?[.A-Za-z0-9_-]{0,63}|'[A-Za-z0-9_]{1,64}\/?[.A-Za-z0-9_-]{0,63}'@'[A-Za-z0-9.:%_-]{1,255}')$/;

export function readStackConfig(node: Node): StackConfig {
  const get = (key: string): unknown => parseCliValue(node.tryGetContext(key));
  const removal = get(ContextKey.removalPolicy) ?? 'retain';
  if (removal !== 'retain' && removal !== 'destroy') fail(ContextKey.removalPolicy, 'must be "retain" or "destroy"');
  const clusterId = get(ContextKey.clusterId);
  if (clusterId !== undefined && (typeof clusterId !== 'string' || clusterId === '')) fail(ContextKey.clusterId, 'must be a non-empty string');
  const stackName = get(ContextKey.stackName) ?? 'Starbackup';
  if (typeof stackName !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) fail(ContextKey.stackName, 'must be a CloudFormation stack name');
  return {
    stackName,
    uploadWorkers: workers(get(ContextKey.uploadWorkers), ContextKey.uploadWorkers),
    downloadWorkers: workers(get(ContextKey.downloadWorkers), ContextKey.downloadWorkers),
    schedules: list(get(ContextKey.schedules), ContextKey.schedules).map(schedule),
    repositoryBucketArns: list(get(ContextKey.repositoryBuckets), ContextKey.repositoryBuckets).map(bucketArn),
    repositoryRoleArns: list(get(ContextKey.repositoryRoles), ContextKey.repositoryRoles).map(roleArn),
    ...(clusterId === undefined ? {} : { clusterId: clusterId as string }),
    removalPolicy: removal,
    allowedEndpoints: list(get(ContextKey.allowedEndpoints), ContextKey.allowedEndpoints).map(endpointEntry),
    rootPrincipalArns: list(get(ContextKey.rootPrincipals), ContextKey.rootPrincipals).map(rootPrincipal),
  };
}

/** The functions parse the entries at start (lib/access/endpoint-rules.ts); here only their shape is checked. */
function endpointEntry(value: unknown, i: number): string {
  if (typeof value !== 'string' || !/^[\w.:[\]/-]{1,255}$/.test(value)) {
    fail(`${ContextKey.allowedEndpoints}[${i}]`, 'must be a host[:port], an address[:port] or a CIDR network such as "10.0.0.0/8"');
  }
  return value;
}

/** `-c key=value` on the command line always arrives as a string; cdk.json gives JSON values. */
function parseCliValue(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{0-9]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function workers(value: unknown, key: string): number {
  if (value === undefined) return DEFAULT_WORKERS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) fail(key, 'must be an integer from 1 to 10000');
  return value;
}

function list(value: unknown, key: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(key, 'must be a JSON array');
  return value;
}

function bucketArn(value: unknown, i: number): string {
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
    fail(`${ContextKey.repositoryBuckets}[${i}]`, 'must be a bucket ARN such as "arn:aws:s3:::my-backups"');
  }
  return value;
}

function roleArn(value: unknown, i: number): string {
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(value)) {
    fail(`${ContextKey.repositoryRoles}[${i}]`, 'must be an IAM role ARN such as "arn:aws:iam::111122223333:role/backup-writer"');
  }
  return value;
}

/** As `IDENTIFIED WITH aws_iam AS` takes a binding (lib/access/iam-principal.ts checks it again at start): one IAM user or role. */
function rootPrincipal(value: unknown, i: number): string {
  if (typeof value !== 'string' || !/^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(user|role)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(value)) {
    fail(`${ContextKey.rootPrincipals}[${i}]`, 'must be an IAM user or role ARN without wildcards, such as "arn:aws:iam::111122223333:role/StarbackupAdmin"');
  }
  return value;
}

function schedule(value: unknown, i: number): ScheduleConfig {
  const key = `${ContextKey.schedules}[${i}]`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(key, 'must be an object');
  const v = value as Record<string, unknown>;
  const str = (field: string, pattern: RegExp, what: string): string => {
    const s = v[field];
    if (typeof s !== 'string' || !pattern.test(s)) fail(`${key}.${field}`, what);
    return s;
  };
  const keepLast = v['keepLast'];
  if (typeof keepLast !== 'number' || !Number.isInteger(keepLast) || keepLast < 1) fail(`${key}.keepLast`, 'must be an integer of at least 1');
  const config: ScheduleConfig = {
    name: str('name', /^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'must be letters, digits and -'),
    schedule: str('schedule', /^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, 'must be cron(…) or rate(N unit)'),
    database: str('database', IDENTIFIER, 'must be a database name of letters, digits and _'),
    repository: str('repository', IDENTIFIER, 'must be a repository name of letters, digits and _'),
    labelPrefix: str('labelPrefix', IDENTIFIER, 'must be letters, digits and _'),
    keepLast,
    // Required: a schedule runs as a named user, never as root by default (lib/api/run-as.ts checks it again).
    user: str('user', RUN_AS_USER, `must name the StarRocks user the schedule runs as, e.g. "backup_op" or "'backup_op'@'%'"`),
  };
  if (v['timezone'] !== undefined) config.timezone = str('timezone', /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as "Europe/Paris"');
  return config;
}

function fail(key: string, what: string): never {
  throw new Error(`CDK context ${key} ${what}`);
}
