import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import type { StorageBackend } from '../storage-backend.ts';
import { s3ClientFor } from './s3-client.ts';
import { parseS3Location, type S3Config } from './s3-config.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/** AWS S3, MinIO and GCS through its S3 API (HMAC keys): `s3a://bucket/path` or `s3://bucket/path`. */
export const s3Backend: StorageBackend<S3Config> = {
  schemes: ['s3a', 's3'],
  secretProperties: STORAGE_SECRET_PROPERTIES.s3,
  parse: parseS3Location,
  open(config, access) {
    const c = config.credentials;
    const secrets = c.kind === 'static' ? [c.accessKeyId, c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : [])] : [];
    return new S3ObjectStore(s3ClientFor(config, access?.guard), config, secrets);
  },
};
