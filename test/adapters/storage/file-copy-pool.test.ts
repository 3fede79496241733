import { randomBytes } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFileSource } from '../../../lib/adapters/storage/file/file-copy.ts';
import { copyThreadStats, stopCopyThreads } from '../../../lib/adapters/storage/file/file-copy-pool.ts';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { IntegrityError } from '../../../lib/domain/errors.ts';
import { readBytes } from '../../../lib/ports/object-io.ts';
import { sha256Of } from '../../support/streams.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

/**
 * A put whose body is another file store's get copies in a thread of its own (file-copy-pool.ts), with
 * real threads running the TypeScript worker; the tests run in order, the last one stopping the threads.
 */
const temp = useTempDirs('file-copy-pool');
const threaded = availableParallelism() >= 2;

describe('file copies in threads', () => {
  it('copies many files at once, of every size around the copy chunk, whole and ranged', async () => {
    const src = new FileObjectStore(await temp.make());
    const dst = new FileObjectStore(await temp.make());
    const MiB = 1024 * 1024;
    const sizes = [0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 12_345, 100, 65_536];
    const files = sizes.map((n) => randomBytes(n));
    await Promise.all(files.map((bytes, i) => src.put(`seg${i}`, bytes)));
    const before = copyThreadStats().copies;
    const results = await Promise.all(files.map(async (bytes, i) => dst.put(`b/${i}`, await src.get(`seg${i}`), { sha256: sha256Of(bytes), size: bytes.length })));
    expect(results).toEqual(files.map((bytes) => ({ sha256: sha256Of(bytes), size: bytes.length })));
    for (const [i, bytes] of files.entries()) expect((await readBytes(await dst.get(`b/${i}`))).equals(bytes)).toBe(true);
    const big = files[5]!;
    await dst.put('range', await src.get('seg5', { start: MiB - 3, end: 2 * MiB + 4 }));
    expect((await readBytes(await dst.get('range'))).equals(big.subarray(MiB - 3, 2 * MiB + 5))).toBe(true);
    if (threaded) {
      expect(copyThreadStats().threads).toBe(Math.min(4, availableParallelism()));
      // The empty file is no file source (its get reads nothing), the range is one more.
      expect(copyThreadStats().copies - before).toBe(files.length);
    }
  });

  it('refuses a copy whose sha256 differs and leaves nothing, the source closed', async () => {
    const src = new FileObjectStore(await temp.make());
    const root = await temp.make();
    const dst = new FileObjectStore(root);
    const bytes = randomBytes(2_000_000);
    await src.put('seg', bytes);
    const source = await src.get('seg');
    await expect(dst.put('a/blob', source, { sha256: 'f'.repeat(64) })).rejects.toThrow(IntegrityError);
    await expect(dst.put('a/blob', await src.get('seg'), { sha256: 'f'.repeat(64) })).rejects.toThrow(
      new RegExp(`^sha256 mismatch writing file://.*/a/blob: expected f{64}, actual ${sha256Of(bytes)}$`),
    );
    expect(source.destroyed).toBe(true);
    expect(await readdir(path.join(root, 'a'))).toEqual([]);
  });

  it('fails with the code of the failed call, as a copy in this thread does (the last test)', async () => {
    expect(await copyIntoReadOnly()).toMatchObject({ code: 'EBADF', message: expect.stringMatching(/EBADF/) });
  });

  it('copies in this thread once the threads have stopped', async () => {
    await stopCopyThreads();
    const src = new FileObjectStore(await temp.make());
    const dst = new FileObjectStore(await temp.make());
    const bytes = randomBytes(1_500_000);
    await src.put('seg', bytes);
    const before = copyThreadStats().copies;
    expect(await dst.put('blob', await src.get('seg'), { sha256: sha256Of(bytes) })).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
    expect((await readBytes(await dst.get('blob'))).equals(bytes)).toBe(true);
    expect(await copyIntoReadOnly()).toMatchObject({ code: 'EBADF', message: expect.stringMatching(/EBADF/) });
    expect(copyThreadStats()).toEqual({ threads: 0, copies: before });
  });
});

/** A copy into a file opened for reading only: its write fails (EBADF). Returns what the copy threw. */
async function copyIntoReadOnly(): Promise<unknown> {
  const dir = await temp.make();
  await new FileObjectStore(dir).put('from', randomBytes(10_000));
  const to = path.join(dir, 'to');
  await (await open(to, 'w')).close();
  const source = await open(path.join(dir, 'from'), 'r');
  const readOnly = await open(to, 'r');
  try {
    return await copyFileSource({ handle: source, start: 0, end: 10_000 }, readOnly).then(() => undefined, (e: unknown) => e);
  } finally {
    await readOnly.close();
    await source.close();
  }
}
