import { type AddressInfo, connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, StorageError } from '../../../lib/domain/errors.ts';
import { listAll, readBytes } from '../../../lib/ports/object-io.ts';
import { freshS3Store, s3Endpoint } from '../../support/s3-test-store.ts';
import { randomStream, sha256Of } from '../../support/streams.ts';
import { runObjectStoreConformance } from './conformance.ts';

runObjectStoreConformance('s3 (s3rver)', () => freshS3Store());

/** Parts of the minimum size S3 allows, so a few MiB exercise multipart uploads. */
const SMALL_PARTS = { partSize: 5 * 1024 * 1024, queueSize: 2 };

describe('S3ObjectStore on s3rver', () => {
  it('uploads a stream larger than a part as a multipart upload and reads it back by ranges', async () => {
    const store = freshS3Store(SMALL_PARTS);
    const { stream, bytes, sha256 } = randomStream(12 * 1024 * 1024 + 7);
    expect(await store.put('big', stream, { sha256 })).toEqual({ sha256, size: bytes.length });
    expect(sha256Of(await readBytes(await store.get('big')))).toBe(sha256);
    const middle = await readBytes(await store.get('big', { start: 5 * 1024 * 1024 - 3, end: 5 * 1024 * 1024 + 3 }));
    expect(middle.equals(bytes.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 4))).toBe(true);
  });

  it('never completes a multipart upload whose sha256 does not match', async () => {
    const store = freshS3Store(SMALL_PARTS);
    await store.put('big', 'old');
    const { stream } = randomStream(11 * 1024 * 1024);
    await expect(store.put('big', stream, { sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(IntegrityError);
    expect(await listAll(store, '')).toEqual(['big']);
    expect((await readBytes(await store.get('big'))).toString()).toBe('old');
  });

  it('sends a stream of known size that fits in a part in one PutObject, checked before it is sent', async () => {
    const store = freshS3Store(SMALL_PARTS);
    const { stream, bytes, sha256 } = randomStream(3 * 1024 * 1024 + 5);
    expect(await store.put('one', stream, { sha256, size: bytes.length })).toEqual({ sha256, size: bytes.length });
    expect(sha256Of(await readBytes(await store.get('one')))).toBe(sha256);
    await store.put('kept', 'old');
    const wrong = randomStream(1000);
    await expect(store.put('kept', wrong.stream, { sha256: '0'.repeat(64), size: 1000 })).rejects.toBeInstanceOf(IntegrityError);
    expect((await readBytes(await store.get('kept'))).toString()).toBe('old');
    // A stream longer than the size it was announced with goes on as a multipart upload, whole.
    const long = randomStream(7 * 1024 * 1024 + 3);
    expect(await store.put('long', long.stream, { sha256: long.sha256, size: 1000 })).toEqual({ sha256: long.sha256, size: long.bytes.length });
    expect(sha256Of(await readBytes(await store.get('long')))).toBe(long.sha256);
  });

  it('tells a missing key from a missing bucket, and a range past the end from either', async () => {
    // HEAD, GET and single puts go out as direct requests (s3-direct-requests.ts); their answers keep the SDK's meaning.
    const store = freshS3Store();
    await store.put('k', 'value');
    expect(await store.head('k')).toEqual({ key: 'k', size: 5 });
    expect(await store.head('missing')).toBeUndefined();
    await expect(store.get('missing')).rejects.toBeInstanceOf(NotFoundError);
    expect((await readBytes(await store.get('k', { start: 9 }))).length).toBe(0);
    expect((await readBytes(await store.get('k', { start: 1, end: 2 }))).toString()).toBe('al');
    const noBucket = freshS3Store({ bucket: 'no-such-bucket' });
    const err = await noBucket.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain("Bucket 'no-such-bucket' does not exist");
    await expect(noBucket.put('k', 'v')).rejects.toThrow("Bucket 'no-such-bucket' does not exist");
  });

  it('reports a connection dropped mid-read as a retryable StorageError', async () => {
    // An endpoint that starts an object's body and then drops the connection.
    const server = createServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\ncontent-type: application/octet-stream\r\n\r\n');
        socket.write(Buffer.alloc(1000), () => socket.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const store = freshS3Store({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const err = await readBytes(await store.get('k')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).retryable).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reuses its connections: forty requests in a row open one', async () => {
    // A TCP proxy in front of s3rver counts the connections the client opens.
    const target = new URL(s3Endpoint());
    let connections = 0;
    const proxy = createServer((client) => {
      connections++;
      const upstream = connect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const store = freshS3Store({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
      for (let i = 0; i < 20; i++) {
        await store.put(`k${i}`, `value ${i}`);
        expect((await readBytes(await store.get(`k${i}`))).toString()).toBe(`value ${i}`);
      }
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('pages through listings with continuation tokens', async () => {
    const store = freshS3Store({ listPageSize: 2 });
    const keys = ['a/1', 'a/2', 'a/3', 'b/1', 'b/2'];
    for (const key of keys) await store.put(key, key);
    expect(await listAll(store, '')).toEqual(keys);
    expect(await listAll(store, 'a/')).toEqual(['a/1', 'a/2', 'a/3']);
  });
});
