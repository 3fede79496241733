import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, StorageError } from '../../../lib/domain/errors.ts';
import { listAll, readBytes } from '../../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../../lib/ports/object-store.ts';
import { failingStream, randomStream, sha256Of } from '../../support/streams.ts';

const BAD_KEYS = ['', '/abs/key', 'a/../b', '..', '../escape', 'a\\b', 'a\0b', 'a//b', './a', 'a/.', 'a/'];

async function text(store: ObjectStore, key: string, range?: { start: number; end?: number }): Promise<string> {
  return (await readBytes(await store.get(key, range))).toString('utf8');
}

/** The ObjectStore port contract; every backend runs it with a fresh, empty store per test. */
export function runObjectStoreConformance(name: string, makeStore: () => ObjectStore | Promise<ObjectStore>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    describe('put and get', () => {
      it('round-trips a string and returns its sha256 and size', async () => {
        const body = 'héllo, starbackup';
        const result = await store.put('docs/hello.txt', body);
        expect(result).toEqual({ sha256: sha256Of(body), size: Buffer.byteLength(body) });
        expect(await text(store, 'docs/hello.txt')).toBe(body);
      });

      it('round-trips bytes, including an empty object', async () => {
        const bytes = new Uint8Array([0, 1, 2, 250, 255]);
        expect(await store.put('bin/a', bytes)).toEqual({ sha256: sha256Of(bytes), size: 5 });
        expect([...(await readBytes(await store.get('bin/a')))]).toEqual([...bytes]);
        expect(await store.put('bin/empty', new Uint8Array())).toEqual({ sha256: sha256Of(''), size: 0 });
        expect((await readBytes(await store.get('bin/empty'))).length).toBe(0);
        expect(await store.head('bin/empty')).toEqual({ key: 'bin/empty', size: 0 });
      });

      it('round-trips a multi-MiB stream', async () => {
        const { stream, bytes, sha256 } = randomStream(5 * 1024 * 1024 + 123);
        expect(await store.put('__blobs/ab/big', stream, { size: bytes.length })).toEqual({ sha256, size: bytes.length });
        const back = await readBytes(await store.get('__blobs/ab/big'));
        expect(back.length).toBe(bytes.length);
        expect(sha256Of(back)).toBe(sha256);
      });

      it('writes a replayable body from one opening, closes that stream, and checks its sha256', async () => {
        const { stream, bytes, sha256 } = randomStream(300_000);
        const opened: Readable[] = [];
        const body = { open: async () => (opened.push(stream), stream) };
        expect(await store.put('r/ok', body, { sha256, size: bytes.length })).toEqual({ sha256, size: bytes.length });
        expect(opened).toHaveLength(1);
        expect(stream.destroyed).toBe(true);
        expect(sha256Of(await readBytes(await store.get('r/ok')))).toBe(sha256);
        const wrong = randomStream(1000);
        const err = await store.put('r/bad', { open: () => wrong.stream }, { sha256: sha256 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(IntegrityError);
        expect(wrong.stream.destroyed).toBe(true);
        expect(await store.head('r/bad')).toBeUndefined();
      });

      it('does not change a stored object when the caller reuses its buffer', async () => {
        const bytes = Buffer.from('original');
        await store.put('k', bytes);
        bytes.write('mutated!');
        expect(await text(store, 'k')).toBe('original');
      });

      it('replaces an existing object', async () => {
        await store.put('k', 'first version, longer');
        await store.put('k', 'second');
        expect(await text(store, 'k')).toBe('second');
        expect(await store.head('k')).toEqual({ key: 'k', size: 6 });
      });

      it('accepts a matching sha256', async () => {
        const body = 'checked';
        expect((await store.put('c', body, { sha256: sha256Of(body) })).sha256).toBe(sha256Of(body));
      });

      it('leaves nothing behind on a sha256 mismatch, naming key, expected and actual', async () => {
        const wrong = 'f'.repeat(64);
        const { stream, sha256 } = randomStream(300_000);
        const err = await store.put('blobs/x', stream, { sha256: wrong }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(IntegrityError);
        expect((err as Error).message).toContain('blobs/x');
        expect((err as Error).message).toContain(wrong);
        expect((err as Error).message).toContain(sha256);
        expect(await store.head('blobs/x')).toBeUndefined();
        expect(await listAll(store, '')).toEqual([]);
      });

      it('keeps the old object when an overwrite fails', async () => {
        await store.put('keep', 'old contents');
        await expect(store.put('keep', 'new contents', { sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(IntegrityError);
        await expect(store.put('keep', failingStream(Buffer.alloc(100_000, 1)))).rejects.toThrow();
        expect(await text(store, 'keep')).toBe('old contents');
        expect(await listAll(store, '')).toEqual(['keep']);
      });

      it('leaves nothing behind when the body stream fails', async () => {
        await expect(store.put('dropped', failingStream(Buffer.alloc(200_000, 7)))).rejects.toThrow('source went away');
        expect(await store.head('dropped')).toBeUndefined();
        expect(await listAll(store, '')).toEqual([]);
      });

      it('ends concurrent puts of one key with one whole object', async () => {
        const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024 + i, 65 + i));
        await Promise.all(bodies.map((b, i) => (i % 2 ? store.put('race', b) : store.put('race', chunked(b)))));
        const back = await readBytes(await store.get('race'));
        expect(bodies.some((b) => b.equals(back))).toBe(true);
        expect(await listAll(store, '')).toEqual(['race']);
      });
    });

    describe('get', () => {
      it('reads inclusive byte ranges', async () => {
        await store.put('r', '0123456789');
        expect(await text(store, 'r', { start: 2, end: 5 })).toBe('2345');
        expect(await text(store, 'r', { start: 7 })).toBe('789');
        expect(await text(store, 'r', { start: 0, end: 0 })).toBe('0');
        expect(await text(store, 'r', { start: 9, end: 9 })).toBe('9');
        expect(await text(store, 'r', { start: 8, end: 100 })).toBe('89');
      });

      it('rejects a malformed range', async () => {
        await store.put('r', '0123456789');
        await expect(store.get('r', { start: 5, end: 4 })).rejects.toBeInstanceOf(StorageError);
        await expect(store.get('r', { start: -1 })).rejects.toBeInstanceOf(StorageError);
      });

      it('throws NotFoundError naming the key of a missing object', async () => {
        const err = await store.get('nope/missing.bin').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotFoundError);
        expect((err as Error).message).toContain('nope/missing.bin');
        await store.put('dir/child', 'x');
        await expect(store.get('dir')).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.get('dir/child/deeper')).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('head', () => {
      it('gives the size of an object and undefined for a missing one or a "folder"', async () => {
        await store.put('a/b/c', 'abc');
        expect(await store.head('a/b/c')).toEqual({ key: 'a/b/c', size: 3 });
        expect(await store.head('a/b/missing')).toBeUndefined();
        expect(await store.head('a/b')).toBeUndefined();
        expect(await store.head('a/b/c/d')).toBeUndefined();
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const key of ['__repo_info', '__ss_one/__info_1', '__ss_one/__meta_1', '__ss_two/deep/x', '__blobs/ab/abc', 'a', 'ab/c']) {
          await store.put(key, key);
        }
      });

      it('lists everything with an empty prefix, with sizes', async () => {
        const all: Record<string, number> = {};
        for await (const o of store.list('')) all[o.key] = o.size;
        expect(all).toEqual({
          __repo_info: 11,
          '__ss_one/__info_1': 17,
          '__ss_one/__meta_1': 17,
          '__ss_two/deep/x': 15,
          '__blobs/ab/abc': 14,
          a: 1,
          'ab/c': 4,
        });
      });

      it('lists the same keys when asked for keys only, each with its size or -1', async () => {
        const all: Record<string, number> = {};
        for await (const o of store.list('__ss_', { sizes: false })) all[o.key] = o.size;
        expect(Object.keys(all).sort()).toEqual(['__ss_one/__info_1', '__ss_one/__meta_1', '__ss_two/deep/x']);
        expect(Object.values(all).every((size) => size === -1 || size > 0)).toBe(true);
      });

      it('lists by folder prefix, at any depth', async () => {
        expect(await listAll(store, '__ss_one/')).toEqual(['__ss_one/__info_1', '__ss_one/__meta_1']);
        expect(await listAll(store, '__ss_two/')).toEqual(['__ss_two/deep/x']);
        expect(await listAll(store, '__blobs/ab/')).toEqual(['__blobs/ab/abc']);
      });

      it('lists by a prefix that ends mid-name', async () => {
        expect(await listAll(store, '__ss_')).toEqual(['__ss_one/__info_1', '__ss_one/__meta_1', '__ss_two/deep/x']);
        expect(await listAll(store, '__ss_one/__in')).toEqual(['__ss_one/__info_1']);
        expect(await listAll(store, 'a')).toEqual(['a', 'ab/c']);
        expect(await listAll(store, '__blobs/a')).toEqual(['__blobs/ab/abc']);
      });

      it('lists nothing for an unmatched prefix', async () => {
        expect(await listAll(store, 'zzz')).toEqual([]);
        expect(await listAll(store, 'zzz/')).toEqual([]);
        expect(await listAll(store, '__ss_one/__info_1/')).toEqual([]);
      });

      it('no longer lists deleted objects', async () => {
        await store.delete('__ss_one/__info_1');
        await store.delete('__ss_two/deep/x');
        expect(await listAll(store, '__ss_')).toEqual(['__ss_one/__meta_1']);
        await store.delete('__ss_one/__meta_1');
        expect(await listAll(store, '__ss_')).toEqual([]);
      });

      it('rejects a prefix that escapes the root', async () => {
        for (const prefix of ['/abs', '../x', 'a/../../x', 'a\\b']) {
          await expect(listAll(store, prefix)).rejects.toBeInstanceOf(StorageError);
        }
      });
    });

    describe('delete', () => {
      it('removes an object and is idempotent', async () => {
        await store.put('x/y', 'data');
        await store.delete('x/y');
        await store.delete('x/y');
        await store.delete('never/existed');
        expect(await store.head('x/y')).toBeUndefined();
        await expect(store.get('x/y')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('treats a "folder" as no object', async () => {
        await store.put('dir/child', 'c');
        await store.delete('dir');
        expect(await listAll(store, '')).toEqual(['dir/child']);
      });

      it('leaves siblings alone', async () => {
        await store.put('d/one', '1');
        await store.put('d/two', '2');
        await store.delete('d/one');
        expect(await listAll(store, 'd/')).toEqual(['d/two']);
        await store.put('d/one', 'again');
        expect(await text(store, 'd/one')).toBe('again');
      });
    });

    describe('keys', () => {
      it('accepts ordinary names with dots, dashes and unicode', async () => {
        for (const key of ['__ss_l1/__meta_2024-01-02-03-04-05-678', 'a.b/.hidden', 'ünï/cödé', 'x..y']) {
          await store.put(key, key);
          expect(await text(store, key)).toBe(key);
        }
      });

      it.each(BAD_KEYS)('rejects the bad key %j in every operation', async (key) => {
        for (const op of [
          () => store.put(key, 'x'),
          () => store.get(key),
          () => store.head(key),
          () => store.delete(key),
        ]) {
          const err = await op().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(StorageError);
          expect((err as StorageError).retryable).toBe(false);
        }
      });
    });
  });
}

/** The same bytes as a stream of two chunks. */
function chunked(bytes: Buffer): Readable {
  return Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]);
}
