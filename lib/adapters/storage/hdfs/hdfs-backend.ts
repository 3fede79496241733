import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import { LazyObjectStore } from '../lazy-object-store.ts';
import type { StorageBackend } from '../storage-backend.ts';
import { describeHdfs, type HdfsConfig, parseHdfsLocation } from './hdfs-config.ts';

/**
 * HDFS through WebHDFS: `hdfs://namenode[:rpc port]/path` (HTTP port from a property) or
 * `webhdfs://namenode:http port/path`. The HTTP client (undici) loads when the store is first used.
 */
export const hdfsBackend: StorageBackend<HdfsConfig> = {
  schemes: ['hdfs', 'webhdfs'],
  secretProperties: STORAGE_SECRET_PROPERTIES.hdfs,
  parse: parseHdfsLocation,
  open: (config, access) =>
    new LazyObjectStore(describeHdfs(config), async () => new (await import('./hdfs-object-store.ts')).HdfsObjectStore(config, access?.guard)),
};
