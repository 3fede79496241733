import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { StorageError } from '../../../domain/errors.ts';
import { STORAGE_SECRET_PROPERTIES } from '../../../domain/secret-properties.ts';
import type { TrustGuard } from '../../../ports/trust-guard.ts';
import { guardedDispatcher } from '../../net/guarded-connect.ts';
import type { StorageBackend, StoreAccess } from '../storage-backend.ts';
import { GOOGLE_ENDPOINT, type GcsAuthClient, GcsClient } from './gcs-client.ts';
import { type GcsConfig, parseGcsLocation } from './gcs-config.ts';
import { GcsObjectStore } from './gcs-object-store.ts';

/** Clients by configuration (hashed: the key holds a private key), so tokens are fetched once per process. */
const clients = new Map<string, GcsClient>();
/** Clients whose connections pass a door's trust guard, per guard: two doors in one process never share one. */
const guardedClients = new WeakMap<TrustGuard, Map<string, GcsClient>>();

/** `gcp.gcs.endpoint` unless it names Google's own endpoint, which is no endpoint of the statement's choosing. */
function namedEndpoint(config: GcsConfig): string | undefined {
  return config.endpoint === undefined || config.endpoint.toLowerCase() === GOOGLE_ENDPOINT ? undefined : config.endpoint;
}

function clientFor(config: GcsConfig, keyFile: string | undefined, guard: TrustGuard | undefined): GcsClient {
  const endpoint = namedEndpoint(config);
  const key = createHash('sha256').update(JSON.stringify([endpoint, config.auth, keyFile])).digest('hex');
  let cache = clients;
  if (guard && endpoint) {
    cache = guardedClients.get(guard) ?? new Map();
    guardedClients.set(guard, cache);
  }
  let client = cache.get(key);
  if (!client) cache.set(key, (client = createClient(config.auth, endpoint, keyFile, endpoint ? guard : undefined)));
  return client;
}

/**
 * A custom endpoint with application default credentials gets no credentials (it is an emulator, or a
 * private endpoint that needs none), as @google-cloud/storage does unless `useAuthWithCustomEndpoint`;
 * a key given in the statement or a key file is always sent. The library builds the auth client; the
 * requests are gcs-client.ts's (see there why). For a named endpoint under a guard, every connection
 * passes it, told whether the requests carry the service's own identity: the machine's key file or its
 * default credentials, not a key the statement gave.
 */
function createClient(auth: GcsConfig['auth'], endpoint: string | undefined, keyFile: string | undefined, guard: TrustGuard | undefined): GcsClient {
  const authenticate = endpoint === undefined || auth.kind !== 'default';
  let authClient: GcsAuthClient | undefined;
  if (authenticate) {
    const options: StorageOptions = {
      ...(auth.kind === 'service-account' ? { credentials: auth.credentials, ...(auth.credentials.project_id ? { projectId: auth.credentials.project_id } : {}) } : {}),
      ...(auth.kind === 'key-file' ? { keyFilename: keyFile ?? auth.path } : {}),
    };
    authClient = new Storage(options).authClient;
  }
  const serviceCredentials = authenticate && auth.kind !== 'service-account';
  const dispatcher = guard
    ? guardedDispatcher((target) => guard.checkConnect({ ...target, what: 'gcp.gcs.endpoint', serviceCredentials }))
    : undefined;
  return new GcsClient(endpoint ?? GOOGLE_ENDPOINT, authClient, dispatcher, auth.kind === 'default');
}

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

/** Google Cloud Storage natively: `gs://bucket/path`. (The spec's `s3a://` form with HMAC keys is the S3 backend.) */
export const gcsBackend: StorageBackend<GcsConfig> = {
  schemes: ['gs'],
  secretProperties: STORAGE_SECRET_PROPERTIES.gcs,
  parse: parseGcsLocation,
  open(config, access) {
    const keyFile = config.auth.kind === 'key-file' && access ? checkedKeyFile(config.auth.path, access) : undefined;
    const secrets = config.auth.kind === 'service-account' ? [config.auth.credentials.private_key] : [];
    return new GcsObjectStore(clientFor(config, keyFile, access?.guard), config, secrets);
  },
};
