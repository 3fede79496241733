import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import { LazyObjectStore } from '../lazy-object-store.ts';
import type { StorageBackend } from '../storage-backend.ts';
import { describeS3, parseS3Location, type S3Config } from './s3-config.ts';

/**
 * AWS S3, MinIO and GCS through its S3 API (HMAC keys): `s3a://bucket/path` or `s3://bucket/path`. The AWS
 * SDK loads when the store is first used (s3-open.ts), not when a command starts.
 */
export const s3Backend: StorageBackend<S3Config> = {
  schemes: ['s3a', 's3'],
  secretProperties: STORAGE_SECRET_PROPERTIES.s3,
  parse: parseS3Location,
  open: (config, access) => new LazyObjectStore(describeS3(config), async () => (await import('./s3-open.ts')).openS3(config, access)),
};
