import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError, StarbackupError, StorageError } from '../../../domain/errors.ts';
import { redact } from '../../../domain/secrets.ts';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { type OpenedBody, mapStreamErrors, withOpenedBody } from '../body.ts';
import { type HashingStream, hashBody } from '../hashing-stream.ts';
import { TEMP_SUFFIX, checkKey, checkPrefix, checkRange } from '../object-keys.ts';
import { type HdfsConfig, describeHdfs } from './hdfs-config.ts';
import type { TrustGuard } from '../../../ports/trust-guard.ts';
import { type HdfsFileStatus, WebHdfsClient } from './webhdfs-client.ts';
import { remoteExceptionOf } from './webhdfs-errors.ts';
import { fromSocket } from '../dropped-buffers.ts';

/**
 * An ObjectStore on an HDFS folder through WebHDFS. HDFS shows a file while it is being written, so a
 * put writes `<name>.tmp-<random>` and renames it over the name (RENAME with OVERWRITE is atomic in the
 * namenode); the temp name is never listed and is removed when anything fails.
 */
export class HdfsObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: WebHdfsClient;

  constructor(private readonly config: HdfsConfig, guard?: TrustGuard) {
    this.client = new WebHdfsClient(config, guard);
    this.description = describeHdfs(config);
  }

  /** A replayable body is opened for this one attempt (and its stream destroyed after it); see withOpenedBody. */
  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    return withOpenedBody(body, (opened) => this.putOpened(key, opened, options));
  }

  private async putOpened(key: string, body: OpenedBody, options: PutOptions): Promise<PutResult> {
    const path = this.pathOf(key);
    const temp = `${path}.tmp-${randomBytes(8).toString('hex')}`;
    let hashing: HashingStream | undefined;
    try {
      hashing = hashBody(body, options.sha256, `${this.description}/${key}`);
      await this.client.create(temp, hashing);
      if (hashing.failure) throw hashing.failure;
      const renamed = await this.client.call<{ boolean?: boolean }>('PUT', temp, 'RENAME', { destination: path, renameoptions: 'OVERWRITE' });
      // Namenodes that ignore renameoptions answer as the old rename does; false means nothing moved.
      if (renamed?.boolean === false) throw new StorageError(`HDFS refused to rename ${temp} to ${path} (RENAME answered false)`, true);
      return hashing.result();
    } catch (err) {
      hashing?.destroy();
      await this.client.call('DELETE', temp, 'DELETE', { recursive: 'false' }).catch(() => undefined);
      throw this.clean(hashing?.failure ?? err);
    }
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const path = this.pathOf(key);
    if (range) checkRange(range, key, this.description);
    try {
      const length = range?.end !== undefined ? range.end - range.start + 1 : undefined;
      const stream = await this.client.open(path, range?.start, length);
      // A connection to the datanode that breaks mid-read is worth another try.
      return fromSocket(mapStreamErrors(stream, (err) =>
        this.clean(err instanceof StarbackupError ? err : new StorageError(`Reading ${path} from a datanode failed: ${(err as Error)?.message ?? err}`, true))));
    } catch (err) {
      // HDFS refuses to seek past the end; the port's answer to such a range is no bytes.
      if (range && range.start > 0 && !(err instanceof NotFoundError)) {
        const status = await this.status(path).catch(() => undefined);
        if (status?.type === 'FILE' && range.start >= status.length) return Readable.from([]);
      }
      throw this.clean(err);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const status = await this.status(this.pathOf(key));
      return status.type === 'FILE' ? { key, size: status.length } : undefined;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw this.clean(err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(prefix, this.description);
    // List only the folder the prefix is in; its last segment may be a partial name such as `__ss_`.
    const slash = prefix.lastIndexOf('/');
    yield* this.walk(slash < 0 ? '' : prefix.slice(0, slash + 1), prefix);
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      const deleted = await this.client.call<{ boolean?: boolean }>('DELETE', path, 'DELETE', { recursive: 'false' });
      if (deleted?.boolean !== false) return;
      // false: nothing was deleted. Fine if there is nothing there; anything else is a failure.
      const exists = await this.status(path).then(() => true, (err: unknown) => (err instanceof NotFoundError ? false : Promise.reject(err)));
      if (exists) throw new StorageError(`HDFS did not delete ${path} (DELETE answered false)`, true);
    } catch (err) {
      // A folder is not an object (as `dir` is not one in a bucket holding `dir/x`): nothing to delete.
      if (remoteExceptionOf(err) === 'PathIsNotEmptyDirectoryException') return;
      throw this.clean(err);
    }
  }

  private async *walk(relDir: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let entries: HdfsFileStatus[];
    try {
      const out = await this.client.call<{ FileStatuses?: { FileStatus?: HdfsFileStatus[] } }>('GET', this.pathOf(relDir, true), 'LISTSTATUS');
      entries = out?.FileStatuses?.FileStatus ?? [];
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw this.clean(err);
    }
    for (const entry of entries) {
      // LISTSTATUS of a file answers the file itself with an empty suffix: a file is no folder.
      if (!entry.pathSuffix) continue;
      const key = relDir + entry.pathSuffix;
      if (entry.type === 'DIRECTORY') {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(`${key}/`, prefix);
      } else if (entry.type === 'FILE' && key.startsWith(prefix) && !TEMP_SUFFIX.test(entry.pathSuffix)) {
        yield { key, size: entry.length };
      }
    }
  }

  private async status(path: string): Promise<HdfsFileStatus> {
    const out = await this.client.call<{ FileStatus: HdfsFileStatus }>('GET', path, 'GETFILESTATUS');
    if (!out?.FileStatus) throw new StorageError(`GETFILESTATUS ${path} answered no FileStatus`, true);
    return out.FileStatus;
  }

  /** The absolute HDFS path of a key (or of a folder prefix ending in `/`). */
  private pathOf(key: string, folder = false): string {
    const rel = folder ? key.replace(/\/$/, '') : checkKey(key, this.description);
    const base = this.config.root === '/' ? '' : this.config.root;
    return rel ? `${base}/${rel}` : base || '/';
  }

  /** The delegation token is the only secret sent; a namenode may quote it back in an error. */
  private clean(err: unknown): Error {
    const e = err instanceof Error ? err : new StorageError(String(err), false);
    if (this.config.delegationToken) e.message = redact(e.message, { token: this.config.delegationToken });
    return e;
  }
}
