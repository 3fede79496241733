import { AnalysisError } from './errors.ts';
import type { WorkerCounts } from './workflow.ts';

/**
 * `<home>/starbackup.conf`, the embedded runtime's counterpart of StarRocks' be.conf: `key = value` lines,
 * `#` comments. It holds the knobs StarRocks sets per BE; the cloud stack takes the same keys as CDK context.
 */
export const HomeConfigKey = {
  uploadWorkers: 'upload_worker_count',
  downloadWorkers: 'download_worker_count',
  makeSnapshotWorkers: 'make_snapshot_worker_count',
  releaseSnapshotWorkers: 'release_snapshot_worker_count',
  allowedFilePaths: 'allowed_file_paths',
  allowedEndpoints: 'allowed_endpoints',
  sslCertFile: 'ssl_cert_file',
  sslKeyFile: 'ssl_key_file',
  sslForceSecureTransport: 'ssl_force_secure_transport',
} as const;

export const HOME_CONFIG_FILE = 'starbackup.conf';

export interface HomeConfig {
  /** 0 means one per core, as in StarRocks; makeSnapshot and releaseSnapshot only when the file sets them. */
  workers: WorkerCounts;
  /** Folders FILES() and file:// repositories may reach; undefined when the file does not say (the door decides). */
  allowedFilePaths?: string[];
  /** Endpoints a statement may name although they are loopback, private or link-local (lib/access/endpoint-rules.ts). */
  allowedEndpoints: string[];
  /** TLS of the MySQL door: PEM certificate (chain) and key files, absolute paths; set both or neither. */
  ssl?: { certFile: string; keyFile: string };
  /** StarRocks' ssl_force_secure_transport: the MySQL door refuses connections that do not upgrade to TLS. */
  sslForceSecureTransport?: boolean;
}

export function parseHomeConfig(text: string, source: string): HomeConfig {
  const config: HomeConfig = { workers: { upload: 0, download: 0 }, allowedEndpoints: []};
  const ssl: { certFile?: string; keyFile?: string } = {};
  const known: string[] = Object.values(HomeConfigKey);
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const where = `${source} line ${i + 1}`;
    const eq = line.indexOf('=');
    if (eq < 0) throw new AnalysisError(`Invalid line in ${where}: '${line}' is not key = value`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (!known.includes(key)) throw new AnalysisError(`Unknown config item '${key}' in ${where}; known items: ${known.join(', ')}`);
    if (key === HomeConfigKey.allowedFilePaths) config.allowedFilePaths = filePaths(value, where);
    else if (key === HomeConfigKey.allowedEndpoints) config.allowedEndpoints = list(value);
    else if (key === HomeConfigKey.sslCertFile) ssl.certFile = absoluteFile(key, value, where);
    else if (key === HomeConfigKey.sslKeyFile) ssl.keyFile = absoluteFile(key, value, where);
    else if (key === HomeConfigKey.sslForceSecureTransport) {
      if (flag(key, value, where)) config.sslForceSecureTransport = true;
      else delete config.sslForceSecureTransport;
    }
    else config.workers[WORKER_FIELD[key]!] = workerCount(key, value, where);
  }
  return withSsl(config, ssl, source);
}

function withSsl(config: HomeConfig, ssl: { certFile?: string; keyFile?: string }, source: string): HomeConfig {
  const { certFile, keyFile } = ssl;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const [set, unset] = certFile === undefined ? [HomeConfigKey.sslKeyFile, HomeConfigKey.sslCertFile] : [HomeConfigKey.sslCertFile, HomeConfigKey.sslKeyFile];
    throw new AnalysisError(`${source} sets ${set} without ${unset}: TLS needs both the certificate and its key`);
  }
  if (certFile !== undefined && keyFile !== undefined) config.ssl = { certFile, keyFile };
  else if (config.sslForceSecureTransport) {
    throw new AnalysisError(`${source} sets ${HomeConfigKey.sslForceSecureTransport} = true without ${HomeConfigKey.sslCertFile} and ${HomeConfigKey.sslKeyFile}: no client could connect`);
  }
  return config;
}

/** Which WorkerCounts field each worker-count key sets. */
const WORKER_FIELD: Record<string, keyof WorkerCounts> = {
  [HomeConfigKey.uploadWorkers]: 'upload',
  [HomeConfigKey.downloadWorkers]: 'download',
  [HomeConfigKey.makeSnapshotWorkers]: 'makeSnapshot',
  [HomeConfigKey.releaseSnapshotWorkers]: 'releaseSnapshot',
};

function absoluteFile(key: string, value: string, where: string): string {
  if (!value.startsWith('/')) throw new AnalysisError(`Invalid value '${value}' for ${key} in ${where}: the file must be an absolute path`);
  return value;
}

/** true or false, as StarRocks' boolean config items. */
function flag(key: string, value: string, where: string): boolean {
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw new AnalysisError(`Invalid value '${value}' for ${key} in ${where}: true or false`);
  return v === 'true';
}

/** `a, b, c`; an empty value is an empty list (nothing allowed). */
function list(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

function filePaths(value: string, where: string): string[] {
  const paths = list(value);
  const relative = paths.find((p) => !p.startsWith('/'));
  if (relative !== undefined) throw new AnalysisError(`Invalid value '${relative}' for allowed_file_paths in ${where}: folders must be absolute paths`);
  return paths;
}

/** A worker count: a whole number, 0 (one per core) up to 1024. */
function workerCount(key: string, value: string, where: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) > MAX_WORKERS) {
    throw new AnalysisError(`Invalid value '${value}' for ${key} in ${where}: a whole number from 0 (one per core) to ${MAX_WORKERS}`);
  }
  return Number(value);
}

const MAX_WORKERS = 1024;
