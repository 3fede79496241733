import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { IntegrityError } from '../../../lib/domain/errors.ts';
import { listAll } from '../../../lib/ports/object-io.ts';
import { failingStream, randomStream } from '../../support/streams.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';
import { runObjectStoreConformance } from './conformance.ts';

const temp = useTempDirs('file-store');

runObjectStoreConformance('file', async () => new FileObjectStore(await temp.make()));

/** Every file under a folder, relative, including temp files the store hides. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name))).sort();
}

describe('FileObjectStore on disk', () => {
  it('writes objects as plain files under the root', async () => {
    const root = await temp.make();
    await new FileObjectStore(root).put('__ss_l/__info_1', '{}');
    expect(await filesUnder(root)).toEqual(['__ss_l/__info_1']);
  });

  it('leaves no temp file after a failed put', async () => {
    const root = await temp.make();
    const store = new FileObjectStore(root);
    await expect(store.put('a/b', randomStream(100_000).stream, { sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.put('a/c', failingStream(Buffer.alloc(10)))).rejects.toThrow();
    expect(await filesUnder(root)).toEqual([]);
  });

  it('never lists a temp file of an upload in progress', async () => {
    const root = await temp.make();
    const store = new FileObjectStore(root);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const body = (async function* () {
      yield Buffer.alloc(1000, 1);
      await gate;
      yield Buffer.alloc(1000, 2);
    })();
    const put = store.put('slow/obj', Readable.from(body));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await filesUnder(root)).some((f) => f.includes('.tmp-'))).toBe(true);
    expect(await listAll(store, '')).toEqual([]);
    expect(await store.head('slow/obj')).toBeUndefined();
    release();
    expect((await put).size).toBe(2000);
    expect(await listAll(store, '')).toEqual(['slow/obj']);
  });

  it('removes folders that a delete leaves empty, but not the root', async () => {
    const root = await temp.make();
    const store = new FileObjectStore(root);
    await store.put('x/y/z/obj', '1');
    await store.put('x/keep', '2');
    await store.delete('x/y/z/obj');
    expect(await readdir(root, { recursive: true })).toEqual(['x', path.join('x', 'keep')]);
    await store.delete('x/keep');
    expect(await readdir(root)).toEqual([]);
  });

  it('survives puts racing deletes that prune the same folders', async () => {
    const store = new FileObjectStore(await temp.make());
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 ? store.put(`p/q/${i}`, `${i}`) : store.put(`p/q/${i}`, 'tmp').then(() => store.delete(`p/q/${i}`)),
      ),
    );
    expect((await listAll(store, 'p/')).length).toBe(20);
  });

  it('refuses a relative root', () => {
    expect(() => new FileObjectStore('relative/dir')).toThrow(/absolute/);
  });
});
