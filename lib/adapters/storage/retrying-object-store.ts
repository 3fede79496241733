import { StorageError } from '../../domain/errors.ts';
import type { ObjectInfo, ObjectStore } from '../../ports/object-store.ts';
import { isReplayable } from './body.ts';

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
 * Retries what a backend reports as retryable (throttling, timeouts, 5xx). Lives outside the adapters so
 * every backend gets the same policy. A put with a stream body is tried once: the stream is consumed.
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
  async function* list(prefix: string): AsyncGenerator<ObjectInfo> {
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const info of store.list(prefix)) {
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

  return {
    description: store.description,
    put: (key, body, putOptions) =>
      isReplayable(body) ? retry('put', key, () => store.put(key, body, putOptions)) : store.put(key, body, putOptions),
    get: (key, range) => retry('get', key, () => store.get(key, range)),
    head: (key) => retry('head', key, () => store.head(key)),
    delete: (key) => retry('delete', key, () => store.delete(key)),
    list,
  };
}
