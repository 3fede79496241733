import type { Readable } from 'node:stream';
import type { ListOptions, ObjectInfo, ObjectStore, PutBody, PutOptions, PutResult } from '../../ports/object-store.ts';

/**
 * A store whose implementation (and its SDK) loads on first use: the S3, GCS and HDFS clients cost more to
 * load than a short statement takes, and most commands never reach one. Opening stays synchronous and
 * offline (the location and properties are checked before this is built); a failure to load the module
 * fails every call.
 */
export class LazyObjectStore implements ObjectStore {
  private store?: Promise<ObjectStore>;

  constructor(readonly description: string, private readonly load: () => Promise<ObjectStore>) {}

  private target(): Promise<ObjectStore> {
    return (this.store ??= this.load());
  }

  async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
    return (await this.target()).put(key, body, options);
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    return (await this.target()).get(key, range);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return (await this.target()).head(key);
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    yield* (await this.target()).list(prefix, options);
  }

  async delete(key: string): Promise<void> {
    return (await this.target()).delete(key);
  }

  /** Only a store that was loaded can have puts to make durable. */
  async sync(): Promise<void> {
    if (this.store) await (await this.store).sync?.();
  }
}
