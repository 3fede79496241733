import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFromSocket } from '../../../lib/adapters/storage/dropped-buffers.ts';
import { gcsBackend } from '../../../lib/adapters/storage/gcs/gcs-backend.ts';
import type { GcsConfig } from '../../../lib/adapters/storage/gcs/gcs-config.ts';
import { IntegrityError } from '../../../lib/domain/errors.ts';
import { listAll, readBytes } from '../../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../../lib/ports/object-store.ts';
import { type GcsTestServer, startGcsServer } from '../../support/gcs-server.ts';
import { randomStream, sha256Of } from '../../support/streams.ts';
import { runObjectStoreConformance } from './conformance.ts';

let server: GcsTestServer;
beforeAll(async () => {
  server = await startGcsServer({ buckets: ['conformance'] });
});
afterAll(async () => server?.close());

function freshStore(tweak: Partial<GcsConfig> = {}): ObjectStore {
  const location = `gs://conformance/t-${randomBytes(6).toString('hex')}`;
  return gcsBackend.open({ ...gcsBackend.parse(location, { 'gcp.gcs.endpoint': server.endpoint }), ...tweak });
}

runObjectStoreConformance('gcs (test JSON API server)', () => freshStore());

/** 256 KiB is the smallest chunk GCS allows, so a MiB exercises a multi-chunk resumable session. */
const SMALL_CHUNKS = { chunkSize: 256 * 1024, singleRequestLimit: 0 };

describe('GcsObjectStore on the test server', () => {
  it('marks a download as socket buffers, so a folder\'s put of it frees them with young collections', async () => {
    const store = freshStore();
    await store.put('marked', 'bytes');
    const body = await store.get('marked');
    expect(isFromSocket(body)).toBe(true);
    expect((await readBytes(body)).toString()).toBe('bytes');
  });

  it('uploads a stream in resumable chunks and reads it back by ranges', async () => {
    const store = freshStore(SMALL_CHUNKS);
    const { stream, bytes, sha256 } = randomStream(1024 * 1024 + 5);
    expect(await store.put('big', stream, { sha256 })).toEqual({ sha256, size: bytes.length });
    expect(sha256Of(await readBytes(await store.get('big')))).toBe(sha256);
    expect((await readBytes(await store.get('big', { start: 300_000, end: 300_009 }))).equals(bytes.subarray(300_000, 300_010))).toBe(true);
  });

  it('never commits a resumable upload whose sha256 does not match', async () => {
    const store = freshStore(SMALL_CHUNKS);
    await store.put('big', 'old');
    const { stream } = randomStream(700 * 1024);
    await expect(store.put('big', stream, { sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(IntegrityError);
    expect(await listAll(store, '')).toEqual(['big']);
    expect((await readBytes(await store.get('big'))).toString()).toBe('old');
  });

  it('pages through listings', async () => {
    const store = freshStore({ listPageSize: 2 });
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1', 'b/2']) await store.put(key, key);
    expect(await listAll(store, '')).toEqual(['a/1', 'a/2', 'a/3', 'b/1', 'b/2']);
    expect(await listAll(store, 'a/')).toEqual(['a/1', 'a/2', 'a/3']);
  });
});
