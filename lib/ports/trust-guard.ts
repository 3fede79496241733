/**
 * The trust boundary as the adapters see it: each check throws AccessDeniedError, and is made where the
 * I/O happens (when a socket connects, when a file is opened), so a symlink or a DNS answer cannot slip
 * between a check and its use. The runtime builds one from lib/access/trust-policy.ts for each door.
 */
export interface ConnectTarget {
  /** What named the endpoint, for the message: `aws.s3.endpoint`, `hdfs namenode`, … */
  what: string;
  /** The host as the statement gave it (a name or an IP literal) and the port. */
  host: string;
  port: number;
  /** The address the connection is about to use, after DNS resolution. */
  address: string;
  /** The request carries the service's own identity (default chain, instance profile, execution role). */
  serviceCredentials: boolean;
}

export interface TrustGuard {
  /** Storage schemes this runtime can keep (`file://` and `memory://` are refused in the cloud). */
  checkLocation(location: string, use: LocationUse): void;
  /** A real path (symlinks resolved) a store is about to read or write. */
  checkFile(realPath: string, use: LocationUse): void;
  /** A connection to an endpoint that a statement named. */
  checkConnect(target: ConnectTarget): void;
}

export const LocationUse = { REPOSITORY: 'repository', FILES: 'FILES()' } as const;
export type LocationUse = (typeof LocationUse)[keyof typeof LocationUse];
