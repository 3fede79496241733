import { fileURLToPath } from 'node:url';
import { AnalysisError } from '../../../domain/errors.ts';
import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import type { StorageBackend } from '../storage-backend.ts';
import { FileObjectStore } from './file-object-store.ts';

export interface FileConfig {
  rootDir: string;
}

/** `file:///absolute/path` (percent-encoded as any file URL); `file://localhost/…` is the same thing. */
export const fileBackend: StorageBackend<FileConfig> = {
  schemes: ['file'],
  secretProperties: STORAGE_SECRET_PROPERTIES.file,
  parse(location) {
    // A relative form such as `file:data` or `file://data/x` would silently resolve somewhere surprising.
    if (!/^file:\/\/(localhost)?\//i.test(location)) {
      throw new AnalysisError(`Invalid location '${location}': a file location must be absolute, such as file:///data/backups`);
    }
    let rootDir: string;
    try {
      rootDir = fileURLToPath(location);
    } catch (err) {
      throw new AnalysisError(`Invalid location '${location}': ${(err as Error).message}`);
    }
    if (rootDir.includes('\0')) throw new AnalysisError(`Invalid location '${location}': it contains a NUL character`);
    return { rootDir };
  },
  open: (config, access) => new FileObjectStore(config.rootDir, access && ((real) => access.guard.checkFile(real, access.use))),
};
