import ipaddr from 'ipaddr.js';
import { AccessDeniedError } from '../domain/errors.ts';
import { type ConnectTarget, LocationUse, type TrustGuard } from '../ports/trust-guard.ts';
import { type EndpointRule, describeRange, matchesRule, rangeOf } from './endpoint-rules.ts';

/**
 * Who is asking decides what a statement may reach (DESIGN §7). The owner of an embedded home runs the
 * CLI as themselves: what their user can read and any host they can reach (a MinIO on the LAN is
 * normal). `serve` and the cloud answer other people: no local file unless a folder is allowed, no
 * loopback, link-local (the metadata service, the Lambda runtime API) or private address unless an
 * endpoint is allowed, and never the service's own credentials to an endpoint a statement named.
 */
export const Door = { OWNER: 'owner', SERVER: 'server', CLOUD: 'cloud' } as const;
export type Door = (typeof Door)[keyof typeof Door];

export interface TrustPolicy {
  door: Door;
  /** Real paths of the folders FILES() and file:// may reach; undefined: anywhere (the owner's default). */
  allowedFilePaths?: readonly string[];
  /** Real paths refused whatever is allowed: /proc, /sys, /dev, the home itself. */
  deniedFilePaths: readonly string[];
  allowedEndpoints: readonly EndpointRule[];
  /** Where the allow-lists are set, for messages: a starbackup.conf path or the CDK context key. */
  settings: string;
}

/** Kernel and device trees: reading them leaks the process (its environment holds credentials in Lambda). */
export const SYSTEM_DENIED_PATHS = ['/proc', '/sys', '/dev'] as const;

const LOCAL_SCHEMES = ['file', 'memory'];

const DOOR_NAME: Record<Door, string> = {
  [Door.OWNER]: 'the embedded CLI',
  [Door.SERVER]: 'starbackup serve',
  [Door.CLOUD]: 'the cloud service',
};

export function trustGuard(policy: TrustPolicy): TrustGuard {
  return {
    checkLocation: (location, use) => checkLocation(policy, location, use),
    checkFile: (realPath, use) => checkFile(policy, realPath, use),
    checkConnect: (target) => checkConnect(policy, target),
  };
}

function checkLocation(policy: TrustPolicy, location: string, use: LocationUse): void {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase() ?? '';
  if (policy.door !== Door.CLOUD || !LOCAL_SCHEMES.includes(scheme)) return;
  if (use === LocationUse.FILES) {
    throw new AccessDeniedError(`FILES() cannot read local files in the cloud: a Lambda function's disk is its own, not a place to load from`);
  }
  throw new AccessDeniedError(
    `Repository location '${location}' is refused in the cloud: ${scheme}:// would live in one Lambda function's own ${scheme === 'file' ? 'disk' : 'memory'} and keep nothing; use s3://, gs:// or hdfs://`,
  );
}

function checkFile(policy: TrustPolicy, realPath: string, use: LocationUse): void {
  const who = use === LocationUse.REPOSITORY ? 'A repository' : use;
  if (policy.deniedFilePaths.some((d) => isWithin(realPath, d))) {
    throw new AccessDeniedError(`${who} may not reach ${realPath}: /proc, /sys, /dev and the home's own files are never reachable from a statement`);
  }
  const allowed = policy.allowedFilePaths;
  if (allowed === undefined || allowed.some((a) => isWithin(realPath, a))) return;
  const list = allowed.length ? `the allowed folders are ${allowed.join(', ')}` : `${DOOR_NAME[policy.door]} allows no local folder`;
  throw new AccessDeniedError(`${who} may not reach ${realPath}: ${list}; add its folder to allowed_file_paths in ${policy.settings}`);
}

function checkConnect(policy: TrustPolicy, target: ConnectTarget): void {
  if (policy.allowedEndpoints.some((rule) => matchesRule(rule, target))) return;
  if (policy.door === Door.OWNER) return;
  const where = `${target.what} ${hostPort(target.host, target.port)}`;
  const allow = `allowed_endpoints in ${policy.settings}`;
  if (target.serviceCredentials) {
    throw new AccessDeniedError(
      `Refused to send the service's own credentials to ${where}, an endpoint named by the statement: give the repository its own credentials, or name the endpoint in ${allow}`,
    );
  }
  const range = rangeOf(target.address);
  if (range === 'unicast') return;
  const resolved = target.address === target.host ? '' : ` (it resolves to ${target.address})`;
  throw new AccessDeniedError(
    `Refused to connect to ${where}${resolved}: ${describeRange(range)} addresses are not reachable from ${DOOR_NAME[policy.door]} unless ${allow} names them`,
  );
}

function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

function hostPort(host: string, port: number): string {
  return `${ipaddr.IPv6.isValid(host) ? `[${host}]` : host}:${port}`;
}
