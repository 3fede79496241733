import type { ColumnSpec, Partitioning, PartitionSpec } from './catalog-types.ts';
import { type ColumnType, isNumericType } from './column-types.ts';

/** Orders two canonical values of a type: numbers numerically, everything else by text. */
export function compareValues(t: ColumnType, a: string, b: string): number {
  if (isNumericType(t)) {
    if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) {
      const [x, y] = [BigInt(a), BigInt(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return Math.sign(Number(a) - Number(b));
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Tuple order; a shorter bound stands for MINVALUE in its missing positions. */
export function compareTuples(types: ColumnType[], a: string[], b: string[]): number {
  for (let i = 0; i < types.length; i++) {
    if (i >= a.length || i >= b.length) return a.length === b.length ? 0 : i >= a.length ? -1 : 1;
    const c = compareValues(types[i]!, a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

export function partitionColumnTypes(columns: ColumnSpec[], partitioning: Partitioning): ColumnType[] {
  return partitioning.columns.map((c) => columns.find((col) => col.name.toLowerCase() === c.toLowerCase())!.type);
}

/** True when [lower, upper) of a contains the tuple. */
export function rangeContains(types: ColumnType[], p: PartitionSpec, tuple: string[]): boolean {
  const r = p.range!;
  if (r.lower.length && compareTuples(types, tuple, r.lower) < 0) return false;
  return r.upper === null || compareTuples(types, tuple, r.upper) < 0;
}

export function rangesIntersect(types: ColumnType[], a: PartitionSpec, b: PartitionSpec): boolean {
  const [ra, rb] = [a.range!, b.range!];
  const aBeforeB = ra.upper !== null && compareTuples(types, ra.upper, rb.lower) <= 0 && rb.lower.length > 0;
  const bBeforeA = rb.upper !== null && compareTuples(types, rb.upper, ra.lower) <= 0 && ra.lower.length > 0;
  return !(aBeforeB || bBeforeA);
}

export function rangesEqual(types: ColumnType[], a: PartitionSpec, b: PartitionSpec): boolean {
  const [ra, rb] = [a.range!, b.range!];
  const sameUpper = ra.upper === null || rb.upper === null ? ra.upper === rb.upper : compareTuples(types, ra.upper, rb.upper) === 0;
  return sameUpper && ra.lower.length === rb.lower.length && compareTuples(types, ra.lower, rb.lower) === 0;
}

/**
 * The partition a row's partition-column values fall into, or undefined when none does (StarRocks refuses
 * such a row). A NULL goes to the lowest range partition, as in StarRocks.
 */
export function findPartition(types: ColumnType[], partitioning: Partitioning, tuple: (string | null)[]): PartitionSpec | undefined {
  const { type, partitions } = partitioning;
  if (type === 'UNPARTITIONED') return partitions[0];
  if (type === 'RANGE') {
    if (tuple.some((v) => v === null)) return partitions.find((p) => p.range!.lower.length === 0);
    return partitions.find((p) => rangeContains(types, p, tuple as string[]));
  }
  return partitions.find((p) => p.values!.some((vals) => vals.every((v, i) => tuple[i] !== null && compareValues(types[i]!, v, tuple[i]!) === 0)));
}

/** StarRocks' SHOW PARTITIONS `Range` text: `[types: [DATE]; keys: [2024-01-01]; ..types: [DATE]; keys: [2024-02-01]; )`. */
export function describeRange(types: ColumnType[], p: PartitionSpec): string {
  const names = `[${types.map((t) => t.name).join(', ')}]`;
  const keys = (vals: string[] | null, max: boolean) =>
    `[${types.map((_, i) => (vals && vals[i] !== undefined ? vals[i] : max ? 'MAXVALUE' : 'MINVALUE')).join(', ')}]`;
  return `[types: ${names}; keys: ${keys(p.range!.lower, false)}; ..types: ${names}; keys: ${keys(p.range!.upper, true)}; )`;
}
