import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { IntegrityError, NotFoundError } from '../../../domain/errors.ts';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { type OpenedBody, bodyChunks, withOpenedBody } from '../body.ts';
import { checkKey, checkPrefix, checkRange } from '../object-keys.ts';

/** Full keys (namespace-relative) to contents. */
type Space = Map<string, Buffer>;

/**
 * Process-wide namespaces behind `memory://<name>/…`, so two stores (two "clusters" in one test) opened
 * on the same name share data the way two clients of one bucket do.
 */
const namedSpaces = new Map<string, Space>();

/** An ObjectStore in memory: the semantics of the file store without a disk, for tests and demos. */
export class MemoryObjectStore implements ObjectStore {
  readonly description: string;
  private readonly prefix: string;

  /** A private store, or a view of `space` under `rootPath` (a key prefix such as `backups/`). */
  constructor(
    private readonly space: Space = new Map(),
    rootPath = '',
    description = 'memory://',
  ) {
    this.prefix = rootPath === '' || rootPath.endsWith('/') ? rootPath : `${rootPath}/`;
    this.description = description;
  }

  /** The store of `memory://<name>/<rootPath>`, sharing its contents with every store on that name. */
  static named(name: string, rootPath = ''): MemoryObjectStore {
    let space = namedSpaces.get(name);
    if (!space) namedSpaces.set(name, (space = new Map()));
    const path = rootPath.replace(/^\/+|\/+$/g, '');
    return new MemoryObjectStore(space, path, `memory://${name}${path ? `/${path}` : ''}`);
  }

  /** Forgets a named namespace (test isolation). */
  static drop(name: string): void {
    namedSpaces.delete(name);
  }

  /** A replayable body is opened for this one attempt (and its stream destroyed after it); see withOpenedBody. */
  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    return withOpenedBody(body, (opened) => this.putOpened(key, opened, options));
  }

  private async putOpened(key: string, body: OpenedBody, options: PutOptions): Promise<PutResult> {
    const full = this.fullKey(key);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    for await (const chunk of bodyChunks(body)) {
      hash.update(chunk);
      chunks.push(chunk);
    }
    const sha256 = hash.digest('hex');
    if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
      throw new IntegrityError(`sha256 mismatch writing ${this.description}/${key}: expected ${options.sha256}, actual ${sha256}`);
    }
    // Buffer.concat copies, so a caller reusing its buffer cannot change the stored object.
    const data = Buffer.concat(chunks);
    this.space.set(full, data);
    return { sha256, size: data.length };
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const full = this.fullKey(key);
    const endExclusive = range ? checkRange(range, key, this.description) : undefined;
    const data = this.space.get(full);
    if (!data) throw new NotFoundError(`Object ${key} not found in ${this.description}`);
    return Readable.from([Buffer.from(data.subarray(range?.start ?? 0, endExclusive))], { objectMode: false });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const data = this.space.get(this.fullKey(key));
    return data ? { key, size: data.length } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = this.prefix + checkPrefix(prefix, this.description);
    // A snapshot of the keys, so deletes during iteration behave as on a real listing.
    for (const [key, data] of [...this.space]) {
      if (key.startsWith(full)) yield { key: key.slice(this.prefix.length), size: data.length };
    }
  }

  async delete(key: string): Promise<void> {
    this.space.delete(this.fullKey(key));
  }

  private fullKey(key: string): string {
    return this.prefix + checkKey(key, this.description);
  }
}
