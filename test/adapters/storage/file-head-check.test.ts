import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { AccessDeniedError } from '../../../lib/domain/errors.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('file-head-check');

/** A store whose door refuses every real path under `denied`, with a file there and links to it from the root. */
async function guarded() {
  const root = await temp.make();
  const denied = await temp.make();
  await writeFile(path.join(denied, 'secret'), 'xyz');
  await mkdir(path.join(root, 'blobs'));
  await writeFile(path.join(root, 'blobs', 'present'), '12345');
  await symlink(denied, path.join(root, 'out'));
  await symlink(path.join(denied, 'secret'), path.join(root, 'blobs', 'to-secret'));
  await symlink(path.join(root, 'blobs', 'present'), path.join(root, 'blobs', 'to-present'));
  const store = new FileObjectStore(root, (real) => {
    if (real.startsWith(`${denied}/`) || real === denied) throw new AccessDeniedError(`refused ${real}`);
  });
  return store;
}

describe('FileObjectStore.head with a door check', () => {
  it('answers for files and missing names as without one', async () => {
    const store = await guarded();
    expect(await store.head('blobs/present')).toEqual({ key: 'blobs/present', size: 5 });
    expect(await store.head('blobs/missing')).toBeUndefined();
    expect(await store.head('nothing/here/at-all')).toBeUndefined();
    expect(await store.head('blobs')).toBeUndefined();
  });

  it('checks where a symlinked folder or file leads, present or not', async () => {
    const store = await guarded();
    await expect(store.head('out/secret')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.head('out/missing')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.head('out/a/b')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.head('blobs/to-secret')).rejects.toBeInstanceOf(AccessDeniedError);
    expect(await store.head('blobs/to-present')).toEqual({ key: 'blobs/to-present', size: 5 });
  });
});
