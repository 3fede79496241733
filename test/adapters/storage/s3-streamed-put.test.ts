import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, StorageError } from '../../../lib/domain/errors.ts';
import { readBytes } from '../../../lib/ports/object-io.ts';
import { Deny, type S3Proxy, startS3Proxy } from '../../support/s3-proxy.ts';
import { freshS3Store, s3Endpoint } from '../../support/s3-test-store.ts';
import { randomStream, sha256Of } from '../../support/streams.ts';

/**
 * A blob larger than a part whose size and sha256 are known goes up as one streamed PutObject signed with
 * that sha256 (no multipart upload, no part buffers). Its last bytes are held back until they are checked,
 * so wrong bytes or a wrong size never complete the request: nothing is stored under the key.
 */
const PART = 5 * 1024 * 1024;
const SIZE = PART + 300_000;
let proxy: S3Proxy;
beforeAll(async () => { proxy = await startS3Proxy(s3Endpoint()); });
afterAll(async () => proxy?.close());

const store = () => freshS3Store({ endpoint: proxy.endpoint, partSize: PART });
const objectPuts = () => proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'POST');

describe('streamed PutObject of a known blob', () => {
  it('sends one PUT, no multipart upload, and the bytes read back whole', async () => {
    const s = store();
    const { stream, bytes, sha256 } = randomStream(SIZE);
    proxy.requests.length = 0;
    expect(await s.put('blobs/one', stream, { sha256, size: SIZE })).toEqual({ sha256, size: SIZE });
    expect(objectPuts().map((r) => `${r.method} ${r.url.replace(/^.*\/blobs/, 'blobs')}`)).toEqual(['PUT blobs/one']);
    expect(sha256Of(await readBytes(await s.get('blobs/one')))).toBe(sha256);
    expect(bytes.length).toBe(SIZE);
  });

  it('wrong bytes fail with the sha256 mismatch, naming both hashes, and store nothing', async () => {
    const s = store();
    const { stream, sha256 } = randomStream(SIZE);
    const claimed = 'ab'.repeat(32);
    const err = await s.put('blobs/wrong', stream, { sha256: claimed, size: SIZE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(new RegExp(`sha256 mismatch writing .*blobs/wrong: expected ${claimed}, actual ${sha256}`));
    expect(await s.head('blobs/wrong')).toBeUndefined();
  });

  it('a body longer or shorter than its declared size fails with a size mismatch and stores nothing', async () => {
    const s = store();
    const longer = randomStream(SIZE + 10);
    const errLong = await s.put('blobs/long', longer.stream, { sha256: longer.sha256, size: SIZE }).catch((e: unknown) => e);
    expect(errLong).toBeInstanceOf(IntegrityError);
    expect((errLong as Error).message).toMatch(new RegExp(`size mismatch writing .*blobs/long: expected ${SIZE} bytes, got \\d+ or more`));
    const shorter = randomStream(SIZE - 10);
    const errShort = await s.put('blobs/short', shorter.stream, { sha256: shorter.sha256, size: SIZE }).catch((e: unknown) => e);
    expect((errShort as Error).message).toMatch(new RegExp(`size mismatch writing .*blobs/short: expected ${SIZE} bytes, got ${SIZE - 10}$`));
    expect(await s.head('blobs/long')).toBeUndefined();
    expect(await s.head('blobs/short')).toBeUndefined();
  });

  it('a refused PUT is reported as S3 answered it, as the SDK path maps it', async () => {
    const s = store();
    const { stream, sha256 } = randomStream(SIZE);
    proxy.deny.add(Deny.WRITES);
    try {
      const err = await s.put('blobs/denied', stream, { sha256, size: SIZE }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).retryable).toBe(false);
      expect((err as Error).message).toMatch(/Access denied by .*lack permission to write .*blobs\/denied: AccessDenied \(HTTP 403, request DENIED0000000000\): Access Denied/);
    } finally {
      proxy.deny.delete(Deny.WRITES);
    }
  });

  it('a source that fails mid-body is reported as its own error and stores nothing', async () => {
    const s = store();
    const failing = Readable.from((async function* () {
      yield Buffer.alloc(PART + 1);
      throw new Error('source went away');
    })());
    await expect(s.put('blobs/broken', failing, { sha256: 'cd'.repeat(32), size: SIZE })).rejects.toThrow('source went away');
    expect(await s.head('blobs/broken')).toBeUndefined();
  });
});
