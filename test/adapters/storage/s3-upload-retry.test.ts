import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapObjectStore } from '../../../lib/adapters/storage/wrap-object-store.ts';
import { StorageError } from '../../../lib/domain/errors.ts';
import { readBytes } from '../../../lib/ports/object-io.ts';
import type { ReplayableBody } from '../../../lib/ports/object-store.ts';
import { type S3Proxy, startS3Proxy } from '../../support/s3-proxy.ts';
import { freshS3Store, s3Endpoint } from '../../support/s3-test-store.ts';
import { randomStream, sha256Of } from '../../support/streams.ts';

/**
 * An upload cut off mid-body (the proxy drops the connection after the first bytes) more often than the S3
 * store tries a request on its own (a direct request, then the SDK's 3 tries): the store's retry policy
 * sends a replayable body again, opened afresh, and it lands whole under its sha256; a one-shot stream is
 * not sent again.
 */
let proxy: S3Proxy;
beforeAll(async () => { proxy = await startS3Proxy(s3Endpoint()); });
afterAll(async () => proxy?.close());

const SDK_TRIES = 3;
/** A PutObject or UploadPart goes out once as a direct request (s3-direct-requests.ts), then through the SDK's tries. */
const REQUEST_TRIES = 1 + SDK_TRIES;
const writes = () => proxy.requests.filter((r) => r.method === 'PUT').length;

/** A replayable body of random bytes that records how often it was opened and whether each stream was closed. */
function replayable(size: number) {
  const { bytes, sha256 } = randomStream(size);
  const opened: Readable[] = [];
  const body: ReplayableBody = {
    open: async () => {
      const stream = randomStreamOf(bytes);
      opened.push(stream);
      return stream;
    },
  };
  return { body, bytes, sha256, opened };
}

function randomStreamOf(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += 64 * 1024) chunks.push(bytes.subarray(off, off + 64 * 1024));
  return Readable.from(chunks);
}

describe('S3 uploads whose connection drops mid-body', () => {
  it('a replayable body is sent again, whole, and checked against its sha256 again', async () => {
    const store = wrapObjectStore(freshS3Store({ endpoint: proxy.endpoint }));
    const { body, bytes, sha256, opened } = replayable(300_000);
    proxy.requests.length = 0;
    proxy.cutWrites = REQUEST_TRIES;
    expect(await store.put('blobs/b1', body, { sha256, size: bytes.length })).toEqual({ sha256, size: bytes.length });
    expect(writes()).toBe(REQUEST_TRIES + 1);
    expect(opened).toHaveLength(2);
    expect(opened.every((s) => s.destroyed)).toBe(true);
    const back = await readBytes(await store.get('blobs/b1'));
    expect(back.length).toBe(bytes.length);
    expect(sha256Of(back)).toBe(sha256);
  });

  it('a multipart upload whose part is cut off is sent again as well', async () => {
    const store = wrapObjectStore(freshS3Store({ endpoint: proxy.endpoint, partSize: 5 * 1024 * 1024 }));
    const { body, bytes, sha256, opened } = replayable(5 * 1024 * 1024 + 4096);
    proxy.requests.length = 0;
    proxy.cutWrites = REQUEST_TRIES;
    proxy.cutOnly = /partNumber=2(&|$)/;
    try {
      // No size: a body of unknown length larger than a part goes up in parts.
      expect(await store.put('blobs/big', body, { sha256 })).toEqual({ sha256, size: bytes.length });
    } finally {
      delete proxy.cutOnly;
    }
    expect(opened).toHaveLength(2);
    // Two multipart uploads: the first, whose second part never arrived, was aborted.
    expect(proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('uploads')).length).toBe(2);
    expect(sha256Of(await readBytes(await store.get('blobs/big')))).toBe(sha256);
  });

  it('a streamed PutObject of a known blob that is cut off is sent again, whole, by the store', async () => {
    const store = wrapObjectStore(freshS3Store({ endpoint: proxy.endpoint, partSize: 5 * 1024 * 1024 }));
    const { body, bytes, sha256, opened } = replayable(5 * 1024 * 1024 + 4096);
    proxy.requests.length = 0;
    // A streamed PutObject is one request an attempt, without the SDK's own tries.
    proxy.cutWrites = 2;
    expect(await store.put('blobs/streamed', body, { sha256, size: bytes.length })).toEqual({ sha256, size: bytes.length });
    expect(writes()).toBe(3);
    expect(opened).toHaveLength(3);
    expect(proxy.requests.some((r) => r.method === 'POST')).toBe(false);
    expect(sha256Of(await readBytes(await store.get('blobs/streamed')))).toBe(sha256);
  });

  it('a one-shot stream is not sent again: the put fails with the retryable error, leaving nothing', async () => {
    const store = wrapObjectStore(freshS3Store({ endpoint: proxy.endpoint }));
    const { stream, sha256 } = randomStream(300_000);
    proxy.requests.length = 0;
    proxy.cutWrites = REQUEST_TRIES;
    const err = await store.put('blobs/once', stream, { sha256 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(true);
    expect(writes()).toBe(REQUEST_TRIES);
    proxy.cutWrites = 0;
    expect(await store.head('blobs/once')).toBeUndefined();
  });
});
