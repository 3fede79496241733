import { type Stats, promises as fs } from 'node:fs';
import path from 'node:path';
import { isMissing } from './file-errors.ts';

/** Checks the real path (symlinks resolved) of every file or folder the store is about to touch. */
export type PathCheck = (realPath: string) => void;

/**
 * `file`, with symlinks resolved, after the door's check. A missing tail is resolved from its nearest
 * existing folder, so a read of a missing key is "not found", never a way around the check.
 */
export async function checkedPath(file: string, check: PathCheck): Promise<string> {
  let tail = '';
  for (let dir = file; ; ) {
    try {
      const real = path.join(await fs.realpath(dir), tail);
      check(real);
      return real;
    } catch (err) {
      const parent = path.dirname(dir);
      if (!isMissing(err) || parent === dir) throw err;
      tail = path.join(path.basename(dir), tail);
      dir = parent;
    }
  }
}

/**
 * The real path of `file` as an entry of its folder: the folder resolved (symlinks included) and checked, the
 * name itself not followed. For an unlink, which removes a symlink and never what it leads to, that is the
 * place it acts on: a link in the store leading out of the allowed folders can be removed, and a link to an
 * allowed folder cannot make an unlink act in a folder that is not (both were the other way round when the
 * whole path was resolved).
 */
export async function checkedEntry(file: string, check: PathCheck): Promise<string> {
  const real = path.join(await checkedPath(path.dirname(file), check), path.basename(file));
  check(real);
  return real;
}

/**
 * What `fs.stat(await checkedPath(file, check))` says (undefined for a missing file), in two calls to the
 * thread pool instead of three for a missing file (a backup asks about every blob it is about to write, most
 * of them missing): the folder's real path, then an lstat of the name in it. A symlink takes the general path.
 */
export async function checkedStat(file: string, check: PathCheck): Promise<Stats | undefined> {
  let realDir: string;
  try {
    realDir = await fs.realpath(path.dirname(file));
  } catch (err) {
    if (!isMissing(err)) throw err;
    await checkedPath(file, check);
    return undefined;
  }
  const real = path.join(realDir, path.basename(file));
  check(real);
  const stat = await fs.lstat(real).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  return stat?.isSymbolicLink() ? fs.stat(await checkedPath(file, check)) : stat;
}
