import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import type { StorageBackend } from '../storage-backend.ts';
import { type HdfsConfig, parseHdfsLocation } from './hdfs-config.ts';
import { HdfsObjectStore } from './hdfs-object-store.ts';

/** HDFS through WebHDFS: `hdfs://namenode[:rpc port]/path` (HTTP port from a property) or `webhdfs://namenode:http port/path`. */
export const hdfsBackend: StorageBackend<HdfsConfig> = {
  schemes: ['hdfs', 'webhdfs'],
  secretProperties: STORAGE_SECRET_PROPERTIES.hdfs,
  parse: parseHdfsLocation,
  open: (config, access) => new HdfsObjectStore(config, access?.guard),
};
