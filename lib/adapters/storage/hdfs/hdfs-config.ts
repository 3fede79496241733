import { userInfo } from 'node:os';
import { AnalysisError } from '../../../domain/errors.ts';
import { locationPath, pickBoolean, pickPort, pickString, type Properties, rejectUnknown } from '../properties.ts';

export interface HdfsConfig {
  location: string;
  /** `http(s)://namenode:port`, where WebHDFS listens. */
  namenode: string;
  /** Absolute HDFS path of the store's root, e.g. `/repo_dir/backup`. */
  root: string;
  /** Sent as `user.name` (simple authentication). */
  user: string;
  /** A Hadoop delegation token, sent as `delegation` (secured clusters without Kerberos on this side). */
  delegationToken?: string;
}

/** Hadoop 3's namenode HTTP port (Hadoop 2 used 50070). */
/** How a store names itself in messages: its location without trailing slashes. */
export function describeHdfs(config: HdfsConfig): string {
  return config.location.replace(/\/+$/, '');
}

export const DEFAULT_WEBHDFS_PORT = 9870;

export const HDFS_PROPERTIES = ['hdfs.webhdfs.port', 'hdfs.webhdfs.https', 'hdfs.webhdfs.delegation_token'] as const;

/**
 * `hdfs://host[:port]/path` and `webhdfs://host[:port]/path`. The port of an hdfs:// location is the
 * namenode's RPC port (8020), which WebHDFS does not use: requests go to the same host on
 * `hdfs.webhdfs.port` (default 9870). A webhdfs:// location names the HTTP port itself, as Hadoop's own
 * webhdfs:// scheme does. `username` is the user; `password` is accepted because the spec passes it,
 * but WebHDFS simple authentication has no password: it is sealed with the other secrets and never sent.
 */
export function parseHdfsLocation(location: string, props: Properties): HdfsConfig {
  const match = /^(hdfs|webhdfs):\/\/([^/?#@:]+)(?::(\d+))?(\/[^?#]*)?$/i.exec(location);
  if (!match) {
    const why = /^[a-z]+:\/\/[^/]*@/i.test(location) ? ': credentials in the URI are not supported; use the username property' : '';
    throw new AnalysisError(`Invalid location '${why ? location.replace(/\/\/[^/]*@/, '//******@') : location}': expected hdfs://<namenode>[:<rpc port>]/<path>${why}`);
  }
  rejectUnknown(props, 'hdfs.webhdfs.', HDFS_PROPERTIES);
  const [, scheme, host, locationPort, path] = match;
  const propertyPort = pickPort(props, 'hdfs.webhdfs.port');
  let port: number;
  if (scheme!.toLowerCase() === 'webhdfs') {
    if (propertyPort !== undefined && locationPort !== undefined && propertyPort !== Number(locationPort)) {
      throw new AnalysisError(`Property hdfs.webhdfs.port (${propertyPort}) contradicts the port of the webhdfs:// location '${location}'`);
    }
    port = propertyPort ?? (locationPort ? Number(locationPort) : DEFAULT_WEBHDFS_PORT);
  } else {
    port = propertyPort ?? DEFAULT_WEBHDFS_PORT;
  }
  if (port < 1 || port > 65535) throw new AnalysisError(`Invalid location '${location}': port ${port} is out of range`);
  const https = pickBoolean(props, 'hdfs.webhdfs.https') ?? false;
  const token = pickString(props, 'hdfs.webhdfs.delegation_token');
  return {
    location,
    namenode: `${https ? 'https' : 'http'}://${host}:${port}`,
    root: `/${locationPath(location, path)}`.replace(/\/$/, '') || '/',
    user: pickString(props, 'username', 'hadoop.username') ?? process.env.HADOOP_USER_NAME ?? userInfo().username,
    ...(token ? { delegationToken: token } : {}),
  };
}
