import type { CatalogDef, FunctionDef, TableDef, ViewDef } from './catalog-types.ts';
import type { CompressionValue } from './compression.ts';
import type { SnapshotAccounts } from './snapshot-accounts.ts';

/*
 * What a snapshot holds. Whatever is read back from a repository is checked against these shapes and the
 * domain's rules before it is used (snapshot-validation.ts, whose shapes the compiler keeps in step with these).
 */

/** A segment as a snapshot keeps it: content address plus what a reader needs to rebuild the manifest. */
export interface SnapshotSegment {
  sha256: string;
  size: number;
  rows: number;
}

/** `tablets[i]` holds bucket i. */
export interface SnapshotTablet {
  bucket: number;
  segments: SnapshotSegment[];
}

export interface SnapshotPartition {
  name: string;
  version: number;
  tablets: SnapshotTablet[];
  /** Tablets of each synchronous MV of the table. */
  indexes?: Record<string, SnapshotTablet[]>;
}

export interface SnapshotTable {
  def: TableDef;
  /** Only the partitions the backup took (all, or those named in ON). */
  partitions: SnapshotPartition[];
}

/** `__meta_<ts>`: everything a restore needs to recreate the objects. */
export interface SnapshotMeta {
  database: string;
  /** Tables and asynchronous materialized views (both have data). */
  tables: SnapshotTable[];
  views?: ViewDef[];
  functions?: FunctionDef[];
  /** Catalog secrets stay sealed; only the cluster that sealed them can open them again. */
  catalogs?: (CatalogDef & { sealedBy?: string })[];
  /** `BACKUP ALL USERS`: users (hashes only), non-built-in roles and grants; absent in other snapshots. */
  accounts?: SnapshotAccounts;
}

/** What `__info` says of each partition: its version and its base tablets' rows, bytes and segment files. */
export interface PartitionSummary {
  version: number;
  rows: number;
  bytes: number;
  files: number;
}

/** `__info_<ts>`: the small summary SHOW SNAPSHOT reads; its presence makes the snapshot exist. */
export interface SnapshotInfo {
  name: string;
  database: string;
  timestamp: string;
  backup_time: number;
  finish_time: number;
  cluster_id: string;
  format_version: number;
  meta: { sha256: string; size: number };
  backup_objects: Record<string, { partitions: Record<string, PartitionSummary> }>;
  materialized_views?: string[];
  views?: string[];
  functions?: string[];
  catalogs?: string[];
  /** A `BACKUP ALL USERS` snapshot's users as `'u'@'host'` and its roles; both absent in other snapshots. */
  users?: string[];
  roles?: string[];
  totals: { files: number; bytes: number; blobs: number };
  ttl?: string;
  expire_time?: number;
  /**
   * How the blobs this backup uploaded are stored (absent: none, as in every snapshot written before it).
   * A blob it shares with earlier snapshots stays as they stored it; its key says which (repository-layout.ts).
   */
  compression?: CompressionValue;
  backup_result: 'succeed';
}
