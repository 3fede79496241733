import type { ObjectStore } from '../../ports/object-store.ts';
import { Semaphore, withConcurrencyLimit } from './limited-object-store.ts';
import { withLogging } from './logging-object-store.ts';
import { readOnlyStore } from './read-only-object-store.ts';
import { withRetries } from './retrying-object-store.ts';
import { describeError, logStorage } from './storage-log.ts';

export interface WrapOptions {
  /** Refuse puts and deletes (READ ONLY repositories). */
  readOnly?: boolean;
}

/**
 * Requests in flight per location and process. Every store opened on one location (each workflow
 * phase opens its own) shares the limit, so a Map of upload workers cannot open hundreds of sockets
 * to one bucket or namenode. `STARBACKUP_STORAGE_CONCURRENCY` overrides it.
 */
const DEFAULT_CONCURRENCY = 32;
const semaphores = new Map<string, Semaphore>();

function semaphoreFor(description: string): Semaphore {
  let semaphore = semaphores.get(description);
  if (!semaphore) {
    const wanted = Number(process.env.STARBACKUP_STORAGE_CONCURRENCY);
    semaphores.set(description, (semaphore = new Semaphore(Number.isInteger(wanted) && wanted > 0 ? wanted : DEFAULT_CONCURRENCY)));
  }
  return semaphore;
}

/**
 * The policies every opened store gets, outermost first: logging (one entry per call, with its final
 * outcome), retries with backoff for retryable StorageErrors (each attempt logged), the concurrency
 * limit (taken per attempt, so a backoff does not hold a slot), the read-only guard, then the backend.
 * Three tries at 250 ms doubling: enough for a blip, short enough that CREATE REPOSITORY against a dead
 * endpoint answers within seconds; longer outages are the workflow's Retry to handle.
 */
export function wrapObjectStore(store: ObjectStore, options: WrapOptions = {}): ObjectStore {
  const guarded = options.readOnly ? readOnlyStore(store) : store;
  const limited = withConcurrencyLimit(guarded, semaphoreFor(store.description));
  const retried = withRetries(limited, {
    attempts: 3,
    baseDelayMs: 250,
    onRetry: ({ op, key, attempt, error }) =>
      logStorage({ level: 'warn', op: `retry ${op}`, store: store.description, key, attempt, error: describeError(error) }),
  });
  return withLogging(retried);
}
