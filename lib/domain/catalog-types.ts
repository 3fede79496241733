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
  /** Async MVs are tables with a defining query: data, partitions and backup work the same way. */
  type: 'OLAP' | 'MATERIALIZED_VIEW';
  mv?: MaterializedViewInfo;
  /** Synchronous MVs on this table. */
  indexes?: SyncIndexDef[];
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
  /** Rows of each synchronous MV index in this partition. */
  indexRows?: Record<string, number>;
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
  /** Tablets of each synchronous MV index, by index name, bucketed like the base. */
  indexes?: Record<string, { bucket: number; segments: SegmentRef[] }[]>;
}

/** A logical view: kept as SQL text, as StarRocks keeps it. */
export interface ViewDef {
  id: string;
  name: string;
  columns?: string[];
  query: string;
  comment?: string;
  createTime: number;
}

/** A UDF: signature and properties (symbol, type, file…); the code itself lives where `file` points. */
export interface FunctionDef {
  id: string;
  name: string;
  argTypes: string[];
  variadic: boolean;
  returnType: string;
  intermediateType?: string;
  kind: 'SCALAR' | 'AGGREGATE' | 'TABLE';
  properties: Record<string, string>;
  createTime: number;
}

/** An external catalog: metadata only. Secret property values are sealed, like repository credentials. */
export interface CatalogDef {
  id: string;
  name: string;
  type: string;
  properties: Record<string, string>;
  sealedSecrets?: string;
  comment?: string;
  createTime: number;
}

/** What makes a table an asynchronous materialized view. */
export interface MaterializedViewInfo {
  query: string;
  /** Base tables as written, resolved against the MV's database when unqualified. */
  baseTables: { db?: string; name: string }[];
  refresh: string;
  active: boolean;
  inactiveReason?: string;
  lastRefreshTime?: number;
}

/** A synchronous MV: an index of its base table with its own tablets, filled by every load. */
export interface SyncIndexDef {
  id: string;
  name: string;
  /** Positions of the base-table columns the index keeps, in index order. */
  columns: string[];
  query: string;
}
