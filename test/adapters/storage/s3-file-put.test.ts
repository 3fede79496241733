import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFromSocket } from '../../../lib/adapters/storage/dropped-buffers.ts';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { wrapObjectStore } from '../../../lib/adapters/storage/wrap-object-store.ts';
import { IntegrityError } from '../../../lib/domain/errors.ts';
import { readBytes } from '../../../lib/ports/object-io.ts';
import { type S3Proxy, startS3Proxy } from '../../support/s3-proxy.ts';
import { freshS3Store, s3Endpoint } from '../../support/s3-test-store.ts';
import { sha256Of } from '../../support/streams.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

/**
 * A blob that fits one part, given as a file store's get (what a backup to a bucket sends), is read from its
 * file straight into a reused part buffer and sent as one PutObject: the stream itself is never read.
 */
const PART = 5 * 1024 * 1024;
const temp = useTempDirs('s3-file-put');
let proxy: S3Proxy;
beforeAll(async () => { proxy = await startS3Proxy(s3Endpoint()); });
afterAll(async () => proxy?.close());

const puts = () => proxy.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').map((r) => `${r.method} ${r.url.replace(/^.*\/blobs/, 'blobs')}`);

async function fileWith(bytes: Buffer): Promise<{ files: FileObjectStore; root: string }> {
  const root = await temp.make();
  const files = new FileObjectStore(root);
  await files.put('seg', bytes);
  return { files, root };
}

describe('PutObject of a file store\'s get', () => {
  it('reads the file itself, sends one PUT, closes the stream unread, and the bytes read back whole', async () => {
    const bytes = randomBytes(PART - 1000);
    const { files } = await fileWith(bytes);
    const s3 = freshS3Store({ endpoint: proxy.endpoint, partSize: PART });
    const body = await files.get('seg');
    proxy.requests.length = 0;
    expect(await s3.put('blobs/one', body, { sha256: sha256Of(bytes), size: bytes.length })).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
    expect(puts()).toEqual(['PUT blobs/one']);
    expect([body.readableDidRead, body.destroyed]).toEqual([false, true]);
    expect(sha256Of(await readBytes(await s3.get('blobs/one')))).toBe(sha256Of(bytes));
  });

  it('reuses its part buffer: a second, smaller file goes up whole, with none of the first one\'s bytes', async () => {
    const s3 = freshS3Store({ endpoint: proxy.endpoint, partSize: PART });
    const big = randomBytes(PART);
    const small = randomBytes(1000);
    for (const [key, bytes] of [['blobs/big', big], ['blobs/small', small]] as const) {
      const { files } = await fileWith(bytes);
      await s3.put(key, await files.get('seg'), { sha256: sha256Of(bytes), size: bytes.length });
    }
    expect((await readBytes(await s3.get('blobs/small'))).equals(small)).toBe(true);
  });

  it('fails with the sha256 mismatch, naming both hashes, and stores nothing, when the file is not what was expected', async () => {
    const bytes = randomBytes(4096);
    const { files } = await fileWith(bytes);
    const s3 = freshS3Store({ endpoint: proxy.endpoint, partSize: PART });
    const claimed = 'cd'.repeat(32);
    const body = await files.get('seg');
    const err = await s3.put('blobs/wrong', body, { sha256: claimed, size: bytes.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(new RegExp(`sha256 mismatch writing .*blobs/wrong: expected ${claimed}, actual ${sha256Of(bytes)}$`));
    expect(body.destroyed).toBe(true);
    expect(await s3.head('blobs/wrong')).toBeUndefined();
  });

  it('sends what the file holds at the put, so a file changed since its get fails the sha256 check rather than going up', async () => {
    const bytes = randomBytes(4096);
    const { files, root } = await fileWith(bytes);
    const s3 = freshS3Store({ endpoint: proxy.endpoint, partSize: PART });
    const body: Readable = await files.get('seg');
    // Objects never change in place; a file edited behind the store's back is what this guards against.
    await writeFile(path.join(root, 'seg'), Buffer.alloc(4096, 1), { flag: 'r+' });
    const err = await s3.put('blobs/changed', body, { sha256: sha256Of(bytes), size: bytes.length }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`sha256 mismatch writing .*blobs/changed: expected ${sha256Of(bytes)}, actual ${sha256Of(Buffer.alloc(4096, 1))}$`));
    expect(await s3.head('blobs/changed')).toBeUndefined();
  });
});

describe('a download\'s socket buffers', () => {
  it('are marked as such on an S3 get, through the stores\' wrappers, and a folder\'s get or a string is not', async () => {
    const bytes = randomBytes(2048);
    const { files } = await fileWith(bytes);
    const s3 = freshS3Store({ endpoint: proxy.endpoint, partSize: PART });
    await s3.put('blobs/read', bytes);
    const downloads = [await s3.get('blobs/read'), await wrapObjectStore(s3).get('blobs/read')];
    expect(downloads.map(isFromSocket)).toEqual([true, true]);
    for (const d of downloads) d.destroy();
    const local = await files.get('seg');
    expect([isFromSocket(local), isFromSocket('text')]).toEqual([false, false]);
    local.destroy();
  });
});
