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

export interface RecordTable {
  get<T>(key: RecordKey): Promise<StoredRecord<T> | undefined>;
  /** Writes the whole document; returns the new version. Throws ConditionFailedError when the condition fails. */
  put<T>(key: RecordKey, doc: T, options?: PutOptions): Promise<number>;
  /** Deletes; with a condition, throws ConditionFailedError when it fails. Deleting a missing record is fine. */
  delete(key: RecordKey, condition?: WriteCondition): Promise<void>;
  /** Every record of a partition key, in sk order, optionally only those whose sk starts with a prefix. */
  query<T>(pk: string, skPrefix?: string): Promise<StoredRecord<T>[]>;
  /** Atomically adds to named counters of an existing record (no version change). */
  add(key: RecordKey, counters: Record<string, number>): Promise<void>;
}
