import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../lib/adapters/storage/file/file-object-store.ts';
import { readSegment, writeSegment } from '../../lib/cluster/segments.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const temp = useTempDirs('segments');

/**
 * A segment's pieces come as strings (one thread's loads, INSERT, restores) or as UTF-8 bytes (a parallel
 * load's threads hand them over so): either way, and mixed, the file is the pieces each followed by a newline.
 */
describe('writeSegment', () => {
  it.each([
    ['strings', ['["1","été"]', '["2","b"]\n["3","北"]']],
    ['bytes', [Buffer.from('["1","été"]'), new TextEncoder().encode('["2","b"]\n["3","北"]')]],
    ['both', ['["1","été"]', new TextEncoder().encode('["2","b"]\n["3","北"]')]],
  ])('writes pieces given as %s as the same file', async (_what, texts) => {
    const store = new FileObjectStore(await temp.make());
    const ref = await writeSegment(store, 'data/t/p/0/s.seg', { texts, rows: 3 });
    const expected = Buffer.from('["1","été"]\n["2","b"]\n["3","北"]\n');
    expect(ref).toEqual({ path: 'data/t/p/0/s.seg', size: expected.length, sha256: createHash('sha256').update(expected).digest('hex'), rows: 3 });
    expect(await readSegment(store, ref)).toEqual([['1', 'été'], ['2', 'b'], ['3', '北']]);
  });
});
