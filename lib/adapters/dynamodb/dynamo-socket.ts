import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** sun_path holds 104 bytes on macOS and 108 on Linux, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * The Unix domain socket the embedded DynamoDB listens on, in a folder only its owner may enter: no other
 * local user can connect to it (a TCP port on 127.0.0.1 would be open to all of them, and dynalite checks
 * no credentials). It is `<store>.sock` next to an on-disk store whose folder is private (the home, mode
 * 0700), else `dynamodb.sock` in a fresh private folder under the system's temporary folder (a store in
 * memory, a folder others may enter, or a path too long for a socket).
 *
 * Next to the store, the server binds a unique name first and `publish()` moves it onto `<store>.sock`
 * once the server holds the store's LOCK, so a second process opening the same home never removes the
 * owner's socket, and a socket left by a killed process is simply replaced. (Tools that list sockets,
 * such as `ss -x`, show the name it was bound to.)
 */
export class DynamoSocket {
  private published = false;

  private constructor(
    /** Where clients connect once published. */
    readonly path: string,
    /** Where the server binds. */
    readonly bindPath: string,
    /** The private temporary folder holding the socket, removed with it. */
    private readonly tempDir?: string,
  ) {}

  static async place(store?: string): Promise<DynamoSocket> {
    if (store !== undefined) {
      const folder = dirname(store);
      const path = `${store}.sock`;
      const bindPath = join(folder, `.${basename(store)}-${randomBytes(4).toString('hex')}.sock`);
      if (fits(bindPath) && fits(path) && (await isPrivate(folder))) return new DynamoSocket(path, bindPath);
    }
    const dir = await mkdtemp(join(tmpdir(), 'starbackup-')); // mode 0700
    const path = join(dir, 'dynamodb.sock');
    if (!fits(path)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`the temporary folder ${tmpdir()} is too deep for a Unix socket path: set TMPDIR to a shorter one`);
    }
    return new DynamoSocket(path, path, dir);
  }

  /** Where a new connection goes now. */
  get connectPath(): string {
    return this.published ? this.path : this.bindPath;
  }

  /** Moves the bound socket to its public name; call once the server owns the store. */
  async publish(): Promise<void> {
    if (this.path !== this.bindPath) await rename(this.bindPath, this.path);
    this.published = true;
  }

  /**
   * Removes the socket (and its temporary folder), while the server still owns the store so that the
   * socket of a process that opened it next is never the one removed. Open connections carry on.
   */
  async remove(): Promise<void> {
    if (this.tempDir) return rm(this.tempDir, { recursive: true, force: true });
    await rm(this.connectPath, { force: true });
  }
}

function fits(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES;
}

/** A real folder of this user that nobody else may enter. */
async function isPrivate(folder: string): Promise<boolean> {
  try {
    const st = await lstat(folder);
    return st.isDirectory() && (st.mode & 0o077) === 0 && (process.getuid === undefined || st.uid === process.getuid());
  } catch {
    return false;
  }
}
