import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * mkdir -p of `dir` below `root`; returns the folders whose entries it changed (the parent of each folder
 * it made), which must be synced for the new folders to survive a crash of the machine. Node's recursive
 * mkdir reports ENOENT when a level cannot be made (on a read-only file system, say), so on failure the
 * levels are made one by one to get the real error.
 */
export async function makeFolders(root: string, dir: string): Promise<string[]> {
  try {
    const first = await fs.mkdir(dir, { recursive: true });
    return first === undefined ? [] : parentsOfMade(first, dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const levels = path.relative(root, dir).split(path.sep);
  const changed: string[] = [];
  for (let i = 1; i <= levels.length; i++) {
    const level = path.join(root, ...levels.slice(0, i));
    const made = await fs.mkdir(level).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      return false;
    });
    if (made) changed.push(path.dirname(level));
  }
  return changed;
}

/** `first` (the highest folder mkdir made) down to `dir`: each made folder's parent. */
function parentsOfMade(first: string, dir: string): string[] {
  const parents = [path.dirname(first)];
  for (let d = dir; d !== first && d.startsWith(first); d = path.dirname(d)) parents.push(path.dirname(d));
  return [...new Set(parents)];
}

/**
 * Folder syncs: now, for a put that must be durable when it returns, or later, together, for the
 * `syncLater` puts of a transfer. On a journaling file system the first sync commits the renames of all
 * of them, and the copies that made them never wait for it (a sync per blob was 7% of a 1 GiB backup
 * to a folder).
 */
export class FolderSyncs {
  private readonly unsynced = new Set<string>();
  /** Every sync started so far: `sync` also waits for the folders a concurrent call took from `unsynced`. */
  private syncing: Promise<void> = Promise.resolve();

  later(dirs: Iterable<string>): void {
    for (const dir of dirs) this.unsynced.add(dir);
  }

  async now(dirs: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(dirs)].map(syncDir));
  }

  /** Every folder handed to `later` before this call is durable when it returns. */
  async sync(): Promise<void> {
    const dirs = [...this.unsynced];
    this.unsynced.clear();
    const mine = this.now(dirs);
    this.syncing = Promise.all([this.syncing, mine]).then(() => undefined);
    await this.syncing;
  }
}

/** Makes a folder's entries durable; some file systems refuse to fsync a folder, which is not worth failing for. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close().catch(() => undefined);
}
