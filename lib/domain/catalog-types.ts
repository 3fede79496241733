import type { ColumnType } from './column-types.ts';

export const KeysType = {
  DUPLICATE: 'DUP_KEYS',
  UNIQUE: 'UNIQUE_KEYS',
  PRIMARY: 'PRIMARY_KEYS',
  AGGREGATE: 'AGG_KEYS',
} as const;
export type KeysTypeValue = (typeof KeysType)[keyof typeof KeysType];

/** The cluster catalog model, as stored in DynamoDB and copied into snapshot metadata. */
export interface DatabaseDef {
  id: string;
  name: string;
  createTime: number;
}

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  isKey: boolean;
  aggregate?: string;
  autoIncrement?: boolean;
  /** Canonical default value; null = DEFAULT NULL; absent = no default. */
  defaultValue?: string | null;
  comment?: string;
}

/** Bounds are canonical values per partition column; `null` upper = MAXVALUE, `[]` lower = MINVALUE. */
export interface PartitionSpec {
  id: string;
  name: string;
  range?: { lower: string[]; upper: string[] | null };
  values?: string[][];
}

export interface Partitioning {
  type: 'RANGE' | 'LIST' | 'UNPARTITIONED';
  columns: string[];
  partitions: PartitionSpec[];
}

export interface Distribution {
  type: 'HASH' | 'RANDOM';
  columns: string[];
  buckets: number;
}

export interface TableDef {
  id: string;
  name: string;
  type: 'OLAP';
  keysType: KeysTypeValue;
  keyColumns: string[];
  columns: ColumnSpec[];
  partitioning: Partitioning;
  distribution: Distribution;
  properties: Record<string, string>;
  comment?: string;
  createTime: number;
}

/** Where a partition's data are: a version and the immutable manifest object that lists its segments. */
export interface PartitionData {
  version: number;
  manifest: string | null;
  rows: number;
  bytes: number;
  segments: number;
  versionTime: number;
}

export const TableState = { NORMAL: 'NORMAL', RESTORE: 'RESTORE' } as const;
export type TableStateValue = (typeof TableState)[keyof typeof TableState];

export interface TableRecord {
  def: TableDef;
  state: TableStateValue;
  /** The restore job that holds the table, while state is RESTORE. */
  restoreJobId?: string;
  /** Keyed by partition id. */
  data: Record<string, PartitionData>;
}

export interface SegmentRef {
  path: string;
  size: number;
  sha256: string;
  rows: number;
}

/** One tablet per bucket; `tablets[i]` holds bucket i. Immutable once written. */
export interface PartitionManifest {
  tableId: string;
  partitionId: string;
  version: number;
  tablets: { bucket: number; segments: SegmentRef[] }[];
}
