import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { wrapObjectStore } from '../../../lib/adapters/storage/wrap-object-store.ts';
import { zstdCompressor } from '../../../lib/adapters/zstd/zstd-compressor.ts';
import { blobStore } from '../../../lib/repository/blob-store.ts';
import { transferItems } from '../../../lib/jobs/transfer.ts';
import { readBytes } from '../../../lib/ports/object-io.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('file-sync');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The folders fsynced from now on, in order, seen where every fsync of a folder goes: Node's fs.open of
 * a folder, whose handle's sync is recorded. `hold` makes each folder sync wait until released.
 */
function watchFolderSyncs(hold?: Promise<void>): string[] {
  const synced: string[] = [];
  const open = fsp.open.bind(fsp);
  vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
    const handle = await open(...args);
    if ((await handle.stat()).isDirectory()) {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await hold;
        synced.push(String(args[0]));
        return sync();
      };
    }
    return handle;
  });
  return synced;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FileObjectStore folder syncs', () => {
  it('makes a put\'s folder, and the entries of the folders it made, durable before the put returns', async () => {
    const root = await temp.make();
    const store = new FileObjectStore(root);
    const synced = watchFolderSyncs();
    await store.put('a/b/one', 'x');
    expect(synced.sort()).toEqual([root, path.join(root, 'a'), path.join(root, 'a', 'b')].sort());
    synced.length = 0;
    await store.put('a/b/two', 'y');
    expect(synced).toEqual([path.join(root, 'a', 'b')]);
  });

  it('syncs no folder for a syncLater put until sync, which then syncs each folder once', async () => {
    const root = await temp.make();
    const store = new FileObjectStore(root);
    const synced = watchFolderSyncs();
    await Promise.all(['c/1', 'c/2', 'd/3'].map((key) => store.put(key, key, { syncLater: true })));
    // Whole under its name already: only its durability waits.
    expect((await readBytes(await store.get('c/2'))).toString()).toBe('c/2');
    expect(synced).toEqual([]);
    await store.sync();
    expect(synced.sort()).toEqual([root, path.join(root, 'c'), path.join(root, 'd')].sort());
    synced.length = 0;
    await store.sync();
    expect(synced).toEqual([]);
  });

  it('returns from sync only once the folders a concurrent sync took are durable too', async () => {
    const store = new FileObjectStore(await temp.make());
    await store.put('e/seed', 'x');
    let release!: () => void;
    const synced = watchFolderSyncs(new Promise((r) => { release = r; }));
    await store.put('e/1', 'x', { syncLater: true });
    let firstDone = false;
    let secondDone = false;
    const first = store.sync().then(() => { firstDone = true; });
    // Finds nothing left to sync, but its caller's put may be among those the first took.
    const second = store.sync().then(() => { secondDone = true; });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect([firstDone, secondDone, synced]).toEqual([false, false, []]);
    release();
    await Promise.all([first, second]);
    expect(synced).toHaveLength(1);
  });

  it('forwards sync through the stores\' wrappers and the blob store, whose compressed puts defer too', async () => {
    const root = await temp.make();
    const files = new FileObjectStore(root);
    const blobs = blobStore(wrapObjectStore(files), zstdCompressor(), 'zstd');
    const synced = watchFolderSyncs();
    const body = Buffer.alloc(4096, 7);
    const key = `__blobs/ab/${sha(body)}`;
    await blobs.put(key, body, { sha256: sha(body), size: body.length, syncLater: true });
    expect(synced).toEqual([]);
    await blobs.sync!();
    expect(synced).toContain(path.join(root, '__blobs', 'ab'));
  });
});

describe('transferItems and durability', () => {
  const copy = async (count: number, missing?: number) => {
    const src = new FileObjectStore(await temp.make());
    const root = await temp.make();
    const dst = new FileObjectStore(root);
    const items = [];
    for (let i = 0; i < count; i++) {
      const body = randomBytes(64);
      if (i !== missing) await src.put(`s${i}`, body);
      items.push({ from: `s${i}`, to: `out/f${i}`, sha256: sha(body), size: body.length });
    }
    const synced = watchFolderSyncs();
    const outcome = await transferItems(src, dst, items, { beforeEach: async () => undefined }, 2).catch((e: Error) => e);
    return { outcome, synced, root };
  };

  it('makes what it copied durable before it returns, each target folder once', async () => {
    const { outcome, synced, root } = await copy(6);
    expect(outcome).toBe(6);
    expect(synced.sort()).toEqual([root, path.join(root, 'out')]);
  });

  it('makes what landed durable before it throws', async () => {
    const { outcome, synced, root } = await copy(3, 2);
    expect((outcome as Error).name).toBe('NotFoundError');
    expect(synced).toContain(path.join(root, 'out'));
  });
});
