import { type ColumnSpec, KeysType, type KeysTypeValue, type PartitionSpec } from './catalog-types.ts';
import type { ColumnType } from './column-types.ts';
import { AnalysisError } from './errors.ts';
import { compareTuples, rangesIntersect } from './partitioning.ts';
import { canonicalValue } from './values.ts';

/**
 * The rules a table definition obeys, with StarRocks' messages. CREATE TABLE applies them to what a statement
 * writes (lib/cluster/table-definition.ts) and RESTORE to what a snapshot brings back
 * (snapshot-validation.ts), so a table a statement could not create cannot come back from a repository.
 */
export const MAX_BUCKETS = 1024;

export function checkHasColumns(table: string, columns: number): void {
  if (columns === 0) throw new AnalysisError(`Table ${table} must have at least one column`);
}

/** A key column of a primary-key table is never nullable. */
export function checkKeyNullability(keysType: KeysTypeValue, isKey: boolean, nullable: boolean | undefined, column: string): void {
  if (keysType === KeysType.PRIMARY && isKey && nullable === true) throw new AnalysisError(`primary key column[${column}] cannot be nullable`);
}

/** A column's DEFAULT in its canonical form. */
export function canonicalDefault(column: string, type: ColumnType, raw: string): string {
  const v = canonicalValue(type, raw);
  if (!v.ok) throw new AnalysisError(`Invalid default value for '${column}': '${raw}' ${v.reason}`);
  return v.value;
}

/** Column and partition names are unique regardless of case. */
export function checkDuplicateNames(what: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) throw new AnalysisError(`Duplicate ${what} name '${n}'`);
    seen.add(n.toLowerCase());
  }
}

export function findColumn(columns: ColumnSpec[], name: string): ColumnSpec | undefined {
  return columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/** The column a key, partition or distribution clause names (`what` says which). */
export function requireColumn(columns: ColumnSpec[], name: string, what: string): ColumnSpec {
  const c = findColumn(columns, name);
  if (!c) throw new AnalysisError(`${what} '${name}' does not exist in the table`);
  return c;
}

/** One partition bound or list value, canonical per partition column. */
export function canonicalPartitionValues(types: ColumnType[], values: string[], partition: string): string[] {
  return values.map((raw, i) => {
    if (i >= types.length) throw new AnalysisError(`Partition ${partition} has more values than partition columns`);
    const v = canonicalValue(types[i]!, raw);
    if (!v.ok) throw new AnalysisError(`Invalid partition value '${raw}' of partition ${partition}: it ${v.reason}`);
    return v.value;
  });
}

/** A range partition: its upper bound above its lower one, and no overlap with the partitions before it. */
export function checkRange(types: ColumnType[], spec: PartitionSpec, earlier: PartitionSpec[]): void {
  const r = spec.range!;
  if (r.upper && compareTuples(types, r.upper, r.lower) <= 0 && r.lower.length) {
    throw new AnalysisError(`Invalid range of partition ${spec.name}: the upper bound must be greater than the lower bound`);
  }
  const clash = earlier.find((s) => rangesIntersect(types, s, spec));
  if (clash) throw intersecting(spec, clash);
}

/**
 * No two of these range partitions overlap (each already passed checkRange's bound check): sorted by lower
 * bound, only neighbours need comparing, so a table of thousands of partitions is checked in n log n.
 */
export function checkRangesDisjoint(types: ColumnType[], specs: PartitionSpec[]): void {
  const sorted = [...specs].sort((a, b) => compareTuples(types, a.range!.lower, b.range!.lower));
  for (let i = 1; i < sorted.length; i++) if (rangesIntersect(types, sorted[i - 1]!, sorted[i]!)) throw intersecting(sorted[i]!, sorted[i - 1]!);
}

function intersecting(spec: PartitionSpec, clash: PartitionSpec): AnalysisError {
  return new AnalysisError(`Range of partition ${spec.name} intersects with the range of partition ${clash.name}`);
}

export function checkBucketNumber(buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) throw new AnalysisError(`Invalid bucket number: ${buckets}`);
  return buckets;
}
