import type { TableDef } from '../domain/catalog-types.ts';
import { renderType } from '../domain/column-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import { bucketOf } from '../domain/bucketing.ts';
import { findPartition, partitionColumnTypes } from '../domain/partitioning.ts';
import { canonicalValue } from '../domain/values.ts';
import type { RoutedRows } from './load.ts';
import type { Row } from './segments.ts';
import { findColumn } from './table-definition.ts';

/**
 * Turns written rows into canonical rows in table column order, then routes each to its partition and
 * bucket. Every row is checked before anything is written, so a bad value fails the whole load.
 */
export function buildRows(def: TableDef, columns: string[] | undefined, input: (string | null)[][], restrictTo?: string[]): RoutedRows {
  const order = (columns ?? def.columns.map((c) => c.name)).map((n) => {
    const c = findColumn(def.columns, n);
    if (!c) throw new AnalysisError(`Unknown column '${n}' in table '${def.name}'`);
    return def.columns.indexOf(c);
  });
  if (new Set(order).size !== order.length) throw new AnalysisError(`Duplicate column in the column list of INSERT into '${def.name}'`);
  const allowed = restrictTo?.map((p) => {
    const spec = def.partitioning.partitions.find((s) => s.name.toLowerCase() === p.toLowerCase());
    if (!spec) throw new AnalysisError(`Unknown partition '${p}' in table '${def.name}'`, { mysqlCode: 'ERR_NO_SUCH_PARTITION' });
    return spec.id;
  });
  const types = partitionColumnTypes(def.columns, def.partitioning);
  const partIdx = def.partitioning.columns.map((n) => def.columns.indexOf(findColumn(def.columns, n)!));
  const distIdx = def.distribution.columns.map((n) => def.columns.indexOf(findColumn(def.columns, n)!));
  const routed: RoutedRows = new Map();
  input.forEach((values, i) => {
    const rowNo = i + 1;
    if (values.length !== order.length) {
      throw new AnalysisError(`Row ${rowNo}: ${values.length} values for ${order.length} columns of table '${def.name}'`);
    }
    const row: Row = def.columns.map((c) => (c.defaultValue === undefined ? null : c.defaultValue));
    const given = new Set(order);
    values.forEach((raw, j) => {
      const col = def.columns[order[j]!]!;
      if (raw === null) { row[order[j]!] = null; return; }
      const v = canonicalValue(col.type, raw);
      if (!v.ok) throw new AnalysisError(`Row ${rowNo}: value '${clip(raw)}' for column '${col.name}' ${v.reason} (${renderType(col.type)})`);
      row[order[j]!] = v.value;
    });
    def.columns.forEach((c, k) => {
      if (row[k] !== null) return;
      if (!c.nullable) {
        const why = given.has(k) ? 'is NULL' : 'has no value and no default';
        throw new AnalysisError(`Row ${rowNo}: column '${c.name}' ${why}, but it is NOT NULL`);
      }
    });
    const part = findPartition(types, def.partitioning, partIdx.map((k) => row[k]!));
    if (!part) {
      const shown = partIdx.map((k) => `${def.columns[k]!.name}=${row[k]}`).join(', ');
      throw new AnalysisError(`Row ${rowNo} (${shown}) is out of partition ranges of table '${def.name}'. Please add a new partition.`);
    }
    if (allowed && !allowed.includes(part.id)) {
      throw new AnalysisError(`Row ${rowNo} belongs to partition '${part.name}', which is not in the PARTITION list of the INSERT`);
    }
    const buckets = def.distribution.buckets;
    const bucket = def.distribution.type === 'HASH' ? bucketOf(distIdx.map((k) => row[k]!), buckets) : i % buckets;
    let byBucket = routed.get(part.id);
    if (!byBucket) routed.set(part.id, (byBucket = new Map()));
    let list = byBucket.get(bucket);
    if (!list) byBucket.set(bucket, (list = []));
    list.push(row);
  });
  return routed;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
