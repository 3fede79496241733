import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { AccessDeniedError } from '../../../lib/domain/errors.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('file-door-check');

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
  return { store, root, denied };
}

describe('FileObjectStore.head with a door check', () => {
  it('answers for files and missing names as without one', async () => {
    const { store } = await guarded();
    expect(await store.head('blobs/present')).toEqual({ key: 'blobs/present', size: 5 });
    expect(await store.head('blobs/missing')).toBeUndefined();
    expect(await store.head('nothing/here/at-all')).toBeUndefined();
    expect(await store.head('blobs')).toBeUndefined();
  });

  it('checks where a symlinked folder or file leads, present or not', async () => {
    const { store } = await guarded();
    await expect(store.head('out/secret')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.head('out/missing')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.head('out/a/b')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.head('blobs/to-secret')).rejects.toBeInstanceOf(AccessDeniedError);
    expect(await store.head('blobs/to-present')).toEqual({ key: 'blobs/to-present', size: 5 });
  });
});

describe('FileObjectStore.delete with a door check', () => {
  it('removes a symlink leading where the door refuses, and never what it leads to', async () => {
    const { store, root, denied } = await guarded();
    await store.delete('blobs/to-secret');
    await expect(lstat(path.join(root, 'blobs', 'to-secret'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(path.join(denied, 'secret'), 'utf8')).toBe('xyz');
  });

  it('refuses to act in a folder the door refuses, reached through a symlinked folder, even on a link back', async () => {
    const { store, root, denied } = await guarded();
    await symlink(path.join(root, 'blobs', 'present'), path.join(denied, 'back'));
    await expect(store.delete('out/secret')).rejects.toThrow(`refused ${denied}`);
    // The whole path resolves inside the store; the unlink would act in the refused folder.
    await expect(store.delete('out/back')).rejects.toThrow(`refused ${denied}`);
    expect((await lstat(path.join(denied, 'back'))).isSymbolicLink()).toBe(true);
    // The link to the refused folder is in the store: it goes, the folder and its files stay.
    await store.delete('out');
    await expect(lstat(path.join(root, 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(path.join(denied, 'secret'), 'utf8')).toBe('xyz');
  });

  it('deletes files and links inside as without one', async () => {
    const { store, root } = await guarded();
    await store.delete('blobs/to-present');
    expect(await readFile(path.join(root, 'blobs', 'present'), 'utf8')).toBe('12345');
    await store.delete('blobs/present');
    expect(await store.head('blobs/present')).toBeUndefined();
    await store.delete('blobs/missing');
  });
});
