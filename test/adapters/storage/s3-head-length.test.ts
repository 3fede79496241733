import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../lib/domain/errors.ts';
import { type S3Proxy, startS3Proxy } from '../../support/s3-proxy.ts';
import { freshS3Store, s3Endpoint } from '../../support/s3-test-store.ts';

/**
 * A HEAD answered without a Content-Length tells nothing about the object's size: taken as 0 it would make
 * a blob look empty. Neither the direct request nor the SDK path may guess; the store says what came back.
 */
let proxy: S3Proxy;
beforeAll(async () => { proxy = await startS3Proxy(s3Endpoint()); });
afterAll(async () => proxy?.close());

describe('S3 HEAD without Content-Length', () => {
  it('fails with a StorageError naming the key instead of answering size 0', async () => {
    const store = freshS3Store({ endpoint: proxy.endpoint });
    await store.put('blobs/sized', Buffer.from('twelve bytes'));
    expect(await store.head('blobs/sized')).toMatchObject({ size: 12 });
    proxy.stripHeadLength = true;
    try {
      const err = await store.head('blobs/sized').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toMatch(/answered HEAD of .*blobs\/sized without a Content-Length/);
      // A missing key is still just missing.
      expect(await store.head('blobs/absent')).toBeUndefined();
    } finally {
      proxy.stripHeadLength = false;
    }
  });
});
