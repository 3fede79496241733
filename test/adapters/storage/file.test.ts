import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { IntegrityError } from '../../../lib/domain/errors.ts';
import { listAll, readBytes } from '../../../lib/ports/object-io.ts';
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
    for await (const o of store.list('')) expect.unreachable(`listed ${o.key}`);
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

  it('makes a folder again when a delete pruned it after a put made it', async () => {
    const root = await temp.make();
    const store = new FileObjectStore(root);
    await store.put('f/g/one', '1');
    await store.delete('f/g/one');
    expect(await readdir(root)).toEqual([]);
    await store.put('f/g/two', '2');
    expect(await filesUnder(root)).toEqual([path.join('f', 'g', 'two')]);
  });

  it('copies a get of another file store whole, ranged, and read part-way, and checks its sha256', async () => {
    const src = new FileObjectStore(await temp.make());
    const dst = new FileObjectStore(await temp.make());
    // Larger than one copy chunk (1 MiB), and not a multiple of it.
    const bytes = randomBytes(2 * 1024 * 1024 + 12_345);
    await src.put('seg', bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await dst.put('blob', await src.get('seg'), { sha256, size: bytes.length })).toEqual({ sha256, size: bytes.length });
    expect((await readBytes(await dst.get('blob'))).equals(bytes)).toBe(true);
    // Replayable, as the transfer sends it; and a range, end inclusive.
    await dst.put('part', { open: () => src.get('seg', { start: 1000, end: 1_500_000 }) });
    expect((await readBytes(await dst.get('part'))).equals(bytes.subarray(1000, 1_500_001))).toBe(true);
    // A stream already read from is copied from where it is.
    const started = await src.get('seg');
    const first: Buffer = await new Promise((resolve) => started.once('readable', () => resolve(started.read(10))));
    await dst.put('rest', started);
    expect(Buffer.concat([first, await readBytes(await dst.get('rest'))]).equals(bytes)).toBe(true);
    // The wrong sha256 leaves nothing, and the source's file is closed.
    const source = await src.get('seg');
    await expect(dst.put('bad', source, { sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(IntegrityError);
    expect(source.destroyed).toBe(true);
    expect(await dst.head('bad')).toBeUndefined();
    expect(await readBytes(await src.get('seg', { start: bytes.length + 5 }))).toHaveLength(0);
  });

  it('gathers a stream of small chunks, and one larger than its buffer, into whole writes with the right bytes', async () => {
    const store = new FileObjectStore(await temp.make());
    const sizes = [1, 4096, 65_537, 1_048_575, 3 * 1024 * 1024 + 7, 17, 700_000, 1_048_576, 5];
    const chunks = sizes.map((n) => randomBytes(n));
    const whole = Buffer.concat(chunks);
    const sha256 = createHash('sha256').update(whole).digest('hex');
    expect(await store.put('big', Readable.from(chunks), { sha256 })).toEqual({ sha256, size: whole.length });
    expect((await readBytes(await store.get('big'))).equals(whole)).toBe(true);
    // The same chunks under a wrong sha256: refused, nothing left.
    await expect(store.put('bad', Readable.from(chunks), { sha256: '0'.repeat(64) })).rejects.toThrow(/sha256 mismatch writing .*\/bad: expected 0{64}, actual /);
    expect(await store.head('bad')).toBeUndefined();
  });

  it('lists keys only without a stat of each file when asked: size -1', async () => {
    const store = new FileObjectStore(await temp.make());
    await store.put('__blobs/ab/abc', 'abc');
    const listed = [];
    for await (const o of store.list('__blobs/', { sizes: false })) listed.push(o);
    expect(listed).toEqual([{ key: '__blobs/ab/abc', size: -1 }]);
  });

  it('refuses a relative root', () => {
    expect(() => new FileObjectStore('relative/dir')).toThrow(/absolute/);
  });
});
