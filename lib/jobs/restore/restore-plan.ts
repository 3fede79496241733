import type { CatalogDef, FunctionDef, PartitionData, SegmentRef, TableDef, ViewDef } from '../../domain/catalog-types.ts';
import type { AccountRestorePlan } from '../../access/account-restore.ts';

/** What the restore phases hand each other through staging (`plan`, then `download`, then `commit`). */
export interface RestoreTablePlan {
  /** The name in the target database (the AS alias, or the snapshot's name). */
  name: string;
  sourceName: string;
  mode: 'create' | 'overwrite';
  def: TableDef;
  partitions: { name: string; targetId: string; added: boolean; version: number }[];
}

export interface RestorePlan {
  tables: RestoreTablePlan[];
  /** Metadata-only objects, already renamed; created or replaced in COMMITTING. */
  views?: ViewDef[];
  functions?: FunctionDef[];
  catalogs?: CatalogDef[];
  /** RESTORE … ALL USERS: the roles and users to create (those that exist are kept, never changed). */
  accounts?: AccountRestorePlan;
}

/** The new segments of each restored partition, bucket by bucket, under the target table's paths. */
export interface RestoreDownload {
  tables: { name: string; partitions: { targetId: string; tablets: SegmentRef[][]; indexes?: Record<string, SegmentRef[][]> }[] }[];
}

/**
 * Manifest objects written in COMMIT, published by COMMITTING. `summary` (the partition's counts, all but
 * its publish time) travels with each so COMMITTING need not read back the manifest just written; a commit
 * doc staged before it was added has none, and COMMITTING then reads the manifest.
 */
export interface RestoreCommit {
  tables: { name: string; partitions: { targetId: string; manifest: string; version: number; summary?: Omit<PartitionData, 'versionTime'> }[] }[];
}
