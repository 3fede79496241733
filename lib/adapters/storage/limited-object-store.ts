import type { ObjectInfo, ObjectStore } from '../../ports/object-store.ts';
import { withOpenedBody } from './body.ts';

/** A counting semaphore; waiters are served in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore limit must be a positive integer, got ${limit}`);
  }

  async run<T>(op: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await op();
    } finally {
      release();
    }
  }

  /** Takes a slot for as long as the caller needs it; the function given back returns it (once). */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/**
 * Bounds the requests in flight against one store. A put holds its slot while it uploads (a replayable
 * body is opened before the slot is taken, as a caller's own get would be); a get only
 * until its response starts (the caller may read the stream at leisure, or feed it to a put on the same
 * store, which must not deadlock); a listing takes a slot per item it pulls, not for its whole walk,
 * because callers act on the store while they list.
 */
export function withConcurrencyLimit(store: ObjectStore, semaphore: Semaphore): ObjectStore {
  return {
    description: store.description,
    local: store.local,
    sync: store.sync && (() => store.sync!()),
    put: (key, body, options) => withOpenedBody(body, (opened) => semaphore.run(() => store.put(key, opened, options))),
    get: (key, range) => semaphore.run(() => store.get(key, range)),
    head: (key) => semaphore.run(() => store.head(key)),
    delete: (key) => semaphore.run(() => store.delete(key)),
    list: (prefix, options) => ({
      [Symbol.asyncIterator]() {
        const inner = store.list(prefix, options)[Symbol.asyncIterator]();
        return {
          next: () => semaphore.run(() => inner.next()),
          return: async (): Promise<IteratorResult<ObjectInfo>> => (await inner.return?.()) ?? { done: true, value: undefined },
        };
      },
    }),
  };
}
