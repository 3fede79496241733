import { AnalysisError } from '../../../domain/errors.ts';
import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import type { StorageBackend } from '../storage-backend.ts';
import { MemoryObjectStore } from './memory-object-store.ts';

export interface MemoryConfig {
  name: string;
  rootPath: string;
}

/** `memory://<name>[/<path>]`: a process-wide namespace, shared by every store opened on the same name. */
export const memoryBackend: StorageBackend<MemoryConfig> = {
  schemes: ['memory'],
  secretProperties: STORAGE_SECRET_PROPERTIES.memory,
  parse(location) {
    const match = /^memory:\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(location);
    if (!match) {
      throw new AnalysisError(`Invalid location '${location}': expected memory://<name>[/<path>]`);
    }
    try {
      const segments = (match[2] ?? '').split('/').filter((s) => s !== '').map(decodeURIComponent);
      if (segments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0'))) {
        throw new Error('bad segment');
      }
      return { name: decodeURIComponent(match[1]!), rootPath: segments.join('/') };
    } catch {
      throw new AnalysisError(`Invalid location '${location}': its path may not contain '.', '..', '\\' or encoded '/'`);
    }
  },
  open: (config) => MemoryObjectStore.named(config.name, config.rootPath),
};
