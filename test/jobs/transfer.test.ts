import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { FileObjectStore } from '../../lib/adapters/storage/file/file-object-store.ts';
import { MemoryObjectStore } from '../../lib/adapters/storage/memory/memory-object-store.ts';
import { withRetries } from '../../lib/adapters/storage/retrying-object-store.ts';
import { wrapObjectStore } from '../../lib/adapters/storage/wrap-object-store.ts';
import { zstdCompressor } from '../../lib/adapters/zstd/zstd-compressor.ts';
import { blobStore } from '../../lib/repository/blob-store.ts';
import { StorageError } from '../../lib/domain/errors.ts';
import { readBytes } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { COPIES, LOCAL_COPIES, failedItem, transferItems } from '../../lib/jobs/transfer.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const temp = useTempDirs('transfer');

/** A store whose put of `key` waits until released, to hold a write in flight while another item fails. */
function holdingPut(store: ObjectStore, key: string): { store: ObjectStore; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const startedP = new Promise<void>((r) => { started = r; });
  const wrapped: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
    put: async (k: string, body: Parameters<ObjectStore['put']>[1], options?: Parameters<ObjectStore['put']>[2]) => {
      if (k === key) {
        started();
        await gate;
      }
      return store.put(k, body, options);
    },
  });
  return { store: wrapped, release, started: startedP };
}

describe('transferItems', () => {
  it('fails only once the items in flight have landed, and takes no new item after a failure', async () => {
    const src = new MemoryObjectStore();
    const dst = new MemoryObjectStore();
    const held = randomBytes(100);
    await src.put('held', held);
    const later = randomBytes(10);
    await src.put('later', later);
    const holding = holdingPut(dst, 'held-copy');
    const items = [
      { from: 'held', to: 'held-copy', sha256: sha(held), size: held.length },
      { from: 'missing', to: 'missing-copy', sha256: sha(Buffer.alloc(0)), size: 0 },
      { from: 'later', to: 'later-copy', sha256: sha(later), size: later.length },
    ];
    let settled = false;
    const run = transferItems(src, holding.store, items, { beforeEach: async () => undefined, progress: async () => undefined }, 2)
      .finally(() => { settled = true; });
    await holding.started;
    // The missing item has failed by now; the call must still be waiting for the held write.
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    holding.release();
    const err = await run.catch((e: unknown) => e);
    expect(failedItem(err)?.from).toBe('missing');
    expect(await dst.head('held-copy')).toEqual({ key: 'held-copy', size: 100 });
    expect(await dst.head('later-copy')).toBeUndefined();
  });

  it('takes no new item once takeMore says no, finishes those taken, and says how many, in order', async () => {
    const src = new MemoryObjectStore();
    const dst = new MemoryObjectStore();
    const items = [];
    for (let i = 0; i < 10; i++) {
      const body = randomBytes(8);
      await src.put(`f${i}`, body);
      items.push({ from: `f${i}`, to: `t${i}`, sha256: sha(body), size: body.length });
    }
    const asked: number[] = [];
    const taken = await transferItems(src, dst, items, { beforeEach: async () => undefined, takeMore: (n) => (asked.push(n), n < 6) }, 4);
    expect(taken).toBe(6);
    expect(Math.max(...asked)).toBe(6);
    for (const [i, item] of items.entries()) expect(await dst.head(item.to), item.to).toEqual(i < 6 ? { key: item.to, size: 8 } : undefined);
    // The next run starts where this one stopped.
    expect(await transferItems(src, dst, items.slice(taken), { beforeEach: async () => undefined })).toBe(4);
  });

  it('sends an item whose upload failed mid-stream again, from a new read of its source, and it lands whole', async () => {
    const src = new MemoryObjectStore();
    const blob = randomBytes(300_000);
    await src.put('seg', blob);
    const reads: Readable[] = [];
    const source: ObjectStore = Object.assign(Object.create(src) as ObjectStore, {
      get: async (key: string) => {
        const stream = await src.get(key);
        reads.push(stream);
        return stream;
      },
    });
    // A real file store whose first write takes half the body and then fails as a dropped connection does.
    const files = new FileObjectStore(await temp.make());
    let puts = 0;
    const target: ObjectStore = Object.assign(Object.create(files) as ObjectStore, {
      put: async (key: string, body: Parameters<ObjectStore['put']>[1], options?: Parameters<ObjectStore['put']>[2]) => {
        if (++puts > 1) return files.put(key, body, options);
        for await (const chunk of body as Readable) if ((chunk as Buffer).length) break;
        throw new StorageError('connection reset by peer', true);
      },
    });
    const dst = withRetries(target, { attempts: 3, baseDelayMs: 1, sleep: async () => undefined });
    const item = { from: 'seg', to: '__blobs/ab/seg', sha256: sha(blob), size: blob.length };
    expect(await transferItems(source, dst, [item], { beforeEach: async () => undefined })).toBe(1);
    expect(puts).toBe(2);
    expect(reads).toHaveLength(2);
    expect(reads.every((r) => r.destroyed)).toBe(true);
    expect(sha(await readBytes(await files.get(item.to)))).toBe(item.sha256);
  });

  it('keeps 8 copies in flight between two local stores, through the stores\' wrappers, and 4 otherwise', async () => {
    const files = new FileObjectStore(await temp.make());
    const items = Array.from({ length: 20 }, (_, i) => ({ from: `s${i}`, to: `d${i}`, sha256: sha(Buffer.from(`${i}`)), size: String(i).length }));
    for (const item of items) await files.put(item.from, item.to.slice(1));
    /** The most puts `dst` had running at once. */
    const peak = async (src: ObjectStore, dst: ObjectStore) => {
      let running = 0;
      let most = 0;
      const counting: ObjectStore = Object.assign(Object.create(dst) as ObjectStore, {
        put: async (...args: Parameters<ObjectStore['put']>) => {
          most = Math.max(most, ++running);
          // Every copy waits a turn of the event loop, so all the call's workers get one going.
          await new Promise((r) => setImmediate(r));
          try {
            return await dst.put(...args);
          } finally {
            running--;
          }
        },
      });
      expect(await transferItems(src, counting, items, { beforeEach: async () => undefined })).toBe(items.length);
      for (const item of items) await dst.delete(item.to);
      return most;
    };
    // As a restore sees them: the repository read only, through the blob store; the cluster's store.
    const repository = blobStore(wrapObjectStore(files, { readOnly: true }), zstdCompressor());
    expect([repository.local, wrapObjectStore(files).local]).toEqual([true, true]);
    expect(await peak(repository, wrapObjectStore(files))).toBe(LOCAL_COPIES);
    expect(LOCAL_COPIES).toBe(8);
    const memory = new MemoryObjectStore();
    for (const item of items) await memory.put(item.from, item.to.slice(1));
    expect(await peak(memory, files)).toBe(COPIES);
    expect(await peak(files, memory)).toBe(COPIES);
    expect(COPIES).toBe(4);
  });
});
