import { createHash } from 'node:crypto';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { ObjectStore } from '../../../ports/object-store.ts';
import type { TrustGuard } from '../../../ports/trust-guard.ts';
import { guardedDispatcher } from '../../net/guarded-dispatcher.ts';
import { GOOGLE_ENDPOINT, type GcsAuthClient, GcsClient } from './gcs-client.ts';
import type { GcsConfig } from './gcs-config.ts';
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
 * The GCS store with its client, loaded by gcs-backend.ts on first use (@google-cloud/storage is slow to
 * load); `keyFile` is the key file's checked real path.
 */
export function openGcs(config: GcsConfig, keyFile: string | undefined, guard: TrustGuard | undefined): ObjectStore {
  const secrets = config.auth.kind === 'service-account' ? [config.auth.credentials.private_key] : [];
  return new GcsObjectStore(clientFor(config, keyFile, guard), config, secrets);
}
