import { NotFoundError } from '../../domain/errors.ts';
import type { ListOptions, ObjectInfo, ObjectStore } from '../../ports/object-store.ts';
import { describeError, logStorage } from './storage-log.ts';

/**
 * One log entry per operation: debug when it succeeds (or a get finds nothing, which callers expect),
 * warn when it fails. A listing logs once, when it ends, with how many objects it yielded.
 */
export function withLogging(store: ObjectStore): ObjectStore {
  const where = store.description;
  async function timed<T>(op: string, key: string, run: () => Promise<T>, bytes?: (value: T) => number): Promise<T> {
    const started = Date.now();
    try {
      const value = await run();
      logStorage({ level: 'debug', op, store: where, key, ms: Date.now() - started, ...(bytes ? { bytes: bytes(value) } : {}) });
      return value;
    } catch (err) {
      const level = err instanceof NotFoundError ? 'debug' : 'warn';
      logStorage({ level, op, store: where, key, ms: Date.now() - started, error: describeError(err) });
      throw err;
    }
  }

  async function* list(prefix: string, options?: ListOptions): AsyncGenerator<ObjectInfo> {
    const started = Date.now();
    let count = 0;
    try {
      for await (const info of store.list(prefix, options)) {
        count++;
        yield info;
      }
      logStorage({ level: 'debug', op: 'list', store: where, key: prefix, ms: Date.now() - started, objects: count });
    } catch (err) {
      logStorage({ level: 'warn', op: 'list', store: where, key: prefix, ms: Date.now() - started, error: describeError(err) });
      throw err;
    }
  }

  return {
    description: where,
    local: store.local,
    sync: store.sync && (() => store.sync!()),
    put: (key, body, options) => timed('put', key, () => store.put(key, body, options), (r) => r.size),
    get: (key, range) => timed('get', key, () => store.get(key, range)),
    head: (key) => timed('head', key, () => store.head(key)),
    delete: (key) => timed('delete', key, () => store.delete(key)),
    list,
  };
}
