import { StorageError } from '../../domain/errors.ts';
import type { ListOptions, ObjectInfo, ObjectStore, PutOptions, PutResult, ReplayableBody } from '../../ports/object-store.ts';
import { isInMemory, isReplayableStream } from './body.ts';

export interface RetryOptions {
  /** Total tries, including the first. */
  attempts: number;
  /** Delay before the first retry; doubled each time, with jitter so parallel workers spread out. */
  baseDelayMs: number;
  /** Told about each failed attempt that will be repeated (for logging). */
  onRetry?: (info: { op: string; key: string; attempt: number; error: unknown }) => void;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries what a backend reports as retryable (throttling, timeouts, 5xx, a connection reset mid-upload).
 * Lives outside the backends so every backend gets the same policy. A put is retried when its body can be
 * sent again: bytes and strings as they are, a ReplayableBody opened afresh for every attempt (so each
 * attempt hashes, and checks against the expected sha256, the whole body again). A put of a bare Readable
 * is tried once and never retried: that stream is one-shot (a staging document written line by line as it
 * is computed), the first attempt consumed it and nothing can produce its bytes again; a failure there is
 * left to the caller (a workflow Task's Retry runs the phase again).
 */
export function withRetries(store: ObjectStore, options: RetryOptions): ObjectStore {
  const sleep = options.sleep ?? defaultSleep;
  const canRetry = (err: unknown, attempt: number) =>
    err instanceof StorageError && err.retryable && attempt < options.attempts;
  const backoff = (attempt: number) => {
    const cap = options.baseDelayMs * 2 ** (attempt - 1);
    return sleep(cap / 2 + Math.random() * (cap / 2));
  };

  async function retry<T>(name: string, key: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!canRetry(err, attempt)) throw err;
        options.onRetry?.({ op: name, key, attempt, error: err });
        await backoff(attempt);
      }
    }
  }

  /** A listing that fails midway starts over and skips the keys it already yielded. */
  async function* list(prefix: string, listOptions?: ListOptions): AsyncGenerator<ObjectInfo> {
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const info of store.list(prefix, listOptions)) {
          if (seen.has(info.key)) continue;
          seen.add(info.key);
          yield info;
        }
        return;
      } catch (err) {
        if (!canRetry(err, attempt)) throw err;
        options.onRetry?.({ op: 'list', key: prefix, attempt, error: err });
        await backoff(attempt);
      }
    }
  }

  /**
   * Each attempt opens the body, before the store below takes its concurrency slot (opening may be a get
   * on a store sharing that limit), and the stream opened for a failed attempt is destroyed at once. An
   * `open` that fails is not retried here: it is a get of the source, which its own store retried.
   */
  async function putReplayable(key: string, body: ReplayableBody, putOptions: PutOptions | undefined): Promise<PutResult> {
    for (let attempt = 1; ; attempt++) {
      const stream = await body.open();
      let failure: unknown;
      try {
        return await store.put(key, stream, putOptions);
      } catch (err) {
        failure = err;
      } finally {
        stream.destroy();
      }
      if (!canRetry(failure, attempt)) throw failure;
      options.onRetry?.({ op: 'put', key, attempt, error: failure });
      await backoff(attempt);
    }
  }

  return {
    description: store.description,
    local: store.local,
    sync: store.sync && (() => store.sync!()),
    put: (key, body, putOptions) => {
      if (isReplayableStream(body)) return putReplayable(key, body, putOptions);
      if (isInMemory(body)) return retry('put', key, () => store.put(key, body, putOptions));
      // One-shot: see above.
      return store.put(key, body, putOptions);
    },
    get: (key, range) => retry('get', key, () => store.get(key, range)),
    head: (key) => retry('head', key, () => store.head(key)),
    delete: (key) => retry('delete', key, () => store.delete(key)),
    list,
  };
}
