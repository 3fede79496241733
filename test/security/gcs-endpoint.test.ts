import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEndpointRules } from '../../lib/access/endpoint-rules.ts';
import { Door, trustGuard } from '../../lib/access/trust-policy.ts';
import { gcsBackend } from '../../lib/adapters/storage/gcs/gcs-backend.ts';
import { openObjectStore } from '../../lib/adapters/storage/registry.ts';
import { AccessDeniedError } from '../../lib/domain/errors.ts';
import { listAll, readBytes } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { LocationUse, type TrustGuard } from '../../lib/ports/trust-guard.ts';
import { type GcsTestServer, startGcsServer } from '../support/gcs-server.ts';
import { randomStream, sha256Of } from '../support/streams.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * `gcp.gcs.endpoint` is a host the statement chose: for `starbackup serve` (and the cloud) every
 * connection the GCS store makes to it passes the door's trust guard when it connects, after DNS, so a
 * loopback, link-local or private address is refused unless allowed_endpoints names it, and the
 * service's own credentials (a key file of the machine) never go to it unless it is allowed. The store
 * runs against the real GCS test server on 127.0.0.1, which counts the connections it accepts.
 */
const temp = useTempDirs('gcs-endpoint');
let server: GcsTestServer;
let port: number;

beforeAll(async () => {
  server = await startGcsServer({ buckets: ['bucket_gcs'] });
  port = Number(new URL(server.endpoint).port);
});
afterAll(async () => server?.close());

const serveGuard = (allowedEndpoints: string[] = [], allowedFilePaths?: string[]): TrustGuard =>
  trustGuard({
    door: Door.SERVER,
    ...(allowedFilePaths ? { allowedFilePaths } : {}),
    deniedFilePaths: [],
    allowedEndpoints: parseEndpointRules(allowedEndpoints, 'x.conf'),
    settings: 'x.conf',
  });

const location = () => `gs://bucket_gcs/t-${randomBytes(6).toString('hex')}`;

function open(guard: TrustGuard, endpoint = server.endpoint, props: Record<string, string> = {}): ObjectStore {
  return openObjectStore(location(), { 'gcp.gcs.endpoint': endpoint, ...props }, { guard });
}

/** Every kind of request the store makes, each expected to fail the same way. */
async function everyOperation(store: ObjectStore): Promise<unknown[]> {
  const settle = (p: Promise<unknown>) => p.then(() => new Error('succeeded'), (err: unknown) => err);
  return [
    await settle(store.put('small', 'bytes')),
    await settle(store.put('streamed', randomStream(300 * 1024).stream)),
    await settle(store.get('small')),
    await settle(store.get('small', { start: 1, end: 2 })),
    await settle(store.head('small')),
    await settle(listAll(store, '')),
    await settle(store.delete('small')),
  ];
}

/** Writes, reads, lists and deletes, including a resumable upload of several chunks. */
async function roundTrip(store: ObjectStore, chunked: ObjectStore): Promise<void> {
  expect(await store.put('a/small', 'small body')).toEqual({ sha256: sha256Of('small body'), size: 10 });
  const { stream, bytes, sha256 } = randomStream(1024 * 1024 + 5);
  expect(await chunked.put('a/big', stream, { sha256 })).toEqual({ sha256, size: bytes.length });
  expect((await readBytes(await store.get('a/small'))).toString()).toBe('small body');
  expect(sha256Of(await readBytes(await chunked.get('a/big')))).toBe(sha256);
  expect((await readBytes(await chunked.get('a/big', { start: 10, end: 19 }))).equals(bytes.subarray(10, 20))).toBe(true);
  expect(await store.head('a/small')).toEqual({ key: 'a/small', size: 10 });
  expect(await listAll(store, 'a/')).toEqual(['a/big', 'a/small']);
  await store.delete('a/small');
  await chunked.delete('a/big');
  expect(await listAll(store, '')).toEqual([]);
}

/** A store of the same location with 256 KiB chunks (the least GCS allows): a MiB is a session of five. */
function chunkedTwin(guard: TrustGuard, endpoint: string, sharedPrefixOf: ObjectStore, props: Record<string, string> = {}): ObjectStore {
  const config = gcsBackend.parse(sharedPrefixOf.description, { 'gcp.gcs.endpoint': endpoint, ...props });
  return gcsBackend.open({ ...config, chunkSize: 256 * 1024, singleRequestLimit: 0 }, { guard, use: LocationUse.REPOSITORY });
}

describe('gcp.gcs.endpoint from starbackup serve', () => {
  it('refuses a loopback address before any connection, for every kind of request', async () => {
    const before = server.connections();
    const errors = await everyOperation(open(serveGuard()));
    for (const err of errors) {
      expect(err).toBeInstanceOf(AccessDeniedError);
      expect((err as Error).message).toBe(
        `Refused to connect to gcp.gcs.endpoint 127.0.0.1:${port}: loopback addresses are not reachable from starbackup serve unless allowed_endpoints in x.conf names them`,
      );
    }
    expect(server.connections()).toBe(before);
  });

  it('refuses a name that resolves to loopback, checked after DNS', async () => {
    const before = server.connections();
    const errors = await everyOperation(open(serveGuard(), `http://localhost:${port}`));
    for (const err of errors) {
      expect(err).toBeInstanceOf(AccessDeniedError);
      expect((err as Error).message).toMatch(
        new RegExp(`^Refused to connect to gcp\\.gcs\\.endpoint localhost:${port} \\(it resolves to (127\\.0\\.0\\.1|::1)\\): loopback addresses are not reachable from starbackup serve unless allowed_endpoints in x\\.conf names them$`),
      );
    }
    expect(server.connections()).toBe(before);
  });

  it('works with the endpoint in allowed_endpoints, resumable uploads included', async () => {
    const guard = serveGuard([`127.0.0.1:${port}`]);
    const before = server.connections();
    const store = open(guard);
    await roundTrip(store, chunkedTwin(guard, server.endpoint, store));
    expect(server.connections()).toBeGreaterThan(before);
  });

  it('allows only the port allowed_endpoints names', async () => {
    const before = server.connections();
    const [put] = await everyOperation(open(serveGuard([`127.0.0.1:${port === 65535 ? 1 : port + 1}`])));
    expect((put as Error).message).toContain(`Refused to connect to gcp.gcs.endpoint 127.0.0.1:${port}`);
    expect(server.connections()).toBe(before);
  });
});

describe('gcp.gcs.endpoint from the embedded CLI', () => {
  it('reaches any host its owner can, without allowed_endpoints', async () => {
    const guard = trustGuard({ door: Door.OWNER, deniedFilePaths: [], allowedEndpoints: [], settings: 'x.conf' });
    const before = server.connections();
    const store = open(guard);
    await roundTrip(store, chunkedTwin(guard, server.endpoint, store));
    expect(server.connections()).toBeGreaterThan(before);
  });
});

describe('gcp.gcs.key_file', () => {
  let allowed: string;
  let outside: string;
  let key: string;

  beforeAll(async () => {
    allowed = realpathSync(await temp.make());
    outside = realpathSync(await temp.make());
    // A real service account key, whose universe makes the auth library sign its own token (a
    // self-signed JWT) instead of asking oauth2.googleapis.com: the test stays on this machine.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = JSON.stringify({
      type: 'service_account', project_id: 'p', private_key_id: 'k1', client_id: '1', client_email: 'sa@p.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), universe_domain: 'example.test',
    });
    writeFileSync(join(allowed, 'key.json'), key);
    writeFileSync(join(outside, 'key.json'), key);
    mkdirSync(join(allowed, 'sub'));
    symlinkSync(join(outside, 'key.json'), join(allowed, 'sub', 'link.json'));
  });

  const refusal = (path: string) => `A repository may not reach ${path}: the allowed folders are ${allowed}; add its folder to allowed_file_paths in x.conf`;

  function openWithKey(guard: TrustGuard, path: string): () => ObjectStore {
    return () => openObjectStore(location(), { 'gcp.gcs.key_file': path }, { guard });
  }

  it('refuses a key file outside allowed_file_paths when the store is opened', () => {
    const guard = serveGuard([], [allowed]);
    expect(openWithKey(guard, join(outside, 'key.json'))).toThrow(new AccessDeniedError(refusal(join(outside, 'key.json'))));
    expect(openWithKey(guard, join(outside, 'key.json'))).toThrow(AccessDeniedError);
  });

  it('checks the real path: a symlink in an allowed folder to a key outside is refused', () => {
    expect(openWithKey(serveGuard([], [allowed]), join(allowed, 'sub', 'link.json'))).toThrow(refusal(join(outside, 'key.json')));
  });

  it('refuses a missing key file outside the allowed folders the same way', () => {
    expect(openWithKey(serveGuard([], [allowed]), join(outside, 'missing.json'))).toThrow(refusal(join(outside, 'missing.json')));
  });

  it('refuses a key file anywhere when serve allows no folder', () => {
    expect(openWithKey(serveGuard([], []), join(allowed, 'key.json'))).toThrow(
      `A repository may not reach ${join(allowed, 'key.json')}: starbackup serve allows no local folder; add its folder to allowed_file_paths in x.conf`,
    );
  });

  it('never sends the service key to a named endpoint that is not allowed, whatever its address', async () => {
    const before = server.connections();
    const store = openObjectStore(location(), { 'gcp.gcs.key_file': join(allowed, 'key.json'), 'gcp.gcs.endpoint': server.endpoint }, { guard: serveGuard([], [allowed]) });
    await expect(store.put('k', 'v')).rejects.toThrow(
      `Refused to send the service's own credentials to gcp.gcs.endpoint 127.0.0.1:${port}, an endpoint named by the statement: give the repository its own credentials, or name the endpoint in allowed_endpoints in x.conf`,
    );
    expect(server.connections()).toBe(before);
  });

  it('uses a key file in an allowed folder with an allowed endpoint', async () => {
    const guard = serveGuard([`127.0.0.1:${port}`], [allowed]);
    const props = { 'gcp.gcs.key_file': join(allowed, 'key.json') };
    const store = open(guard, server.endpoint, props);
    await roundTrip(store, chunkedTwin(guard, server.endpoint, store, props));
  });
});
