import type { TableDef } from '../domain/catalog-types.ts';
import { renderType } from '../domain/column-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import { bucketOf } from '../domain/bucketing.ts';
import { findPartition, partitionColumnTypes } from '../domain/partitioning.ts';
import { type ValueConverter, valueConverter } from '../domain/value-converter.ts';
import type { Routed, RoutedRows } from './load.ts';
import type { Row } from './segments.ts';
import { findColumn } from './table-definition.ts';

/**
 * Turns written rows into canonical rows in table column order, then routes each to its partition and
 * bucket. Every row is checked before anything is written, so a bad value fails the whole load.
 */
export function buildRows(def: TableDef, columns: string[] | undefined, input: (string | null)[][], restrictTo?: string[]): RoutedRows {
  const router = new RowRouter(def, columns, restrictTo);
  for (const values of input) router.add(values);
  return router.take();
}

/**
 * Routes rows one at a time (a load that streams takes them in batches): numbers them from 1 across the
 * whole load, for messages and for RANDOM distribution, and checks each as buildRows says. What it keeps
 * of a row is `keep`'s: the row itself, or (a load that streams) its segment line, so that a batch holds
 * one string per row rather than an array and its values.
 */
export class RowRouter<T = Row> {
  private readonly order: number[];
  private readonly allowed?: string[];
  private readonly types: ReturnType<typeof partitionColumnTypes>;
  private readonly partIdx: number[];
  private readonly distIdx: number[];
  private readonly convert: ValueConverter[];
  private readonly defaults: Row;
  private readonly inPlace: boolean;
  private readonly written: Set<number>;
  private readonly notNull: number[];
  private readonly hashed: boolean;
  private only?: string;
  private routed: Routed<T> = new Map();
  /** Rows routed so far, over every batch. */
  count = 0;

  constructor(
    private readonly def: TableDef, readonly columns: string[] | undefined, readonly restrictTo?: string[], private readonly keep: (row: Row) => T = (row) => row as T,
  ) {
    this.order = (columns ?? def.columns.map((c) => c.name)).map((n) => {
      const c = findColumn(def.columns, n);
      if (!c) throw new AnalysisError(`Unknown column '${n}' in table '${def.name}'`);
      return def.columns.indexOf(c);
    });
    if (new Set(this.order).size !== this.order.length) throw new AnalysisError(`Duplicate column in the column list of INSERT into '${def.name}'`);
    this.allowed = restrictTo?.map((p) => {
      const spec = def.partitioning.partitions.find((s) => s.name.toLowerCase() === p.toLowerCase());
      if (!spec) throw new AnalysisError(`Unknown partition '${p}' in table '${def.name}'`, { mysqlCode: 'ERR_NO_SUCH_PARTITION' });
      return spec.id;
    });
    this.types = partitionColumnTypes(def.columns, def.partitioning);
    this.partIdx = def.partitioning.columns.map((n) => def.columns.indexOf(findColumn(def.columns, n)!));
    this.distIdx = def.distribution.columns.map((n) => def.columns.indexOf(findColumn(def.columns, n)!));
    this.convert = this.order.map((k) => valueConverter(def.columns[k]!.type));
    this.defaults = def.columns.map((c) => (c.defaultValue === undefined ? null : c.defaultValue));
    this.inPlace = this.order.length === def.columns.length && this.order.every((k, j) => k === j);
    this.written = new Set(this.order);
    this.notNull = def.columns.flatMap((c, k) => (c.nullable ? [] : [k]));
    this.hashed = def.distribution.type === 'HASH';
    // An unpartitioned table has one partition, the same for every row.
    if (def.partitioning.type === 'UNPARTITIONED' && !this.allowed) this.only = def.partitioning.partitions[0]?.id;
  }

  /** The table rows go to (a parallel load gives it to each thread). */
  get table(): TableDef {
    return this.def;
  }

  /** Routes one row; returns its size in characters, roughly, so that a caller can bound a batch. */
  add(values: (string | null)[]): number {
    const { def, order, convert } = this;
    const i = this.count++;
    const rowNo = i + 1;
    if (values.length !== order.length) {
      throw new AnalysisError(`Row ${rowNo}: ${values.length} values for ${order.length} columns of table '${def.name}'`);
    }
    // Every column written in table order: the written values become the row, without a copy.
    const row: Row = this.inPlace ? values : this.defaults.slice();
    let size = 0;
    for (let j = 0; j < values.length; j++) {
      const raw = values[j]!;
      const k = order[j]!;
      if (raw === null) { row[k] = null; continue; }
      const v = convert[j]!(raw);
      if (typeof v !== 'string') {
        const col = def.columns[k]!;
        throw new AnalysisError(`Row ${rowNo}: value '${clip(raw)}' for column '${col.name}' ${v.ok ? '' : v.reason} (${renderType(col.type)})`);
      }
      row[k] = v;
      size += v.length;
    }
    for (const k of this.notNull) {
      if (row[k] !== null) continue;
      const why = this.written.has(k) ? 'is NULL' : 'has no value and no default';
      throw new AnalysisError(`Row ${rowNo}: column '${def.columns[k]!.name}' ${why}, but it is NOT NULL`);
    }
    const part = this.only ?? this.partitionOf(row, rowNo);
    const buckets = def.distribution.buckets;
    const bucket = this.hashed ? bucketOf(this.distIdx.map((k) => row[k]!), buckets) : i % buckets;
    let byBucket = this.routed.get(part);
    if (!byBucket) this.routed.set(part, (byBucket = new Map()));
    let list = byBucket.get(bucket);
    if (!list) byBucket.set(bucket, (list = []));
    list.push(this.keep(row));
    // Each value and each row costs some bytes beside its characters.
    return size + 16 * row.length + 64;
  }

  private partitionOf(row: Row, rowNo: number): string {
    const { def } = this;
    const part = findPartition(this.types, def.partitioning, this.partIdx.map((k) => row[k]!));
    if (!part) {
      const shown = this.partIdx.map((k) => `${def.columns[k]!.name}=${row[k]}`).join(', ');
      throw new AnalysisError(`Row ${rowNo} (${shown}) is out of partition ranges of table '${def.name}'. Please add a new partition.`);
    }
    if (this.allowed && !this.allowed.includes(part.id)) {
      throw new AnalysisError(`Row ${rowNo} belongs to partition '${part.name}', which is not in the PARTITION list of the INSERT`);
    }
    return part.id;
  }

  /** The rows routed since the last take, which the router forgets. */
  take(): Routed<T> {
    const out = this.routed;
    this.routed = new Map();
    return out;
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
