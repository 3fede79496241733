import type { StorageBackend } from '../storage-backend.ts';
import { type HdfsConfig, parseHdfsLocation } from './hdfs-config.ts';
import { HdfsObjectStore } from './hdfs-object-store.ts';

/** HDFS through WebHDFS: `hdfs://namenode[:rpc port]/path` (HTTP port from a property) or `webhdfs://namenode:http port/path`. */
export const hdfsBackend: StorageBackend<HdfsConfig> = {
  schemes: ['hdfs', 'webhdfs'],
  parse: parseHdfsLocation,
  open: (config, access) => new HdfsObjectStore(config, access?.guard),
};
