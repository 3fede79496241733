/**
 * One DynamoDB-shaped table of JSON documents keyed by (pk, sk). Everything the catalog and the control
 * plane need is built on single-item conditional writes, because the embedded DynamoDB (dynalite) has no
 * transactions and no TTL: a lease is expired by comparing times in the condition.
 */
export interface RecordKey {
  pk: string;
  sk: string;
}

export interface StoredRecord<T> {
  key: RecordKey;
  doc: T;
  /** Starts at 1 and grows by one on every put; the basis of optimistic concurrency. */
  version: number;
  /** Epoch ms after which the record counts as absent for `absentOrExpired` (leases). */
  expiresAt?: number;
  /** Counters maintained by `add`, independent of `version` so concurrent adds never conflict. */
  counters: Record<string, number>;
}

export type WriteCondition =
  | { kind: 'any' }
  | { kind: 'absent' }
  | { kind: 'version'; version: number }
  /** Absent, or present with expiresAt < now (a lapsed lease). */
  | { kind: 'absentOrExpired'; now: number };

export interface PutOptions {
  condition?: WriteCondition;
  /** Lease end, epoch ms: conditions compare against it (dynalite has no TTL). */
  expiresAt?: number;
  /**
   * When the table may forget the record, epoch seconds (DynamoDB TTL's unit). A lease gets one from
   * `expiresAt`; finished jobs get one so old history ages out. Nothing may depend on the deletion happening.
   */
  ttlSeconds?: number;
}

/**
 * What `update` does when another writer wins the race between its read and its conditional write: it
 * reads again and applies `change` to the fresher document, at most `attempts` times in all, waiting
 * `backoffMs` before the second try and twice as long before each next one (with jitter, at most
 * `maxBackoffMs`). Every read-modify-write of the catalog and the control records runs under this one
 * policy; with the default, a key that keeps changing under it gives up after about two seconds.
 */
export interface UpdatePolicy {
  /** Tries in all, the first one included (at least 1). */
  attempts: number;
  /** Wait before the second try, ms; doubles for each next one. */
  backoffMs: number;
  /** The longest wait between two tries, ms. */
  maxBackoffMs: number;
}

export const DEFAULT_UPDATE_POLICY: Readonly<UpdatePolicy> = { attempts: 10, backoffMs: 10, maxBackoffMs: 500 };

export interface UpdateOptions<T> extends Partial<UpdatePolicy> {
  /** Lease end of the record written, epoch ms (as PutOptions.expiresAt; absent: the record has none). */
  expiresAt?: number;
  /** As PutOptions.ttlSeconds; a function decides from the document about to be written. */
  ttlSeconds?: number | ((doc: T) => number | undefined);
}

/**
 * The change of one `update` attempt. `doc` is a private copy of the current document (undefined when the
 * record is absent) that the change may modify and return; `current` is the record as read. It returns the
 * document to write, or undefined to write nothing; it may throw to abort (nothing is written and the error
 * reaches the caller). It runs again on a fresher read after a lost race, so it must not depend on having
 * run once: side effects of a lost attempt (files written for the document) are its own to undo.
 */
export type RecordChange<T> = (doc: T | undefined, current: StoredRecord<T> | undefined) => T | undefined | Promise<T | undefined>;

export interface RecordTable {
  get<T>(key: RecordKey): Promise<StoredRecord<T> | undefined>;
  /** Writes the whole document; returns the new version. Throws ConditionFailedError when the condition fails. */
  put<T>(key: RecordKey, doc: T, options?: PutOptions): Promise<number>;
  /** Deletes; with a condition, throws ConditionFailedError when it fails. Deleting a missing record is fine. */
  delete(key: RecordKey, condition?: WriteCondition): Promise<void>;
  /** Every record of a partition key, in sk order, optionally only those whose sk starts with a prefix. */
  query<T>(pk: string, skPrefix?: string): Promise<StoredRecord<T>[]>;
  /** The records of a partition key whose sk sorts before `below`, in sk order (a range read, not a filter). */
  queryBelow<T>(pk: string, below: string): Promise<StoredRecord<T>[]>;
  /**
   * The record with the highest sk whose document `accept` takes, read newest first a page at a time, so
   * finding the last of a long history costs one small read, not the whole partition.
   */
  newest<T>(pk: string, accept: (doc: T) => boolean): Promise<StoredRecord<T> | undefined>;
  /** Atomically adds to named counters of an existing record (no version change). */
  add(key: RecordKey, counters: Record<string, number>): Promise<void>;
  /**
   * Read-modify-write under optimistic concurrency: reads the record, applies `change`, and writes the
   * result conditioned on the version read (or on the record still being absent). A write that loses to
   * another writer is retried under the UpdatePolicy (DEFAULT_UPDATE_POLICY, or the options' own
   * `attempts` and `backoffMs`); when the tries run out it throws ConditionFailedError naming the key and
   * the number of tries, a transient error (the workflows' Retry runs the handler again).
   *
   * Returns the record as written (its counters are reset, as by `put`), or as read when `change` returned
   * undefined (undefined if there was none).
   */
  update<T>(key: RecordKey, change: RecordChange<T>, options?: UpdateOptions<T>): Promise<StoredRecord<T> | undefined>;
}
