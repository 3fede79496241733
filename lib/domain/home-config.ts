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
} as const;

export const HOME_CONFIG_FILE = 'starbackup.conf';

export interface HomeConfig {
  /** 0 means one per core, as in StarRocks; makeSnapshot and releaseSnapshot only when the file sets them. */
  workers: WorkerCounts;
  /** Folders FILES() and file:// repositories may reach; undefined when the file does not say (the door decides). */
  allowedFilePaths?: string[];
  /** Endpoints a statement may name although they are loopback, private or link-local (lib/access/endpoint-rules.ts). */
  allowedEndpoints: string[];
}

export function parseHomeConfig(text: string, source: string): HomeConfig {
  const config: HomeConfig = { workers: { upload: 0, download: 0 }, allowedEndpoints: [] };
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
    else config.workers[WORKER_FIELD[key]!] = workerCount(key, value, where);
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
