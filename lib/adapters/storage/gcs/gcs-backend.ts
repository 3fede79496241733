import { createHash } from 'node:crypto';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { StorageBackend } from '../storage-backend.ts';
import { type GcsConfig, parseGcsLocation } from './gcs-config.ts';
import { GcsObjectStore } from './gcs-object-store.ts';

/** Clients by configuration (hashed: the key holds a private key), so tokens are fetched once per process. */
const clients = new Map<string, Storage>();

function storageFor(config: GcsConfig): Storage {
  const key = createHash('sha256').update(JSON.stringify([config.endpoint, config.auth])).digest('hex');
  let storage = clients.get(key);
  if (!storage) {
    const auth = config.auth;
    const options: StorageOptions = {
      ...(config.endpoint ? { apiEndpoint: config.endpoint } : {}),
      ...(auth.kind === 'service-account' ? { credentials: auth.credentials, ...(auth.credentials.project_id ? { projectId: auth.credentials.project_id } : {}) } : {}),
      ...(auth.kind === 'key-file' ? { keyFilename: auth.path } : {}),
      // The library skips authentication for any custom endpoint (it assumes an emulator); a private
      // endpoint given together with credentials must still be authenticated.
      ...(config.endpoint && auth.kind !== 'default' ? { useAuthWithCustomEndpoint: true } : {}),
      // One retry policy for every backend: the port's wrapper. The library's own would multiply it
      // (it waits up to 600 s by default).
      retryOptions: { autoRetry: false },
    };
    clients.set(key, (storage = new Storage(options)));
  }
  return storage;
}

/** Google Cloud Storage natively: `gs://bucket/path`. (The spec's `s3a://` form with HMAC keys is the S3 backend.) */
export const gcsBackend: StorageBackend<GcsConfig> = {
  schemes: ['gs'],
  parse: parseGcsLocation,
  open(config) {
    const secrets = config.auth.kind === 'service-account' ? [config.auth.credentials.private_key] : [];
    return new GcsObjectStore(storageFor(config).bucket(config.bucket), config, secrets);
  },
};
