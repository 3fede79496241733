import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { StorageError } from '../../../domain/errors.ts';
import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import { LazyObjectStore } from '../lazy-object-store.ts';
import type { StorageBackend, StoreAccess } from '../storage-backend.ts';
import { describeGcs, type GcsConfig, parseGcsLocation } from './gcs-config.ts';

/**
 * `gcp.gcs.key_file` is a file of this machine, read with the service's rights: with a guard its real
 * path (symlinks resolved) must pass the file check, here, before the library ever reads it. A missing
 * file is checked by its path, so a path outside the allowed folders is refused whether it exists or not.
 */
function checkedKeyFile(path: string, access: StoreAccess): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    access.guard.checkFile(resolve(path), access.use);
    throw new StorageError(`Cannot read the key file ${path} (gcp.gcs.key_file): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
  }
  access.guard.checkFile(real, access.use);
  return real;
}

/**
 * Google Cloud Storage natively: `gs://bucket/path`. (The spec's `s3a://` form with HMAC keys is the S3
 * backend.) The key file is checked at open; the client library loads when the store is first used.
 */
export const gcsBackend: StorageBackend<GcsConfig> = {
  schemes: ['gs'],
  secretProperties: STORAGE_SECRET_PROPERTIES.gcs,
  parse: parseGcsLocation,
  open(config, access) {
    const keyFile = config.auth.kind === 'key-file' && access ? checkedKeyFile(config.auth.path, access) : undefined;
    return new LazyObjectStore(describeGcs(config), async () => (await import('./gcs-open.ts')).openGcs(config, keyFile, access?.guard));
  },
};
